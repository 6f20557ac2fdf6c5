// helpers.js: shared set-up for the Node tests (real WASM builds, real data).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEngine } from '../../wasm/node.js';
import { nodeDataLoader } from '../../datasets/node.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function engineWithData(variant = 'threads', threads, simd = 'auto') {
  const engine = await loadEngine({ variant, threads, simd });
  const loadSplit = nodeDataLoader(engine);
  return { engine, loadSplit };
}

export const SMALL_MODEL = [
  { type: 'dense', units: 64, activation: 'relu', kernel_initializer: 'he_normal' },
  { type: 'dense', units: 10, activation: 'softmax' },
];

export function smallConfig(extra = {}) {
  return {
    name: 'small', seed: 7,
    data: { dataset: 'fashion-mnist', train: { split: 'train', start: 0, count: 3000 }, validation: { split: 'test', start: 0, count: 1000 } },
    model: SMALL_MODEL, optimizer: { type: 'sgd', learning_rate: 0.01 }, fit: { epochs: 2, batch_size: 32 },
    ...extra,
  };
}

// Runs the native build's trainer (build/native/train_native) and parses its JSON lines.
export function trainNative(args) {
  const out = execFileSync(path.join(root, 'build/native/train_native'), args, { encoding: 'utf8' });
  return out.trim().split('\n').map((l) => JSON.parse(l));
}

// Imports a page module (path relative to web/) that touches no DOM; its
// imports resolve in the source tree as on the site (same layout).
export async function importPageModule(relative) {
  return import(new URL(`../../web/${relative}`, import.meta.url).href);
}

// Bit-for-bit equality of two tensors' data (model.tensors() entries).
export const tensorBits = (t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
export const sameBits = (a, b) => tensorBits(a).equals(tensorBits(b));

// What a Keras script's model.fit does to a model already trained: a fresh fit
// of `epochs` with this shuffle seed, run to its end; returns the model's tensors.
export function fitTensors(model, train, val, seed, epochs = 2) {
  const fit = model.trainer(train, val, `fit epochs=${epochs} batch_size=32 shuffle=1 seed=${seed} stats=0`, []);
  let event;
  do event = fit.run(1000); while (event !== 'done');
  fit.free();
  return model.tensors();
}
