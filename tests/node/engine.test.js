// The real WASM builds (threads and single-threaded, plain and relaxed SIMD) in
// Node: the plain build gives the native build's numbers, the relaxed one agrees
// within float rounding, neither depends on the thread count; clear errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { engineWithData, trainNative, smallConfig } from './helpers.js';
import { runConfig } from '../../core/run.js';
import { EngineError } from '../../wasm/engine.js';
import os from 'node:os';
import { loadEngine, relaxedSimdAvailable } from '../../wasm/node.js';
import { defaultThreads } from '../../wasm/threads.js';

const engines = [];
async function make(variant, threads, simd = 'auto') {
  const e = await engineWithData(variant, threads, simd);
  engines.push(e.engine);
  return e;
}
// Node 20 runs relaxed SIMD once wasm/node.js turns its V8 flag on.
const relaxed = relaxedSimdAvailable();
after(() => engines.forEach((e) => e.close()));

const LAYERS = ['dense units=64 activation=relu kernel_initializer=he_normal', 'dense units=10 activation=softmax'];

for (const variant of ['threads', 'single']) {
  test(`${variant} build matches the native build for the same seed`, async () => {
    const { engine, loadSplit } = await make(variant, undefined, 'plain');
    assert.equal(engine.info.relaxed, false);
    const result = await runConfig(engine, loadSplit, smallConfig());
    assert.equal(result.error, undefined);
    const native = trainNative(['--train', '3000', '--val', '1000', '--epochs', '2', '--model', 'model seed=7', ...LAYERS]);
    assert.equal(result.history.length, 2);
    for (let i = 0; i < 2; i++) {
      // Same kernels, same operation order, no FMA: equal up to libm's log in
      // the reported loss (the trained weights themselves are bit-identical).
      assert.ok(Math.abs(result.history[i].loss - native[i].loss) < 1e-9, `epoch ${i + 1} loss ${result.history[i].loss} vs native ${native[i].loss}`);
      assert.equal(result.history[i].accuracy, native[i].accuracy);
      assert.equal(result.history[i].val_accuracy, native[i].val_accuracy);
    }
    assert.ok(result.history[1].val_accuracy > 0.6, `a working net learns (val ${result.history[1].val_accuracy})`);
  });
}

const BN_MODEL = [{ type: 'dense', units: 200, activation: 'relu', kernel_initializer: 'he_normal' }, { type: 'batch_normalization' }, { type: 'dropout', rate: 0.2 }, { type: 'dense', units: 10, activation: 'softmax' }];
for (const simd of ['plain', 'relaxed']) {
  test(`1 and 2 threads give identical results (${simd} SIMD)`, { skip: simd === 'relaxed' && !relaxed && 'no relaxed SIMD in this Node' }, async () => {
    const { engine, loadSplit } = await make('threads', undefined, simd);
    assert.equal(engine.info.relaxed, simd === 'relaxed');
    const config = smallConfig({ model: BN_MODEL });
    assert.equal(engine.setThreads(1), 1);
    const one = await runConfig(engine, loadSplit, config);
    assert.equal(engine.setThreads(2), 2);
    const two = await runConfig(engine, loadSplit, config);
    assert.deepEqual(two.history.map((m) => [m.loss, m.accuracy, m.val_loss]), one.history.map((m) => [m.loss, m.accuracy, m.val_loss]));
  });
}

// npm run bench's per-kernel table (tools/bench.js kernelProfile) reads this report.
test('the kernel profile counts every training step and each kernel by name, on 1 and 2 threads', async () => {
  const { engine, loadSplit } = await make('threads', undefined, 'plain');
  const config = smallConfig({ model: BN_MODEL, data: { dataset: 'fashion-mnist', train: { split: 'train', start: 0, count: 320 } }, fit: { epochs: 1, batch_size: 32 } });
  for (const threads of [1, 2]) {
    engine.setThreads(threads);
    engine.profile(true);
    await runConfig(engine, loadSplit, config);
    engine.profile(false);
    const report = engine.profileReport();
    assert.equal(report.steps, 10);
    const kernel = (name) => report.kernels.find((k) => k.name === name);
    assert.equal(kernel('gemm 32x200x784')?.calls, 10, JSON.stringify(report.kernels.map((k) => k.name)));
    assert.equal(kernel('gemm 784x200x32 T')?.calls, 10);
    assert.equal(kernel('bn_forward_range')?.calls, 10);
    assert.equal(kernel('draw_range')?.calls, 10);
    // Times are the benchmark's to judge (npm run bench); here only that they are times.
    assert.ok([report.step_seconds, ...report.kernels.flatMap((k) => [k.seconds, k.waited])].every((t) => Number.isFinite(t) && t >= 0));
    if (threads === 1) assert.ok(report.kernels.every((k) => k.waited === 0)); // no workers to wait for
  }
  engine.profile(true);
  assert.equal(engine.profileReport().steps, 0); // on clears it
  engine.profile(false);
});

test('relaxed SIMD (fused multiply-add) agrees with plain SIMD within float rounding', { skip: !relaxed && 'no relaxed SIMD in this Node' }, async () => {
  const plain = await make('threads', undefined, 'plain');
  const fused = await make('threads', undefined, 'relaxed');
  assert.equal(plain.engine.info.relaxed, false);
  assert.equal(fused.engine.info.relaxed, true);
  // The same weights through both builds: each output within a few float ulps.
  const result = await runConfig(plain.engine, plain.loadSplit, smallConfig({ model: BN_MODEL, fit: { epochs: 1, batch_size: 32 } }), { keepModel: true });
  const bytes = result.model.save('');
  const data = (await plain.loadSplit('fashion-mnist', 'test')).slice(0, 500);
  const fusedData = (await fused.loadSplit('fashion-mnist', 'test')).slice(0, 500);
  const p = result.model.predict(data, 0, 500);
  const model = fused.engine.loadModel(bytes);
  const f = model.predict(fusedData, 0, 500);
  let worst = 0;
  for (let i = 0; i < p.length; i++) worst = Math.max(worst, Math.abs(p[i] - f[i]));
  assert.ok(worst < 1e-5, `largest probability difference ${worst}`);
  // Training: each step rounds a little differently, the curves stay together.
  const config = smallConfig({ model: BN_MODEL });
  const a = await runConfig(plain.engine, plain.loadSplit, config);
  const b = await runConfig(fused.engine, fused.loadSplit, config);
  for (let i = 0; i < a.history.length; i++) {
    assert.ok(Math.abs(a.history[i].loss - b.history[i].loss) < 1e-3 * a.history[i].loss, `epoch ${i + 1} loss ${a.history[i].loss} vs ${b.history[i].loss}`);
    assert.ok(Math.abs(a.history[i].val_accuracy - b.history[i].val_accuracy) < 0.01, `epoch ${i + 1} val_accuracy`);
  }
  model.free();
  result.model.free();
  data.free();
  fusedData.free();
});

test('the default thread count follows the cores, capped at 4', async () => {
  assert.deepEqual([1, 2, 3, 4, 8, 64].map(defaultThreads), [1, 2, 3, 4, 4, 4]);
  assert.equal(defaultThreads(undefined), 1);
  const engine = await loadEngine();
  engines.push(engine);
  assert.equal(engine.info.threads, defaultThreads(os.availableParallelism()));
});

test('without relaxed SIMD (Safari, older browsers and Nodes) the plain SIMD build loads', async () => {
  // Simulate a WebAssembly that rejects every module with a relaxed instruction.
  const validate = WebAssembly.validate;
  const isRelaxedOpcode = (b, i) => b[i] === 0xfd && b[i + 1] >= 0x80 && b[i + 1] <= 0x93 && b[i + 2] === 0x02;
  WebAssembly.validate = (bytes) => !new Uint8Array(bytes).some((_, i, b) => isRelaxedOpcode(b, i)) && validate(bytes);
  try {
    assert.equal(relaxedSimdAvailable(), false);
    const engine = await loadEngine({ variant: 'threads', threads: 1 });
    engines.push(engine);
    assert.equal(engine.info.relaxed, false);
    await assert.rejects(loadEngine({ simd: 'relaxed' }), (err) => err instanceof EngineError && /relaxed SIMD/.test(err.message));
  } finally {
    WebAssembly.validate = validate;
  }
});

test('corrupt dataset bytes give clear errors and the module keeps working', async () => {
  const { engine } = await make('single');
  const labels = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 3, 4]);
  const images = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.throws(() => engine.datasetFromIdx(labels, labels), (err) => err instanceof EngineError && /magic/i.test(err.message));
  assert.throws(() => engine.datasetFromIdx(images.slice(0, 20), labels), (err) => err instanceof EngineError && /truncated|bytes/i.test(err.message));
  assert.throws(() => engine.datasetFromCifar(new Uint8Array(100)), (err) => err instanceof EngineError && /3073/.test(err.message));
  const ds = engine.datasetFromIdx(images, labels);
  assert.equal(ds.count, 2);
  assert.deepEqual(Array.from(ds.labels()), [3, 4]);
  assert.deepEqual(Array.from(ds.image(1)), [5, 6, 7, 8]);
  ds.free();
});

test('invalid layer specs are rejected with the engine message', async () => {
  const { engine } = await make('single');
  const m = engine.createModel(784);
  assert.throws(() => m.add('dense units=0'), /units = 0 is out of range/);
  assert.throws(() => m.add('dense units=10 activation=relux'), /unknown activation 'relux'/);
  assert.throws(() => m.add('convolution'), /layer 0: unknown type 'convolution'/);
  m.add('dense units=10 activation=relu');
  assert.throws(() => m.build(32), /last layer must use activation softmax/);
  m.free();
});

test('save and load round-trip gives identical predictions', async () => {
  const { engine, loadSplit } = await make('single');
  const result = await runConfig(engine, loadSplit, smallConfig({ fit: { epochs: 1 } }), { keepModel: true });
  const test = (await loadSplit('fashion-mnist', 'test')).slice(0, 300);
  const before = result.model.predict(test, 0, 300);
  const bytes = result.model.save('{"name":"small"}');
  const top = result.model.topK(test, 0, 2, 3);
  assert.equal(top.length, 2);
  assert.equal(top[0].length, 3);
  assert.ok(top[0][0].probability >= top[0][1].probability && top[0][1].probability >= top[0][2].probability);
  assert.equal(top[1][0].probability, Math.max(...before.subarray(10, 20)));
  const loaded = engine.loadModel(bytes);
  assert.equal(loaded.metadata, '{"name":"small"}');
  assert.deepEqual(loaded.predict(test, 0, 300), before);
  const corrupt = bytes.slice();
  corrupt[100] ^= 0xff;
  assert.throws(() => engine.loadModel(corrupt), /corrupt|checksum/);
  assert.throws(() => engine.loadModel(bytes.slice(0, bytes.length - 10)), /corrupt|truncated|checksum/);
  loaded.free();
  result.model.free();
  test.free();
});

test('schedule values for the page preview come from the engine', async () => {
  const { engine } = await make('single');
  assert.deepEqual(engine.scheduleValues('piecewise_constant_decay boundaries=9380,18760 values=0.01,0.005,0.001', 0.01, [0, 9380, 9381, 18761]), [0.01, 0.01, 0.005, 0.001]);
  const [lr] = engine.scheduleValues('exponential_decay initial_learning_rate=0.01 decay_steps=1000 decay_rate=0.96', 0.01, [2000]);
  assert.ok(Math.abs(lr - 0.01 * 0.96 ** 2) < 1e-15);
  assert.deepEqual(engine.scheduleValues('constant', 0.05, [0, 100]), [0.05, 0.05]);
  assert.throws(() => engine.scheduleValues('exponential_decay decay_steps=0', 0.01, [1]), /initial_learning_rate|decay_steps/);
});
