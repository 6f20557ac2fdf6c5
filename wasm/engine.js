// engine.js: the promise-free core of the JavaScript API over the WASM engine.
// It works the same in Node and in a browser worker; loaders (node.js, and the
// worker's own) create the Emscripten module and hand it to `new Engine(M, info)`.
// Nobody outside this file touches WASM memory: every array crossing the
// boundary is copied. Freed objects throw instead of reaching freed C memory,
// numbers are checked before they reach C (arguments.js), and a trap stops the
// engine for good instead of letting it run on half-updated memory.
import { whole, finite, bytes, text } from './arguments.js';

export class EngineError extends Error {
  constructor(message) {
    super(message);
    this.name = 'EngineError';
  }
}

// "16.0 GB", "3.4 MB": binary units, as the engine's own messages (engine/status.c).
export function formatBytes(bytes) {
  const units = ['bytes', 'KB', 'MB', 'GB'];
  let v = bytes, u = 0;
  while (u < 3 && v >= 1024) v /= 1024, u++;
  return u ? `${v.toFixed(1)} ${units[u]}` : `${bytes} bytes`;
}

export const METRIC_NAMES = [
  'epoch', 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'learning_rate', 'seconds',
  'samples_per_second', 'lr_reduced', 'is_best', 'stopped', 'restored_epoch', 'sparsity',
];

// The cause of a trap in words: 'unwind' is what emscripten throws on the main
// thread when a pool thread crashed (_emscripten_thread_crashed); its own error
// arrives separately, as the worker's error event.
function causeText(cause) {
  if (cause === 'unwind') return 'a worker thread crashed';
  return String(cause?.message ?? cause);
}

export class Engine {
  constructor(M, info) {
    this.M = this.#guarded(M);
    this.#routeThreadErrors(M);
    this.info = { ...info, version: this.#string(this.M._eng_version()) };
    this.#describe = null;
    // The engine reports its record layouts; they must match the names above.
    const described = this.describe();
    if (described.metrics.join() !== METRIC_NAMES.join()) throw new EngineError('engine metric layout mismatch');
  }

  #describe;
  #stopped = null;

  // ---- traps
  // Every exported C function is called through #invoke: after a trap
  // (WebAssembly.RuntimeError: "unreachable", "memory access out of bounds", or a
  // crashed pool thread) the C state is half-updated (a lock held, a job half
  // done), so the engine refuses every later call instead of running on it.
  #guarded(M) {
    const api = Object.create(M);
    for (const key of Object.keys(M)) {
      if (key.startsWith('_') && typeof M[key] === 'function') api[key] = (...args) => this.#invoke(M, key, args);
    }
    return api;
  }
  #invoke(M, key, args) {
    if (this.#stopped) throw this.#stoppedError();
    try {
      return M[key](...args);
    } catch (err) {
      this.#stop(err);
      throw this.#stoppedError();
    }
  }
  // A pool thread that traps throws inside its worker; emscripten's default
  // handler rethrows that on the main thread, where nothing can catch it (Node
  // exits). Route it here instead: the engine stops and says why on its next call.
  #routeThreadErrors(M) {
    const threads = M.PThread;
    if (!threads) return;
    for (const worker of [...threads.unusedWorkers, ...threads.runningWorkers]) {
      worker.onerror = (event) => {
        event?.preventDefault?.();
        this.#stop(`a worker thread crashed: ${causeText(event)}`);
      };
    }
  }
  #stop(cause) {
    if (!this.#stopped) this.#stopped = causeText(cause);
  }
  #stoppedError() {
    const err = new EngineError(`the engine stopped after an internal error (${this.#stopped}); reload it (reload the page, or loadEngine() again in Node)`);
    err.engineStopped = true;
    return err;
  }
  // null while the engine works; after a trap, what went wrong.
  get stopped() { return this.#stopped; }

  // ---- memory helpers (views are made at the point of use: memory may grow)
  heap() {
    const M = this.M;
    return M.wasmMemory ? M.wasmMemory.buffer : M.HEAPU8.buffer;
  }
  #string(ptr) { return ptr ? this.M.UTF8ToString(ptr) : ''; }
  lastError() { return this.#string(this.M._eng_last_error()); }
  #check(status, what) {
    if (status !== 0) throw new EngineError(this.lastError() || `${what} failed (status ${status})`);
  }
  #checkPtr(ptr, what) {
    if (!ptr) throw new EngineError(this.lastError() || `${what} failed`);
    return ptr;
  }
  // Runs fn with temporary WASM allocations that are always freed.
  withAlloc(fn) {
    const ptrs = [];
    const alloc = (bytes) => {
      // _malloc takes a 32-bit size: a larger number would wrap to a small block.
      const limit = this.describe().memory_limit_bytes;
      if (!(bytes <= limit)) throw new EngineError(`out of memory: this needs ${formatBytes(bytes)}; the engine can hold ${formatBytes(limit)}`);
      const p = this.M._malloc(Math.max(1, bytes));
      if (!p) throw new EngineError(`out of memory: could not allocate ${formatBytes(bytes)}`);
      ptrs.push(p);
      return p;
    };
    const str = (s) => {
      const n = this.M.lengthBytesUTF8(s) + 1;
      const p = alloc(n);
      this.M.stringToUTF8(s, p, n);
      return p;
    };
    const bytes = (u8) => {
      const p = alloc(u8.length);
      new Uint8Array(this.heap(), p, u8.length).set(u8);
      return p;
    };
    try {
      return fn({ alloc, str, bytes });
    } finally {
      if (!this.#stopped) for (const p of ptrs) this.M._free(p);
    }
  }
  copyF64(ptr, n) { return Array.from(new Float64Array(this.heap(), ptr, n)); }

  describe() {
    if (!this.#describe) this.#describe = JSON.parse(this.#string(this.#checkPtr(this.M._eng_describe(), "describing the engine's tables")));
    return this.#describe;
  }
  // The kernel profile behind npm run bench's per-kernel table (engine.h
  // eng_profile): on clears and starts it, off stops; the report is
  // {steps, step_seconds, kernels: [{name, calls, seconds, waited}]}.
  profile(on) { this.M._eng_profile(on ? 1 : 0); }
  profileReport() { return JSON.parse(this.#string(this.M._eng_profile_report())); }
  setThreads(n) {
    this.info.threads = this.M._eng_set_threads(whole('threads', n, 1, 64));
    return this.info.threads;
  }
  // Learning rate of a schedule spec (core/prepare.js resolveRun().specs.schedule) at each given step.
  scheduleValues(spec, baseLr, steps) {
    text('spec', spec);
    finite('baseLr', baseLr);
    steps.forEach((s, i) => finite(`steps[${i}]`, s, 0));
    return this.withAlloc(({ str }) => {
      const p = str(spec);
      return steps.map((s) => {
        const v = this.M._eng_schedule_lr(p, baseLr, s);
        if (Number.isNaN(v)) throw new EngineError(this.lastError());
        return v;
      });
    });
  }
  // GFLOP/s of the engine's matrix multiply (layout 0: A B, 1: A^T B); for benchmarks.
  benchGemm(M, N, K, layout = 0, iterations = 100) {
    const dim = (name, v) => whole(name, v, 1, 8192);
    return this.M._eng_bench_gemm(dim('M', M), dim('N', N), dim('K', K), whole('layout', layout, 0, 1), whole('iterations', iterations, 1, 1e6));
  }
  memoryBytes() { return this.heap().byteLength; }
  close() {
    if (!this.#stopped) this.M._eng_pool_stop(); // a stopped pool cannot be joined
    if (this.M.PThread) this.M.PThread.terminateAllThreads();
  }

  // ---- datasets
  datasetFromIdx(images, labels) {
    bytes('images', images);
    bytes('labels', labels);
    const ptr = this.withAlloc(({ bytes }) => this.M._abi_dataset_idx(bytes(images), images.length, bytes(labels), labels.length));
    return new Dataset(this, this.#checkPtr(ptr, 'reading IDX files'));
  }
  datasetFromCifar(data) {
    bytes('data', data);
    const ptr = this.withAlloc(({ bytes }) => this.M._abi_dataset_cifar(bytes(data), data.length));
    return new Dataset(this, this.#checkPtr(ptr, 'reading CIFAR-10 batches'));
  }

  // ---- models
  createModel(inputFeatures, spec = 'model') {
    whole('inputFeatures', inputFeatures, 1);
    text('spec', spec);
    const ptr = this.withAlloc(({ str }) => this.M._abi_model_create(inputFeatures, str(spec)));
    return new Model(this, this.#checkPtr(ptr, 'creating the model'));
  }
  // A training checkpoint (Trainer.save) over the same data: {model, trainer},
  // ready to train on from where it stopped.
  resumeTraining(data, train, val, maxBatch = 256) {
    bytes('data', data);
    whole('maxBatch', maxBatch, 1);
    const trainPtr = this._dataset(train, 'train');
    const valPtr = val ? this._dataset(val, 'val') : 0;
    const [modelPtr, trainerPtr] = this.withAlloc(({ alloc, bytes: copy }) => {
      const out = alloc(8);
      this.#check(this.M._abi_trainer_load(copy(data), data.length, maxBatch, trainPtr, valPtr, out), 'resuming training');
      return Array.from(new Uint32Array(this.heap(), out, 2));
    });
    const model = new Model(this, modelPtr);
    return { model, trainer: new Trainer(model, trainerPtr, [model, train, ...(val ? [val] : [])]) };
  }
  loadModel(data, maxBatch = 256) {
    bytes('data', data);
    whole('maxBatch', maxBatch, 1);
    const ptr = this.withAlloc(({ bytes }) => this.M._abi_model_load(bytes(data), data.length, maxBatch));
    return new Model(this, this.#checkPtr(ptr, 'loading the model'));
  }

  // used by Dataset/Model/Trainer
  _check(status, what) { this.#check(status, what); }
  _checkPtr(ptr, what) { return this.#checkPtr(ptr, what); }
  _string(ptr) { return this.#string(ptr); }
  // The C pointer of a live Dataset of this engine (the argument is named in errors).
  _dataset(ds, name = 'dataset') {
    if (!(ds instanceof Dataset) || ds.engine !== this) throw new TypeError(`${name} must be a Dataset of this engine`);
    return ds.ptr;
  }
}

// A C object owned by a JavaScript wrapper. After free() every use throws
// instead of reading freed memory: `ptr` is the one way to the C pointer.
class Handle {
  #ptr;
  #freedBecause = '';
  constructor(engine, ptr, what) {
    this.engine = engine;
    this.#ptr = ptr;
    this.what = what;
  }
  get ptr() {
    if (!this.#ptr) throw new EngineError(`the ${this.what} was freed${this.#freedBecause}; it cannot be used any more`);
    return this.#ptr;
  }
  get freed() { return !this.#ptr; }
  // Frees the C object once; a stopped engine's memory is beyond use anyway.
  _release(cFree, because = '') {
    const p = this.#ptr;
    this.#ptr = 0;
    if (!p) return;
    this.#freedBecause = because;
    if (!this.engine.stopped) this.engine.M[cFree](p);
  }
}

// Trainers keep pointers to their model and data: freeing either frees the
// trainers first (their later calls say why) rather than leave them pointing at
// freed memory.
class TrainerOwner extends Handle {
  trainers = new Set();
  _freeTrainers(because) {
    for (const t of this.trainers) t._release('_eng_trainer_free', because);
    this.trainers.clear();
  }
}

export class Dataset extends TrainerOwner {
  constructor(engine, ptr) {
    super(engine, ptr, 'dataset');
    const info = engine.withAlloc(({ alloc }) => {
      const p = alloc(32);
      engine.M._abi_dataset_info(ptr, p);
      return Array.from(new Uint32Array(engine.heap(), p, 8));
    });
    [this.count, this.rows, this.cols, this.channels, this.features, this.numClasses] = info;
    this.pixelsPtr = info[6];
    this.labelsPtr = info[7];
  }
  slice(start, end) {
    const e = this.engine;
    whole('start', start, 0, this.count);
    whole('end', end, start, this.count);
    return new Dataset(e, e._checkPtr(e.M._abi_dataset_slice(this.ptr, start, end), 'slicing the dataset'));
  }
  filterClasses(classes, maxCount = 0) {
    const e = this.engine;
    if (!Array.isArray(classes)) throw new TypeError('classes must be an array of class numbers');
    classes.forEach((c, i) => whole(`classes[${i}]`, c, 0, 255));
    whole('maxCount', maxCount);
    const ptr = e.withAlloc(({ bytes }) => e.M._abi_dataset_filter(this.ptr, bytes(Uint8Array.from(classes)), classes.length, maxCount));
    return new Dataset(e, e._checkPtr(ptr, 'filtering classes'));
  }
  labels() {
    this.ptr; // throws once freed
    return new Uint8Array(this.engine.heap(), this.labelsPtr, this.count).slice();
  }
  image(i) {
    this.ptr; // throws once freed
    if (!(Number.isInteger(i) && i >= 0 && i < this.count)) throw new EngineError(`image ${i} is outside the dataset (${this.count} samples)`);
    return new Uint8Array(this.engine.heap(), this.pixelsPtr + i * this.features, this.features).slice();
  }
  free() {
    this._freeTrainers(' (its data was freed)');
    this._release('_eng_dataset_free');
  }
}

export class Model extends TrainerOwner {
  constructor(engine, ptr) {
    super(engine, ptr, 'model');
  }
  #call(fn, ...args) { return this.engine.M[fn](this.ptr, ...args); }
  #withSpec(fn, spec, what) {
    const e = this.engine;
    e._check(e.withAlloc(({ str }) => e.M[fn](this.ptr, str(spec))), what);
  }
  add(spec) { this.#withSpec('_eng_model_add', spec, 'adding a layer'); }
  setOptimizer(spec) { this.#withSpec('_eng_model_set_optimizer', spec, 'setting the optimizer'); }
  setSchedule(spec) { this.#withSpec('_eng_model_set_schedule', spec, 'setting the schedule'); }
  build(maxBatch) { this.engine._check(this.#call('_eng_model_build', whole('maxBatch', maxBatch, 1)), 'building the model'); }
  summary() { return this.engine._string(this.#call('_eng_model_summary')); }
  paramCount(trainableOnly = false) { return this.#call('_abi_model_param_count', trainableOnly ? 1 : 0); }
  get layerCount() { return this.#call('_eng_model_layer_count'); }
  get outputSize() { return this.#call('_eng_model_output_size'); }
  get inputSize() { return this.#call('_eng_model_input_size'); }
  get metadata() { return this.engine._string(this.#call('_eng_model_metadata')); }
  // Weight tensors in Keras order, copied out.
  tensors() {
    const e = this.engine;
    const n = this.#call('_eng_model_tensor_count');
    return e.withAlloc(({ alloc }) => {
      const out = alloc(16);
      const list = [];
      for (let i = 0; i < n; i++) {
        const name = e._string(e.M._abi_model_tensor_info(this.ptr, i, out));
        const [layer, rows, cols, data] = new Uint32Array(e.heap(), out, 4);
        const size = rows * (cols || 1);
        list.push({ index: i, layer, name, shape: cols ? [rows, cols] : [rows], data: new Float32Array(e.heap(), data, size).slice() });
      }
      return list;
    });
  }
  setTensor(index, values) {
    const e = this.engine;
    whole('index', index);
    e.withAlloc(({ alloc }) => {
      const out = alloc(16);
      const name = e.M._abi_model_tensor_info(this.ptr, index, out);
      if (!name) throw new EngineError(e.lastError());
      const [, rows, cols, data] = new Uint32Array(e.heap(), out, 4);
      const size = rows * (cols || 1);
      if (values.length !== size) throw new EngineError(`tensor ${index} (${e._string(name)}) has ${size} values, got ${values.length}`);
      new Float32Array(e.heap(), data, size).set(values);
    });
  }
  // Whether the layer trains now (false: frozen); checked like every layer index.
  layerTrainable(layer) {
    const v = this.#call('_eng_model_layer_trainable', whole('layer', layer));
    if (v < 0) throw new EngineError(`layer ${layer} does not exist (the model has ${this.layerCount})`);
    return v === 1;
  }
  setTrainable(layer, trainable) { this.engine._check(this.#call('_eng_model_set_trainable', whole('layer', layer), trainable ? 1 : 0), 'freezing a layer'); }
  copyLayer(layer, source, sourceLayer) {
    if (!(source instanceof Model) || source.engine !== this.engine) throw new TypeError('source must be a Model of this engine');
    this.engine._check(this.#call('_eng_model_copy_layer', whole('layer', layer), source.ptr, whole('sourceLayer', sourceLayer)), 'reusing a layer');
  }
  adapt(ds) { this.engine._check(this.#call('_eng_model_adapt', this.engine._dataset(ds)), 'computing input statistics'); }
  // Per-feature standardization {mean, invStd} (Float32Array copies), or null.
  inputStatistics() {
    const e = this.engine;
    return e.withAlloc(({ alloc }) => {
      const out = alloc(8);
      e.M._abi_model_input_stats(this.ptr, out);
      const [mean, inv] = new Uint32Array(e.heap(), out, 2);
      if (!mean) return null;
      const n = this.inputSize;
      return { mean: new Float32Array(e.heap(), mean, n).slice(), invStd: new Float32Array(e.heap(), inv, n).slice() };
    });
  }
  prune(fraction) { this.engine._check(this.#call('_eng_model_prune', finite('fraction', fraction, 0, 1)), 'pruning'); }
  sparsity() { return this.#call('_eng_model_sparsity'); }
  evaluate(ds, count = 0) {
    const e = this.engine;
    return e.withAlloc(({ alloc }) => {
      const out = alloc(16);
      e._check(this.#call('_eng_model_evaluate', e._dataset(ds), whole('count', count), out, out + 8), 'evaluating');
      const [loss, accuracy] = new Float64Array(e.heap(), out, 2);
      return { loss, accuracy };
    });
  }
  predict(ds, start, count) {
    const e = this.engine;
    const ptr = e._dataset(ds);
    whole('start', start, 0, ds.count);
    whole('count', count, 1, ds.count - start);
    const c = this.outputSize;
    return e.withAlloc(({ alloc }) => {
      const out = alloc(count * c * 4);
      e._check(this.#call('_eng_model_predict', ptr, start, count, out), 'predicting');
      return new Float32Array(e.heap(), out, count * c).slice();
    });
  }
  // True when the model has a Dropout/AlphaDropout layer with rate > 0.
  get hasDropout() { return this.#call('_eng_model_has_dropout') === 1; }
  // Monte Carlo Dropout over samples [start, start + count): {mean, std}
  // (count x classes Float32Arrays), accuracy and meanStd (the average std of the
  // predicted class) over `samples` passes with dropout active (eng_model_mc_predict).
  mcPredict(ds, start, count, samples, seed = 42) {
    const e = this.engine;
    const ptr = e._dataset(ds);
    whole('start', start, 0, ds.count);
    whole('count', count, 1, ds.count - start);
    whole('samples', samples, 1, 100000);
    whole('seed', seed);
    const c = this.outputSize;
    return e.withAlloc(({ alloc }) => {
      const out = alloc(16), mean = alloc(count * c * 4), std = alloc(count * c * 4);
      e._check(this.#call('_abi_model_mc_predict', ptr, start, count, samples, seed, mean, std, out), 'Monte Carlo Dropout');
      const [accuracy, meanStd] = new Float64Array(e.heap(), out, 2);
      return { mean: new Float32Array(e.heap(), mean, count * c).slice(), std: new Float32Array(e.heap(), std, count * c).slice(), accuracy, meanStd };
    });
  }
  // The learning-rate range test on train (eng_model_find_lr); options: the
  // engine's lr_finder options (min_learning_rate, max_learning_rate, steps,
  // batch_size, seed, stop_factor, smoothing). The model is left as it was.
  // Returns {points: [{learning_rate, loss}], suggested_learning_rate}.
  findLearningRate(train, options = {}) {
    const e = this.engine;
    const ptr = e._dataset(train, 'train');
    const known = e.describe().lr_finder.lr_finder.options;
    const parts = ['lr_finder'];
    for (const [key, value] of Object.entries(options)) {
      if (!known[key]) throw new EngineError(`learning-rate finder: unknown option ${key}`);
      parts.push(`${key}=${finite(key, value)}`);
    }
    const steps = whole('steps', options.steps ?? known.steps.default, 2, 100000);
    return e.withAlloc(({ alloc, str }) => {
      const rates = alloc(steps * 8), losses = alloc(steps * 8), out = alloc(16);
      e._check(this.#call('_eng_model_find_lr', ptr, str(parts.join(' ')), steps, rates, losses, out, out + 8), 'finding the learning rate');
      const count = new Uint32Array(e.heap(), out, 1)[0];
      const suggested = new Float64Array(e.heap(), out + 8, 1)[0];
      const r = e.copyF64(rates, count), l = e.copyF64(losses, count);
      return { points: Array.from(r, (rate, i) => ({ learning_rate: rate, loss: l[i] })), suggested_learning_rate: suggested };
    });
  }
  // The k most probable classes of each sample in [start, start + count): [[{class, probability}]].
  topK(ds, start, count, k = 3) {
    whole('k', k, 1);
    const c = this.outputSize;
    const probs = this.predict(ds, start, count);
    return Array.from({ length: count }, (_, i) =>
      Array.from(probs.subarray(i * c, (i + 1) * c), (p, cls) => ({ class: cls, probability: p }))
        .sort((a, b) => b.probability - a.probability || a.class - b.class)
        .slice(0, k));
  }
  confusion(ds, count = 0) {
    const e = this.engine;
    const c = this.outputSize;
    return e.withAlloc(({ alloc }) => {
      const out = alloc(c * c * 4);
      e._check(this.#call('_eng_model_confusion', e._dataset(ds), whole('count', count), out), 'computing the confusion matrix');
      return new Uint32Array(e.heap(), out, c * c).slice();
    });
  }
  layerStats(ds, count = 1000) {
    const e = this.engine;
    const ptr = e._dataset(ds);
    whole('count', count);
    const L = this.layerCount;
    const names = e.describe().stats;
    return e.withAlloc(({ alloc }) => {
      const out = alloc(L * names.length * 8);
      e._check(this.#call('_eng_model_layer_stats', ptr, count, out), 'computing layer statistics');
      return rowsToObjects(e.copyF64(out, L * names.length), names);
    });
  }
  save(metadata = '') { return saveBlob(this.engine, '_abi_model_save', this.ptr, metadata, 'saving the model'); }
  trainer(train, val, fitSpec, callbackSpecs = []) {
    const e = this.engine;
    const trainPtr = e._dataset(train, 'train');
    const valPtr = val ? e._dataset(val, 'val') : 0;
    text('fitSpec', fitSpec);
    const ptr = e.withAlloc(({ str }) => e.M._abi_trainer_create(this.ptr, trainPtr, valPtr, str(fitSpec)));
    const t = new Trainer(this, e._checkPtr(ptr, 'starting training'), [this, train, ...(val ? [val] : [])]);
    try {
      for (const spec of callbackSpecs) t.addCallback(spec);
    } catch (err) {
      t.free();
      throw err;
    }
    return t;
  }
  // Frees the model; a trainer of it still alive is freed too.
  free() {
    this._freeTrainers(' (its model was freed)');
    this._release('_eng_model_free');
  }
}

// Calls an abi_*_save(object, metadata, out) and copies the blob out.
function saveBlob(e, fn, ptr, metadata, what) {
  text('metadata', metadata);
  return e.withAlloc(({ alloc, str }) => {
    const out = alloc(8);
    e._check(e.M[fn](ptr, str(metadata), out), what);
    const [blob, len] = new Uint32Array(e.heap(), out, 2);
    const bytes = new Uint8Array(e.heap(), blob, len).slice();
    e.M._eng_blob_free(blob);
    return bytes;
  });
}

function rowsToObjects(flat, names) {
  const rows = [];
  for (let i = 0; i < flat.length; i += names.length) {
    const row = {};
    names.forEach((n, k) => { row[n] = flat[i + k]; });
    rows.push(row);
  }
  return rows;
}

// eng_trainer_run's events (engine.h ENG_EVENT_*); 'stats': an in-epoch sample of the layer statistics.
const EVENTS = ['none', 'epoch', 'done', 'stats'];

export class Trainer extends Handle {
  #owners;
  constructor(model, ptr, owners) {
    super(model.engine, ptr, 'trainer');
    this.model = model;
    this.#owners = owners;
    for (const o of owners) o.trainers.add(this);
  }
  addCallback(spec) {
    const e = this.engine;
    e._check(e.withAlloc(({ str }) => e.M._eng_trainer_add_callback(this.ptr, str(spec))), 'adding a callback');
  }
  // Runs up to maxBatches steps; returns 'none', 'epoch', 'done' or 'stats'
  // (layerStats() holds an in-epoch sample, taken at progress()'s batch). Throws
  // EngineError on failure (divergence included: the model keeps its last good weights).
  run(maxBatches) {
    const e = this.engine;
    return e.withAlloc(({ alloc }) => {
      const ev = alloc(4);
      const status = e.M._eng_trainer_run(this.ptr, whole('maxBatches', maxBatches, 1), ev);
      const event = EVENTS[new Int32Array(e.heap(), ev, 1)[0]];
      if (status !== 0) {
        const err = new EngineError(e.lastError());
        err.diverged = e.describe().statuses[status] === 'diverged';
        throw err;
      }
      return event;
    });
  }
  metrics() {
    const e = this.engine;
    const names = e.describe().metrics;
    return rowsToObjects(e.copyF64(e.M._eng_trainer_metrics(this.ptr), names.length), names)[0];
  }
  progress() {
    const e = this.engine;
    const names = e.describe().progress;
    return rowsToObjects(e.copyF64(e.M._eng_trainer_progress(this.ptr), names.length), names)[0];
  }
  layerStats() {
    const e = this.engine;
    const p = e.M._eng_trainer_layer_stats(this.ptr);
    if (!p) return null;
    const names = e.describe().stats;
    return rowsToObjects(e.copyF64(p, this.model.layerCount * names.length), names);
  }
  // The loss slice (engine.h eng_trainer_loss_slice): loss and accuracy on the
  // first slice_samples validation images at weights theta0 + alpha (theta - theta0)
  // for each alpha (0: where training started, 1: now). Training goes on unchanged.
  // Returns { alpha: [...], loss: [...], accuracy: [...] }.
  lossSlice(alphas) {
    const e = this.engine;
    if (!Array.isArray(alphas) || alphas.length === 0) throw new RangeError('alphas must be a non-empty array of numbers');
    alphas.forEach((a, i) => finite(`alphas[${i}]`, a));
    const n = alphas.length;
    return e.withAlloc(({ alloc }) => {
      const a = alloc(n * 8), loss = alloc(n * 8), accuracy = alloc(n * 8);
      new Float64Array(e.heap(), a, n).set(alphas);
      e._check(e.M._eng_trainer_loss_slice(this.ptr, a, n, loss, accuracy), 'computing the loss slice');
      return { alpha: [...alphas], loss: e.copyF64(loss, n), accuracy: e.copyF64(accuracy, n) };
    });
  }
  stop() { this.engine.M._eng_trainer_stop(this.ptr); }
  // A training checkpoint: the model, its optimizer and the whole trainer state.
  save(metadata = '') { return saveBlob(this.engine, '_abi_trainer_save', this.ptr, metadata, 'saving a training checkpoint'); }
  restoreCheckpoint() { this.engine._check(this.engine.M._eng_trainer_restore_checkpoint(this.ptr), 'restoring the checkpoint'); }
  free() {
    for (const o of this.#owners) o.trainers.delete(this);
    this._release('_eng_trainer_free');
  }
}
