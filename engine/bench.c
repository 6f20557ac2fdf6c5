/* bench.c: what `npm run bench` asks of the engine (natively and in WASM through
 * the same exports): the GEMM microbenchmark, which times the engine's threaded
 * gemm_f32 at a given shape and transpose layout after a warm-up and returns
 * GFLOP/s, and the kernel profile (eng_profile). Also the engine's one clock. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double eng_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- kernel profile */
#define PROFILE_KERNELS 64
bool eng_profile_on;
static struct {
  struct {
    char name[40];
    double seconds, waited;
    long calls;
  } kernel[PROFILE_KERNELS];
  int n_kernels;
  bool in_step; /* jobs count inside training steps only */
  long steps;
  double step_seconds;
  char report[PROFILE_KERNELS * 128 + 128];
} profile;

void eng_profile(int on) {
  if (on) {
    profile.n_kernels = 0, profile.steps = 0, profile.step_seconds = 0;
  }
  eng_profile_on = on != 0;
}

void profile_job(const char *name, double seconds, double waited) {
  if (!profile.in_step) return;
  int i = 0;
  while (i < profile.n_kernels && strcmp(profile.kernel[i].name, name) != 0) i++;
  if (i == profile.n_kernels) {
    if (i == PROFILE_KERNELS) return; /* a full table drops new names, never corrupts */
    snprintf(profile.kernel[i].name, sizeof profile.kernel[i].name, "%s", name);
    profile.kernel[i].seconds = profile.kernel[i].waited = 0, profile.kernel[i].calls = 0;
    profile.n_kernels++;
  }
  profile.kernel[i].seconds += seconds, profile.kernel[i].waited += waited, profile.kernel[i].calls++;
}

void profile_step(double seconds) {
  if (seconds < 0) { /* the step begins */
    profile.in_step = true;
    return;
  }
  profile.in_step = false;
  profile.steps++, profile.step_seconds += seconds;
}

const char *eng_profile_report(void) {
  size_t at = 0, cap = sizeof profile.report;
  at += (size_t)snprintf(profile.report, cap, "{\"steps\":%ld,\"step_seconds\":%.6f,\"kernels\":[", profile.steps,
                         profile.step_seconds);
  for (int i = 0; i < profile.n_kernels && at < cap; i++)
    at += (size_t)snprintf(profile.report + at, cap - at, "%s{\"name\":\"%s\",\"calls\":%ld,\"seconds\":%.6f,\"waited\":%.6f}",
                           i ? "," : "", profile.kernel[i].name, profile.kernel[i].calls, profile.kernel[i].seconds,
                           profile.kernel[i].waited);
  if (at < cap) snprintf(profile.report + at, cap - at, "]}");
  return profile.report;
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
  double t0 = eng_seconds();
  for (int it = 0; it < iterations; it++) gemm_f32(M, N, K, a, a_rs, a_cs, b, N, c, N, false);
  double dt = eng_seconds() - t0;
  volatile float sink = c[0]; /* keep the result observable */
  (void)sink;
  free(a), free(b), free(c);
  return 2.0 * M * N * K * iterations / dt / 1e9;
}
