#!/usr/bin/env node
// sweep.js: `npm run sweep`, a hyperparameter sweep over one run configuration.
// The trials (core/sweep.js: grid or seeded random search, early stopping per
// trial) run in a pool of W worker_threads, each with a single-threaded engine
// (tools/sweep-worker.js); a trial's numbers do not depend on W or on which
// worker ran it. Prints a `done` line per finished trial and a `sweep` line with
// the ranking and the best trial.
import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { TRAIN_OPTIONS, parseArgs, fail, loadTarget, doneEvent } from './train-options.js';
import { planSweep, parseGrid, parseRange, rankTrials, bestTrial, SweepError, DEFAULT_PATIENCE } from '../core/sweep.js';
import { kerasScript } from '../core/keras-script.js';

const USAGE = `usage: npm run sweep -- <preset variant|config.json> --grid PATH=V1,V2,... [options]
  <preset variant>  one run, e.g. exp04/relu (or an experiment with a single run)
  <config.json>     a run configuration file; it needs data.validation (trials are ranked by it)
knobs (PATH is a configuration path, as error messages write it: optimizer.learning_rate,
fit.batch_size, model[0].units, optimizer.type, ...):
  --grid PATH=V1,V2,...     values to try; several --grid give every combination
  --range PATH=LOW:HIGH[:log]  a range for random search (log: log-uniform, for rates;
                            whole-number ends draw whole numbers)
  --random N                draw N trials (grid knobs: one of their values, at random)
budget and pool:
  --max-trials N            refuse a sweep of more trials than N
  --patience N              early stopping per trial: stop after N epochs without a better
                            val_accuracy, keep the best weights (default ${DEFAULT_PATIENCE}; a configuration
                            with its own early_stopping keeps it)
  --workers W               trials at a time, each on a single-threaded engine
                            (default: the cores, ${os.availableParallelism?.() ?? os.cpus().length} here)
  --keras-script FILE       write the best trial's Keras (Python) script to FILE
  --seed S                  the sweep's seed (random draws) and the runs' seed
options as train takes them:
${TRAIN_OPTIONS.split('\n').filter((l) => !/^\s+--(threads|variant|seed)\b|^\s{20,}\(plain/.test(l)).join('\n')}`;

const knobs = [];
const { opts, positional } = parseArgs(process.argv.slice(2), {
  usage: USAGE,
  extra(a, { value, int, opts }) {
    const knob = (parse) => {
      try {
        knobs.push(parse(value()));
      } catch (err) {
        if (!(err instanceof SweepError)) throw err;
        fail(err.message);
      }
    };
    if (a === '--grid') knob(parseGrid);
    else if (a === '--range') knob(parseRange);
    else if (a === '--random') opts.random = int('--random');
    else if (a === '--max-trials') opts.maxTrials = int('--max-trials');
    else if (a === '--patience') opts.patience = int('--patience');
    else if (a === '--workers') opts.workers = int('--workers');
    else if (a === '--keras-script') opts.kerasScriptFile = value();
    else return false;
    return true;
  },
});
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}
const NOT_SWEEP = [
  ['threads', '--threads', 'each trial runs on a single-threaded engine, one per worker (--workers W)'],
  ['variant', '--variant', 'each trial runs on the single-threaded build, one per worker (--workers W)'],
  ['exportDir', '--export', 'train the best trial with npm run train (--keras-script FILE writes its script)'],
  ['stopAfterEpoch', '--stop-after-epoch', 'a sweep does not keep checkpoints'],
  ['resume', '--resume', 'a sweep does not keep checkpoints'],
  ['list', '--list', 'npm run train -- --list lists the presets'],
];
for (const [key, flag, why] of NOT_SWEEP) if (opts[key] !== undefined && opts[key] !== false) fail(`${flag} is not a sweep option: ${why}`);
if (positional.length !== 1) fail(USAGE);
if (opts.workers === 0) fail('--workers must be at least 1');
if (opts.random === 0) fail('--random must be at least 1');

const { experiment, runs } = loadTarget(positional[0], opts, { command: 'sweep' });
if (runs.length !== 1) fail(`${positional[0]} has ${runs.length} runs; a sweep starts from one: pick a variant, e.g. ${runs[0].id}`);
const base = runs[0];
let plan;
try {
  // --epochs is already in the base configuration (loadTarget): every trial has it.
  plan = planSweep(base.config, knobs, { random: opts.random, seed: opts.seed, maxTrials: opts.maxTrials, patience: opts.patience });
} catch (err) {
  if (!(err instanceof SweepError)) throw err;
  fail(err.message);
}

const workers = Math.min(plan.trials.length, opts.workers ?? (os.availableParallelism?.() ?? os.cpus().length));
const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const pct = (v) => (Number.isFinite(v) ? (100 * v).toFixed(2) : '-');
const knobText = (k) => Object.entries(k).map(([p, v]) => `${p}=${v}`).join(' ');
if (!opts.json) console.log(`sweep of ${base.id}: ${plan.trials.length} trials (${opts.random ? `${opts.random} random draws, seed ${plan.seed}` : 'grid'}) on ${workers} worker${workers > 1 ? 's' : ''}, single-threaded engines`);

// The pool: each worker takes the next trial when it finishes one. A worker that
// dies marks its trial crashed and is replaced; the sweep goes on.
const started = Date.now();
const queue = [...plan.trials];
const results = [];
function startWorker() {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./sweep-worker.js', import.meta.url), { workerData: { simd: opts.simd, cifarDir: opts.cifarDir } });
    let current = null;
    const next = () => {
      current = queue.shift() ?? null;
      if (current) worker.postMessage({ trial: current.trial, config: current.config });
      else worker.terminate().then(resolve);
    };
    worker.on('message', (msg) => {
      if (msg.type === 'ready') {
        started = true;
        next();
      }
      else if (msg.type === 'done') {
        finish(current, msg.result);
        next();
      }
    });
    let started = false;
    worker.on('error', (err) => {
      // A worker that cannot even start its engine would fail the same way again.
      if (!started) fail(`a sweep worker could not start its engine: ${err.message}`);
      if (current) finish(current, { error: `the trial's worker crashed (${err.message})`, crashed: true });
      current = null;
      worker.terminate();
      startWorker().then(resolve);
    });
  });
}

function finish(trial, result) {
  const entry = { ...doneEvent({ id: trial.config.name, reference: null }, result), trial: trial.trial, knobs: trial.knobs, ...(result.crashed ? { crashed: true } : {}) };
  results.push({ ...entry, config: trial.config, train_images: result.train_images });
  if (opts.json) out(entry);
  else console.log(`trial ${trial.trial}/${plan.trials.length} ${knobText(trial.knobs)}: ${result.error ? `ERROR: ${result.error}` : `best val_accuracy ${pct(result.best_val_accuracy)}% at epoch ${result.best_epoch} of ${result.epochs}${result.stopped_early ? ' (stopped early)' : ''}, ${result.seconds.toFixed(1)} s`}`);
}

await Promise.all(Array.from({ length: workers }, startWorker));
const seconds = (Date.now() - started) / 1000;
const ranking = rankTrials(results);
const best = bestTrial(results);
const summary = {
  event: 'sweep', run: base.id, trials: plan.trials.length, failed: results.filter((r) => r.error).length, workers, seed: plan.seed, knobs: plan.knobs,
  seconds, trials_per_minute: (60 * results.length) / seconds,
  best: best ? { trial: best.trial, knobs: best.knobs, best_val_accuracy: best.best_val_accuracy, best_epoch: best.best_epoch, config: best.config } : null,
  ranking: ranking.map((r) => ({ trial: r.trial, knobs: r.knobs, best_val_accuracy: r.best_val_accuracy, best_epoch: r.best_epoch, epochs: r.epochs, ...(r.error ? { error: r.error } : {}) })),
};
if (opts.kerasScriptFile && best) {
  fs.writeFileSync(opts.kerasScriptFile, kerasScript(best.config, { id: best.config.name, label: knobText(best.knobs), title: `${experiment.title}: best trial of a sweep`, trainCount: best.train_images }));
}
if (opts.json) out(summary);
else {
  console.log(`\nranking (best val_accuracy), ${seconds.toFixed(1)} s, ${summary.trials_per_minute.toFixed(1)} trials/min:`);
  for (const r of ranking) console.log(`  trial ${String(r.trial).padStart(3)}  ${pct(r.best_val_accuracy).padStart(6)}%  ${knobText(r.knobs)}${r.error ? `  ERROR: ${r.error}` : ''}`);
  console.log(best ? `best: trial ${best.trial} (${knobText(best.knobs)})` : 'no trial reached a validation accuracy');
  if (opts.kerasScriptFile && best) console.log(`Keras script of the best trial written to ${opts.kerasScriptFile}`);
}
if (opts.kerasScriptFile && !best) process.stderr.write(`note: no trial finished, so no Keras script was written to ${opts.kerasScriptFile}\n`);
process.exitCode = best ? 0 : 1;
