// test-trap.js: for tests only. A real WebAssembly trap provoked through a real
// engine call, so the tests can check what happens after one (the engine stops,
// engine.js; the page restarts its worker, web/app/client.js). Nothing else can
// reach a trap: every argument is checked before it reaches C.
//
// The crafted call: a copy of the dataset's C struct whose pixel pointer (word
// 6 in the 32-bit build) lies beyond WASM memory, evaluated in batches of 256
// images. Loading a batch is split across the thread pool, so with threads both
// a pool thread and the caller read out of bounds.
export function provokeTrap(engine, model, ds) {
  const fake = engine.M._malloc(32);
  const fields = new Uint32Array(engine.heap(), fake, 8);
  fields.set(new Uint32Array(engine.heap(), ds.ptr, 8));
  fields[6] = 0xf0000000;
  const out = engine.M._malloc(16);
  return engine.M._eng_model_evaluate(model.ptr, fake, 256, out, out + 8);
}
