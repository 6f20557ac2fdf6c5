#!/usr/bin/env node
// train.js: the headless experiment runner.
//   npm run train -- <preset|variant|config.json> [--epochs N] [--threads N]
//                    [--seed S] [--variant threads|single] [--json] [--list]
//                    [--cifar-dir DIR] [--export DIR] [--keras-script]
//                    [--stop-after-epoch K] [--resume DIR/<run>] [--target P] [--mc-samples N] [--find-lr]
import fs from 'node:fs';
import path from 'node:path';
import { loadEngine } from '../wasm/node.js';
import { nodeDataLoader } from '../datasets/node.js';
import { runConfig, readCheckpoint } from '../core/run.js';
import { PRESETS } from '../core/presets.js';
import { TRAIN_OPTIONS, parseArgs, fail, loadTarget, doneEvent } from './train-options.js';
import { exportTfjs, modelJsonText, WEIGHTS_FILE } from '../core/tfjs-format.js';
import { kerasScript } from '../core/keras-script.js';
import { resultsBundle } from '../core/results-bundle.js';
import { fileStem } from '../core/file-names.js';
import { lesson, takeaway, bookReference, bookDelta, statusOf, points, DEFAULT_TARGET } from '../core/lesson.js';
import { findLearningRate } from '../core/lr-finder.js';

const USAGE = `usage: npm run train -- <preset|variant|config.json> [options]
  <preset>       an experiment (exp01 ... exp14, ex01 ...): all its variants, then a comparison table
  <variant>      one variant, e.g. exp04/elu or exp08/adam
  <config.json>  a run configuration file (see core/config.schema.json)
options:
  --list              list the presets
${TRAIN_OPTIONS}
                      (with --json, epoch lines carry loss_slice: {alpha, loss, accuracy}
                      on the line from the initial weights, alpha 0, to the epoch's, alpha 1)
  --export DIR        write each trained run to DIR/<run>/: model.bin (engine format),
                      config.json, tfjs/model.json + weights.bin (TensorFlow.js; inputs
                      are pixels / 255), train.py (Keras script), history.csv, results.json
  --keras-script      print the Keras (Python) script of the run(s) instead of training
  --stop-after-epoch K  train as configured but stop after epoch K, writing a training
                      checkpoint to DIR/<run>/checkpoint.bin (needs --export DIR)
  --resume DIR/<run>  finish the run whose checkpoint.bin is there (instead of <preset>);
                      it ends with the same weights as the run never stopped
  --target P          the validation accuracy, in percent, whose epochs and seconds to
                      reach the takeaway of a multi-run preset reports (default 85)
  --mc-samples N      after training, Monte Carlo Dropout: the accuracy of the mean of N
                      passes with dropout active (on the test subset, else validation)
  --find-lr           train nothing: the learning-rate range test of each run (from 1e-5,
                      the rate multiplied each batch up to 10 over 500 batches, stopping at
                      4x the minimum smoothed loss) and the suggested rate (a tenth of the
                      rate at the minimum)`;

// train's own options, beside those tools/train-options.js parses for train and sweep.
function trainOption(a, { value, int, opts }) {
  if (a === '--target') {
    const v = Number(value());
    if (!(v > 0 && v <= 100)) fail('--target must be a percentage above 0 and at most 100 (e.g. 85)');
    opts.target = v / 100;
  } else if (a === '--mc-samples') {
    opts.mcSamples = int('--mc-samples');
    if (!(opts.mcSamples >= 1 && opts.mcSamples <= 100000)) fail('--mc-samples must be from 1 to 100000');
  } else if (a === '--find-lr') opts.findLr = true;
  else return false;
  return true;
}

const fmt = (v, d = 4) => (Number.isFinite(v) ? v.toFixed(d) : '-');
const pct = (v) => (Number.isFinite(v) ? (100 * v).toFixed(2) : '-');

function bar(done, total, width = 30) {
  const n = Math.round((done / total) * width);
  return '[' + '='.repeat(Math.max(0, n - 1)) + (n > 0 ? (n < width ? '>' : '=') : '') + '.'.repeat(width - n) + ']';
}

function epochLine(m, batches) {
  const parts = [`${batches}/${batches} ${bar(1, 1)} - ${m.seconds.toFixed(1)}s`, `loss: ${fmt(m.loss)}`, `accuracy: ${fmt(m.accuracy)}`];
  if (Number.isFinite(m.val_loss)) parts.push(`val_loss: ${fmt(m.val_loss)}`, `val_accuracy: ${fmt(m.val_accuracy)}`);
  parts.push(`learning_rate: ${m.learning_rate.toPrecision(3)}`, `${Math.round(m.samples_per_second)} samples/s`);
  let line = parts.join(' - ');
  if (m.lr_reduced) line += '  (learning rate reduced)';
  if (m.stopped) line += `  (early stopping${m.restored_epoch ? `: restored epoch ${m.restored_epoch} weights` : ''})`;
  return line;
}

function printStatsTable(run, rows) {
  const names = ['mean', 'std', 'saturated', 'dead', 'grad_std'];
  console.log(`\nPer-layer statistics (${run.config.analysis ? `${run.config.analysis.samples ?? 1000} images, untrained` : 'this epoch'}):`);
  console.log(['layer', 'type'.padEnd(20), ...names.map((n) => n.padStart(10))].join('  '));
  rows.forEach((r, i) => {
    const layer = run.config.model[i];
    const type = layer.type === 'dense' ? `dense ${layer.units} ${typeof layer.activation === 'string' ? layer.activation : layer.activation?.type ?? 'linear'}` : layer.type;
    const vals = names.map((n) => (n === 'saturated' || n === 'dead' ? `${(100 * r[n]).toFixed(1)}%` : r[n].toPrecision(4)).padStart(10));
    console.log([String(i + 1).padStart(5), type.padEnd(20), ...vals].join('  '));
  });
}

// A finished CLI run as core/lesson.js reads one (the page's records have this shape).
const lessonRun = ({ run, result }) => ({ id: run.id, label: run.label, reference: run.reference, config: run.config, result, status: statusOf(result) });

// "+0.4 in" / "-2.1 out": the band in words (the book's ±1.5 points); "short":
// fewer epochs or images than the book's run (--epochs), not comparable.
const deltaText = (d) => (d?.delta == null ? '-' : `${points(d.delta)} ${!d.final ? 'so far' : d.shorter ? 'short' : d.inBand ? 'in' : 'out'}`);
function printMcDropout(mc) {
  if (mc.error) return console.log(`MC Dropout: ${mc.error}`);
  console.log(`MC Dropout (${mc.samples} passes, ${mc.images} ${mc.subset} images): accuracy: ${fmt(mc.accuracy)} - mean std of the predicted class: ${fmt(mc.mean_std)}` +
    (mc.dropout ? '' : '\n  (the model has no dropout layer with rate > 0: every pass is the plain prediction)'));
}

// About 16 rows of the range test's curve, its minimum and the suggestion.
function printLrTable(run, { points, suggested_learning_rate: suggested }) {
  console.log(`\n=== ${run.id}: learning-rate range test (${points.length} batches) ===`);
  console.log(`${'learning_rate'.padStart(14)}  ${'loss (smoothed)'.padStart(15)}`);
  let best = 0;
  points.forEach((p, i) => { if (p.loss < points[best].loss) best = i; });
  const step = Math.max(1, Math.ceil(points.length / 16));
  points.forEach((p, i) => {
    if (i % step && i !== best && i !== points.length - 1) return;
    console.log(`${p.learning_rate.toExponential(2).padStart(14)}  ${fmt(p.loss).padStart(15)}${i === best ? '  <- minimum' : ''}`);
  });
  console.log(`suggested learning_rate: ${suggested.toPrecision(2)} (a tenth of the rate at the minimum)`);
}

function comparisonTable(experiment, results) {
  console.log(`\n${experiment.id}: ${experiment.title}, comparison`);
  const head = ['run'.padEnd(34), 'reference'.padStart(10), 'Δ book'.padStart(11), 'val acc'.padStart(8), 'best val'.padStart(8), 'best ep'.padStart(7), 'train acc'.padStart(9), 'gap'.padStart(6), 'test acc'.padStart(8), 'epochs'.padStart(6), 'time s'.padStart(7)];
  console.log(head.join(' '));
  for (const { run, result } of results) {
    console.log([
      `${run.id} (${run.label})`.slice(0, 34).padEnd(34), pct(bookReference(run.reference)?.value).padStart(10), deltaText(bookDelta(lessonRun({ run, result }))).padStart(11), pct(result.final_val_accuracy).padStart(8),
      pct(result.best_val_accuracy).padStart(8), String(result.best_epoch ?? '-').padStart(7), pct(result.final_accuracy).padStart(9),
      pct(result.overfit_gap).padStart(6), pct(result.test_accuracy).padStart(8), String(result.epochs ?? '-').padStart(6), fmt(result.seconds, 1).padStart(7),
    ].join(' ') + (result.error ? `  ERROR: ${result.error}` : ''));
  }
}

// The other views of an exported run: TF.js model, Keras script, history, results.
// A part that cannot be written (e.g. ELU with alpha != 1 in TF.js) is skipped with a note.
function exportExtras(dir, run, result, engine, experiment) {
  const note = (what, err) => process.stderr.write(`note: ${run.id}: ${what} not written: ${err.message}\n`);
  try {
    const { modelJson, weights } = exportTfjs(result.model, run.config);
    fs.mkdirSync(path.join(dir, 'tfjs'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'tfjs', 'model.json'), modelJsonText(modelJson));
    fs.writeFileSync(path.join(dir, 'tfjs', WEIGHTS_FILE), weights);
  } catch (err) {
    note('tfjs/model.json', err);
  }
  try {
    fs.writeFileSync(path.join(dir, 'train.py'), kerasScript(run.config, { id: run.id, label: run.label, title: experiment.title, trainCount: result.train_images }));
  } catch (err) {
    note('train.py', err);
  }
  const { csv, json } = resultsBundle(result, engine.info, run.config);
  fs.writeFileSync(path.join(dir, 'history.csv'), csv);
  fs.writeFileSync(path.join(dir, 'results.json'), json);
}

async function main() {
  const { opts, positional } = parseArgs(process.argv.slice(2), { usage: USAGE, extra: trainOption });
  if (opts.findLr && (opts.resume || opts.stopAfterEpoch || opts.exportDir || opts.mcSamples))
    fail('--find-lr trains nothing: it does not go with --resume, --stop-after-epoch, --export or --mc-samples');
  if (opts.help) return console.log(USAGE);
  if (opts.list) {
    for (const p of PRESETS) {
      console.log(`${p.id.padEnd(6)} ${p.title} (${p.topic}): ${p.runs.length} run${p.runs.length > 1 ? 's' : ''}`);
      for (const r of p.runs) console.log(`         ${r.id.padEnd(22)} ${r.label}`);
    }
    return;
  }
  if (positional.length !== 1 && !opts.resume) fail(USAGE);
  const target = positional[0];
  let experiment;
  let runs;
  let checkpoint = null;
  if (opts.resume) {
    const file = path.join(opts.resume, 'checkpoint.bin');
    if (!fs.existsSync(file)) fail(`${file} not found: --resume needs the folder a --stop-after-epoch run wrote`);
    checkpoint = new Uint8Array(fs.readFileSync(file));
    experiment = { id: 'resume', title: `resumed from ${opts.resume}` };
    runs = null; // read from the checkpoint once the engine is loaded
  } else ({ experiment, runs } = loadTarget(target, opts));
  if (opts.kerasScript && !runs) fail('--keras-script and --resume do not go together');
  if (opts.kerasScript) {
    process.stdout.on('error', (err) => process.exit(err.code === 'EPIPE' ? 0 : 1)); // | head
    for (const [i, r] of runs.entries()) {
      if (i > 0) process.stdout.write(`\n# ${'='.repeat(76)}\n`);
      process.stdout.write(kerasScript(r.config, { id: r.id, label: r.label, title: experiment.title }));
    }
    return;
  }
  const engine = await loadEngine({ variant: opts.variant ?? 'threads', threads: opts.threads, simd: opts.simd });
  const loadSplit = nodeDataLoader(engine, { cifarDir: opts.cifarDir });
  if (checkpoint) {
    let meta;
    try {
      meta = readCheckpoint(engine, checkpoint);
    } catch (err) {
      fail(`${opts.resume}/checkpoint.bin: ${err.message}`);
    }
    runs = [{ id: meta.run, label: `resumed after epoch ${meta.history.length}`, config: meta.config }];
  }
  const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
  const tty = process.stderr.isTTY && !opts.json;
  if (!opts.json) console.log(`engine ${engine.info.version}: WASM ${engine.info.relaxed ? 'relaxed ' : ''}${engine.info.variant === 'threads' ? 'SIMD + pthreads' : 'SIMD, single thread'}, ${engine.info.threads} thread(s)`);
  if (opts.findLr) {
    for (const run of runs) {
      let found;
      try {
        found = await findLearningRate(engine, loadSplit, run.prepared ?? run.config);
      } catch (err) {
        if (err.engineStopped) throw err;
        if (opts.json) out({ event: 'lr_finder', run: run.id, error: err.message });
        else console.log(`\n${run.id}: ERROR: ${err.message}`);
        process.exitCode = 1;
        continue;
      }
      if (opts.json) out({ event: 'lr_finder', run: run.id, points: found.points, suggested_learning_rate: found.suggested_learning_rate });
      else printLrTable(run, found);
    }
    engine.close();
    return;
  }
  const models = new Map();
  const needed = new Set(runs.map((r) => r.config.transfer?.from).filter(Boolean));
  const results = [];
  let failed = false;
  for (const [i, run] of runs.entries()) {
    if (!opts.json) console.log(`\n=== ${run.id}: ${run.label} (${i + 1}/${runs.length}) ===`);
    let batches = 0;
    const result = await runConfig(engine, loadSplit, run.prepared ?? run.config, {
      models,
      resume: checkpoint,
      stopAfterEpoch: opts.stopAfterEpoch,
      mcSamples: opts.mcSamples,
      keepModel: needed.has(run.id) || Boolean(opts.exportDir),
      lossSlice: opts.json, // epoch lines carry loss_slice
      onProgress: (p) => {
        batches = p.batches;
        if (tty) process.stderr.write(`\rEpoch ${p.epoch} ${p.batch}/${p.batches} ${bar(p.batch, p.batches)} - loss: ${fmt(p.loss)} - accuracy: ${fmt(p.accuracy)}   `);
      },
      onEpoch: (m) => {
        if (tty) process.stderr.write('\r\x1b[K');
        if (opts.json) out({ event: 'epoch', run: run.id, ...m, stopped: Boolean(m.stopped), lr_reduced: Boolean(m.lr_reduced), is_best: Boolean(m.is_best) });
        else console.log(`Epoch ${m.epoch}/${run.config.fit?.epochs ?? 1}\n${epochLine(m, batches)}`);
      },
      // A resumed run's history and layer statistics up to its checkpoint, as the page draws them again.
      onResume: ({ epoch, history, layerStats }) => {
        if (opts.json) out({ event: 'resumed', run: run.id, epoch, history, layer_stats: layerStats });
      },
      onLayerStats: (rows, epoch, source) => {
        if (opts.json) out({ event: 'layer-stats', run: run.id, epoch, source, layers: rows });
        // The text output prints the tables asked for: an analysis, or stats in the configuration.
        else if (source !== 'batch' && (run.config.analysis || run.config.stats)) printStatsTable(run, rows);
      },
    });
    if (result.checkpoint) {
      const dir = path.join(opts.exportDir, fileStem(run.id)); // always a child of DIR
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'checkpoint.bin'), result.checkpoint);
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(run.config, null, 2) + '\n');
      if (!opts.json) console.log(`stopped after epoch ${result.stopped_after_epoch}: checkpoint written to ${dir}/ (finish it with --resume ${dir})`);
      result.model?.free();
      delete result.model;
    } else if (result.model) {
      if (opts.stopAfterEpoch && !result.error && !result.stopped_by_user)
        process.stderr.write(`note: ${run.id} has ${result.epochs ?? result.history.length} epochs, not more than ${opts.stopAfterEpoch}: it ran to the end\n`);
      if (opts.exportDir) {
        const dir = path.join(opts.exportDir, fileStem(run.id)); // always a child of DIR
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, 'model.bin'), result.model.save(JSON.stringify(run.config)));
        fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(run.config, null, 2) + '\n');
        exportExtras(dir, run, result, engine, experiment);
        if (!opts.json) console.log(`model written to ${dir}/`);
      }
      if (needed.has(run.id)) models.set(run.id, result.model);
      else result.model.free();
      delete result.model;
    }
    results.push({ run, result });
    if (result.error) failed = true;
    if (opts.json) {
      out(doneEvent(run, result));
    } else {
      if (result.error) console.log(`\nERROR: ${result.error}`);
      if (Number.isFinite(result.test_accuracy)) console.log(`test_loss: ${fmt(result.test_loss)} - test_accuracy: ${fmt(result.test_accuracy)}`);
      if (result.unfrozen_after_epoch !== undefined) console.log(`the reused layers were unfrozen after epoch ${result.unfrozen_after_epoch} (a new optimizer, learning rate ${run.config.transfer.fine_tune_learning_rate})`);
      if (result.mc_dropout) printMcDropout(result.mc_dropout);
      if (result.pruned_fraction) console.log(`sparsity after pruning and fine-tuning: ${pct(result.sparsity)}%`);
      if (!result.layer_stats && !result.checkpoint) console.log(`done in ${fmt(result.seconds, 1)} s (inference on ${result.inference_samples} images: ${fmt(result.inference_seconds, 3)} s)`);
      for (const w of result.warnings ?? []) console.log(`warning: ${w}`);
    }
  }
  for (const m of models.values()) m.free();
  if (!opts.json && results.length > 1 && !experiment.analysis) comparisonTable(experiment, results);
  // What the runs showed, in the words of the page's comparison table (core/lesson.js).
  if (results.length > 1 && !experiment.analysis) {
    const l = lesson(results.map(lessonRun), { target: opts.target ?? DEFAULT_TARGET });
    const line = takeaway(l);
    if (opts.json) {
      out({
        event: 'lesson', experiment: experiment.id, metric: l.metric, target: l.target, takeaway: line,
        ranked: l.ranked.map((r) => ({ run: r.run.id, value: r.value, rank: r.rank, reach: r.reach })),
        unranked: l.unranked.map((u) => ({ run: u.run.id, why: u.why })),
      });
    } else console.log(`\nTakeaway: ${line}`);
  }
  engine.close();
  process.exitCode = failed ? 1 : 0;
}

main().catch((err) => {
  process.stderr.write(`error: ${err.message}\n`);
  process.exit(1);
});
