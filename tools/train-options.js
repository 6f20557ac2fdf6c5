// train-options.js: what the experiment CLIs share: the options `train` takes
// (tools/train.js) and `sweep` takes too (tools/sweep.js), reading the run(s) a
// preset, variant or configuration file names, and the `done` event of --json.
import fs from 'node:fs';
import path from 'node:path';
import { findPreset } from '../core/presets.js';
import { validateConfig, ConfigError, withEpochs } from '../core/config.js';
import { prepare } from '../core/prepare.js';

export const TRAIN_OPTIONS = `  --epochs N          override the number of epochs (a schedule in epochs or fractions of the run follows)
  --seed S            override the seed
  --threads N         engine threads (default: all cores, at most 4)
  --variant V         threads (SIMD + pthreads, default) or single (SIMD only)
  --simd S            auto (relaxed SIMD where Node has it, default), relaxed or plain
                      (plain: no fused multiply-add, the native build's exact numbers)
  --json              one JSON object per line instead of the Keras-like log
  --cifar-dir DIR     folder with the CIFAR-10 binary batches (experiment 14)`;

export function fail(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

// extra(a, {value, int, opts}): a caller's own options, tried first; returns
// true when it took the argument.
export function parseArgs(argv, { usage, extra } = {}) {
  const opts = { json: false, list: false };
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      return argv[++i];
    };
    const int = (name) => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 0) fail(`${name} must be a whole number`);
      return v;
    };
    if (extra?.(a, { value, int, opts })) continue;
    if (a === '--json') opts.json = true;
    else if (a === '--list') opts.list = true;
    else if (a === '--help' || a === '-h') opts.help = true;
    else if (a === '--epochs') opts.epochs = int('--epochs');
    else if (a === '--seed') opts.seed = int('--seed');
    else if (a === '--threads') opts.threads = int('--threads');
    else if (a === '--variant') opts.variant = value();
    else if (a === '--simd') opts.simd = value();
    else if (a === '--cifar-dir') opts.cifarDir = value();
    else if (a === '--export') opts.exportDir = value();
    else if (a === '--keras-script') opts.kerasScript = true;
    else if (a === '--stop-after-epoch') opts.stopAfterEpoch = int('--stop-after-epoch');
    else if (a === '--resume') opts.resume = value();
    else if (a.startsWith('--')) fail(`unknown option ${a}\n${usage}`);
    else positional.push(a);
  }
  if (opts.variant && !['threads', 'single'].includes(opts.variant)) fail('--variant must be threads or single');
  if (opts.simd && !['auto', 'relaxed', 'plain'].includes(opts.simd)) fail('--simd must be auto, relaxed or plain');
  if (opts.epochs === 0) fail('--epochs must be at least 1');
  if (opts.threads === 0) fail('--threads must be at least 1');
  if (opts.stopAfterEpoch === 0) fail('--stop-after-epoch must be at least 1');
  if (opts.stopAfterEpoch && !opts.exportDir) fail('--stop-after-epoch needs --export DIR: the checkpoint is written there');
  if (opts.resume && (positional.length || opts.epochs || opts.seed !== undefined))
    fail('--resume takes the run and its configuration from the checkpoint: give no preset, --epochs or --seed');
  return { opts, positional };
}

// The runs a target names (a configuration file, a preset or one variant), with
// --seed and --epochs applied and each run prepared (validated); exits with the
// problems otherwise. Returns {experiment, runs: [{id, label, config, prepared, reference}]}.
export function loadTarget(target, opts, { command = 'train' } = {}) {
  let experiment;
  let runs;
  if (target.endsWith('.json') || fs.existsSync(target)) {
    let config;
    try {
      config = JSON.parse(fs.readFileSync(target, 'utf8'));
    } catch (err) {
      fail(`cannot read ${target}: ${err.message}`);
    }
    const root = validateConfig(config).find((e) => e.path === '(root)'); // null, a list, a number
    if (root) fail(`${target}: invalid configuration:\n  (root): ${root.message}`);
    experiment = { id: config.name ?? path.basename(target), title: config.title ?? 'configuration file' };
    const id = typeof config.name === 'string' && config.name ? config.name : path.basename(target, '.json');
    runs = [{ id, label: config.title ?? 'config', config: { name: path.basename(target, '.json'), ...config }, reference: config.reference }];
  } else {
    const found = findPreset(target);
    if (!found) fail(`unknown preset "${target}"; npm run ${command} -- --list shows them`);
    ({ experiment, runs } = found);
  }
  runs = runs.map((r) => ({
    ...r,
    config: {
      ...(opts.epochs ? withEpochs(r.config, opts.epochs) : r.config),
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    },
  }));
  for (const r of runs) {
    try {
      r.prepared = prepare(r.config);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      fail(`${r.id}: invalid configuration:\n${err.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`);
    }
  }
  return { experiment, runs };
}

// The --json line of a finished (or stopped, with a checkpoint) run.
export function doneEvent(run, result) {
  return {
    event: result.checkpoint ? 'stopped' : 'done', run: run.id, ...(result.checkpoint ? { stopped_after_epoch: result.stopped_after_epoch } : {}), epochs: result.epochs ?? 0, best_val_accuracy: result.best_val_accuracy ?? null,
    best_epoch: result.best_epoch ?? null, final_val_accuracy: result.final_val_accuracy ?? null,
    test_accuracy: result.test_accuracy ?? null, test_loss: result.test_loss ?? null, stop_epoch: result.stop_epoch,
    overfit_gap: result.overfit_gap ?? null, seconds: result.seconds, sparsity: result.sparsity ?? null,
    inference_seconds: result.inference_seconds ?? null, reference: run.reference ?? null,
    warnings: result.warnings ?? [],
    ...(result.unfrozen_after_epoch !== undefined ? { unfrozen_after_epoch: result.unfrozen_after_epoch } : {}),
    ...(result.mc_dropout ? { mc_dropout: result.mc_dropout } : {}),
    ...(result.layer_stats ? { layers: result.layer_stats } : {}), ...(result.error ? { error: result.error } : {}),
  };
}
