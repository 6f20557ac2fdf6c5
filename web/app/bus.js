// bus.js: a tiny event emitter. The controller modules (app/) announce what
// happened; the view modules (views/) listen and redraw. Nothing here knows the DOM.
export class Bus {
  #handlers = new Map();

  on(type, handler) {
    if (!this.#handlers.has(type)) this.#handlers.set(type, new Set());
    this.#handlers.get(type).add(handler);
    return () => this.#handlers.get(type)?.delete(handler);
  }

  emit(type, payload) {
    for (const handler of this.#handlers.get(type) ?? []) {
      try {
        handler(payload);
      } catch (err) {
        // One broken listener must not stop the others (or training).
        console.error(`listener for "${type}" failed`, err);
      }
    }
  }
}
