// threads.js: how many threads the engine's pool uses by default, from the
// host's core count (navigator.hardwareConcurrency in the page's worker,
// os.availableParallelism() in Node). One home for the page and Node.
// Capped at 4: W1's matrix products are split by columns (N = 300, 200, 100,
// 10 at batch 32) and past 4 threads the split leaves threads idle while the
// serial part and the per-job synchronisation stay (README, scaling model).
// CMakeLists.txt sizes Emscripten's worker pool (PTHREAD_POOL_SIZE) with the same cap.
export const MAX_DEFAULT_THREADS = 4;
export function defaultThreads(cores) {
  return Math.max(1, Math.min(MAX_DEFAULT_THREADS, Math.floor(cores) || 1));
}
