// sweep-pool.js: runs a sweep's trials (core/sweep.js) in a pool of workers, one
// per spare core (the page keeps one), each with the single-threaded engine: on
// a small machine W one-thread runs side by side do more than one run on two
// threads (README, benchmark). Each worker is an EngineClient (client.js) with its
// watchdog: a worker that crashes or hangs is restarted, its trial marked
// crashed, and the sweep goes on. Every change of a trial is saved (store.js,
// one record), so a reload keeps the finished trials; the unfinished ones run
// again when the student continues. No DOM here.
import { EngineClient } from './client.js';

export const FINISHED = new Set(['done', 'error', 'crashed']);

// One worker per spare core: the page's own thread needs one.
export const poolSize = (cores) => Math.max(1, (Math.floor(cores) || 1) - 1);

// What a trial keeps of its run's result.
function summary(result) {
  const keep = ['best_val_accuracy', 'best_epoch', 'epochs', 'final_val_accuracy', 'stopped_early', 'stop_epoch', 'seconds', 'error', 'warnings'];
  return Object.fromEntries(keep.filter((k) => result[k] !== undefined).map((k) => [k, result[k]]));
}

export class SweepPool {
  sweep = null; // {plan: {knobs, seed, random, base}, trials: [{trial, knobs, config, status, result, history}], startedAt}
  running = false;
  workers = 0; // in the run going on
  #slots = [];
  #stopRequested = false;

  // createClient(url, options): an EngineClient (the tests give a stand-in).
  constructor({ workerUrl, store, bus, size, createClient = (url, options) => new EngineClient(url, options) }) {
    this.workerUrl = workerUrl;
    this.createClient = createClient;
    this.store = store;
    this.bus = bus;
    this.size = size;
  }

  get unfinished() { return this.sweep ? this.sweep.trials.filter((t) => !FINISHED.has(t.status)).length : 0; }

  // After a reload: the saved sweep; a trial that was running is unfinished.
  async restore() {
    const saved = await this.store.getSweep().catch(() => null);
    if (!saved) return;
    for (const t of saved.trials) if (t.status === 'running') t.status = 'queued';
    this.sweep = saved;
    this.bus.emit('sweep:changed', this);
  }

  // plan: planSweep's {trials, knobs, seed}; base: the configuration it started from.
  async start(plan, { base, random }) {
    if (this.running) throw new Error('a sweep is already running; stop it first');
    this.sweep = {
      plan: { knobs: plan.knobs, seed: plan.seed, random: random ?? null, base },
      trials: plan.trials.map((t) => ({ ...t, status: 'queued', result: null, history: [] })),
      startedAt: Date.now(),
    };
    await this.#save();
    return this.run();
  }

  // Runs the unfinished trials (queued, or stopped by Stop or by a reload).
  async run() {
    if (this.running || !this.sweep) return;
    for (const t of this.sweep.trials) if (!FINISHED.has(t.status)) Object.assign(t, { status: 'queued', result: null, history: [] });
    this.running = true;
    this.#stopRequested = false;
    this.workers = Math.min(this.size, this.unfinished);
    this.#slots = Array.from({ length: this.workers }, () => ({ client: null, ready: false, trial: null, restarted: null }));
    this.bus.emit('sweep:changed', this);
    try {
      await Promise.all(this.#slots.map((slot) => this.#drive(slot)));
    } finally {
      for (const slot of this.#slots) slot.client?.worker?.terminate();
      this.#slots = [];
      this.running = false;
      for (const t of this.sweep.trials) if (t.status === 'running') t.status = 'stopped';
      await this.#save();
      this.bus.emit('sweep:changed', this);
    }
  }

  async stop() {
    this.#stopRequested = true;
    await Promise.all(this.#slots.filter((s) => s.trial && s.client?.worker).map((s) => s.client.call('stop', {}, { answerWithin: 5000 }).catch(() => {})));
  }

  async clear() {
    if (this.running) await this.stop();
    this.sweep = null;
    await this.store.clearSweep().catch(() => {});
    this.bus.emit('sweep:changed', this);
  }

  // One worker: takes the next queued trial until none is left.
  async #drive(slot) {
    for (;;) {
      if (this.#stopRequested) return;
      const trial = this.sweep.trials.find((t) => t.status === 'queued');
      if (!trial) return;
      trial.status = 'running';
      slot.trial = trial;
      this.bus.emit('sweep:trial', { sweep: this, trial });
      try {
        await this.#ready(slot, trial.config.data.dataset);
        const result = await slot.client.call('train', { config: trial.config }, {
          onEvent: (e) => {
            if (e.type !== 'epoch') return;
            trial.history.push({ epoch: e.metrics.epoch, val_accuracy: e.metrics.val_accuracy, loss: e.metrics.loss });
            this.bus.emit('sweep:trial', { sweep: this, trial });
          },
        });
        slot.client.call('release', { run: result.run }).catch(() => {});
        trial.result = summary(result);
        trial.status = result.stopped_by_user ? 'stopped' : result.error ? 'error' : 'done';
      } catch (err) {
        trial.result = { error: err.message };
        trial.status = err.crashed ? 'crashed' : 'error';
        if (err.crashed) slot.ready = false;
        if (slot.dead) {
          // This worker cannot start again; its trial stays to run on another or later.
          trial.status = 'queued';
          trial.result = null;
          this.bus.emit('sweep:trial', { sweep: this, trial });
          return;
        }
      }
      slot.trial = null;
      await this.#save();
      this.bus.emit('sweep:trial', { sweep: this, trial });
    }
  }

  // The worker started (or restarted after a crash) with the trial's data loaded.
  async #ready(slot, dataset) {
    if (slot.ready) return;
    if (!slot.client) {
      slot.client = this.createClient(this.workerUrl, {
        initOptions: { variant: 'single' },
        onLog: (text) => console.warn('sweep worker:', text),
        onCrash: ({ message, restarted }) => {
          slot.ready = false;
          slot.restarted = restarted.catch((err) => { slot.dead = err; throw err; });
          slot.restarted.catch(() => {}); // awaited by the next trial, if any
          this.bus.emit('sweep:crash', { message });
        },
      });
      await slot.client.start();
    } else if (slot.restarted) await slot.restarted;
    // A sweep trains on Fashion-MNIST, which each worker fetches itself (the
    // browser's cache serves all but the first); the student's own files live in
    // the main engine only.
    if (dataset !== 'fashion-mnist') throw new Error(`a sweep trains on Fashion-MNIST only for now (this run uses ${dataset})`);
    await slot.client.call('load-dataset', { dataset });
    slot.ready = true;
  }

  #save() {
    return this.store.putSweep(this.sweep).catch((err) => this.bus.emit('message', { level: 'warn', text: `The sweep could not be saved for a reload (${err?.message ?? err}); it goes on.` }));
  }
}
