// sweep-worker.js: one trial runner of `npm run sweep` (tools/sweep.js), in a
// worker_thread. Its engine is the single-threaded WASM build: W of them on W
// cores use a small machine better than two threads on one run (README). It
// loads the data once and runs the trials it is given, one at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { loadEngine } from '../wasm/node.js';
import { nodeDataLoader } from '../datasets/node.js';
import { runConfig } from '../core/run.js';

const engine = await loadEngine({ variant: 'single', simd: workerData.simd ?? 'auto' });
const loadSplit = nodeDataLoader(engine, { cifarDir: workerData.cifarDir });

parentPort.on('message', async ({ trial, config }) => {
  const result = await runConfig(engine, loadSplit, config, {
    onEpoch: (metrics) => parentPort.postMessage({ type: 'epoch', trial, metrics }),
  });
  parentPort.postMessage({ type: 'done', trial, result });
});
parentPort.postMessage({ type: 'ready', info: engine.info });
