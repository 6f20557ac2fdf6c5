// The JavaScript API under misuse (issue 10, item 7): freed objects throw a clear
// error instead of touching freed memory, numbers are checked before they reach
// C, and a trap (here in a pool thread) stops the engine with a catchable error.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadEngine } from '../../wasm/node.js';
import { EngineError } from '../../wasm/engine.js';
import { runConfig } from '../../core/run.js';
import { provokeTrap } from '../../wasm/test-trap.js';
import { smallConfig } from './helpers.js';

const engines = [];
async function make(variant = 'single', threads) {
  const engine = await loadEngine({ variant, threads });
  engines.push(engine);
  return engine;
}
after(() => engines.forEach((e) => e.close()));

// n images of 2x2 pixels, labels 0..9 in turn (IDX bytes, no file needed).
function tinyDataset(engine, n = 256) {
  const images = new Uint8Array(16 + n * 4);
  images.set([0, 0, 8, 3, (n >> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255, 0, 0, 0, 2, 0, 0, 0, 2]);
  for (let i = 16; i < images.length; i++) images[i] = (i * 37) & 255;
  const labels = new Uint8Array(8 + n);
  labels.set([0, 0, 8, 1, (n >> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255]);
  for (let i = 0; i < n; i++) labels[8 + i] = i % 10;
  return engine.datasetFromIdx(images, labels);
}

function tinyModel(engine) {
  const model = engine.createModel(4);
  model.add('dense units=16 activation=relu');
  model.add('dense units=10 activation=softmax');
  model.build(256);
  return model;
}

test('a freed trainer, model or dataset throws "was freed" instead of using freed memory', async () => {
  const engine = await make();
  const ds = tinyDataset(engine);
  const model = tinyModel(engine);

  const trainer = model.trainer(ds, null, 'fit epochs=1 batch_size=32');
  assert.equal(trainer.run(1), 'none');
  trainer.free();
  trainer.free(); // twice is harmless
  assert.throws(() => trainer.run(1), (err) => err instanceof EngineError && /the trainer was freed/.test(err.message) && !err.diverged);
  assert.throws(() => trainer.metrics(), /the trainer was freed/);

  // Freeing the model frees its live trainer too, and the trainer says why.
  const second = model.trainer(ds, null, 'fit epochs=1 batch_size=32');
  model.free();
  assert.throws(() => second.run(1), /the trainer was freed \(its model was freed\)/);
  assert.throws(() => model.evaluate(ds), /the model was freed/);
  assert.throws(() => model.summary(), /the model was freed/);

  // Freeing the data under a live trainer does the same.
  const other = tinyModel(engine);
  const third = other.trainer(ds, null, 'fit epochs=1 batch_size=32');
  const copy = ds.slice(0, 10);
  ds.free();
  assert.throws(() => third.run(1), /the trainer was freed \(its data was freed\)/);
  assert.throws(() => ds.image(0), /the dataset was freed/);
  assert.throws(() => ds.labels(), /the dataset was freed/);
  assert.throws(() => other.evaluate(ds), /the dataset was freed/);
  assert.equal(copy.image(0).length, 4, 'a slice owns its own copy');
  copy.free();
  other.free();
});

test('numbers are checked in JavaScript, with the argument named, before they reach C', async () => {
  const engine = await make();
  await assert.rejects(loadEngine({ variant: 'bogus' }), /variant must be 'threads' or 'single', got "bogus"/);
  await assert.rejects(loadEngine({ variant: 'single', threads: 0 }), RangeError);
  // 1e10 would wrap to 1410065408 inputs on its way into a uint32.
  assert.throws(() => engine.createModel(1e10), (err) => err instanceof RangeError && /inputFeatures must be a whole number/.test(err.message));
  assert.throws(() => engine.createModel(-1), /inputFeatures/);
  assert.throws(() => engine.createModel(2.5), /inputFeatures/);
  const ds = tinyDataset(engine, 20);
  const model = tinyModel(engine);
  assert.throws(() => ds.slice(5, 2 ** 32 + 3), /end must be a whole number from 5 to 20/);
  assert.throws(() => ds.image(0.5), /outside the dataset/);
  assert.throws(() => model.predict(ds, 0, 1e10), /count must be a whole number/);
  assert.throws(() => model.predict(ds, 15, 10), /count must be a whole number from 1 to 5/);
  assert.throws(() => model.evaluate({ ptr: 8 }), /dataset must be a Dataset of this engine/);
  assert.throws(() => model.prune(Number.NaN), /fraction must be a finite number/);
  assert.throws(() => model.setTrainable(-1, false), /layer must be a whole number/);
  const trainer = model.trainer(ds, null, 'fit epochs=1 batch_size=4');
  assert.throws(() => trainer.run(-1), /maxBatches must be a whole number/);
  assert.equal(trainer.run(1), 'none', 'the engine still works after refused calls');
  trainer.free();
  model.free();
  ds.free();
});

test('a trap in a pool thread becomes a catchable error and the engine refuses further calls', async () => {
  const engine = await make('threads', 2);
  const ds = tinyDataset(engine);
  const model = tinyModel(engine);
  // A crafted call (wasm/test-trap.js): the pool thread and the caller both read out of bounds.
  assert.throws(() => provokeTrap(engine, model, ds),
    (err) => err instanceof EngineError && err.engineStopped && /the engine stopped after an internal error/.test(err.message));
  // The pool thread's own error arrives as an event; before the fix it was
  // rethrown where nothing could catch it and Node exited.
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.match(engine.stopped, /memory access out of bounds|worker thread crashed/);
  assert.throws(() => model.evaluate(ds), /the engine stopped after an internal error .*reload it/);
  await assert.rejects(runConfig(engine, async () => ds, smallConfig({ data: { dataset: 'fashion-mnist', train: { split: 'train', count: 100 } } })), (err) => err.engineStopped && /the engine stopped/.test(err.message));
  model.free(); // freeing after a stop is allowed and touches nothing
  ds.free();
  // A fresh engine works.
  const fresh = await make('single');
  const again = tinyDataset(fresh, 10);
  assert.equal(again.count, 10);
  again.free();
});
