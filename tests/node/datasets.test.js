// Dataset readers in Node: CIFAR-10 binary batches (generated here: the real
// ones are not installed on these machines), custom IDX files, gzip detection.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { loadEngine } from '../../wasm/node.js';
import { nodeDataLoader, CIFAR_FILES } from '../../datasets/node.js';
import { runConfig } from '../../wasm/run.js';

const engine = await loadEngine({ variant: 'single' });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cifar-'));
after(() => {
  engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

// One record: label byte, then 1024 red, 1024 green, 1024 blue bytes; each
// class is a dim colour with a bright stripe at its own place.
function cifarBatch(n, offset) {
  const out = new Uint8Array(n * 3073);
  for (let i = 0; i < n; i++) {
    const label = (i + offset) % 10;
    out[i * 3073] = label;
    for (let c = 0; c < 3; c++) out.fill(label * 2 + c, i * 3073 + 1 + c * 1024, i * 3073 + 1 + (c + 1) * 1024);
    out.fill(255, i * 3073 + 1 + 100 * label, i * 3073 + 1 + 100 * label + 100); // a class-specific bright stripe
  }
  return out;
}

test('CIFAR-10 batches are read, concatenated and trained on', async () => {
  CIFAR_FILES.train.forEach((f, i) => fs.writeFileSync(path.join(dir, f), cifarBatch(40, i)));
  fs.writeFileSync(path.join(dir, 'test_batch.bin'), zlib.gzipSync(cifarBatch(30, 3))); // gzip is detected
  const loadSplit = nodeDataLoader(engine, { cifarDir: dir });
  const train = await loadSplit('cifar10', 'train');
  assert.equal(train.count, 200);
  assert.equal(train.features, 3072);
  assert.equal(train.channels, 3);
  assert.equal(train.numClasses, 10);
  assert.deepEqual(Array.from(train.labels().slice(40, 43)), [1, 2, 3]);
  const img = train.image(41); // label 2: red plane 4 (stripe at 200..299), green 5, blue 6 (channel-major)
  assert.equal(img[0], 4);
  assert.equal(img[250], 255);
  assert.equal(img[1024], 5);
  assert.equal(img[3071], 6);
  const test = await loadSplit('cifar10', 'test');
  assert.equal(test.count, 30);
  const result = await runConfig(engine, loadSplit, {
    name: 'cifar', data: { dataset: 'cifar10', train: { split: 'train' }, validation: { split: 'test' } },
    model: [{ type: 'dense', units: 16, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
    optimizer: { type: 'adam', learning_rate: 0.01 }, fit: { epochs: 20, batch_size: 16 },
  });
  assert.equal(result.error, undefined);
  assert.ok(result.final_val_accuracy > 0.5, `the striped classes are learnable (val ${result.final_val_accuracy})`);
});

test('a bad CIFAR label and a truncated batch are refused with clear messages', () => {
  const bad = cifarBatch(2, 0);
  bad[3073] = 12;
  assert.throws(() => engine.datasetFromCifar(bad), /label 12/);
  assert.throws(() => engine.datasetFromCifar(cifarBatch(2, 0).slice(0, 5000)), /3073/);
});

test('a missing CIFAR folder explains what to pass', async () => {
  const loadSplit = nodeDataLoader(engine, { cifarDir: undefined });
  await assert.rejects(loadSplit('cifar10', 'train'), /--cifar-dir/);
});
