// The real WASM builds, where size_t is 32 bits, against hostile sizes and
// files (issue 10): the shapes that used to wrap around 32 bits end in a clear
// out-of-memory error; the fuzz seed corpora and seeded random mutations of
// them, replayed through the JS API, either load or are refused with a message,
// never trap; and the engine still trains afterwards. (The libFuzzer targets
// run natively, with 64-bit sizes; this replays them where the overflow lived.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { engineWithData, smallConfig, root } from './helpers.js';
import { runConfig } from '../../core/run.js';
import { EngineError } from '../../wasm/engine.js';
import { ENGINE_MEMORY_BYTES } from '../../datasets/limits.js';
import { buildDir } from '../../wasm/node.js';

const engines = [];
async function make(variant) {
  const e = await engineWithData(variant);
  engines.push(e.engine);
  return e;
}
after(() => engines.forEach((e) => e.close()));

// ---- an independent writer of the model file format (engine/serialize.c)
function fnv1a(bytes, end) {
  let h = 2166136261;
  for (let i = 0; i < end; i++) h = Math.imul(h ^ bytes[i], 16777619) >>> 0;
  return h;
}
function fixChecksum(bytes) {
  if (bytes.length >= 4) new DataView(bytes.buffer, bytes.byteOffset).setUint32(bytes.length - 4, fnv1a(bytes, bytes.length - 4), true);
  return bytes;
}
function modelFile({ features, layers, weightBytes }) {
  const parts = [];
  const u32 = (v) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v, true); parts.push(b); };
  const str = (s) => { const b = new TextEncoder().encode(s); u32(b.length); parts.push(b); };
  parts.push(new TextEncoder().encode('FMNPBLOB'));
  u32(1), u32(features), str('model seed=1'), str('sgd'), str('constant'), u32(layers.length);
  for (const l of layers) str(l), parts.push(Uint8Array.of(1));
  u32(0), u32(2 * layers.length), parts.push(new Uint8Array(weightBytes)), str(''), u32(0);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), (at += p.length);
  return fixChecksum(out);
}

// A tiny synthetic task: 40 samples of 2 x 2 pixels, the class is whether the
// first pixel is bright. Training it to the end proves the engine still works.
function idx(dims, payload) {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  view.setUint32(0, dims.length === 1 ? 0x801 : 0x803);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  const out = new Uint8Array(header.length + payload.length);
  out.set(header), out.set(payload, header.length);
  return out;
}
function trainsTinyModel(engine) {
  const pixels = new Uint8Array(40 * 4), labels = new Uint8Array(40);
  for (let i = 0; i < 40; i++) {
    labels[i] = i % 2;
    pixels.set([labels[i] ? 250 : 5, (i * 37) % 256, (i * 91) % 256, 128], 4 * i);
  }
  const ds = engine.datasetFromIdx(idx([40, 2, 2], pixels), idx([40], labels));
  const m = engine.createModel(4, 'model seed=3');
  m.add('dense units=8 activation=relu');
  m.add('dense units=2 activation=softmax');
  m.setOptimizer('sgd learning_rate=0.5');
  m.build(8);
  const t = m.trainer(ds, null, 'fit epochs=30 batch_size=8');
  while (t.run(1000) !== 'done');
  const { loss, accuracy } = t.metrics();
  t.free(), m.free(), ds.free();
  assert.ok(Number.isFinite(loss) && accuracy === 1, `the tiny model trains (loss ${loss}, accuracy ${accuracy})`);
}

const OUT_OF_MEMORY = /out of memory: the model needs [\d.]+ GB for batch size \d+; the engine can hold 2\.0 GB/;

for (const variant of ['threads', 'single']) {
  test(`${variant}: sizes that wrapped around 32 bits are refused and the engine keeps working`, async () => {
    const { engine, loadSplit } = await make(variant);
    const normalConfig = smallConfig({ fit: { epochs: 1, batch_size: 32 }, data: { dataset: 'fashion-mnist', train: { split: 'train', start: 0, count: 500 } } });
    const before = await runConfig(engine, loadSplit, normalConfig);
    assert.equal(before.error, undefined);
    // Dense 1 -> 65536 -> 65537 trapped ("memory access out of bounds").
    const wide = engine.createModel(1);
    wide.add('dense units=65536 activation=relu');
    wide.add('dense units=65537 activation=softmax');
    assert.throws(() => wide.build(32), (err) => err instanceof EngineError && OUT_OF_MEMORY.test(err.message));
    wide.free();
    trainsTinyModel(engine);

    // 65536 units at batch 65536 on 100 images trained with a wrong loss; 65535 hung.
    for (const units of [65536, 65535]) {
      const config = smallConfig({
        model: [{ type: 'dense', units, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
        data: { dataset: 'fashion-mnist', train: { split: 'train', start: 0, count: 100 } },
        fit: { epochs: 1, batch_size: 65536 },
      });
      const result = await runConfig(engine, loadSplit, config);
      assert.match(result.error ?? 'no error', OUT_OF_MEMORY);
      assert.match(result.error, /batch size 65536/);
      assert.equal(result.history.length, 0);
    }

    // A crafted, checksum-valid model file with the wrapping layers loaded, then trapped.
    const crafted = modelFile({ features: 1, layers: ['dense units=65536 activation=relu', 'dense units=65537 activation=softmax'], weightBytes: 3_600_000 });
    assert.throws(() => engine.loadModel(crafted, 32), /truncated or corrupt: its layers need 16\.0 GB of weights, the file holds 3\.4 MB/);

    // The next normal run gives the very numbers it gave before (it hung in the page).
    const afterwards = await runConfig(engine, loadSplit, normalConfig);
    assert.equal(afterwards.error, undefined);
    assert.deepEqual(afterwards.history.map((m) => [m.loss, m.accuracy]), before.history.map((m) => [m.loss, m.accuracy]));
  });
}

test('a host buffer larger than 32 bits is refused, not wrapped to a small block', async () => {
  const { engine } = await make('single');
  // 16385 predictions of 65536 classes need 4 GB + 256 KB: as a 32-bit size, 256 KB.
  const n = 16385;
  const ds = engine.datasetFromIdx(idx([n, 1, 1], new Uint8Array(n)), idx([n], new Uint8Array(n)));
  const m = engine.createModel(1);
  m.add('dense units=65536 activation=softmax');
  m.build(16);
  assert.throws(() => m.predict(ds, 0, n), /out of memory: this needs 4\.0 GB; the engine can hold 2\.0 GB/);
  assert.equal(m.predict(ds, 0, 2).length, 2 * 65536);
  m.free(), ds.free();
  trainsTinyModel(engine);
});

test("the dataset loaders' memory limit is the engine's", async () => {
  const { engine } = await make('single');
  const limit = engine.describe().memory_limit_bytes;
  assert.equal(ENGINE_MEMORY_BYTES, limit);
  // CMakeLists.txt passes the same number to -sMAXIMUM_MEMORY: the glue caps the heap there.
  for (const variant of ['threads', 'single']) {
    const glue = fs.readFileSync(path.join(buildDir(variant), 'engine.js'), 'utf8');
    assert.ok(glue.includes(String(limit)), `the ${variant} build's heap maximum is ${limit} bytes`);
  }
});

// ---- replay of the fuzz corpora with seeded random mutations
function rng(seed) { // xorshift32: the same mutations on every run
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13, s >>>= 0, s ^= s >>> 17, s ^= s << 5, s >>>= 0;
    return s % n;
  };
}
const INTERESTING = [0, 1, 2, 3, 255, 256, 65535, 65536, 65537, 1 << 20, 0x7fffffff, 0x80000000, 0xffffffff];
const BIG_NUMBERS = ['0', '65535', '65536', '65537', '1048576', '4294967295', '99999999999', '-1', 'nan'];
function mutate(bytes, r) {
  let b = bytes.slice();
  const rounds = 1 + r(4);
  for (let k = 0; k < rounds; k++) {
    switch (r(5)) {
      case 0: if (b.length) b[r(b.length)] ^= 1 << r(8); break;
      case 1: if (b.length >= 4) new DataView(b.buffer).setUint32(r(b.length - 3), INTERESTING[r(INTERESTING.length)], r(2) === 0); break;
      case 2: b = b.slice(0, r(b.length + 1)); break;
      case 3: { // a number inside a spec string ("units=3") becomes a big one
        const text = Buffer.from(b).toString('latin1');
        const digits = [...text.matchAll(/\d+/g)];
        if (!digits.length) break;
        const d = digits[r(digits.length)];
        b = Uint8Array.from(Buffer.from(text.slice(0, d.index) + BIG_NUMBERS[r(BIG_NUMBERS.length)] + text.slice(d.index + d[0].length), 'latin1'));
        break;
      }
      default: { // a slice of itself inserted somewhere
        const from = r(b.length + 1), len = r(64), at = r(b.length + 1);
        b = Uint8Array.from([...b.slice(0, at), ...b.slice(from, from + len), ...b.slice(at)]);
      }
    }
  }
  return b;
}
function refusedClearly(err, what) {
  assert.ok(err instanceof EngineError, `${what}: ${err && err.name}: ${err && err.message} (a trap, not a refusal)`);
  assert.ok(err.message.length > 10, `${what}: a message says why ("${err.message}")`);
}
// The fuzz_dataset.c layout: 4 bytes choose where the IDX images file ends and the labels file starts.
function splitIdx(bytes) {
  if (bytes.length < 4) return null;
  const word = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  const split = word % (bytes.length - 4 + 1);
  return [bytes.slice(4, 4 + split), bytes.slice(4 + split)];
}

const MUTATIONS = 400; // per seed file: about 4400 inputs in all

test('model files: the seed corpus and its mutations load or are refused with a message', async () => {
  const { engine } = await make('single');
  const seeds = fs.readdirSync(path.join(root, 'tests/fuzz/corpus_model')).sort();
  assert.ok(seeds.length >= 4);
  let loaded = 0, refused = 0;
  for (const name of seeds) {
    const seed = new Uint8Array(fs.readFileSync(path.join(root, 'tests/fuzz/corpus_model', name)));
    const r = rng(fnv1a(seed, seed.length));
    for (let k = 0; k <= MUTATIONS; k++) {
      const bytes = k === 0 ? seed : mutate(seed, r);
      if (k % 10 !== 1) fixChecksum(bytes); // one in ten keeps a wrong checksum
      const what = `${name} mutation ${k}`;
      let model = null;
      try {
        model = engine.loadModel(bytes, 1 + r(8));
      } catch (err) {
        refusedClearly(err, what);
        refused++;
        continue;
      }
      const saved = model.save(model.metadata);
      const again = engine.loadModel(saved, 4);
      assert.deepEqual(again.save(again.metadata), saved, `${what}: load -> save -> load is stable`);
      again.free(), model.free();
      loaded++;
    }
  }
  assert.ok(loaded >= seeds.length && refused > 0, `both paths ran (${loaded} loaded, ${refused} refused)`);
  trainsTinyModel(engine);
});

test('dataset files: the seed corpus and its mutations load or are refused with a message', async () => {
  const { engine } = await make('single');
  const dir = path.join(root, 'tests/fuzz/corpus');
  let loaded = 0, refused = 0;
  for (const name of fs.readdirSync(dir).sort()) {
    const seed = new Uint8Array(fs.readFileSync(path.join(dir, name)));
    const r = rng(fnv1a(seed, seed.length));
    for (let k = 0; k <= MUTATIONS; k++) {
      const bytes = k === 0 ? seed : mutate(seed, r);
      const parts = splitIdx(bytes);
      const attempts = [['CIFAR-10', () => engine.datasetFromCifar(bytes)]];
      if (parts) attempts.push(['IDX', () => engine.datasetFromIdx(parts[0], parts[1])]);
      for (const [kind, read] of attempts) {
        try {
          const ds = read();
          assert.equal(ds.labels().length, ds.count);
          if (ds.count) assert.equal(ds.image(ds.count - 1).length, ds.features);
          ds.free();
          loaded++;
        } catch (err) {
          refusedClearly(err, `${name} mutation ${k} as ${kind}`);
          refused++;
        }
      }
    }
  }
  assert.ok(loaded > 0 && refused > 0, `both paths ran (${loaded} loaded, ${refused} refused)`);
  trainsTinyModel(engine);
});
