// node.js: finds and reads datasets in Node. Fashion-MNIST comes from Debian's
// dataset-fashion-mnist package (gzip IDX files); CIFAR-10 from a folder of the
// standard binary batches that the user supplies.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { EngineError } from '../wasm/engine.js';

export const FASHION_MNIST_DIR = process.env.FASHION_MNIST_DIR || '/usr/share/datasets/fashion-mnist';
const FASHION_FILES = {
  train: ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'],
  test: ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'],
};
export const CIFAR_FILES = {
  train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
  test: ['test_batch.bin'],
};

function readMaybeGzip(file) {
  const bytes = fs.readFileSync(file);
  return new Uint8Array(bytes[0] === 0x1f && bytes[1] === 0x8b ? zlib.gunzipSync(bytes) : bytes);
}

function need(file, hint) {
  if (!fs.existsSync(file)) throw new EngineError(`${file} not found; ${hint}`);
  return file;
}

// Returns loadSplit(dataset, split) -> Dataset, caching each full split.
export function nodeDataLoader(engine, { cifarDir = process.env.CIFAR10_DIR, idx = {} } = {}) {
  const cache = new Map();
  return async function loadSplit(dataset, split) {
    const key = `${dataset}/${split}`;
    if (cache.has(key)) return cache.get(key);
    let ds;
    if (dataset === 'fashion-mnist') {
      const hint = 'install it with: apt-get install dataset-fashion-mnist (or set FASHION_MNIST_DIR)';
      const [img, lab] = FASHION_FILES[split].map((f) => readMaybeGzip(need(path.join(FASHION_MNIST_DIR, f), hint)));
      ds = engine.datasetFromIdx(img, lab);
    } else if (dataset === 'cifar10') {
      if (!cifarDir) throw new EngineError('CIFAR-10 is not installed here: pass --cifar-dir DIR (a folder with data_batch_1..5.bin and test_batch.bin) or set CIFAR10_DIR');
      const parts = CIFAR_FILES[split].map((f) => readMaybeGzip(need(path.join(cifarDir, f), 'the CIFAR-10 binary version has data_batch_1..5.bin and test_batch.bin')));
      const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let off = 0;
      for (const p of parts) all.set(p, off), (off += p.length);
      ds = engine.datasetFromCifar(all);
    } else if (dataset === 'custom') {
      const files = idx[split];
      if (!files) throw new EngineError(`no ${split} files given for the custom dataset (--${split}-images and --${split}-labels)`);
      ds = engine.datasetFromIdx(readMaybeGzip(files.images), readMaybeGzip(files.labels));
    } else {
      throw new EngineError(`unknown dataset ${dataset}`);
    }
    cache.set(key, ds);
    return ds;
  };
}
