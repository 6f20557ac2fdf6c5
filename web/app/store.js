// store.js: what survives a reload, in IndexedDB: the run history (configs,
// per-epoch histories, results), the training checkpoint of each run in
// progress, and the queue of the plan being trained, so that a reload or a
// closed tab loses no run (the page offers to resume). The page and the worker
// (which writes the checkpoints) open the same database. Without IndexedDB
// (private windows of some browsers) it keeps everything in memory and says so.
const DB_NAME = 'chapter11-playground';
const VERSION = 2;
const RUNS = 'runs';
const CHECKPOINTS = 'checkpoints'; // {key: run record key, bytes, epoch, history, layerStats (packed: core/checkpoint-meta.js), savedAt}
const QUEUE = 'queue'; // {key: 'plan', keys: [run record keys, in order]}; {key: 'sweep', ...} (sweep-pool.js)

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export class RunStore {
  #db = null;
  #memory = { [RUNS]: new Map(), [CHECKPOINTS]: new Map(), [QUEUE]: new Map() };
  persistent = false;

  async open() {
    try {
      const req = indexedDB.open(DB_NAME, VERSION);
      req.onupgradeneeded = () => {
        for (const name of [RUNS, CHECKPOINTS, QUEUE])
          if (!req.result.objectStoreNames.contains(name)) req.result.createObjectStore(name, { keyPath: 'key' });
      };
      this.#db = await request(req);
      // Another tab (or the worker) upgrading later: let it, this connection closes.
      this.#db.onversionchange = () => this.#db.close();
      this.persistent = true;
    } catch (err) {
      console.warn('IndexedDB unavailable; run history kept in memory only', err);
    }
    return this;
  }

  #store(name, mode) {
    return this.#db.transaction(name, mode).objectStore(name);
  }
  // One put is one transaction: it is written whole or not at all (IndexedDB
  // transactions are atomic), so a reload in the middle of writing a
  // checkpoint leaves the previous one in place.
  #put(name, record) {
    if (!this.#db) return this.#memory[name].set(record.key, record);
    return request(this.#store(name, 'readwrite').put(record));
  }
  #get(name, key) {
    if (!this.#db) return this.#memory[name].get(key);
    return request(this.#store(name, 'readonly').get(key));
  }
  #all(name) {
    if (!this.#db) return [...this.#memory[name].values()];
    return request(this.#store(name, 'readonly').getAll());
  }
  #delete(name, key) {
    if (!this.#db) return this.#memory[name].delete(key);
    return request(this.#store(name, 'readwrite').delete(key));
  }

  async all() {
    const list = await this.#all(RUNS);
    return list.sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
  }
  put(record) { return this.#put(RUNS, record); }
  delete(key) { return this.#delete(RUNS, key); }
  async clear() {
    if (!this.#db) return this.#memory[RUNS].clear();
    return request(this.#store(RUNS, 'readwrite').clear());
  }

  // ---- training checkpoints, one per run in progress (key: the run record's key)
  putCheckpoint(checkpoint) { return this.#put(CHECKPOINTS, checkpoint); }
  getCheckpoint(key) { return this.#get(CHECKPOINTS, key); }
  allCheckpoints() { return this.#all(CHECKPOINTS); }
  deleteCheckpoint(key) { return this.#delete(CHECKPOINTS, key); }

  // ---- the plan being trained: the keys of its runs, in order
  putQueue(keys) { return this.#put(QUEUE, { key: 'plan', keys }); }
  async getQueue() { return (await this.#get(QUEUE, 'plan'))?.keys ?? null; }
  clearQueue() { return this.#delete(QUEUE, 'plan'); }

  // ---- the sweep (web/app/sweep-pool.js): its trials with their results, one record
  putSweep(sweep) { return this.#put(QUEUE, { ...sweep, key: 'sweep' }); }
  getSweep() { return this.#get(QUEUE, 'sweep'); }
  clearSweep() { return this.#delete(QUEUE, 'sweep'); }
}
