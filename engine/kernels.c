/* kernels.c: the matrix multiply every dense layer uses (forward, and both
 * backward products) split over the pool (its micro-kernel is gemm_tile.c),
 * plus its scalar reference. Each C element is accumulated over k in increasing
 * order, so tiles and threads give identical bits; with separate multiply and
 * add (the plain build, and natively) SIMD and scalar agree too, while the
 * relaxed-SIMD build's fused multiply-add rounds once per step.
 * Also the transposes, and the L1/L2 penalty and the plain SGD update in SIMD
 * with their scalar references (a plain SGD step updates every tensor in one
 * pool job). ReLU's SIMD kernel is in activations.c. */
#include "gemm_tile.h"
#include "internal.h"
#include "simd.h"

#include <math.h>
#include <stdio.h>
#include <stdatomic.h>

void gemm_f32_reference(int M, int N, int K, const float *a, int a_rs, int a_cs,
                        const float *b, int ldb, float *c, int ldc, bool accumulate) {
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++) {
      float sum = accumulate ? c[i * ldc + j] : 0.0f;
      for (int k = 0; k < K; k++) sum += a[i * a_rs + k * a_cs] * b[k * ldb + j];
      c[i * ldc + j] = sum;
    }
}

typedef struct {
  int M, N, K, a_rs, a_cs, ldb, ldc, chunk;
  bool by_rows; /* tasks own row blocks (else column blocks) */
  const float *a, *b;
  float *c;
  bool accumulate;
} gemm_job;

static void gemm_task(void *ctx, int task) {
  const gemm_job *g = ctx;
  int extent = g->by_rows ? g->M : g->N;
  int s0 = task * g->chunk, s1 = s0 + g->chunk < extent ? s0 + g->chunk : extent;
  if (s0 >= s1) return;
  if (g->by_rows) /* rows s0..s1 of C are rows s0..s1 of A times B */
    gemm_tile_columns(s1 - s0, 0, g->N, g->K, g->a + (size_t)s0 * g->a_rs, g->a_rs, g->a_cs, g->b, g->ldb,
                      g->c + (size_t)s0 * g->ldc, g->ldc, g->accumulate);
  else
    gemm_tile_columns(g->M, s0, s1, g->K, g->a, g->a_rs, g->a_cs, g->b, g->ldb, g->c, g->ldc, g->accumulate);
}

void gemm_f32(int M, int N, int K, const float *a, int a_rs, int a_cs, const float *b, int ldb,
              float *c, int ldc, bool accumulate) {
  if (M <= 0 || N <= 0) return;
  int threads = eng_get_threads();
  double flops = 2.0 * M * N * K;
  /* A few tasks per thread: when a thread is descheduled (a busy machine), the
   * others take its share instead of waiting for it. */
  int tasks = flops < 2e5 || threads == 1 ? 1 : 4 * threads;
  /* Column blocks are multiples of 8 so every task uses the full-width tile.
   * A product too narrow for that many (W1's input gradients at batch 32 are
   * 32 columns: 4 tiles) splits its rows instead, in multiples of the tile's 4
   * rows. Either way each C element is the same sum, so the bits do not change. */
  bool by_rows = tasks > 1 && (N + 7) / 8 < tasks && M >= 4 * tasks;
  int extent = by_rows ? M : N, align = by_rows ? 4 : 8;
  int chunk = (extent + tasks - 1) / tasks;
  chunk = (chunk + align - 1) / align * align;
  tasks = (extent + chunk - 1) / chunk;
  gemm_job job = {M, N, K, a_rs, a_cs, ldb, ldc, chunk, by_rows, a, b, c, accumulate};
  char name[40] = "gemm";
  if (eng_profile_on) snprintf(name, sizeof name, "gemm %dx%dx%d%s", M, N, K, a_cs != 1 ? " T" : "");
  eng_pool_run_named(name, gemm_task, &job, tasks);
}

typedef struct {
  int R, C;
  const float *in;
  float *out;
} transpose_job;

static void transpose_range(void *c, size_t start, size_t end) {
  const transpose_job *j = c;
  int R = j->R, C = j->C;
  const float *in = j->in;
  float *out = j->out;
  /* 8x8 blocks keep both sides in cache; start is a multiple of 8 rows. */
  for (int r0 = (int)start; r0 < (int)end; r0 += 8)
    for (int c0 = 0; c0 < C; c0 += 8) {
      int r1 = r0 + 8 < (int)end ? r0 + 8 : (int)end, c1 = c0 + 8 < C ? c0 + 8 : C;
      for (int r = r0; r < r1; r++)
        for (int c = c0; c < c1; c++) out[c * R + r] = in[r * C + c];
    }
}

void transpose_f32(int R, int C, const float *in, float *out) {
  transpose_job j = {R, C, in, out};
  /* Chunks of whole 8-row blocks: eng_parallel_range rounds chunks to 4, so ask for 8-multiples. */
  int threads = eng_get_threads();
  size_t rows_per = (((size_t)R + threads - 1) / threads + 7) & ~(size_t)7;
  eng_parallel_range(transpose_range, &j, (size_t)R, (size_t)R * C < 16384 ? (size_t)R : rows_per);
}

/* Kernel penalties (keras.regularizers.L1L2): loss l1 sum|w| + l2 sum w^2,
 * gradient l1 sign(w) + 2 l2 w added to grad (NULL: value only). Sums run in
 * four float lanes, reduced in a fixed order. */
double penalty_f32_reference(const float *w, float *grad, size_t n, float l1, float l2) {
  /* Same summation order as penalty_f32: 8192-element chunks (or larger for
   * huge tensors), four float lanes per chunk, chunks added in order. */
  size_t chunk = 8192;
  while ((n + chunk - 1) / chunk > 1024) chunk *= 2;
  double a = 0, s = 0;
  float l2x2 = 2.0f * l2;
  for (size_t c0 = 0; c0 < n; c0 += chunk) {
    float abs_sum[4] = {0, 0, 0, 0}, sq_sum[4] = {0, 0, 0, 0};
    for (size_t i = c0; i < n && i < c0 + chunk; i++) {
      float x = w[i];
      abs_sum[(i - c0) & 3] += fabsf(x);
      sq_sum[(i - c0) & 3] += x * x;
      if (grad) grad[i] += l2x2 * x + (x > 0 ? l1 : (x < 0 ? -l1 : 0.0f));
    }
    a += ((double)abs_sum[0] + abs_sum[1]) + ((double)abs_sum[2] + abs_sum[3]);
    s += ((double)sq_sum[0] + sq_sum[1]) + ((double)sq_sum[2] + sq_sum[3]);
  }
  return l1 * a + l2 * s;
}

static void penalty_chunk(const float *w, float *grad, size_t n, float l1, float l2, double *abs_out,
                          double *sq_out) {
  size_t n4 = n & ~(size_t)3;
  v128_t abs_acc = wasm_f32x4_splat(0), sq_acc = wasm_f32x4_splat(0);
  v128_t vl1 = wasm_f32x4_splat(l1), vneg_l1 = wasm_f32x4_splat(-l1), vl2x2 = wasm_f32x4_splat(2.0f * l2);
  v128_t zero = wasm_f32x4_splat(0);
  for (size_t i = 0; i < n4; i += 4) {
    v128_t x = wasm_v128_load(w + i);
    abs_acc = wasm_f32x4_add(abs_acc, wasm_f32x4_abs(x));
    sq_acc = wasm_f32x4_add(sq_acc, wasm_f32x4_mul(x, x));
    if (grad) {
      /* sign term: l1 where x > 0, -l1 where x < 0, 0 at 0 */
      v128_t sign = wasm_v128_or(wasm_v128_and(wasm_f32x4_gt(x, zero), vl1),
                                 wasm_v128_and(wasm_f32x4_lt(x, zero), vneg_l1));
      v128_t g = wasm_v128_load(grad + i);
      wasm_v128_store(grad + i, wasm_f32x4_add(g, wasm_f32x4_add(wasm_f32x4_mul(vl2x2, x), sign)));
    }
  }
  float abs_sum[4], sq_sum[4];
  wasm_v128_store(abs_sum, abs_acc);
  wasm_v128_store(sq_sum, sq_acc);
  float l2x2 = 2.0f * l2;
  for (size_t i = n4; i < n; i++) {
    float x = w[i];
    abs_sum[i & 3] += fabsf(x);
    sq_sum[i & 3] += x * x;
    if (grad) grad[i] += l2x2 * x + (x > 0 ? l1 : (x < 0 ? -l1 : 0.0f));
  }
  *abs_out = ((double)abs_sum[0] + abs_sum[1]) + ((double)abs_sum[2] + abs_sum[3]);
  *sq_out = ((double)sq_sum[0] + sq_sum[1]) + ((double)sq_sum[2] + sq_sum[3]);
}

/* Fixed chunks (independent of the thread count), summed in chunk order. */
#define PENALTY_CHUNK 8192
#define PENALTY_MAX_CHUNKS 1024
typedef struct {
  const float *w;
  float *grad;
  size_t n;
  float l1, l2;
  double abs_part[PENALTY_MAX_CHUNKS], sq_part[PENALTY_MAX_CHUNKS];
  size_t chunk;
} penalty_job;

static void penalty_task(void *c, int t) {
  penalty_job *j = c;
  size_t start = (size_t)t * j->chunk, len = start + j->chunk < j->n ? j->chunk : j->n - start;
  penalty_chunk(j->w + start, j->grad ? j->grad + start : NULL, len, j->l1, j->l2, &j->abs_part[t],
                &j->sq_part[t]);
}

double penalty_f32(const float *w, float *grad, size_t n, float l1, float l2) {
  static penalty_job job; /* large; the engine runs one model step at a time */
  size_t chunk = PENALTY_CHUNK;
  while ((n + chunk - 1) / chunk > PENALTY_MAX_CHUNKS) chunk *= 2;
  job.w = w, job.grad = grad, job.n = n, job.l1 = l1, job.l2 = l2, job.chunk = chunk;
  int tasks = (int)((n + chunk - 1) / chunk);
  eng_pool_run(penalty_task, &job, tasks);
  double a = 0, sq = 0;
  for (int t = 0; t < tasks; t++) a += job.abs_part[t], sq += job.sq_part[t];
  return l1 * a + l2 * sq;
}

/* SGD (keras sgd.py): v = momentum v - lr g; w += v, or with Nesterov
 * w += momentum v - lr g. momentum 0: w -= lr g. */
void sgd_update_f32_reference(float *w, const float *g, float *v, size_t n, float lr, float momentum,
                              bool nesterov) {
  for (size_t i = 0; i < n; i++) {
    if (momentum == 0) {
      w[i] += -lr * g[i];
      continue;
    }
    float vi = momentum * v[i] - lr * g[i];
    v[i] = vi;
    w[i] += nesterov ? momentum * vi - lr * g[i] : vi;
  }
}

/* Returns whether every weight written is finite. The check rides on the
 * update: x - x is +0 (all bits clear) for a finite x and NaN for an infinite
 * or NaN one, so the bitwise OR of those stays 0 while all weights are finite
 * (an OR, not a float sum, keeps the loop free of a slow add dependency chain). */
static bool sgd_chunk(float *w, const float *g, float *v, size_t n, float lr, float momentum,
                      bool nesterov) {
  size_t n4 = n & ~(size_t)3;
  v128_t vlr = wasm_f32x4_splat(-lr), vm = wasm_f32x4_splat(momentum);
  v128_t nonfinite = wasm_i32x4_splat(0);
  for (size_t i = 0; i < n4; i += 4) {
    v128_t step = wasm_f32x4_mul(vlr, wasm_v128_load(g + i)); /* -lr g */
    v128_t wi = wasm_v128_load(w + i), wn;
    if (momentum == 0) {
      wn = wasm_f32x4_add(wi, step);
    } else {
      v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(vm, wasm_v128_load(v + i)), step);
      wasm_v128_store(v + i, vi);
      v128_t u = nesterov ? wasm_f32x4_add(wasm_f32x4_mul(vm, vi), step) : vi;
      wn = wasm_f32x4_add(wi, u);
    }
    wasm_v128_store(w + i, wn);
    nonfinite = wasm_v128_or(nonfinite, wasm_f32x4_sub(wn, wn));
  }
  sgd_update_f32_reference(w + n4, g + n4, v + n4, n - n4, lr, momentum, nesterov);
  bool finite = !wasm_v128_any_true(nonfinite);
  for (size_t i = n4; i < n; i++) finite = finite && isfinite(w[i]);
  return finite;
}

/* The segments laid end to end form one index range, split over the pool as
 * any elementwise job; a chunk may span several tensors. */
typedef struct {
  const sgd_segment *seg;
  int count;
  float lr, momentum;
  bool nesterov;
  atomic_int first_nonfinite; /* lowest segment that wrote a non-finite weight, or count */
} sgd_job;

static void sgd_range(void *c, size_t start, size_t end) {
  sgd_job *j = c;
  size_t base = 0; /* where segment s begins in the joined range */
  for (int s = 0; s < j->count && base < end; base += j->seg[s].n, s++) {
    const sgd_segment *g = &j->seg[s];
    size_t lo = start > base ? start - base : 0, hi = end - base < g->n ? end - base : g->n;
    if (lo >= hi) continue;
    if (!sgd_chunk(g->w + lo, g->g + lo, g->v + lo, hi - lo, j->lr, j->momentum, j->nesterov)) {
      int seen = atomic_load_explicit(&j->first_nonfinite, memory_order_relaxed);
      while (s < seen && !atomic_compare_exchange_weak(&j->first_nonfinite, &seen, s)) {
      }
    }
  }
}

int sgd_update_f32(const sgd_segment *seg, int count, float lr, float momentum, bool nesterov) {
  size_t total = 0;
  for (int s = 0; s < count; s++) total += seg[s].n;
  sgd_job j = {seg, count, lr, momentum, nesterov, count};
  eng_parallel_range(sgd_range, &j, total, 16384);
  int first = atomic_load(&j.first_nonfinite);
  return first < count ? first : -1;
}
