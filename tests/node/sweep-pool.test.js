// web/app/sweep-pool.js with stand-in workers: trials are shared out over the
// pool, a worker that crashes has its trial marked crashed and the sweep goes
// on, finished trials are saved, and after a reload only the unfinished run again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importPageModule, smallConfig } from './helpers.js';
import { planSweep, parseGrid } from '../../core/sweep.js';

const { SweepPool, poolSize } = await importPageModule('app/sweep-pool.js');
const { WorkerError } = await importPageModule('app/client.js');

class MemoryStore {
  saved = null;
  putSweep(s) { this.saved = structuredClone(s); return Promise.resolve(); }
  getSweep() { return Promise.resolve(structuredClone(this.saved)); }
  clearSweep() { this.saved = null; return Promise.resolve(); }
}
const bus = { emit() {} };

// A worker that "trains" by answering with an accuracy made from the learning
// rate, and crashes (as the watchdog reports it) on the rates in `crashOn`.
function fakeClients({ crashOn = [], log = [], hold = null } = {}) {
  return (url, { onCrash }) => ({
    stopped: null,
    worker: { terminate() {} },
    info: null,
    async start() { this.info = { variant: 'single' }; return this.info; },
    async call(type, payload, { onEvent } = {}) {
      await new Promise((r) => setTimeout(r, 1));
      if (type === 'stop') return this.stopped?.();
      if (type !== 'train') return {};
      // A trial that trains until Stop (as the worker honours it: the run ends, stopped_by_user).
      if (hold?.(payload.config)) {
        await new Promise((r) => { this.stopped = r; });
        return { run: payload.config.name, stopped_by_user: true, epochs: 0 };
      }
      const lr = payload.config.optimizer.learning_rate;
      log.push(lr);
      if (crashOn.includes(lr)) {
        onCrash({ message: 'it stopped answering for 10 seconds', restarted: Promise.resolve({}) });
        throw new WorkerError('the training engine stopped unexpectedly', { crashed: true });
      }
      onEvent?.({ type: 'epoch', metrics: { epoch: 1, val_accuracy: lr * 10, loss: 1 } });
      return { run: payload.config.name, best_val_accuracy: lr * 10, best_epoch: 1, epochs: 1, seconds: 0.1 };
    },
  });
}

const plan = () => planSweep(smallConfig(), [parseGrid('optimizer.learning_rate=0.01,0.02,0.03,0.04')]);

test('one worker per spare core, at least one', () => {
  assert.equal(poolSize(8), 7);
  assert.equal(poolSize(2), 1);
  assert.equal(poolSize(1), 1);
  assert.equal(poolSize(undefined), 1);
});

test('a crashed trial is marked crashed and the worker, restarted, runs the other trials', async () => {
  const store = new MemoryStore();
  const log = [];
  const pool = new SweepPool({ workerUrl: 'x', store, bus, size: 1, createClient: fakeClients({ crashOn: [0.02], log }) });
  await pool.start(plan(), { base: smallConfig() });
  assert.deepEqual(pool.sweep.trials.map((t) => t.status), ['done', 'crashed', 'done', 'done']);
  assert.match(pool.sweep.trials[1].result.error, /stopped unexpectedly/);
  assert.deepEqual(log.sort(), [0.01, 0.02, 0.03, 0.04]);
  assert.equal(pool.sweep.trials[3].result.best_val_accuracy, 0.4);
  assert.deepEqual(store.saved.trials.map((t) => t.status), ['done', 'crashed', 'done', 'done']);
  assert.equal(pool.running, false);
});

test('after a reload, finished trials are kept and only the unfinished ones run again', async () => {
  const store = new MemoryStore();
  const first = new SweepPool({ workerUrl: 'x', store, bus, size: 1, createClient: fakeClients() });
  await first.start(plan(), { base: smallConfig() });
  // As a reload finds it: trial 3 was training, trial 4 queued.
  store.saved.trials[2].status = 'running';
  Object.assign(store.saved.trials[3], { status: 'queued', result: null });
  const log = [];
  const reloaded = new SweepPool({ workerUrl: 'x', store, bus, size: 1, createClient: fakeClients({ log }) });
  await reloaded.restore();
  assert.equal(reloaded.unfinished, 2);
  await reloaded.run();
  assert.deepEqual(log, [0.03, 0.04]);
  assert.deepEqual(reloaded.sweep.trials.map((t) => t.status), ['done', 'done', 'done', 'done']);
  assert.equal(reloaded.unfinished, 0);
});

test('Stop ends the running trial as stopped; the trials not run stay for Continue', async () => {
  const store = new MemoryStore();
  const pool = new SweepPool({ workerUrl: 'x', store, bus, size: 1, createClient: fakeClients({ hold: (c) => c.optimizer.learning_rate === 0.02 }) });
  const running = pool.start(plan(), { base: smallConfig() });
  while (pool.sweep?.trials[1].status !== 'running') await new Promise((r) => setTimeout(r, 1));
  await pool.stop();
  await running;
  assert.deepEqual(pool.sweep.trials.map((t) => t.status), ['done', 'stopped', 'queued', 'queued']);
  assert.equal(pool.unfinished, 3);
  assert.equal(pool.running, false);
});
