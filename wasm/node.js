// node.js: loads the engine in Node (tests, the experiment CLI, benchmarks).
// The CommonJS glue of build/wasm-{mt,st}/node is required with the .wasm bytes
// passed in (Node's fetch cannot read file paths).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine, EngineError } from './engine.js';
import { whole } from './arguments.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

export function buildDir(variant) {
  return path.join(root, 'build', variant === 'single' ? 'wasm-st' : 'wasm-mt', 'node');
}

// variant: 'threads' (SIMD + pthreads) or 'single' (SIMD only).
// threads: how many threads the engine's pool uses (default: all cores, at most 4).
export async function loadEngine({ variant = 'threads', threads } = {}) {
  if (variant !== 'threads' && variant !== 'single') throw new EngineError(`variant must be 'threads' or 'single', got ${JSON.stringify(variant)}`);
  if (threads !== undefined) whole('threads', threads, 1, 64);
  const dir = buildDir(variant);
  const glue = path.join(dir, 'engine.js');
  if (!fs.existsSync(glue)) {
    throw new EngineError(`the WASM build is missing (${glue}); run "npm run build" first`);
  }
  const factory = require(glue);
  const M = await factory({ wasmBinary: fs.readFileSync(path.join(dir, 'engine.wasm')) });
  const engine = new Engine(M, { variant, simd: true, threads: 1, host: 'node' });
  const want = variant === 'single' ? 1 : (threads ?? Math.min(4, os.cpus().length));
  engine.setThreads(want);
  return engine;
}
