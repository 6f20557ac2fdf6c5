/* bench.c: the GEMM microbenchmark behind `npm run bench` (run natively and in
 * WASM through the same export). It times the engine's threaded gemm_f32 at a
 * given shape and transpose layout, after a warm-up, and returns GFLOP/s. */
#include "internal.h"

#include <stdlib.h>
#include <time.h>

static double seconds_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* layout 0: C = A B (forward); 1: C = A^T B with A stored K x M (weight gradient).
 * Returns GFLOP/s (2 M N K per call), or -1 if memory is short. */
double eng_bench_gemm(int M, int N, int K, int layout, int iterations) {
  float *a = malloc(sizeof(float) * (size_t)M * K), *b = malloc(sizeof(float) * (size_t)K * N);
  float *c = malloc(sizeof(float) * (size_t)M * N);
  if (!a || !b || !c || iterations < 1) {
    free(a), free(b), free(c);
    return -1;
  }
  eng_rng rng;
  eng_rng_seed(&rng, 1, 99);
  for (size_t i = 0; i < (size_t)M * K; i++) a[i] = (float)eng_rng_uniform(&rng) - 0.5f;
  for (size_t i = 0; i < (size_t)K * N; i++) b[i] = (float)eng_rng_uniform(&rng) - 0.5f;
  int a_rs = layout ? 1 : K, a_cs = layout ? M : 1;
  for (int w = 0; w < 3; w++) gemm_f32(M, N, K, a, a_rs, a_cs, b, N, c, N, false); /* warm-up */
  double t0 = seconds_now();
  for (int it = 0; it < iterations; it++) gemm_f32(M, N, K, a, a_rs, a_cs, b, N, c, N, false);
  double dt = seconds_now() - t0;
  volatile float sink = c[0]; /* keep the result observable */
  (void)sink;
  free(a), free(b), free(c);
  return 2.0 * M * N * K * iterations / dt / 1e9;
}
