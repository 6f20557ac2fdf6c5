// node.js: finds and reads datasets in Node. Fashion-MNIST comes from Debian's
// dataset-fashion-mnist package (gzip IDX files); CIFAR-10 from a folder of the
// standard binary batches that the user supplies.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { EngineError } from '../wasm/engine.js';
import { MAX_DATASET_BYTES, datasetTooLargeMessage } from './limits.js';
import { FASHION_FILES, CIFAR_FILES, joinBatches } from './files.js';

export const FASHION_MNIST_DIR = process.env.FASHION_MNIST_DIR || '/usr/share/datasets/fashion-mnist';
export { CIFAR_FILES };

// Reads a dataset file, unzipping gzip; stops at MAX_DATASET_BYTES (a small
// gzip can unzip to gigabytes) and names the file in every error.
function readMaybeGzip(file) {
  if (fs.statSync(file).size > MAX_DATASET_BYTES) throw new EngineError(datasetTooLargeMessage(file));
  const bytes = fs.readFileSync(file);
  if (!(bytes[0] === 0x1f && bytes[1] === 0x8b)) return new Uint8Array(bytes);
  try {
    return new Uint8Array(zlib.gunzipSync(bytes, { maxOutputLength: MAX_DATASET_BYTES }));
  } catch (err) {
    if (err.code === 'ERR_BUFFER_TOO_LARGE') throw new EngineError(datasetTooLargeMessage(file, { unzipped: true }));
    throw new EngineError(`${file} is not a complete gzip file (${err.message}); it may be truncated: download it again`);
  }
}

// Runs the engine's reader; its message (which does not know file names) gets them.
function parse(files, read) {
  try {
    return read();
  } catch (err) {
    if (err instanceof EngineError && !err.engineStopped) throw new EngineError(`${files.join(', ')}: ${err.message}`);
    throw err;
  }
}

// The CIFAR-10 batches are read as one stream; when it is refused, each file is
// read alone (only then) to tell which one is short or damaged.
function cifarDataset(engine, files, parts) {
  const all = joinBatches(parts, `the CIFAR-10 files together (${files.map((f) => path.basename(f)).join(', ')})`);
  try {
    return engine.datasetFromCifar(all);
  } catch (err) {
    if (!(err instanceof EngineError) || err.engineStopped) throw err;
    parts.forEach((p, i) => parse([files[i]], () => engine.datasetFromCifar(p)).free());
    throw new EngineError(`${files.join(', ')}: ${err.message}`);
  }
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
      const { images, labels } = FASHION_FILES[split];
      const files = [images, labels].map((f) => need(path.join(FASHION_MNIST_DIR, f), hint));
      const [img, lab] = files.map(readMaybeGzip);
      ds = parse(files, () => engine.datasetFromIdx(img, lab));
    } else if (dataset === 'cifar10') {
      if (!cifarDir) throw new EngineError('CIFAR-10 is not installed here: pass --cifar-dir DIR (a folder with data_batch_1..5.bin and test_batch.bin) or set CIFAR10_DIR');
      const files = CIFAR_FILES[split].map((f) => need(path.join(cifarDir, f), 'the CIFAR-10 binary version has data_batch_1..5.bin and test_batch.bin'));
      ds = cifarDataset(engine, files, files.map(readMaybeGzip));
    } else if (dataset === 'custom') {
      const files = idx[split];
      // The page's own files; the CLI has no option for them.
      if (!files) throw new EngineError(`the custom dataset is the IDX files chosen in the page; in Node, pass them as nodeDataLoader(engine, { idx: { ${split}: { images, labels } } }) (the CLI trains on fashion-mnist and cifar10)`);
      const names = [files.images, files.labels];
      const [img, lab] = names.map((f) => readMaybeGzip(need(f, 'check the path')));
      ds = parse(names, () => engine.datasetFromIdx(img, lab));
    } else {
      throw new EngineError(`unknown dataset ${dataset}`);
    }
    cache.set(key, ds);
    return ds;
  };
}
