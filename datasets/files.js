// files.js: what the datasets are made of, for the browser's loader (web/worker.js
// with datasets/browser.js) and Node's (datasets/node.js) alike: the file names
// of each split, and the CIFAR-10 batches joined into the one stream the engine
// parses, refused when together they are more than it can hold.
import { EngineError } from '../wasm/engine.js';
import { MAX_DATASET_BYTES, datasetTooLargeMessage } from './limits.js';

export const FASHION_FILES = {
  train: { images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz' },
  test: { images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz' },
};
export const CIFAR_FILES = {
  train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
  test: ['test_batch.bin'],
};

// parts: Uint8Arrays; what: the batches in words, for the refusal.
export function joinBatches(parts, what) {
  const size = parts.reduce((n, p) => n + p.length, 0);
  if (size > MAX_DATASET_BYTES) throw new EngineError(datasetTooLargeMessage(what));
  const all = new Uint8Array(size);
  let off = 0;
  for (const p of parts) all.set(p, off), (off += p.length);
  return all;
}
