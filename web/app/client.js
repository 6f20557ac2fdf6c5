// client.js: the page's side of the worker protocol (v1, docs/ARCHITECTURE.md).
// call() posts a command with a fresh id and resolves with the reply's result;
// events (progress, epoch, layer-stats) for that id go to the call's onEvent.
// If the worker dies (its 'error' event), every pending call is rejected, a new
// worker is started and onCrash tells the page, which keeps its finished runs.
const PROTOCOL = 1;

export class WorkerError extends Error {
  constructor(message, { command, errors, crashed = false } = {}) {
    super(message);
    this.name = 'WorkerError';
    this.command = command;
    this.errors = errors;
    this.crashed = crashed;
  }
}

export class EngineClient {
  #url;
  #worker = null;
  #next = 1;
  #pending = new Map(); // id -> { resolve, reject, onEvent, command }
  #crashes = [];
  #initOptions;

  constructor(url, { onCrash, onLog, initOptions = {} } = {}) {
    this.#url = url;
    this.onCrash = onCrash ?? (() => {});
    this.onLog = onLog ?? (() => {});
    this.#initOptions = initOptions;
    this.info = null;
  }

  get worker() { return this.#worker; }

  // Starts the worker and the engine; resolves with the engine info
  // ({variant, simd, threads, isolated, version}).
  async start() {
    const worker = new Worker(this.#url, { type: 'module' });
    this.#worker = worker;
    worker.addEventListener('message', (e) => this.#onMessage(e.data));
    worker.addEventListener('error', (e) => this.#crash(worker, e.message || 'the worker script failed'));
    worker.addEventListener('messageerror', () => this.#crash(worker, 'a message could not be decoded'));
    this.info = await this.call('init', this.#initOptions);
    return this.info;
  }

  call(type, payload = {}, { onEvent, transfer } = {}) {
    if (!this.#worker) return Promise.reject(new WorkerError('the engine is not running', { command: type }));
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onEvent, command: type });
      this.#worker.postMessage({ v: PROTOCOL, id, type, ...payload }, transfer ?? []);
    });
  }

  #onMessage(msg) {
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'ready') return;
    const entry = this.#pending.get(msg.id);
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
    const restarted = restart ? this.start() : Promise.reject(new WorkerError('the engine crashed three times in a minute; reload the page'));
    restarted.catch(() => {});
    this.onCrash({ message, restarted });
  }
}
