// bench-child.js: one measurement of tools/bench.js, in a fresh process.
//   wasm <threads|single> <n|default> <quick|full> <relaxed|plain> [adaptive|all] [profile]
//   | native <n> <quick|full> | tfjs <quick|full> | extras [quick] | slice [quick]
//   | sweep-config <quick|full> (the sweep's base configuration and grid, printed)
//   | sweep-sequential <quick|full> (its trials one after another, all threads)
//   | stats <quick|full> <rounds> (the cost of the live layer statistics)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { loadEngine } from '../wasm/node.js';
import { nodeDataLoader } from '../datasets/node.js';
import { runConfig, buildModel, selectSubset, LOSS_SLICE_ALPHAS } from '../core/run.js';
import { findPreset } from '../core/presets.js';
import { toSpecs } from '../core/prepare.js';
import description from '../core/description.js';
import { planSweep, parseGrid } from '../core/sweep.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [kind, ...rest] = process.argv.slice(2);
const W1 = findPreset('exp13/production').runs[0].config;

function w1Config(count, batch = 32) {
  const c = structuredClone(W1);
  c.data = { dataset: 'fashion-mnist', train: { split: 'train', start: 0, count } };
  c.callbacks = [];
  c.fit = { epochs: 1, batch_size: batch };
  return c;
}

// threads: a number, or 'default' (what the CLI and the page use: wasm/threads.js).
// policy: 'adaptive' (the default) or 'all' (always use the workers: the old pool).
// profile: also the engine's kernel profile of the epoch (eng_profile), as
// seconds per 55,000 images.
async function wasmEpoch(variant, threads, quick, simd, policy = 'adaptive', profile = false) {
  const engine = await loadEngine({ variant, threads: threads === 'default' ? undefined : Number(threads), simd });
  if (policy === 'all') engine.M._eng_set_thread_policy(1);
  const loadSplit = nodeDataLoader(engine);
  await loadSplit('fashion-mnist', 'train');
  await runConfig(engine, loadSplit, w1Config(3200)); // warm-up: the JIT's optimizing tier
  const count = quick ? 11000 : 55000;
  engine.M._eng_thread_alone_share(); // reset
  if (profile) engine.profile(true);
  const r = await runConfig(engine, loadSplit, w1Config(count), { sliceMs: 200 });
  const alone = engine.M._eng_thread_alone_share();
  let kernels;
  if (profile) {
    engine.profile(false);
    const p = engine.profileReport();
    const scale = 55000 / count;
    kernels = {
      steps: p.steps, step_seconds: p.step_seconds * scale,
      kernels: p.kernels.map((k) => ({ ...k, seconds: k.seconds * scale, waited: k.waited * scale })), // calls: in p.steps steps
    };
  }
  engine.close();
  return { seconds: r.history[0].seconds * (55000 / count), threads: engine.info.threads, variant, relaxed: engine.info.relaxed, alone, ...(profile ? { profile: kernels } : {}) };
}

function nativeEpoch(threads, quick) {
  const specs = toSpecs(w1Config(55000));
  const out = execFileSync(path.join(root, 'build/native/train_native'), [
    '--threads', String(threads), '--train', quick ? '11000' : '55000', '--epochs', '1',
    '--optimizer', specs.optimizer, '--model', specs.model, ...specs.layers,
  ], { encoding: 'utf8' });
  const m = JSON.parse(out.trim().split('\n').pop());
  return { seconds: m.seconds * (quick ? 5 : 1), threads };
}

async function tfjsEpoch(quick) {
  const require = createRequire(import.meta.url);
  const tf = require('@tensorflow/tfjs');
  require('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  const engine = await loadEngine({ variant: 'single' });
  const train = await nodeDataLoader(engine)('fashion-mnist', 'train');
  const n = quick ? 300 * 32 : 55000;
  const pixels = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) pixels.set(Array.from(train.image(i), (p) => p / 255), i * 784);
  const xs = tf.tensor2d(pixels, [n, 784]);
  const ys = tf.tensor1d(Array.from(train.labels().slice(0, n)), 'float32');
  const reg = () => tf.regularizers.l2({ l2: 1e-4 });
  const model = tf.sequential();
  [300, 200, 100].forEach((units, i) => {
    model.add(tf.layers.dense({ units, kernelInitializer: 'heNormal', kernelRegularizer: reg(), ...(i === 0 ? { inputShape: [784] } : {}) }));
    model.add(tf.layers.batchNormalization());
    model.add(tf.layers.activation({ activation: 'relu' }));
    model.add(tf.layers.dropout({ rate: 0.2 }));
  });
  model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  model.compile({ optimizer: tf.train.momentum(0.01, 0.9, true), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const t0 = performance.now();
  await model.fit(xs, ys, { batchSize: 32, epochs: 1, shuffle: true, verbose: 0 });
  const seconds = (performance.now() - t0) / 1000;
  engine.close();
  return { seconds: seconds * (55000 / n), version: tf.version.tfjs, extrapolated: quick };
}

// The standalone 4x8 kernel (tools/peak/peak_kernel.c, built by clang-19 into
// build/wasm-st/peak): GFLOP/s of one timed call of about `flops` at M x N x K
// (N rounded up to a multiple of 8), one thread.
async function peakKernel(simd) {
  const file = path.join(root, `build/wasm-st/peak/peak-${simd}.wasm`);
  const { instance } = await WebAssembly.instantiate(fs.readFileSync(file));
  const { fill, gemm } = instance.exports;
  return (M, N, K, flops) => {
    N = Math.ceil(N / 8) * 8;
    fill(M, N, K);
    const reps = Math.max(1, Math.round(flops / (2 * M * N * K)));
    const t0 = performance.now();
    gemm(M, N, K, reps);
    return (2 * M * N * K * reps) / ((performance.now() - t0) * 1e6);
  };
}

async function extras(quick) {
  const shapes = [
    [32, 300, 784, 0, 'layer 1 forward'], [784, 300, 32, 1, 'layer 1 kernel gradient'],
    [32, 200, 300, 0, 'layer 2 forward'], [300, 200, 32, 1, 'layer 2 kernel gradient'], [300, 32, 200, 0, 'layer 2 input gradient (transposed: kernel x dz^T)'],
  ];
  // Both variants in this process, measured shape by shape, interleaved.
  const variants = {};
  for (const simd of ['plain', 'relaxed']) {
    try {
      const e = await loadEngine({ variant: 'threads', threads: 1, simd });
      e.M._eng_set_thread_policy(1); // the raw 2-thread GEMM, not the adaptive choice
      e.benchGemm(32, 64, 128, 0, 2000); // warm-up
      variants[simd] = { engine: e, peak: await peakKernel(simd) };
    } catch (err) {
      variants[simd] = { error: err.message };
    }
  }
  // Short calls (about 20 ms each) alternating engine and peak kernel, best of
  // 7: on a shared machine both get their quiet moments.
  const FLOPS = 8e8;
  const gemm = shapes.map(([M, N, K, layout, use]) => {
    const row = { M, N, K, use };
    const iters = Math.max(1, Math.round(FLOPS / (2 * M * N * K)));
    for (const [simd, v] of Object.entries(variants)) {
      if (!v.engine) continue;
      const e = v.engine;
      const best = { t1: 0, t2: 0, peak: 0 };
      v.peak(M, N, K, FLOPS); // warm-up
      for (let r = 0; r < 7; r++) {
        e.setThreads(1);
        best.t1 = Math.max(best.t1, e.benchGemm(M, N, K, layout, iters));
        best.peak = Math.max(best.peak, v.peak(M, N, K, FLOPS));
        e.setThreads(2);
        best.t2 = Math.max(best.t2, e.benchGemm(M, N, K, layout, iters));
      }
      row[simd] = best;
    }
    return row;
  });
  for (const v of Object.values(variants)) v.engine?.close();
  const engine = await loadEngine({ variant: 'threads' });
  const loadSplit = nodeDataLoader(engine);
  const batches = [];
  for (const batch of [32, 128, 256]) {
    const r = await runConfig(engine, loadSplit, w1Config(quick ? 11000 : 55000, batch), { sliceMs: 200 });
    batches.push({ batch, samples_per_second: r.history[0].samples_per_second });
  }
  // Memory: the whole training split resident, the 55,000-image subset and the W1 model.
  const r = await runConfig(engine, loadSplit, w1Config(55000), { keepModel: true, control: async () => 'stop' });
  const memory_mb = engine.memoryBytes() / 2 ** 20;
  r.model?.free();
  engine.close();
  return { gemm, errors: Object.fromEntries(Object.entries(variants).filter(([, v]) => v.error).map(([k, v]) => [k, v.error])), batches, memory_mb, relaxed: engine.info.relaxed, threads: engine.info.threads };
}

// The sweep benchmark's small trials: the W1 model on a subset, a 2x2 grid of
// learning rate and batch size (tools/bench.js runs them with npm run sweep too).
const SWEEP_GRID = ['optimizer.learning_rate=0.01,0.03', 'fit.batch_size=32,64'];
function sweepConfig(quick) {
  const c = w1Config(quick ? 2000 : 5000);
  c.name = 'bench-sweep';
  c.data.validation = { split: 'test', start: 0, count: 1000 };
  c.fit.epochs = 2;
  return c;
}

// The same trials as `npm run sweep -- --workers W`, one after another on one
// engine with the default threads; timed from loading the engine, as the sweep
// is timed from starting its workers.
async function sweepSequential(quick) {
  const t0 = performance.now();
  const { trials } = planSweep(sweepConfig(quick), SWEEP_GRID.map(parseGrid));
  const engine = await loadEngine();
  const loadSplit = nodeDataLoader(engine);
  const results = [];
  for (const t of trials) results.push((await runConfig(engine, loadSplit, t.config)).best_val_accuracy);
  engine.close();
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, trials: trials.length, threads: engine.info.threads, trials_per_minute: (60 * trials.length) / seconds, best_val_accuracy: results };
}

// The cost of the live layer statistics (engine/layer_stats.c): W1 epochs with
// them off (stats=0), at epoch ends only (stats_every=0) and on as every run has
// them (every epoch and every 200 batches), alternating in one process after a
// warm-up of each, so the JIT and the machine's drift treat all alike. Seconds
// are the engine's own epoch time (eng_trainer_metrics), scaled to 55,000 images.
const STATS_VARIANTS = { off: 'stats=0', epoch_ends: 'stats_every=0', on: '' };
async function statsCost(quick, rounds) {
  const engine = await loadEngine({ variant: 'threads' });
  const full = await nodeDataLoader(engine)('fashion-mnist', 'train');
  const count = quick ? 11000 : 55000;
  const config = w1Config(count);
  const specs = toSpecs(config, { trainCount: count });
  const epoch = (ds, extra) => {
    const model = buildModel(engine, config, ds.features, { specs });
    const trainer = model.trainer(ds, null, `${specs.fit} ${extra}`, specs.callbacks);
    let samples = 0;
    try {
      for (let e = trainer.run(100000); e !== 'done'; e = trainer.run(100000)) samples += e === 'stats';
      return { seconds: trainer.metrics().seconds * (55000 / ds.count), samples };
    } finally {
      trainer.free();
      model.free();
    }
  };
  const warm = full.slice(0, 3200);
  for (const extra of Object.values(STATS_VARIANTS)) epoch(warm, extra);
  warm.free();
  const train = full.slice(0, count);
  const seconds = Object.fromEntries(Object.keys(STATS_VARIANTS).map((k) => [k, []]));
  let samples = 0;
  for (let r = 0; r < rounds; r++)
    for (const [k, extra] of Object.entries(STATS_VARIANTS)) {
      const e = epoch(train, extra);
      seconds[k].push(e.seconds);
      if (k === 'on') samples = e.samples;
    }
  // The parts, each timed many times (minimum): on a loaded machine the epochs
  // above differ by more than the statistics cost. The epoch end's statistics
  // (eng_model_layer_stats over 1000 images, what the trainer calls), and one
  // in-epoch sample: 100 steps sampling after every step against none.
  const ms = (fn) => { const t0 = performance.now(); fn(); return performance.now() - t0; };
  const model = buildModel(engine, config, train.features, { specs });
  const endMs = Math.min(...Array.from({ length: 5 * rounds }, () => ms(() => model.layerStats(train, 1000))));
  const steps = full.slice(0, 3200);
  const part = { off: [], every: [] };
  for (let r = 0; r < 5 * rounds; r++)
    for (const [k, extra] of [['off', 'stats=0'], ['every', 'stats_every=1 stats_samples=1']]) {
      const trainer = model.trainer(steps, null, `fit epochs=1 batch_size=32 shuffle=0 ${extra}`);
      part[k].push(ms(() => { for (let e = trainer.run(100000); e !== 'done'; e = trainer.run(100000)); }));
      trainer.free();
    }
  model.free();
  steps.free();
  train.free();
  engine.close();
  // 100 steps: 99 samples (not after the last step) and one epoch end over 1 image.
  const sampleMs = (Math.min(...part.every) - Math.min(...part.off)) / 99;
  // A whole W1 epoch: 1719 steps of 32, a sample after every stats_every-th but the last.
  const w1Steps = Math.ceil(55000 / 32);
  const w1Samples = Math.floor((w1Steps - 1) / description.fit.fit.options.stats_every.default);
  return {
    seconds, samples_per_epoch: samples, images: count, threads: engine.info.threads, relaxed: engine.info.relaxed,
    end_ms: endMs, sample_ms: sampleMs, w1_samples: w1Samples, step_ms: Math.min(...part.off) / 100, w1_steps: w1Steps,
  };
}

// The loss slice's cost on W1 (issue 12): one epoch's training time (the
// engine's own epoch clock, which the slice is not part of) against the time of
// the slice the worker computes after it (7 points on the first 500 validation
// images), on the default threads; the slice is timed 5 times, best kept.
async function sliceCost(quick) {
  const engine = await loadEngine({ variant: 'threads' });
  const loadSplit = nodeDataLoader(engine);
  const config = w1Config(quick ? 11000 : 55000);
  const train = selectSubset(await loadSplit('fashion-mnist', 'train'), config.data.train);
  const val = selectSubset(await loadSplit('fashion-mnist', 'test'), { split: 'test', start: 0, count: 500 });
  await runConfig(engine, loadSplit, w1Config(3200)); // warm-up: the JIT's optimizing tier
  const model = buildModel(engine, config, 784);
  const trainer = model.trainer(train, val, toSpecs(config).fit);
  for (let e = trainer.run(100000); e !== 'epoch' && e !== 'done'; e = trainer.run(100000));
  const epoch = trainer.metrics().seconds * (55000 / train.count);
  let slice = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    trainer.lossSlice(LOSS_SLICE_ALPHAS);
    slice = Math.min(slice, (performance.now() - t0) / 1000);
  }
  trainer.free(), model.free(), train.free(), val.free();
  engine.close();
  return { epoch_seconds: epoch, slice_seconds: slice, points: LOSS_SLICE_ALPHAS.length, images: 500, threads: engine.info.threads };
}

let result;
if (kind === 'stats') result = await statsCost(rest[0] === 'quick', Number(rest[1] ?? 3));
else if (kind === 'sweep-config') result = { config: sweepConfig(rest[0] === 'quick'), grid: SWEEP_GRID };
else if (kind === 'sweep-sequential') result = await sweepSequential(rest[0] === 'quick');
else if (kind === 'wasm') result = await wasmEpoch(rest[0], rest[1], rest[2] === 'quick', rest[3] ?? 'auto', rest[4], rest[5] === 'profile');
else if (kind === 'native') result = nativeEpoch(Number(rest[0]), rest[1] === 'quick');
else if (kind === 'tfjs') result = await tfjsEpoch(rest[0] === 'quick');
else if (kind === 'extras') result = await extras(rest[0] === 'quick');
else if (kind === 'slice') result = await sliceCost(rest[0] === 'quick');
else throw new Error(`unknown benchmark kind ${kind}`);
console.log(JSON.stringify(result));
