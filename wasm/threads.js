// threads.js: how many threads the engine's pool uses by default, from the
// host's core count (navigator.hardwareConcurrency in the page's worker,
// os.availableParallelism() in Node). One home for the page and Node.
// The cap: a W1 step is about 3 ms of GEMMs split into column tasks of at
// least 8 columns; past 4 threads each task gets too small (README, scaling model).
export const MAX_DEFAULT_THREADS = 4;
export function defaultThreads(cores) {
  return Math.max(1, Math.min(MAX_DEFAULT_THREADS, Math.floor(cores) || 1));
}
