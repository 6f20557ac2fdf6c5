// store.js: the run history in IndexedDB, so finished runs (configs, per-epoch
// histories, results) survive a reload. Without IndexedDB (private windows of
// some browsers) it keeps them in memory and says so.
const DB_NAME = 'chapter11-playground';
const STORE = 'runs';

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export class RunStore {
  #db = null;
  #memory = new Map();
  persistent = false;

  async open() {
    try {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'key' });
      this.#db = await request(req);
      this.persistent = true;
    } catch (err) {
      console.warn('IndexedDB unavailable; run history kept in memory only', err);
    }
    return this;
  }

  #store(mode) {
    return this.#db.transaction(STORE, mode).objectStore(STORE);
  }

  async all() {
    if (!this.#db) return [...this.#memory.values()];
    const list = await request(this.#store('readonly').getAll());
    return list.sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
  }

  async put(record) {
    if (!this.#db) return this.#memory.set(record.key, record);
    return request(this.#store('readwrite').put(record));
  }

  async delete(key) {
    if (!this.#db) return this.#memory.delete(key);
    return request(this.#store('readwrite').delete(key));
  }

  async clear() {
    if (!this.#db) return this.#memory.clear();
    return request(this.#store('readwrite').clear());
  }
}
