// node.js: loads the engine in Node (tests, the experiment CLI, benchmarks).
// The CommonJS glue of build/wasm-{mt,st}/node[-relaxed] is required with the
// .wasm bytes passed in (Node's fetch cannot read file paths).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { Engine, EngineError } from './engine.js';
import { whole } from './arguments.js';
import { hasRelaxedSimd } from './features.js';
import { defaultThreads } from './threads.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

// variant: 'threads' | 'single'; simd: 'relaxed' | 'plain'.
export function buildDir(variant, simd = 'plain') {
  return path.join(root, 'build', variant === 'single' ? 'wasm-st' : 'wasm-mt', simd === 'relaxed' ? 'node-relaxed' : 'node');
}

// Whether this Node runs relaxed SIMD. Node 20 (V8 11.3) has it behind
// --experimental-wasm-relaxed-simd; V8 reads wasm feature flags when it compiles
// a module, so turning the flag on here works as well as passing it to node
// (Node 22's V8 has it on by default).
export function relaxedSimdAvailable() {
  if (hasRelaxedSimd()) return true;
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return hasRelaxedSimd();
}

// variant: 'threads' (SIMD + pthreads) or 'single' (SIMD only).
// simd: 'auto' (relaxed SIMD where this Node has it, else plain), 'relaxed' or 'plain'.
// threads: how many threads the engine's pool uses (default: wasm/threads.js).
export async function loadEngine({ variant = 'threads', threads, simd = 'auto' } = {}) {
  if (variant !== 'threads' && variant !== 'single') throw new EngineError(`variant must be 'threads' or 'single', got ${JSON.stringify(variant)}`);
  if (threads !== undefined) whole('threads', threads, 1, 64);
  if (!['auto', 'relaxed', 'plain'].includes(simd)) throw new EngineError(`simd must be auto, relaxed or plain (got ${simd})`);
  const relaxed = simd === 'plain' ? false : relaxedSimdAvailable();
  if (simd === 'relaxed' && !relaxed) {
    throw new EngineError(`this Node (${process.version}) cannot run relaxed SIMD (fused multiply-add); use simd 'plain' or 'auto'`);
  }
  const dir = buildDir(variant, relaxed ? 'relaxed' : 'plain');
  const glue = path.join(dir, 'engine.js');
  if (!fs.existsSync(glue)) {
    throw new EngineError(`the WASM build is missing (${glue}); run "npm run build" first`);
  }
  const factory = require(glue);
  const M = await factory({ wasmBinary: fs.readFileSync(path.join(dir, 'engine.wasm')) });
  const engine = new Engine(M, { variant, simd: true, relaxed: M._eng_simd_relaxed() === 1, threads: 1, host: 'node' });
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  engine.setThreads(variant === 'single' ? 1 : (threads ?? defaultThreads(cores)));
  return engine;
}
