/* parallel.c: splitting elementwise work over the pool. Every element is
 * computed the same way whichever chunk it falls in, so the split (and the
 * thread count) never changes a result. */
#include "internal.h"

typedef struct {
  eng_range_fn fn;
  void *ctx;
  size_t n, chunk;
} range_job;

static void range_task(void *c, int task) {
  const range_job *j = c;
  size_t start = (size_t)task * j->chunk, end = start + j->chunk < j->n ? start + j->chunk : j->n;
  if (start < end) j->fn(j->ctx, start, end);
}

void eng_parallel_range_named(const char *name, eng_range_fn fn, void *ctx, size_t n, size_t min_chunk) {
  int threads = eng_get_threads();
  if (threads == 1 || n <= min_chunk) {
    double t0 = eng_profile_on ? eng_seconds() : 0;
    if (n) fn(ctx, 0, n);
    if (eng_profile_on) profile_job(name, eng_seconds() - t0, 0);
    return;
  }
  /* Four chunks per thread, taken dynamically: a descheduled thread delays at most one. */
  size_t chunk = (n + 4 * (size_t)threads - 1) / (4 * (size_t)threads);
  if (chunk < min_chunk) chunk = min_chunk;
  chunk = (chunk + 15) & ~(size_t)15; /* whole cache lines of floats per chunk: no false sharing */
  range_job job = {fn, ctx, n, chunk};
  eng_pool_run_named(name, range_task, &job, (int)((n + chunk - 1) / chunk));
}
