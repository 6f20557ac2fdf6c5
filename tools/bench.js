// bench.js: `npm run bench`. Workload W1 = the experiment 13 model (784-300-200-100-10,
// Dense -> BN -> ReLU -> Dropout 0.2, L2 1e-4, SGD Nesterov 0.01/0.9), batch 32, one
// epoch over 55,000 Fashion-MNIST images. Every variant runs in its own process,
// interleaved round by round so the machine's drift hits all alike; the table shows
// the minimum (and median) of the rounds.
//   node tools/bench.js [--rounds N] [--no-tfjs] [--no-browser] [--quick]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => (args.includes(name) ? args[args.indexOf(name) + 1] : def);
const rounds = Number(opt('--rounds', 3));
const quick = args.includes('--quick');
const child = path.join(root, 'tools/bench-child.js');
const W1_SAMPLES = 55000;

function runChild(kind, extra = []) {
  const r = spawnSync(process.execPath, [child, kind, ...extra], { encoding: 'utf8', cwd: root, maxBuffer: 1 << 24 });
  if (r.status !== 0) return { error: (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ') };
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const load = () => os.loadavg()[0];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`W1 benchmark on ${os.cpus()[0].model}, ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
if (load() > 0.5) console.log(`warning: load average ${load().toFixed(2)}: another process is using the CPU; numbers will be noisy`);

const variants = [
  ['wasm threads x2', 'wasm', ['threads', '2']],
  ['wasm threads x1', 'wasm', ['threads', '1']],
  ['wasm single (no pthreads)', 'wasm', ['single', '1']],
  ['native x2', 'native', ['2']],
  ['native x1', 'native', ['1']],
];
const times = new Map(variants.map(([name]) => [name, []]));
const errors = new Map();
for (let r = 0; r < rounds; r++) {
  for (const [name, kind, extra] of variants) {
    const res = runChild(kind, [...extra, quick ? 'quick' : 'full']);
    if (res.error) errors.set(name, res.error);
    else times.get(name).push(res.seconds);
  }
  process.stdout.write(`round ${r + 1}/${rounds} done (load ${load().toFixed(2)})\n`);
}

let tfjs = null;
if (!args.includes('--no-tfjs')) {
  process.stdout.write(`TF.js WASM backend: one ${quick ? '300-step sample, extrapolated' : 'full epoch (about a minute)'}...\n`);
  tfjs = runChild('tfjs', [quick ? 'quick' : 'full']);
}

const rows = [];
const best = (name) => Math.min(...times.get(name));
for (const [name] of variants) {
  if (!times.get(name).length) {
    rows.push(`| ${name} | error: ${errors.get(name)} | | | |`);
    continue;
  }
  const s = best(name);
  rows.push(`| ${name} | ${s.toFixed(2)} (median ${median(times.get(name)).toFixed(2)}) | ${Math.round(W1_SAMPLES / s)} | ${tfjs?.seconds ? (tfjs.seconds / s).toFixed(1) + 'x' : '–'} |`);
}
if (tfjs) rows.push(tfjs.error ? `| TF.js 4 WASM backend | error: ${tfjs.error} | | |` : `| TF.js ${tfjs.version} WASM backend (SIMD, no threads)${tfjs.extrapolated ? ', extrapolated from 300 steps' : ''} | ${tfjs.seconds.toFixed(1)} | ${Math.round(W1_SAMPLES / tfjs.seconds)} | 1.0x |`);

console.log('\n| W1 epoch | seconds (min of rounds) | samples/s | speed-up vs TF.js WASM |\n|---|---|---|---|');
rows.forEach((r) => console.log(r));
const t1 = times.get('wasm threads x1');
const t2 = times.get('wasm threads x2');
const n1 = times.get('native x1');
if (t1.length && t2.length) console.log(`\n2 threads vs 1 (WASM): ${(best('wasm threads x1') / best('wasm threads x2')).toFixed(2)}x`);
if (t1.length && n1.length) console.log(`WASM (1 thread) / native (1 thread): ${(best('wasm threads x1') / best('native x1')).toFixed(2)}x`);

const extras = runChild('extras', []);
if (extras.error) console.log(`\nextras failed: ${extras.error}`);
else {
  console.log(`\nGEMM microbenchmark (WASM SIMD, GFLOP/s; peak = the same 4x8 register-blocked kernel on a cache-resident ${extras.peak.shape}):`);
  console.log(`peak 1 thread: ${extras.peak.gflops.toFixed(1)}`);
  console.log('| shape (M x N x K) | use in W1 | 1 thread | % of peak | 2 threads |\n|---|---|---|---|---|');
  for (const g of extras.gemm) console.log(`| ${g.M} x ${g.N} x ${g.K} | ${g.use} | ${g.t1.toFixed(1)} | ${((100 * g.t1) / extras.peak.gflops).toFixed(0)}% | ${g.t2.toFixed(1)} |`);
  console.log('\nBatch size scaling (WASM, 2 threads, one epoch of W1):');
  console.log('| batch | samples/s |\n|---|---|');
  for (const b of extras.batches) console.log(`| ${b.batch} | ${Math.round(b.samples_per_second)} |`);
  console.log(`\nWASM memory with the whole training set resident and the W1 model built: ${extras.memory_mb.toFixed(0)} MB`);
}

if (!args.includes('--no-browser')) {
  const r = spawnSync(process.execPath, [path.join(root, 'tools/bench-browser.js')], { encoding: 'utf8', cwd: root });
  if (r.status !== 0) console.log(`\nbrowser: failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ')}`);
  else {
    const b = JSON.parse(r.stdout.trim().split('\n').pop());
    console.log(`\nIn the browser (headless Chromium, COOP/COEP on, ${b.threads}): page open -> engine ready ${b.engine_ready_ms} ms, ` +
      `Fashion-MNIST downloaded, gunzipped and parsed ${b.data_ready_ms} ms; Train -> first batch ${b.training_start_after_click_ms} ms, ` +
      `first epoch (exp04 ReLU, 20,000 images) ended at ${b.first_epoch_end_ms} ms; UI-thread long tasks (> 50 ms) while training: ${b.long_tasks_while_training}, longest UI-thread task ${b.longest_ui_task_while_training_ms} ms`);
  }
}
