// client.js: the page's side of the worker protocol (v1, docs/ARCHITECTURE.md).
// call() posts a command with a fresh id and resolves with the reply's result;
// events (progress, epoch, layer-stats) for that id go to the call's onEvent.
// A watchdog covers the worker: if it dies (its 'error' event), or stops
// answering while a command is outstanding (terminated, or stuck in a loop:
// neither fires any event), or says its engine stopped after a trap (an error
// with engineStopped: the engine refuses every later call, wasm/engine.js),
// every pending call is rejected, a new worker is started and onCrash tells the
// page, which keeps its finished runs.
const PROTOCOL = 1;

// The worker answers between engine calls, which last tens of milliseconds
// (a training step is sliced, docs/ARCHITECTURE.md); a ping every second and
// ten seconds of silence leave a wide margin on a slow, busy machine. A
// longer synchronous computation (evaluating a big model) is announced by the
// worker with an 'expect' event and adds its time.
export const WATCHDOG = { pingMs: 1000, silentMs: 10000 };

export class WorkerError extends Error {
  constructor(message, { command, errors, crashed = false } = {}) {
    super(message);
    this.name = 'WorkerError';
    this.command = command;
    this.errors = errors;
    this.crashed = crashed;
  }
}

// Why a worker failed, in words: a failure inside the engine's own threads
// reaches the page as "Uncaught [object ErrorEvent]" or with no message at all.
export function describeWorkerError(e) {
  const text = String(e?.message ?? '').trim();
  if (!text || /\[object \w*\]/.test(text)) return 'it failed inside the engine and the browser gave no details';
  return text.replace(/^Uncaught (\w*Error: )?/, '');
}

export class EngineClient {
  #url;
  #worker = null;
  #next = 1;
  #pending = new Map(); // id -> { resolve, reject, onEvent, command, deadline }
  #crashes = [];
  #initOptions;
  #heard = 0; // when the worker last said anything
  #timer = 0;

  constructor(url, { onCrash, onLog, initOptions = {}, watchdog = WATCHDOG } = {}) {
    this.#url = url;
    this.onCrash = onCrash ?? (() => {});
    this.onLog = onLog ?? (() => {});
    this.#initOptions = initOptions;
    this.watchdog = { ...watchdog };
    this.info = null;
  }

  get worker() { return this.#worker; }

  // Starts the worker and the engine; resolves with the engine info
  // ({variant, threads, simd, relaxed, host, isolated, version}).
  async start() {
    const worker = new Worker(this.#url, { type: 'module' });
    this.#worker = worker;
    this.#heard = Date.now();
    worker.addEventListener('message', (e) => { if (worker === this.#worker) this.#onMessage(e.data); });
    worker.addEventListener('error', (e) => { e.preventDefault?.(); this.#crash(worker, describeWorkerError(e)); });
    worker.addEventListener('messageerror', () => this.#crash(worker, 'a message could not be decoded'));
    this.info = await this.call('init', this.#initOptions);
    return this.info;
  }

  // answerWithin: ms after which a call still unanswered means the worker is
  // hung (for commands it answers at once, like stop).
  call(type, payload = {}, { onEvent, transfer, answerWithin } = {}) {
    if (!this.#worker) return Promise.reject(new WorkerError('the engine is not running', { command: type }));
    const id = this.#next++;
    if (!this.#pending.size) this.#heard = Date.now(); // silence while idle does not count
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onEvent, command: type, answerWithin, deadline: answerWithin ? Date.now() + answerWithin : Infinity });
      this.#worker.postMessage({ v: PROTOCOL, id, type, ...payload }, transfer ?? []);
      this.#watch();
    });
  }

  // Pings while commands are outstanding; any message counts as an answer.
  #watch() {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      const worker = this.#worker;
      if (!worker || !this.#pending.size) {
        clearInterval(this.#timer);
        this.#timer = 0;
        return;
      }
      const now = Date.now();
      const silent = now - this.#heard;
      const late = [...this.#pending.values()].find((p) => now > p.deadline);
      // A command whose worker announced a long computation ('expect') gets that much more.
      const allowed = this.watchdog.silentMs + Math.max(0, ...[...this.#pending.values()].map((p) => p.expectMs ?? 0));
      if (silent > allowed || late) {
        this.#crash(worker, late
          ? `it did not answer "${late.command}" within ${Math.round(late.answerWithin / 1000)} seconds`
          : `it stopped answering for ${Math.round(silent / 1000)} seconds`);
        return;
      }
      worker.postMessage({ v: PROTOCOL, type: 'ping' });
    }, this.watchdog.pingMs);
  }

  #onMessage(msg) {
    this.#heard = Date.now();
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'ready' || msg.type === 'pong') return;
    if (msg.type === 'error' && msg.engineStopped) {
      this.#crash(this.#worker, `it stopped after an internal error (${msg.cause || 'the browser gave no details'})`);
      return;
    }
    const entry = this.#pending.get(msg.id);
    if (msg.type === 'expect') {
      if (entry) entry.expectMs = msg.ms;
      return;
    }
    if (msg.type === 'reply' || msg.type === 'error') {
      if (!entry) {
        if (msg.type === 'error') this.onLog(msg.message);
        return;
      }
      this.#pending.delete(msg.id);
      if (msg.type === 'reply') entry.resolve(msg.result);
      else entry.reject(new WorkerError(msg.message, { command: msg.command ?? entry.command, errors: msg.errors }));
      return;
    }
    entry?.onEvent?.(msg);
  }

  #crash(worker, message) {
    if (worker !== this.#worker) return; // an old worker's late error
    worker.terminate();
    this.#worker = null;
    const error = new WorkerError(`the training engine stopped unexpectedly (${message})`, { crashed: true });
    for (const entry of this.#pending.values()) entry.reject(error);
    this.#pending.clear();
    // Restart, but not in a loop: a worker that cannot even start would crash forever.
    const now = Date.now();
    this.#crashes = this.#crashes.filter((t) => now - t < 60000).concat(now);
    const restart = this.#crashes.length <= 3;
    const restarted = restart ? this.start() : Promise.reject(new WorkerError('the engine stopped three times in a minute; reload the page'));
    restarted.catch(() => {});
    this.onCrash({ message, restarted });
  }
}
