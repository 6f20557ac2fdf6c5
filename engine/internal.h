/* internal.h: shared declarations inside the engine (not part of the ABI). */
#ifndef ENGINE_INTERNAL_H
#define ENGINE_INTERNAL_H

#include "engine.h"
#include <stdbool.h>

#define ENG_COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))
/* Tables of named variants are checked against the enum they index. */
#define ENG_TABLE_CHECK(table, count) \
  _Static_assert(ENG_COUNT_OF(table) == (count), #table " must have one row per enum value")

/* ---- errors (status.c) */
eng_status eng_fail(eng_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void eng_clear_error(void);

/* ---- sizes and the memory limit (status.c)
 * The most bytes the engine may hold: the WASM heap is a 32-bit address space
 * capped at 2 GB (CMakeLists.txt reads -sMAXIMUM_MEMORY from ENG_MEMORY_LIMIT_MB;
 * pointers above 2 GB would turn negative in JS). size_t is 32 bits there, so
 * every size that grows with user input (units, batch, file headers) is computed
 * in 64 bits and checked against this limit before anything is allocated or
 * indexed. The native build uses the same limit, so the C tests and fuzzers
 * refuse exactly what the browser refuses. */
#define ENG_MEMORY_LIMIT ((uint64_t)ENG_MEMORY_LIMIT_MB << 20)
/* 64-bit size arithmetic that saturates at UINT64_MAX instead of wrapping, so an
 * overflowing size still compares as "too large". */
static inline uint64_t eng_size_mul(uint64_t a, uint64_t b) {
  return a && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}
static inline uint64_t eng_size_add(uint64_t a, uint64_t b) {
  return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}
/* Writes bytes as "16.0 GB", "3.6 MB", "39.1 KB" or "12 bytes" (binary units, as
 * -sMAXIMUM_MEMORY=2GB counts them). */
const char *eng_format_bytes(uint64_t bytes, char *buf, size_t cap);
/* ENG_ERR_NOMEM with the message "out of memory: <what> needs <size><detail>; the
 * engine can hold 2.0 GB<hint>" when bytes exceed ENG_MEMORY_LIMIT, else ENG_OK. */
eng_status eng_check_memory(uint64_t bytes, const char *what, const char *detail,
                            const char *hint);

/* ---- option specs (options.c)
 * A spec string is "variant key=value key=value ...". Each variant declares its
 * options; values are checked against type and range with messages naming the
 * variant and option. A NaN default means "None" (not set); ENG_REQUIRED means
 * the option must be given. */
#define ENG_MAX_OPTIONS 20
#define ENG_MAX_LIST 16
#define ENG_NAME_LEN 32

typedef enum { OPT_FLOAT, OPT_INT, OPT_BOOL, OPT_NAME, OPT_LIST } eng_opt_type;
typedef struct {
  const char *name;
  eng_opt_type type;
  double def;              /* default number (NaN = None) */
  double min, max;         /* inclusive range for numbers */
  const char *def_name;    /* default for OPT_NAME */
  const char *const *choices; /* NULL-terminated allowed names for OPT_NAME */
  bool required;
  const char *help;
} eng_opt_desc;

typedef struct {
  const char *name;        /* variant name in specs */
  const char *keras;       /* Keras class name */
  const eng_opt_desc *opts;
  int n_opts;
  const char *help;
} eng_variant_desc;

typedef struct {
  int variant;                         /* index in the table */
  double num[ENG_MAX_OPTIONS];
  char name[ENG_MAX_OPTIONS][ENG_NAME_LEN];
  double list[ENG_MAX_OPTIONS][ENG_MAX_LIST];
  int list_len[ENG_MAX_OPTIONS];
  bool given[ENG_MAX_OPTIONS];
} eng_options;

/* kind names the table in messages ("layer", "optimizer", ...). */
eng_status eng_parse_spec(const char *spec, const char *kind, const eng_variant_desc *table,
                          int n_variants, eng_options *out);
int eng_opt_index(const eng_variant_desc *v, const char *name);
/* Convenience: the value of a named option of the parsed spec's variant: NaN
 * (None) or NULL when the variant has no option of that name. */
double eng_opt_num(const eng_options *o, const eng_variant_desc *table, const char *name);
const char *eng_opt_name(const eng_options *o, const eng_variant_desc *table, const char *name);
/* The index in names of a named option's value (activation, initializer, monitor);
 * fails if the variant has no such option or its value is not in names. */
eng_status eng_opt_choice(const eng_options *o, const eng_variant_desc *table, const char *name,
                          const char *const *names, int *out);
/* Index of name in a NULL-terminated list; -1 if absent or name is NULL. */
int eng_name_index(const char *const *names, const char *name);

/* ---- random numbers (rng.c): PCG32, one stream per purpose. */
typedef struct { uint64_t state, inc; } eng_rng;
void eng_rng_seed(eng_rng *r, uint64_t seed, uint64_t stream);
uint32_t eng_rng_u32(eng_rng *r);
/* Skips delta draws: the stream splits into chunks that give the serial numbers. */
void eng_rng_advance(eng_rng *r, uint64_t delta);
double eng_rng_uniform(eng_rng *r);            /* [0, 1) */
uint32_t eng_rng_below(eng_rng *r, uint32_t n); /* [0, n) unbiased */
double eng_rng_normal(eng_rng *r);             /* standard normal */
/* Deterministic log in double using only + - * / (identical on every platform). */
double eng_det_log(double x);
enum { ENG_STREAM_INIT = 1, ENG_STREAM_SHUFFLE = 2, ENG_STREAM_DROPOUT = 3, ENG_STREAM_MC_DROPOUT = 4 };

/* ---- math (mathf.c): float functions written once, same bits natively and in WASM */
float eng_expf(float x);
float eng_erff(float x);

/* ---- thread pool (pool.c) */
typedef void (*eng_task_fn)(void *ctx, int task);
/* Runs fn(ctx, 0..n_tasks-1) on the pool; each task writes its own outputs.
 * name: the kernel, for the profile (eng_profile); the macro passes fn's name. */
void eng_pool_run_named(const char *name, eng_task_fn fn, void *ctx, int n_tasks);
#define eng_pool_run(fn, ctx, n_tasks) eng_pool_run_named(#fn, fn, ctx, n_tasks)
/* Runs fn over [0, n) split into up to four chunks per thread (each at least
 * min_chunk long) for elementwise work whose results do not depend on the split. */
typedef void (*eng_range_fn)(void *ctx, size_t start, size_t end);
void eng_parallel_range_named(const char *name, eng_range_fn fn, void *ctx, size_t n, size_t min_chunk);
#define eng_parallel_range(fn, ctx, n, min_chunk) eng_parallel_range_named(#fn, fn, ctx, n, min_chunk)

/* ---- clock and kernel profile (bench.c) */
double eng_seconds(void); /* monotonic, in seconds */
/* True between eng_profile(1) and eng_profile(0): the pool times each job under
 * its kernel's name (profile_job) and model_train_step each step (profile_step). */
extern bool eng_profile_on;
void profile_job(const char *name, double seconds, double waited);
void profile_step(double seconds); /* -1 as a step begins, its seconds as it ends */

/* ---- kernels (kernels.c)
 * C[M x N] (row stride ldc) = A * B (+ C if accumulate), where A(m, k) is
 * a[m * a_rs + k * a_cs] and B is row-major K x N with row stride ldb.
 * Every C element is summed over k in increasing order, so the result does not
 * depend on tiling or threads. */
void gemm_f32(int M, int N, int K, const float *a, int a_rs, int a_cs, const float *b,
              int ldb, float *c, int ldc, bool accumulate);
/* gemm_f32_reference (the scalar reference) and the micro-kernel: */
#include "gemm_tile.h"
/* L1/L2 kernel penalty: returns l1 sum|w| + l2 sum w^2 and, if grad is not
 * NULL, adds its gradient. */
double penalty_f32(const float *w, float *grad, size_t n, float l1, float l2);
double penalty_f32_reference(const float *w, float *grad, size_t n, float l1, float l2);
/* SGD / momentum / Nesterov step (keras sgd.py; v: velocity) over several
 * tensors in one pool job: a step's whole update, a job per tensor costing more
 * than the small tensors' work. Returns the index of the first segment that
 * wrote a non-finite weight (the trainer's divergence check), or -1. */
typedef struct {
  float *w, *v;
  const float *g;
  size_t n;
} sgd_segment;
int sgd_update_f32(const sgd_segment *seg, int count, float lr, float momentum, bool nesterov);
void sgd_update_f32_reference(float *w, const float *g, float *v, size_t n, float lr, float momentum,
                              bool nesterov);
/* out[c][r] = in[r][c] for an R x C row-major matrix. */
void transpose_f32(int R, int C, const float *in, float *out);

#endif
