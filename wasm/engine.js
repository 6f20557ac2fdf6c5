// engine.js: the promise-free core of the JavaScript API over the WASM engine.
// It works the same in Node and in a browser worker; loaders (node.js, and the
// worker's own) create the Emscripten module and hand it to `new Engine(M, info)`.
// Nobody outside this file touches WASM memory: every array crossing the
// boundary is copied.

export class EngineError extends Error {
  constructor(message) {
    super(message);
    this.name = 'EngineError';
  }
}

export const METRIC_NAMES = [
  'epoch', 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'learning_rate', 'seconds',
  'samples_per_second', 'lr_reduced', 'is_best', 'stopped', 'restored_epoch', 'sparsity',
];

export class Engine {
  constructor(M, info) {
    this.M = M;
    this.info = { ...info, version: this.#string(M._eng_version()) };
    this.#describe = null;
    // The engine reports its record layouts; they must match the names above.
    const described = this.describe();
    if (described.metrics.join() !== METRIC_NAMES.join()) throw new EngineError('engine metric layout mismatch');
  }

  #describe;

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
      const p = this.M._malloc(Math.max(1, bytes));
      if (!p) throw new EngineError(`out of memory: could not allocate ${(bytes / 1e6).toFixed(1)} MB`);
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
      for (const p of ptrs) this.M._free(p);
    }
  }
  copyF64(ptr, n) { return Array.from(new Float64Array(this.heap(), ptr, n)); }

  describe() {
    if (!this.#describe) this.#describe = JSON.parse(this.#string(this.M._eng_describe()));
    return this.#describe;
  }
  setThreads(n) {
    this.info.threads = this.M._eng_set_threads(n);
    return this.info.threads;
  }
  // Learning rate of a schedule spec (config.js toSpecs().schedule) at each given step.
  scheduleValues(spec, baseLr, steps) {
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
  benchGemm(M, N, K, layout = 0, iterations = 100) { return this.M._eng_bench_gemm(M, N, K, layout, iterations); }
  memoryBytes() { return this.heap().byteLength; }
  close() {
    this.M._eng_pool_stop();
    if (this.M.PThread) this.M.PThread.terminateAllThreads();
  }

  // ---- datasets
  datasetFromIdx(images, labels) {
    const ptr = this.withAlloc(({ bytes }) => this.M._abi_dataset_idx(bytes(images), images.length, bytes(labels), labels.length));
    return new Dataset(this, this.#checkPtr(ptr, 'reading IDX files'));
  }
  datasetFromCifar(data) {
    const ptr = this.withAlloc(({ bytes }) => this.M._abi_dataset_cifar(bytes(data), data.length));
    return new Dataset(this, this.#checkPtr(ptr, 'reading CIFAR-10 batches'));
  }

  // ---- models
  createModel(inputFeatures, spec = 'model') {
    const ptr = this.withAlloc(({ str }) => this.M._abi_model_create(inputFeatures, str(spec)));
    return new Model(this, this.#checkPtr(ptr, 'creating the model'));
  }
  loadModel(data, maxBatch = 256) {
    const ptr = this.withAlloc(({ bytes }) => this.M._abi_model_load(bytes(data), data.length, maxBatch));
    return new Model(this, this.#checkPtr(ptr, 'loading the model'));
  }

  // used by Dataset/Model/Trainer
  _check(status, what) { this.#check(status, what); }
  _checkPtr(ptr, what) { return this.#checkPtr(ptr, what); }
  _string(ptr) { return this.#string(ptr); }
}

export class Dataset {
  constructor(engine, ptr) {
    this.engine = engine;
    this.ptr = ptr;
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
    return new Dataset(e, e._checkPtr(e.M._abi_dataset_slice(this.ptr, start, end), 'slicing the dataset'));
  }
  filterClasses(classes, maxCount = 0) {
    const e = this.engine;
    const ptr = e.withAlloc(({ bytes }) => e.M._abi_dataset_filter(this.ptr, bytes(Uint8Array.from(classes)), classes.length, maxCount));
    return new Dataset(e, e._checkPtr(ptr, 'filtering classes'));
  }
  labels() { return new Uint8Array(this.engine.heap(), this.labelsPtr, this.count).slice(); }
  image(i) {
    if (!(i >= 0 && i < this.count)) throw new EngineError(`image ${i} is outside the dataset (${this.count} samples)`);
    return new Uint8Array(this.engine.heap(), this.pixelsPtr + i * this.features, this.features).slice();
  }
  free() {
    if (this.ptr) this.engine.M._eng_dataset_free(this.ptr);
    this.ptr = 0;
  }
}

export class Model {
  constructor(engine, ptr) {
    this.engine = engine;
    this.ptr = ptr;
  }
  #call(fn, ...args) { return this.engine.M[fn](this.ptr, ...args); }
  #withSpec(fn, spec, what) {
    const e = this.engine;
    e._check(e.withAlloc(({ str }) => e.M[fn](this.ptr, str(spec))), what);
  }
  add(spec) { this.#withSpec('_eng_model_add', spec, 'adding a layer'); }
  setOptimizer(spec) { this.#withSpec('_eng_model_set_optimizer', spec, 'setting the optimizer'); }
  setSchedule(spec) { this.#withSpec('_eng_model_set_schedule', spec, 'setting the schedule'); }
  build(maxBatch) { this.engine._check(this.#call('_eng_model_build', maxBatch), 'building the model'); }
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
  setTrainable(layer, trainable) { this.engine._check(this.#call('_eng_model_set_trainable', layer, trainable ? 1 : 0), 'freezing a layer'); }
  copyLayer(layer, source, sourceLayer) {
    this.engine._check(this.#call('_eng_model_copy_layer', layer, source.ptr, sourceLayer), 'reusing a layer');
  }
  adapt(ds) { this.engine._check(this.#call('_eng_model_adapt', ds.ptr), 'computing input statistics'); }
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
  prune(fraction) { this.engine._check(this.#call('_eng_model_prune', fraction), 'pruning'); }
  sparsity() { return this.#call('_eng_model_sparsity'); }
  evaluate(ds, count = 0) {
    const e = this.engine;
    return e.withAlloc(({ alloc }) => {
      const out = alloc(16);
      e._check(this.#call('_eng_model_evaluate', ds.ptr, count, out, out + 8), 'evaluating');
      const [loss, accuracy] = new Float64Array(e.heap(), out, 2);
      return { loss, accuracy };
    });
  }
  predict(ds, start, count) {
    const e = this.engine;
    const c = this.outputSize;
    return e.withAlloc(({ alloc }) => {
      const out = alloc(count * c * 4);
      e._check(this.#call('_eng_model_predict', ds.ptr, start, count, out), 'predicting');
      return new Float32Array(e.heap(), out, count * c).slice();
    });
  }
  // The k most probable classes of each sample in [start, start + count): [[{class, probability}]].
  topK(ds, start, count, k = 3) {
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
      e._check(this.#call('_eng_model_confusion', ds.ptr, count, out), 'computing the confusion matrix');
      return new Uint32Array(e.heap(), out, c * c).slice();
    });
  }
  layerStats(ds, count = 1000) {
    const e = this.engine;
    const L = this.layerCount;
    const names = e.describe().stats;
    return e.withAlloc(({ alloc }) => {
      const out = alloc(L * names.length * 8);
      e._check(this.#call('_eng_model_layer_stats', ds.ptr, count, out), 'computing layer statistics');
      return rowsToObjects(e.copyF64(out, L * names.length), names);
    });
  }
  save(metadata = '') {
    const e = this.engine;
    return e.withAlloc(({ alloc, str }) => {
      const out = alloc(8);
      e._check(this.#call('_abi_model_save', str(metadata), out), 'saving the model');
      const [ptr, len] = new Uint32Array(e.heap(), out, 2);
      const bytes = new Uint8Array(e.heap(), ptr, len).slice();
      e.M._eng_blob_free(ptr);
      return bytes;
    });
  }
  trainer(train, val, fitSpec, callbackSpecs = []) {
    const e = this.engine;
    const ptr = e.withAlloc(({ str }) => e.M._abi_trainer_create(this.ptr, train.ptr, val ? val.ptr : 0, str(fitSpec)));
    const t = new Trainer(this, e._checkPtr(ptr, 'starting training'));
    try {
      for (const spec of callbackSpecs) t.addCallback(spec);
    } catch (err) {
      t.free();
      throw err;
    }
    return t;
  }
  free() {
    if (this.ptr) this.engine.M._eng_model_free(this.ptr);
    this.ptr = 0;
  }
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

const EVENTS = ['none', 'epoch', 'done'];

export class Trainer {
  constructor(model, ptr) {
    this.model = model;
    this.engine = model.engine;
    this.ptr = ptr;
  }
  addCallback(spec) {
    const e = this.engine;
    e._check(e.withAlloc(({ str }) => e.M._eng_trainer_add_callback(this.ptr, str(spec))), 'adding a callback');
  }
  // Runs up to maxBatches steps; returns 'none', 'epoch' or 'done'. Throws
  // EngineError on failure (divergence included: the model keeps its last good weights).
  run(maxBatches) {
    const e = this.engine;
    return e.withAlloc(({ alloc }) => {
      const ev = alloc(4);
      const status = e.M._eng_trainer_run(this.ptr, maxBatches, ev);
      const event = EVENTS[new Int32Array(e.heap(), ev, 1)[0]];
      if (status !== 0) {
        const err = new EngineError(e.lastError());
        err.diverged = status === 4;
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
  stop() { this.engine.M._eng_trainer_stop(this.ptr); }
  restoreCheckpoint() { this.engine._check(this.engine.M._eng_trainer_restore_checkpoint(this.ptr), 'restoring the checkpoint'); }
  free() {
    if (this.ptr) this.engine.M._eng_trainer_free(this.ptr);
    this.ptr = 0;
  }
}
