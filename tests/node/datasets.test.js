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
import { runConfig } from '../../core/run.js';
import { MAX_DATASET_BYTES } from '../../datasets/limits.js';

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

test('a short CIFAR batch among the five is named', async () => {
  const short = fs.mkdtempSync(path.join(dir, 'short-'));
  CIFAR_FILES.train.forEach((f, i) => fs.writeFileSync(path.join(short, f), cifarBatch(5, i).slice(0, i === 2 ? 5 * 3073 - 100 : undefined)));
  const loadSplit = nodeDataLoader(engine, { cifarDir: short });
  await assert.rejects(loadSplit('cifar10', 'train'), (err) => err.message.startsWith(`${path.join(short, 'data_batch_3.bin')}: `) && /3073/.test(err.message));
});

test('a truncated .gz is reported with its file name', async () => {
  const gz = fs.mkdtempSync(path.join(dir, 'gz-'));
  const images = path.join(gz, 'images.gz');
  const labels = path.join(gz, 'labels.gz');
  fs.writeFileSync(images, zlib.gzipSync(new Uint8Array(16 + 2 * 4).fill(7)).subarray(0, 20));
  fs.writeFileSync(labels, zlib.gzipSync(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 3, 4])));
  const loadSplit = nodeDataLoader(engine, { idx: { train: { images, labels } } });
  await assert.rejects(loadSplit('custom', 'train'), (err) => err.message.startsWith(`${images} is not a complete gzip file`) && /truncated/.test(err.message));
});

test('the custom dataset without files does not suggest options the CLI lacks', async () => {
  const loadSplit = nodeDataLoader(engine);
  await assert.rejects(loadSplit('custom', 'train'), (err) => !/--train-images/.test(err.message) && /idx: \{ train: \{ images, labels \} \}/.test(err.message));
});

test('unzipping stops at the largest dataset the engine can hold, naming the file', async () => {
  // 17 gzip members of 64 MiB of zeros: a 1 MB file that unzips to 1088 MiB,
  // over the 1024 MiB cap (gzip readers join concatenated members).
  const member = zlib.gzipSync(Buffer.alloc(64 * 2 ** 20), { level: 1 });
  const bomb = path.join(dir, 'bomb-images.gz');
  fs.writeFileSync(bomb, Buffer.concat(Array(17).fill(member)));
  assert.ok(17 * 64 * 2 ** 20 > MAX_DATASET_BYTES);
  const labels = path.join(dir, 'bomb-labels');
  fs.writeFileSync(labels, new Uint8Array([0, 0, 8, 1, 0, 0, 0, 0]));
  const loadSplit = nodeDataLoader(engine, { idx: { train: { images: bomb, labels } } });
  await assert.rejects(loadSplit('custom', 'train'), (err) => err.message.startsWith(`${bomb} unzips to more than 1024 MB, more than the engine can hold`));
});
