// session.js: what the page has done so far: the datasets loaded into the
// worker and the runs (queued, training, finished, restored from IndexedDB).
// It trains a plan run after run in the worker, turns worker events into bus
// events for the views, and saves every run. The plan's queue and each
// running run's checkpoint (written by the worker after every epoch) are kept
// too, so that after a reload the interrupted plan can be resumed and ends as
// it would have. No DOM here.
import { validateConfig, DATASETS } from '../../core/config.js';
import { WorkerError } from './client.js';
import { runColor } from './run-colors.js';
import { unpackLayerHistory } from '../../core/checkpoint-meta.js';

// A record's layerStats: {epoch, source, layers} per statistics event (core/run.js:
// 'batch' in-epoch samples, 'epoch' after each epoch, 'analysis' untrained). The
// per-layer tables and results files read the epoch-end and analysis entries.
export const layerEntries = (record) => (record.layerStats ?? []).filter((s) => s.source !== 'batch');

const FINAL = new Set(['done', 'stopped', 'diverged', 'error', 'crashed']);
const STOP_ANSWER_MS = 5000;

export class Session {
  runs = [];
  datasets = new Map(); // name -> load-dataset result (+ classNames)
  training = null; // { paused, stopRequested, index, count, record, waiting (a dataset name), onStop }
  interrupted = null; // after a reload: { records (in plan order), current, epoch (of its last checkpoint) }
  #saveFailed = false;
  #loads = new Map(); // dataset name -> its load in flight
  #outcome = null;

  constructor({ client, store, bus }) {
    this.client = client;
    this.store = store;
    this.bus = bus;
  }

  async restore() {
    const saved = await this.store.all();
    const queue = new Set((await this.store.getQueue().catch(() => null)) ?? []);
    const checkpoints = new Map((await this.store.allCheckpoints().catch(() => [])).map((c) => [c.key, c]));
    const pending = [];
    for (const [i, r] of saved.entries()) {
      r.inWorker = false;
      // Runs kept before colours followed the plan's order take their place in the history.
      if (!Number.isInteger(r.colorIndex)) r.colorIndex = i;
      r.color = runColor(r.colorIndex);
      if (r.status === 'training' || r.status === 'queued' || r.status === 'interrupted') {
        if (queue.has(r.key)) {
          // The curves and layer health of the run in progress come back from its last checkpoint.
          const cp = checkpoints.get(r.key);
          if (r.status !== 'queued') Object.assign(r, { status: 'interrupted', history: cp?.history ?? [], layerStats: unpackLayerHistory(cp?.layerStats) });
          pending.push(r);
        } else r.status = 'crashed';
      }
      this.runs.push(r);
    }
    if (pending.length) {
      const current = pending.find((r) => r.status === 'interrupted');
      this.interrupted = { records: pending, current, epoch: current ? checkpoints.get(current.key)?.epoch ?? 0 : 0 };
    }
    this.bus.emit('runs:changed');
    if (this.interrupted) this.bus.emit('train:interrupted', this.interrupted);
  }

  // After a reload: train the interrupted run on from its checkpoint, then the queued ones.
  async resumeInterrupted() {
    const pending = this.interrupted;
    if (!pending || this.training) return;
    this.interrupted = null;
    this.bus.emit('train:interrupted', null);
    const needed = this.#neededDatasets(pending.records.map((r) => r.config));
    let taken = false;
    if (needed) {
      await this.#trainQueue(pending.records.length, needed, () => {
        taken = true;
        for (const r of pending.records) r.visible = true;
        return pending.records;
      });
    }
    if (!taken) { // its data could not be had: the offer stays
      this.interrupted = pending;
      this.bus.emit('train:interrupted', pending);
    }
  }

  // After a reload: keep the interrupted run as stopped (its curves stay), drop the queued ones.
  async discardInterrupted() {
    const pending = this.interrupted;
    if (!pending) return;
    this.interrupted = null;
    for (const r of pending.records) {
      await this.store.deleteCheckpoint(r.key).catch(() => {});
      if (r.status === 'interrupted') {
        r.status = 'stopped';
        await this.#save(r);
      } else {
        this.runs = this.runs.filter((x) => x !== r);
        await this.store.delete(r.key).catch(() => {});
      }
    }
    await this.store.clearQueue().catch(() => {});
    this.bus.emit('train:interrupted', null);
    this.bus.emit('runs:changed');
  }

  byKey(key) { return this.runs.find((r) => r.key === key); }

  // What a results file records about the engine (as engine.info in the CLI).
  #engineInfo() {
    const i = this.client.info;
    return i ? { version: i.version, variant: i.variant, simd: i.simd, relaxed: i.relaxed ?? false, threads: i.threads, host: i.host ?? 'browser' } : null;
  }
  // An imported model takes the first colour no shown run has.
  #freeColorIndex() {
    const taken = new Set(this.runs.filter((r) => r.visible).map((r) => r.colorIndex));
    let i = 0;
    while (taken.has(i)) i++;
    return i;
  }

  classNames(dataset) {
    const info = this.datasets.get(dataset);
    return DATASETS[dataset]?.classNames ?? Array.from({ length: info?.splits?.train?.classes ?? 10 }, (_, i) => `class ${i}`);
  }

  // ---- data
  // A load of a site dataset already on its way is joined, not started twice
  // (Train pressed while Fashion-MNIST still downloads waits for that download).
  // files: the student's files (ArrayBuffers), names: their names in the same shape.
  loadDataset(name, files, names) {
    if (files) return this.#load(name, files, names);
    if (!this.#loads.has(name)) {
      const loading = this.#load(name);
      this.#loads.set(name, loading);
      loading.then(() => this.#loads.delete(name), () => this.#loads.delete(name));
    }
    return this.#loads.get(name);
  }

  async #load(name, files, names) {
    const payload = { dataset: name };
    const transfer = [];
    if (files) {
      payload.files = files;
      payload.names = names;
      for (const split of Object.values(files)) for (const buf of Array.isArray(split) ? split : Object.values(split)) transfer.push(buf);
    }
    this.bus.emit('data:loading', { name });
    try {
      const result = await this.client.call('load-dataset', payload, { transfer, onEvent: (e) => this.bus.emit('data:progress', { name, ...e }) });
      this.datasets.set(name, result);
      this.bus.emit('data:loaded', { name, result, classNames: this.classNames(name) });
      return result;
    } catch (err) {
      this.bus.emit('data:failed', { name, error: err });
      throw err;
    }
  }

  // ---- training
  async trainPlan(plan, indices = plan.runs.map((_, i) => i)) {
    if (this.training) throw new WorkerError('a training is already running');
    const picked = indices.map((i) => plan.runs[i]);
    for (const [n, run] of picked.entries()) {
      const errors = validateConfig(run.config);
      if (errors.length) {
        this.bus.emit('train:invalid', { index: indices[n], run, errors });
        return;
      }
    }
    const needed = this.#neededDatasets(picked.map((r) => r.config));
    if (!needed) return;
    // A plan interrupted by a reload and not resumed is set aside: its run stays, stopped.
    if (this.interrupted) await this.discardInterrupted();
    await this.#trainQueue(picked.length, needed, () => {
      // A new plan is a new picture: earlier runs stay in the history, hidden.
      for (const r of this.runs) if (r.visible) this.#setVisible(r, false);
      const startedAt = Date.now();
      for (const [i, run] of picked.entries()) this.runs.push(this.#newRecord(run, plan, startedAt + i, indices[i]));
      return this.runs.slice(-picked.length);
    });
  }

  // The datasets the runs need that are not loaded yet (the page loads
  // Fashion-MNIST itself), or null after saying which the student must load.
  #neededDatasets(configs) {
    const needed = [...new Set(configs.map((c) => c.data.dataset))].filter((name) => !this.datasets.has(name));
    for (const name of needed) {
      if (name === 'fashion-mnist') continue;
      this.bus.emit('message', { level: 'error', text: name === 'cifar10'
        ? 'This run trains on CIFAR-10: load the CIFAR-10 binary files (data_batch_1.bin ... data_batch_5.bin and test_batch.bin) in the Data panel first.'
        : 'This run trains on your own files: load them in the Data panel first.' });
      return null;
    }
    return needed;
  }

  // Waits for the datasets still needed, then trains the records makeRecords
  // gives, in order. The queue and every record are saved first, so that a
  // reload finds them (an 'interrupted' record resumes from its checkpoint).
  async #trainQueue(count, needed, makeRecords) {
    const stopped = new Promise((resolve) => { this.training = { paused: false, stopRequested: false, index: 0, count, record: null, waiting: null, onStop: resolve }; });
    let records = [];
    this.#outcome = 'cancelled';
    try {
      for (const name of needed) {
        // Said while it lasts: a download can take a minute on a slow line.
        this.training.waiting = name;
        this.bus.emit('train:state', this.#trainState());
        await Promise.race([this.loadDataset(name), stopped]);
        if (this.training.stopRequested) return;
      }
      this.training.waiting = null;
      records = makeRecords();
      this.bus.emit('runs:changed');
      this.bus.emit('train:state', this.#trainState());
      try {
        await this.store.putQueue(records.map((r) => r.key));
        for (const r of records) await this.#save(r);
      } catch { /* #save says so; training goes on */ }
      for (const [i, record] of records.entries()) {
        if (this.training.stopRequested) break;
        this.training.index = i;
        this.training.record = record;
        const ok = await this.#trainOne(record);
        this.#outcome = record.status;
        if (!ok) break;
      }
    } finally {
      // Runs that never started are dropped rather than kept as empty history.
      const unstarted = records.filter((r) => r.status === 'queued');
      this.runs = this.runs.filter((r) => !unstarted.includes(r));
      if (records.length) {
        for (const r of unstarted) this.store.delete(r.key).catch(() => {});
        this.store.clearQueue().catch(() => {});
      }
      this.training = null;
      this.bus.emit('runs:changed');
      this.bus.emit('train:state', this.#trainState());
    }
  }

  // A run trained again is numbered, so the table never shows two rows of one name.
  #numbered(label) {
    const taken = new Set(this.runs.map((r) => r.label));
    if (!taken.has(label)) return label;
    for (let n = 2; ; n++) if (!taken.has(`${label} #${n}`)) return `${label} #${n}`;
  }

  // colorIndex: the run's place in its plan, so a run keeps its colour each time the plan trains.
  #newRecord(run, plan, startedAt, colorIndex) {
    return {
      key: `${run.config.name}@${startedAt}`, id: run.config.name, label: this.#numbered(run.label), experiment: plan.preset ? plan.title : null,
      reference: structuredClone(run.reference ?? {}), config: structuredClone(run.config), colorIndex, color: runColor(colorIndex),
      history: [], layerStats: [], result: null, status: 'queued', error: null, visible: true, inWorker: false,
      engine: this.#engineInfo(),
      startedAt, finishedAt: null,
    };
  }

  async #trainOne(record) {
    const resume = record.status === 'interrupted';
    record.status = 'training';
    await this.#save(record);
    this.bus.emit('run:started', record);
    this.bus.emit('train:state', this.#trainState());
    const onEvent = (e) => {
      if (e.type === 'progress') this.bus.emit('run:progress', { record, progress: e });
      else if (e.type === 'resumed') {
        record.history = e.history;
        record.layerStats = e.layerStats ?? [];
        this.bus.emit('runs:changed');
      } else if (e.type === 'warning') this.bus.emit('message', { level: 'warn', text: `${record.label}: ${capitalize(e.message)}.` });
      else if (e.type === 'epoch') {
        record.history.push(e.metrics);
        this.bus.emit('run:epoch', { record, metrics: e.metrics });
      } else if (e.type === 'layer-stats') {
        const entry = { epoch: e.epoch, source: e.source, layers: e.layers };
        record.layerStats.push(entry);
        this.bus.emit('run:stats', { record, entry });
      }
    };
    let ok = true;
    try {
      if (!resume) record.history = [];
      const result = await this.client.call('train', { config: record.config, checkpoint: record.key, resume }, { onEvent });
      const { history: _h, ...rest } = result;
      record.result = rest;
      if (result.layer_stats && !record.layerStats.length) record.layerStats.push({ epoch: 0, source: 'analysis', layers: result.layer_stats, types: result.layers });
      for (const r of this.runs) if (r !== record && r.id === record.id) r.inWorker = false;
      record.inWorker = true;
      if (result.diverged) {
        record.status = 'diverged';
        record.error = result.error;
        this.bus.emit('message', { level: 'error', text: `${record.label}: ${capitalize(result.error)} Lower the learning rate, clip the gradients, or use a better initialization.` });
      } else if (result.error) {
        record.status = 'error';
        record.error = result.error;
        this.bus.emit('message', { level: 'error', text: `${record.label}: ${result.error}` });
        ok = false;
      } else record.status = result.stopped_by_user ? 'stopped' : 'done';
      // A run that finished but learned nothing (core/run-warnings.js) says so
      // here; the words stay in record.result, so the table and results.json keep them.
      for (const w of result.warnings ?? []) this.bus.emit('message', { level: 'warn', text: `${record.label}: ${capitalize(w)}.` });
    } catch (err) {
      ok = false;
      record.error = err.message;
      if (err.errors) {
        record.status = 'error';
        this.bus.emit('train:invalid', { run: record, errors: err.errors });
      } else {
        record.status = err.crashed ? 'crashed' : 'error';
        // A crash is told once, by the page, with what happens next.
        if (!err.crashed) this.bus.emit('message', { level: 'error', text: `${record.label}: ${capitalize(err.message)}` });
      }
    }
    record.finishedAt = Date.now();
    await this.#save(record);
    await this.store.deleteCheckpoint(record.key).catch(() => {});
    this.bus.emit('run:finished', record);
    return ok && !record.result?.stopped_by_user;
  }

  // idle carries how the last training ended: done, stopped, crashed, error, diverged or cancelled.
  #trainState() {
    const t = this.training;
    if (!t) return { state: 'idle', outcome: this.#outcome };
    if (t.waiting) return { state: 'waiting', dataset: t.waiting, count: t.count };
    return { state: t.paused ? 'paused' : 'training', index: t.index, count: t.count, record: t.record };
  }

  // The run may end (or be stopped) while the worker answers: only the training
  // that was asked is marked, and only if it is still the one running.
  async pause() {
    const training = this.training;
    if (!training) return;
    await this.client.call('pause');
    if (this.training !== training) return;
    training.paused = true;
    this.bus.emit('train:state', this.#trainState());
  }

  async resume() {
    const training = this.training;
    if (!training) return;
    await this.client.call('resume');
    if (this.training !== training) return;
    training.paused = false;
    this.bus.emit('train:state', this.#trainState());
  }

  // The worker answers stop at once; one that does not is hung, and the
  // client's watchdog replaces it (the run is then marked, the page idle).
  async stop() {
    if (!this.training) return;
    this.training.stopRequested = true;
    this.training.paused = false;
    this.training.onStop();
    await this.client.call('stop', {}, { answerWithin: STOP_ANSWER_MS });
  }

  // The worker died: its models are gone, the finished runs are not.
  onCrash() {
    for (const r of this.runs) r.inWorker = false;
    this.datasets.clear();
    this.bus.emit('runs:changed');
  }

  // ---- history
  async #save(record) {
    if (this.#saveFailed && !FINAL.has(record.status)) return;
    try {
      await this.store.put(JSON.parse(JSON.stringify({ ...record, inWorker: undefined })));
    } catch (err) {
      this.#saveFailed = true;
      this.bus.emit('message', { level: 'warn', text: `The run could not be saved in the browser (${err.message}); export it as JSON to keep it.` });
    }
  }

  #setVisible(record, visible) {
    record.visible = visible;
    if (FINAL.has(record.status)) this.#save(record);
  }

  setVisible(key, visible) {
    const r = this.byKey(key);
    // A run of an earlier plan shown beside the current one takes a colour none of them has.
    if (r && visible && this.runs.some((x) => x !== r && x.visible && x.colorIndex === r.colorIndex)) {
      r.colorIndex = this.#freeColorIndex();
      r.color = runColor(r.colorIndex);
    }
    if (r) this.#setVisible(r, visible);
    this.bus.emit('runs:visibility');
  }

  async deleteRun(key) {
    const r = this.byKey(key);
    if (!r || r.status === 'training' || r.status === 'queued') return;
    this.runs = this.runs.filter((x) => x !== r);
    if (r.inWorker && !this.runs.some((x) => x.id === r.id && x.inWorker)) this.client.call('release', { run: r.id }).catch(() => {});
    await this.store.delete(key);
    this.bus.emit('runs:changed');
  }

  async clearHistory() {
    const keep = this.runs.filter((r) => r.status === 'training' || r.status === 'queued' || r.status === 'interrupted');
    for (const r of this.runs) if (!keep.includes(r)) await this.store.delete(r.key);
    this.runs = keep;
    this.bus.emit('runs:changed');
  }

  // ---- looking inside a trained model (it must be in this tab's worker)
  #model(key) {
    const r = this.byKey(key);
    if (!r) throw new WorkerError('that run is gone');
    if (!r.inWorker) throw new WorkerError(`the model of "${r.label}" is not in memory (runs restored after a reload keep their curves, not their weights): train it again or load its .bin file`);
    return r;
  }

  async inspect(kind, key, options = {}) {
    const r = this.#model(key);
    const dataset = r.config?.data?.dataset;
    if ((kind === 'confusion' || kind === 'misclassified') && dataset && !this.datasets.has(dataset))
      throw new WorkerError(`load the ${dataset} dataset first`);
    return this.client.call(kind, { run: r.id, ...options });
  }

  // Monte Carlo Dropout of a kept run on its validation images; onProgress({done, total}).
  async mcDropout(key, onProgress) {
    const r = this.#model(key);
    const dataset = r.config?.data?.dataset;
    if (dataset && !this.datasets.has(dataset)) throw new WorkerError(`load the ${dataset} dataset first`);
    return this.client.call('mc-dropout', { run: r.id }, { onEvent: (m) => { if (m.type === 'progress') onProgress?.(m); } });
  }

  // The learning-rate range test of a configuration (a plan entry): {points, suggested_learning_rate}.
  async findLearningRate(config) {
    const dataset = config?.data?.dataset;
    if (dataset && !this.datasets.has(dataset)) throw new WorkerError(`load the ${dataset} dataset first`);
    return this.client.call('find-lr', { config });
  }

  async exportModel(key) {
    const r = this.#model(key);
    return this.client.call('export-model', { run: r.id });
  }

  // A TF.js layers model of a kept run: {modelJson, weights (ArrayBuffer)}.
  async exportTfjs(key, weightsFile) {
    const r = this.#model(key);
    return this.client.call('export-tfjs', { run: r.id, weightsFile });
  }

  #importName(fileName, pattern) {
    const base = fileName.replace(pattern, '').replace(/[^\w./-]+/g, '-') || 'imported';
    return this.runs.some((r) => r.id === base) ? `${base}-${Date.now() % 100000}` : base;
  }

  // An engine .bin file (model + the configuration it was trained with).
  async importModel(bytes, fileName) {
    const name = this.#importName(fileName, /\.bin$/i);
    const { run, config, summary } = await this.client.call('import-model', { bytes, name }, { transfer: [bytes] });
    return this.#addImported(run, config, summary, {});
  }

  // A TF.js layers model: model.json text and its weights, one ArrayBuffer or
  // {file name: ArrayBuffer} for several shards.
  async importTfjs(modelJsonText, weights, fileName) {
    const name = this.#importName(fileName, /(-model)?\.json$/i);
    const transfer = weights instanceof ArrayBuffer ? [weights] : Object.values(weights);
    const { run, config, summary, warnings } = await this.client.call('import-tfjs', { modelJson: modelJsonText, weights, name }, { transfer });
    return this.#addImported(run, config, summary, { format: 'tfjs', warnings });
  }

  async #addImported(run, config, summary, extra) {
    const record = {
      key: `${run}@${Date.now()}`, id: run, label: `${run} (imported)`, experiment: null, reference: {}, config: config ?? null,
      colorIndex: this.#freeColorIndex(), history: [], layerStats: [], result: { summary }, status: 'done', error: null, visible: true, inWorker: true,
      engine: this.#engineInfo(), startedAt: Date.now(), finishedAt: Date.now(), imported: extra.format ?? true, warnings: extra.warnings ?? [],
    };
    record.color = runColor(record.colorIndex);
    const validation = config?.data?.validation;
    if (validation && this.datasets.has(config.data.dataset)) {
      try {
        const ev = await this.client.call('evaluate', { run });
        record.result.final_val_accuracy = ev.accuracy;
        record.result.final_val_loss = ev.loss;
      } catch { /* an evaluation is a bonus */ }
    }
    this.runs.push(record);
    await this.#save(record);
    this.bus.emit('runs:changed');
    return record;
  }
}

const capitalize = (s) => String(s).charAt(0).toUpperCase() + String(s).slice(1);
