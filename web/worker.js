// worker.js: hosts the engine for the page (a module Web Worker: training never
// runs on the UI thread). It speaks the versioned message protocol documented
// in docs/ARCHITECTURE.md: commands carry an id, replies answer that id,
// progress/epoch/layer-stats are separate events.
import { Engine, EngineError } from '../wasm/engine.js';
import { runConfig, selectSubset, LOSS_SLICE_ALPHAS } from '../core/run.js';
import { packLayerHistory } from '../core/checkpoint-meta.js';
import { DATASETS } from '../core/config.js';
import { prepare, resolveRun } from '../core/prepare.js';
import { fetchBytes, maybeGunzip } from '../datasets/browser.js';
import { FASHION_FILES, joinBatches } from '../datasets/files.js';
import { exportTfjs, importTfjs } from '../core/tfjs-format.js';
import { mcDropoutReport, MC_SAMPLES, NO_DROPOUT_REASON } from '../core/mc-dropout.js';
import { findLearningRate } from '../core/lr-finder.js';
import { RunStore } from './app/store.js';
import { provokeTrap } from '../wasm/test-trap.js';
import { hasSimd, hasRelaxedSimd } from '../wasm/features.js';
import { defaultThreads } from '../wasm/threads.js';

const PROTOCOL = 1;
let engine = null;
const splits = new Map(); // "dataset/split" -> Dataset
const models = new Map(); // run id -> { model, config }
let training = null; // { id, paused, resume, stop }
let store = null; // IndexedDB, where the checkpoints of runs in progress go
const checkpointStore = async () => (store ??= await new RunStore().open());

const post = (msg, transfer) => self.postMessage({ v: PROTOCOL, ...msg }, transfer ?? []);
const event = (type, id, payload) => post({ type, id, ...payload });

async function loadEngine(options = {}) {
  if (engine) return engine.info;
  if (!hasSimd()) {
    throw new EngineError('this browser does not support WebAssembly SIMD; use a current Chrome, Edge, Firefox or Safari');
  }
  const isolated = self.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
  const variant = options.variant === 'single' || !isolated ? 'single' : 'threads';
  // Relaxed SIMD (fused multiply-add) where the browser validates it (Chrome 114+,
  // Firefox 146+); Safari and older browsers get the plain SIMD build.
  const relaxed = options.simd !== 'plain' && hasRelaxedSimd();
  const base = new URL(`../build/wasm-${variant === 'threads' ? 'mt' : 'st'}/${relaxed ? 'web-relaxed' : 'web'}/engine.mjs`, self.location.href).href;
  const { default: factory } = await import(base);
  const M = await factory();
  engine = new Engine(M, { variant, simd: true, relaxed: M._eng_simd_relaxed() === 1, threads: 1, host: 'browser', isolated });
  const cores = self.navigator?.hardwareConcurrency || 1;
  engine.setThreads(variant === 'threads' ? (options.threads ?? defaultThreads(cores)) : 1);
  return engine.info;
}

function splitInfo(ds) {
  return { count: ds.count, rows: ds.rows, cols: ds.cols, channels: ds.channels, features: ds.features, classes: ds.numClasses };
}

function gallery(ds, split, n = 16) {
  const labels = ds.labels();
  const picks = [];
  const seen = new Set();
  for (let i = 0; i < ds.count && picks.length < n; i++) {
    if (seen.has(labels[i]) && picks.length < ds.numClasses) continue;
    seen.add(labels[i]);
    picks.push({ split, index: i, label: labels[i], pixels: ds.image(i) });
  }
  return picks;
}

function setSplit(name, split, ds) {
  const key = `${name}/${split}`;
  splits.get(key)?.free();
  splits.set(key, ds);
}

async function loadDataset(id, msg) {
  await loadEngine();
  const name = msg.dataset;
  const progress = (phase, file) => (loaded, total) => event('progress', id, { phase, file, loaded, total });
  if (name === 'fashion-mnist') {
    const base = new URL(msg.baseUrl ?? '../data/fashion-mnist/', self.location.href);
    for (const split of ['train', 'test']) {
      if (splits.has(`${name}/${split}`)) continue;
      const files = FASHION_FILES[split];
      const images = await fetchBytes(new URL(files.images, base), progress('download', files.images));
      const labels = await fetchBytes(new URL(files.labels, base), progress('download', files.labels));
      event('progress', id, { phase: 'parse', file: split });
      setSplit(name, split, engine.datasetFromIdx(images, labels));
    }
  } else if (name === 'custom') {
    for (const split of ['train', 'test']) {
      const f = msg.files?.[split];
      if (!f) continue;
      const named = msg.names?.[split] ?? {};
      const images = await maybeGunzip(new Uint8Array(f.images), { name: named.images ?? `the ${split} images file` });
      const labels = await maybeGunzip(new Uint8Array(f.labels), { name: named.labels ?? `the ${split} labels file` });
      try {
        setSplit(name, split, engine.datasetFromIdx(images, labels));
      } catch (err) {
        throw new EngineError(`${split} files: ${err.message}`);
      }
    }
    if (!splits.has('custom/train')) throw new EngineError('choose a training images file and a training labels file');
  } else if (name === 'cifar10') {
    for (const split of ['train', 'test']) {
      const parts = msg.files?.[split];
      if (!parts?.length) continue;
      const arrays = await Promise.all(parts.map((b, i) => maybeGunzip(new Uint8Array(b), { name: msg.names?.[split]?.[i] ?? `${split} batch ${i + 1}` })));
      const all = joinBatches(arrays, `the CIFAR-10 ${split} batches together (${(msg.names?.[split] ?? []).join(', ')})`);
      try {
        setSplit(name, split, engine.datasetFromCifar(all));
      } catch (err) {
        throw new EngineError(`${split} files: ${err.message}`);
      }
    }
    if (!splits.has('cifar10/train')) throw new EngineError('choose the CIFAR-10 training batches (data_batch_1.bin ... data_batch_5.bin)');
  } else {
    throw new EngineError(`unknown dataset "${name}"`);
  }
  const result = { dataset: name, splits: {} };
  for (const split of ['train', 'test']) {
    const ds = splits.get(`${name}/${split}`);
    if (ds) result.splits[split] = splitInfo(ds);
  }
  result.samples = gallery(splits.get(`${name}/train`), 'train');
  return result;
}

async function loadSplit(dataset, split) {
  const ds = splits.get(`${dataset}/${split}`);
  if (!ds) throw new EngineError(`the ${dataset} ${split} split is not loaded; load the dataset first`);
  return ds;
}

// The page's watchdog (app/client.js) takes ten seconds of silence for a hung
// worker. Training answers between 40 ms slices, but evaluating a big model on
// many images is one synchronous call: from the pace of training, the worker
// tells the page how long such a call may keep it silent ('expect'). Training
// an image costs about three forward passes; three times that is the margin.
const EVALUATION_MARGIN = 3;

function pacer(id, { config, fit }) {
  const batch = fit.batch_size;
  const images = (sub) => (sub ? sub.count ?? DATASETS[config.data.dataset]?.splits?.[sub.split] ?? 60000 : 0);
  // The loss slice after each epoch is one call too: its points on up to 500
  // validation images (the engine's slice_samples default).
  const slice = LOSS_SLICE_ALPHAS.length * Math.min(500, images(config.data.validation) || images(config.data.train));
  const evaluated = Math.max(images(config.data.validation), images(config.data.test), slice);
  let last = null;
  let told = 0;
  const pace = (p) => {
    const t = performance.now();
    if (last && p.step > last.step) pace.msPerImage = Math.min(pace.msPerImage, (t - last.t) / ((p.step - last.step) * batch));
    last = { t, step: p.step };
    const ms = Math.ceil(evaluated * pace.msPerImage * EVALUATION_MARGIN);
    if (Number.isFinite(ms) && (ms > told * 1.2 || ms < told / 1.2)) event('expect', id, { ms: (told = ms) });
  };
  pace.msPerImage = Infinity;
  return pace;
}

async function train(id, msg) {
  await loadEngine();
  if (training) throw new EngineError('a run is already training; stop it or wait for it to finish');
  const run = prepare(msg.config); // a ConfigError's problems go back with their paths
  const { config } = run;
  const runId = config.name ?? `run-${id}`;
  const state = { id, paused: false, stopRequested: false, resume: null };
  const pace = pacer(id, run);
  training = state;
  const modelMap = new Map([...models].map(([k, v]) => [k, v.model]));
  // msg.checkpoint: the key the run's checkpoint is kept under after every
  // epoch; with msg.resume, training goes on from the one kept there.
  const key = msg.checkpoint;
  let resume = null;
  let warned = false;
  try {
    if (key && msg.resume) {
      const saved = await (await checkpointStore()).getCheckpoint(key);
      if (saved) resume = new Uint8Array(saved.bytes);
    }
    const result = await runConfig(engine, loadSplit, run, {
      models: modelMap,
      keepModel: true,
      resume,
      // What the run showed before the reload (curves, layer health) comes back from the checkpoint.
      onResume: ({ epoch, history, layerStats }) => event('resumed', id, { run: runId, epoch, history, layerStats }),
      onCheckpoint: key ? async ({ bytes, epoch, history, layerStats }) => {
        try {
          await (await checkpointStore()).putCheckpoint({ key, bytes: bytes.buffer, epoch, history, layerStats: packLayerHistory(layerStats), savedAt: Date.now() });
        } catch (err) {
          if (!warned) event('warning', id, { run: runId, message: `this run cannot be kept for resuming after a reload (${err?.message ?? err}); it trains on, but a reload would lose it` });
          warned = true;
        }
      } : undefined,
      control: async () => {
        while (state.paused && !state.stopRequested) await new Promise((r) => (state.resume = r));
        return state.stopRequested ? 'stop' : 'go';
      },
      onProgress: (p) => {
        pace(p);
        event('progress', id, { run: runId, phase: 'train', ...p });
      },
      onEpoch: (m) => event('epoch', id, { run: runId, metrics: m }),
      onLayerStats: (layers, epoch, source) => event('layer-stats', id, { run: runId, epoch, source, layers }),
      lossSlice: true, // every epoch event carries metrics.loss_slice
    });
    if (result.model) {
      models.get(runId)?.model.free();
      models.set(runId, { model: result.model, config, msPerImage: pace.msPerImage });
      delete result.model;
    }
    return { ...result, run: runId };
  } finally {
    training = null;
  }
}

function modelOf(run) {
  const entry = models.get(run);
  if (!entry) throw new EngineError(`no trained model named "${run}" in this tab; train it first`);
  return entry;
}

// The dataset an imported model can be evaluated on: the one it names if its
// input width fits, else the built-in one of that width, else the student's files.
function datasetFor(features, named) {
  const width = (name) => splits.get(`${name}/train`)?.features ?? DATASETS[name]?.features;
  if (named && DATASETS[named] && width(named) === features) return named;
  return ['fashion-mnist', 'cifar10', 'custom'].find((name) => width(name) === features) ?? named ?? 'custom';
}

function subsetOf(config, subset) {
  return subset ?? config.data.validation ?? config.data.test ?? config.data.train;
}

async function withSubset(id, run, subset, fn) {
  const { model, config, msPerImage } = modelOf(run);
  const sub = subsetOf(config, subset);
  const ds = selectSubset(await loadSplit(config.data.dataset, sub.split), sub);
  const ms = Math.ceil(ds.count * (msPerImage ?? Infinity) * EVALUATION_MARGIN);
  if (Number.isFinite(ms)) event('expect', id, { ms });
  try {
    return fn(model, ds, config);
  } finally {
    ds.free();
  }
}

// A ceiling for the silence of one synchronous engine call of `forwards` image
// forward passes (the watchdog's 'expect'): at least 1 GFLOP/s (2 FLOPs per
// weight and image; a training step costs about three forwards), three times over.
function expectForwards(id, model, forwards) {
  const ms = Math.ceil((forwards * 2 * model.paramCount(false) * EVALUATION_MARGIN) / 1e6);
  event('expect', id, { ms: Math.max(5000, ms) });
}

const yieldToPage = () => new Promise((resolve) => setTimeout(resolve, 0));

// Monte Carlo Dropout on the run's validation subset (or msg.subset): a chunk
// of images at a time, yielding between chunks so pings are answered.
async function mcDropout(id, msg) {
  const { model, config } = modelOf(msg.run);
  if (!model.hasDropout) return { dropout: false, reason: NO_DROPOUT_REASON };
  const sub = subsetOf(config, msg.subset);
  const ds = selectSubset(await loadSplit(config.data.dataset, sub.split), sub);
  const samples = msg.samples ?? MC_SAMPLES;
  const chunk = 256;
  try {
    expectForwards(id, model, ds.count + chunk * Math.max(...samples));
    const report = await mcDropoutReport(model, ds, {
      samples, seed: config.seed ?? 42, chunk, uncertain: msg.uncertain ?? 12,
      onProgress: (p) => event('progress', id, { run: msg.run, phase: 'mc-dropout', ...p }),
      pause: yieldToPage,
    });
    report.uncertain = report.uncertain.map((u) => ({ ...u, pixels: ds.image(u.index), rows: ds.rows, cols: ds.cols, channels: ds.channels }));
    const subset = sub === config.data.validation ? 'validation' : sub === config.data.test ? 'test' : 'training';
    return { dropout: true, subset, ...report };
  } finally {
    ds.free();
  }
}

// The learning-rate range test of a configuration (a plan entry or a run's).
async function findLr(id, msg) {
  await loadEngine();
  if (training) throw new EngineError('a run is training: find the learning rate when it has finished (or stop it)');
  const modelMap = new Map([...models].map(([k, v]) => [k, v.model]));
  const steps = engine.describe().lr_finder.lr_finder.options.steps.default;
  return findLearningRate(engine, loadSplit, msg.config, {
    models: modelMap,
    onModel: (model, batchSize) => expectForwards(id, model, 3 * steps * batchSize),
  });
}

const handlers = {
  init: (id, msg) => loadEngine(msg),
  'load-dataset': loadDataset,
  train,
  pause: () => {
    if (training) training.paused = true;
    return { paused: Boolean(training) };
  },
  resume: () => {
    if (training) {
      training.paused = false;
      training.resume?.();
    }
    return { resumed: Boolean(training) };
  },
  stop: () => {
    if (training) {
      training.stopRequested = true;
      training.resume?.();
    }
    return { stopping: Boolean(training) };
  },
  evaluate: (id, msg) => withSubset(id, msg.run, msg.subset, (model, ds) => model.evaluate(ds)),
  confusion: (id, msg) => withSubset(id, msg.run, msg.subset, (model, ds) => ({ classes: model.outputSize, matrix: Array.from(model.confusion(ds)) })),
  misclassified: (id, msg) => withSubset(id, msg.run, msg.subset, (model, ds) => {
    const limit = msg.limit ?? 24;
    const c = model.outputSize;
    const n = Math.min(ds.count, msg.count ?? 1000);
    const probs = model.predict(ds, 0, n);
    const labels = ds.labels();
    const out = [];
    for (let i = 0; i < n && out.length < limit; i++) {
      let best = 0;
      for (let k = 1; k < c; k++) if (probs[i * c + k] > probs[i * c + best]) best = k;
      if (best !== labels[i]) out.push({ index: i, label: labels[i], predicted: best, confidence: probs[i * c + best], pixels: ds.image(i), rows: ds.rows, cols: ds.cols, channels: ds.channels });
    }
    return out;
  }),
  predict: (id, msg) => withSubset(id, msg.run, msg.subset, (model, ds) => {
    const start = msg.start ?? 0;
    const count = Math.min(msg.count ?? 10, ds.count - start);
    return { classes: model.outputSize, probabilities: Array.from(model.predict(ds, start, count)), labels: Array.from(ds.labels().slice(start, start + count)) };
  }),
  'mc-dropout': mcDropout,
  'find-lr': findLr,
  weights: (id, msg) => modelOf(msg.run).model.tensors().map((t) => ({ layer: t.layer, name: t.name, shape: t.shape, data: t.data })),
  'export-model': (id, msg) => {
    const { model, config } = modelOf(msg.run);
    const bytes = model.save(JSON.stringify(config));
    return { bytes: bytes.buffer, config };
  },
  'import-model': async (id, msg) => {
    await loadEngine();
    const model = engine.loadModel(new Uint8Array(msg.bytes), 256);
    let config = null;
    try {
      config = JSON.parse(model.metadata || 'null');
    } catch {
      config = null;
    }
    const run = msg.name ?? config?.name ?? `imported-${id}`;
    models.get(run)?.model.free();
    models.set(run, { model, config });
    return { run, config, summary: model.summary() };
  },
  // A TF.js layers model (model.json + weights.bin) of a kept model; the
  // format's refusals (standardized inputs, an activation TF.js lacks) come
  // back as the error message.
  'export-tfjs': (id, msg) => {
    const { model, config } = modelOf(msg.run);
    const { modelJson, weights } = exportTfjs(model, config, msg.weightsFile ? { weightsFile: msg.weightsFile } : {});
    const bytes = weights.byteOffset === 0 && weights.byteLength === weights.buffer.byteLength ? weights.buffer : weights.slice().buffer;
    return { modelJson, weights: bytes };
  },
  // A TF.js layers model read into the engine, kept under msg.name like a
  // trained one. It gets a data section so it can be evaluated: the dataset
  // its metadata names (or the one its input width fits), validated on the
  // test split.
  'import-tfjs': async (id, msg) => {
    await loadEngine();
    const weights = msg.weights instanceof ArrayBuffer ? msg.weights : msg.weights ?? {};
    const { model, config: imported, features, warnings } = importTfjs(engine, msg.modelJson, weights);
    let meta = null;
    try {
      meta = (typeof msg.modelJson === 'string' ? JSON.parse(msg.modelJson) : msg.modelJson)?.userDefinedMetadata ?? null;
    } catch { /* importTfjs parsed it already */ }
    const dataset = datasetFor(features, meta?.dataset);
    const run = msg.name ?? meta?.run ?? `imported-${id}`;
    const config = { name: run, seed: 42, data: { dataset, train: { split: 'train', start: 0 }, validation: { split: 'test', start: 0 } }, model: imported.model };
    models.get(run)?.model.free();
    models.set(run, { model, config });
    return { run, config, summary: model.summary(), features, warnings };
  },
  // The learning rate along training, computed by the engine's own schedule code.
  'schedule-preview': async (id, msg) => {
    await loadEngine();
    const config = msg.config;
    // The steps training will use (core/prepare.js), and what the schedule does
    // outside the run, said beside its field and the preview.
    const { stepsPerEpoch, totalSteps, schedule, warnings, specs } = resolveRun(config);
    if (!stepsPerEpoch) throw new EngineError('the number of training images is not known before the data is loaded: set data.train.count');
    const points = Math.min(msg.points ?? 200, totalSteps);
    const steps = Array.from({ length: points }, (_, i) => Math.round((i * (totalSteps - 1)) / Math.max(1, points - 1)));
    const baseLr = config.optimizer?.learning_rate ?? engine.describe().optimizers[config.optimizer?.type ?? 'sgd'].options.learning_rate.default;
    const lrs = engine.scheduleValues(specs.schedule, baseLr, steps);
    return { stepsPerEpoch, totalSteps, schedule, warnings, points: steps.map((step, i) => ({ step, epoch: step / stepsPerEpoch, learning_rate: lrs[i] })) };
  },
  // Only the browser tests send this: it blocks the worker as a stuck engine
  // would, so they can check that the page's watchdog notices and recovers.
  'test-busy-loop': (id, msg) => {
    const end = Date.now() + (msg.ms ?? 600000);
    while (Date.now() < end) { /* busy */ }
    return { busy: msg.ms };
  },
  // Only the browser tests send this: a real trap through a real engine call
  // (wasm/test-trap.js), so they can check that the page restarts the engine.
  'test-trap': async () => {
    const ds = await loadSplit('fashion-mnist', 'train');
    const model = engine.createModel(ds.features);
    model.add('dense units=10 activation=softmax');
    model.build(256);
    return provokeTrap(engine, model, ds);
  },
  release: (id, msg) => {
    models.get(msg.run)?.model.free();
    models.delete(msg.run);
    return { released: msg.run };
  },
};

self.onmessage = async (e) => {
  const msg = e.data ?? {};
  const { id, type } = msg;
  if (type === 'ping') return post({ type: 'pong' }); // the page's watchdog (app/client.js)
  const handler = handlers[type];
  if (!handler) return post({ type: 'error', id, message: `unknown command "${type}"` });
  try {
    const result = await handler(id, msg);
    const transfer = [result?.bytes, result?.weights].filter((b) => b instanceof ArrayBuffer);
    post({ type: 'reply', id, command: type, result }, transfer);
  } catch (err) {
    // After a trap the engine refuses every call (wasm/engine.js): the page
    // treats this worker as crashed and starts a fresh one (app/client.js).
    const stopped = err?.engineStopped || engine?.stopped ? { engineStopped: true, cause: engine?.stopped ?? null } : {};
    post({ type: 'error', id, command: type, message: err?.message ?? String(err), errors: err?.errors, ...stopped });
  }
};

self.onerror = (e) => post({ type: 'error', id: null, message: `worker error: ${e.message ?? e}` });
post({ type: 'ready' });
