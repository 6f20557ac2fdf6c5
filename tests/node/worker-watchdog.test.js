// worker-watchdog.test.js: the page's worker client (web/app/client.js) with a
// stand-in Worker, on a fast clock (pings every 20 ms, a second of silence; a
// loaded machine may stall the event loop, so not shorter): a
// worker that stops answering during a command, or leaves Stop unanswered, is
// replaced and every pending call rejected as crashed; one that answers pings,
// or announced a long computation, is left alone; silence while idle is not a hang.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { EngineClient, describeWorkerError } from '../../web/app/client.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let workers = [];

// Answers init; answers pings unless hung; posts what the test asks for.
class StandInWorker extends EventTarget {
  constructor() {
    super();
    this.hung = false;
    this.terminated = false;
    this.onCommand = null;
    workers.push(this);
  }
  postMessage(msg) {
    if (this.terminated || this.hung) return;
    if (msg.type === 'ping') return this.send({ type: 'pong' });
    if (msg.type === 'init') return this.send({ type: 'reply', id: msg.id, result: { variant: 'single' } });
    this.onCommand?.(msg);
  }
  send(data) { queueMicrotask(() => { if (!this.terminated) this.dispatchEvent(Object.assign(new Event('message'), { data })); }); }
  terminate() { this.terminated = true; }
}

describe('worker watchdog', () => {
  let crashes;
  let client;
  beforeEach(async () => {
    workers = [];
    crashes = [];
    globalThis.Worker = StandInWorker;
    client = new EngineClient('worker.js', { onCrash: (c) => crashes.push(c), watchdog: { pingMs: 20, silentMs: 1000 } });
    await client.start();
  });
  afterEach(() => { for (const w of workers) w.terminate(); delete globalThis.Worker; });

  it('replaces a worker that stops answering during a command, rejecting the command as crashed', async () => {
    const training = client.call('train', {});
    workers[0].hung = true;
    await assert.rejects(training, (err) => err.crashed && /stopped unexpectedly \(it stopped answering for \d+ seconds\)/.test(err.message));
    assert.equal(crashes.length, 1);
    assert.ok(workers[0].terminated);
    assert.deepEqual(await crashes[0].restarted, { variant: 'single' }, 'a new worker is started');
    assert.equal(client.worker, workers[1]);
  });

  it('replaces a worker that leaves Stop unanswered, though it still answers pings', async () => {
    const stopping = client.call('stop', {}, { answerWithin: 300 });
    await assert.rejects(stopping, /did not answer "stop" within 0 seconds/);
    assert.equal(crashes.length, 1);
  });

  it('leaves a worker alone that answers pings, or that announced a long computation', async () => {
    const worker = workers[0];
    worker.onCommand = (msg) => { if (msg.type === 'evaluate') setTimeout(() => worker.send({ type: 'reply', id: msg.id, result: 'done' }), 1500); };
    assert.equal(await client.call('evaluate', {}), 'done');
    worker.onCommand = (msg) => {
      worker.send({ type: 'expect', id: msg.id, ms: 60000 });
      setTimeout(() => { worker.hung = true; }, 0);
    };
    const long = client.call('confusion', {});
    await sleep(1500);
    assert.equal(crashes.length, 0, 'silent, but within what it announced');
    worker.hung = false;
    worker.send({ type: 'reply', id: 2 + 1, result: 'matrix' });
    assert.equal(await long, 'matrix');
  });

  it('does not count silence while no command is outstanding', async () => {
    workers[0].hung = true;
    await sleep(1500);
    assert.equal(crashes.length, 0);
  });

  it('says in words why a worker failed when the browser gives no message', () => {
    assert.equal(describeWorkerError({ message: 'Uncaught [object ErrorEvent]' }), 'it failed inside the engine and the browser gave no details');
    assert.equal(describeWorkerError({}), 'it failed inside the engine and the browser gave no details');
    assert.equal(describeWorkerError({ message: 'Uncaught RangeError: out of memory' }), 'out of memory');
  });
});
