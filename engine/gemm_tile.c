/* gemm_tile.c: the GEMM micro-kernel behind gemm_f32 (kernels.c). A 4 x 8 block
 * of C stays in 8 registers for the whole k loop; B rows are loaded, A values
 * broadcast. Each C element starts from C (accumulate) or 0 and adds a(i,k) b(k,j)
 * for k = 0, 1, ... in order, so tiles and threads never change a bit.
 * The WASM build compiles this file twice (plain and relaxed SIMD, see
 * eng_f32x4_madd in simd.h), which is why it includes no C library header. */
#include "gemm_tile.h"
#include "simd.h"

#define MADD eng_f32x4_madd

/* One k step of a 4x8 tile: x0..x3 hold a(i..i+3, k) broadcast, bk points at B row k. */
#define TILE_4X8_STEP(x0, x1, x2, x3, bk)                                   \
  do {                                                                      \
    v128_t b0 = wasm_v128_load(bk), b1 = wasm_v128_load((bk) + 4);          \
    c00 = MADD(c00, x0, b0), c01 = MADD(c01, x0, b1);                       \
    c10 = MADD(c10, x1, b0), c11 = MADD(c11, x1, b1);                       \
    c20 = MADD(c20, x2, b0), c21 = MADD(c21, x2, b1);                       \
    c30 = MADD(c30, x3, b0), c31 = MADD(c31, x3, b1);                       \
  } while (0)

static inline void tile_4x8(int K, const float *a, int a_rs, int a_cs, const float *b, int ldb,
                            float *c, int ldc, bool accumulate) {
  v128_t c00, c01, c10, c11, c20, c21, c30, c31;
  if (accumulate) {
    c00 = wasm_v128_load(c), c01 = wasm_v128_load(c + 4);
    c10 = wasm_v128_load(c + ldc), c11 = wasm_v128_load(c + ldc + 4);
    c20 = wasm_v128_load(c + 2 * ldc), c21 = wasm_v128_load(c + 2 * ldc + 4);
    c30 = wasm_v128_load(c + 3 * ldc), c31 = wasm_v128_load(c + 3 * ldc + 4);
  } else {
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = wasm_f32x4_splat(0.0f);
  }
  if (a_rs == 1) {
    /* A read transposed (the kernel gradient x^T dz): a(i..i+3, k) are adjacent,
     * four broadcast loads at constant offsets. (One load and four lane shuffles
     * measured slower: shuffles compete with the multiply-adds for the FP pipes,
     * broadcast loads use only the load ports.) */
    for (int k = 0; k < K; k++, a += a_cs, b += ldb)
      TILE_4X8_STEP(wasm_v128_load32_splat(a), wasm_v128_load32_splat(a + 1),
                    wasm_v128_load32_splat(a + 2), wasm_v128_load32_splat(a + 3), b);
  } else {
    const float *a0 = a, *a1 = a + a_rs, *a2 = a + 2 * a_rs, *a3 = a + 3 * a_rs;
    for (int k = 0; k < K; k++, b += ldb) {
      int o = k * a_cs;
      TILE_4X8_STEP(wasm_v128_load32_splat(a0 + o), wasm_v128_load32_splat(a1 + o),
                    wasm_v128_load32_splat(a2 + o), wasm_v128_load32_splat(a3 + o), b);
    }
  }
  wasm_v128_store(c, c00), wasm_v128_store(c + 4, c01);
  wasm_v128_store(c + ldc, c10), wasm_v128_store(c + ldc + 4, c11);
  wasm_v128_store(c + 2 * ldc, c20), wasm_v128_store(c + 2 * ldc + 4, c21);
  wasm_v128_store(c + 3 * ldc, c30), wasm_v128_store(c + 3 * ldc + 4, c31);
}

/* 1 row x 4 columns (the last M % 4 rows, the last N % 8 columns). */
static inline void tile_1x4(int K, const float *a, int a_cs, const float *b, int ldb, float *c,
                            bool accumulate) {
  v128_t acc = accumulate ? wasm_v128_load(c) : wasm_f32x4_splat(0.0f);
  for (int k = 0; k < K; k++) acc = MADD(acc, wasm_v128_load32_splat(a + k * a_cs), wasm_v128_load(b + k * ldb));
  wasm_v128_store(c, acc);
}

/* noinline: called once per pool task, so WASM engines tier it up (code inside a
 * pool thread's endless loop would stay in the baseline compiler). */
__attribute__((noinline)) void gemm_tile_columns(int M, int j0, int j1, int K, const float *a,
                                                 int a_rs, int a_cs, const float *b, int ldb,
                                                 float *c, int ldc, bool accumulate) {
  int j = j0;
  for (; j + 8 <= j1; j += 8) {
    int i = 0;
    for (; i + 4 <= M; i += 4)
      tile_4x8(K, a + i * a_rs, a_rs, a_cs, b + j, ldb, c + i * ldc + j, ldc, accumulate);
    for (; i < M; i++) {
      tile_1x4(K, a + i * a_rs, a_cs, b + j, ldb, c + i * ldc + j, accumulate);
      tile_1x4(K, a + i * a_rs, a_cs, b + j + 4, ldb, c + i * ldc + j + 4, accumulate);
    }
  }
  for (; j + 4 <= j1; j += 4)
    for (int i = 0; i < M; i++)
      tile_1x4(K, a + i * a_rs, a_cs, b + j, ldb, c + i * ldc + j, accumulate);
  if (j < j1) gemm_f32_reference(M, j1 - j, K, a, a_rs, a_cs, b + j, ldb, c + j, ldc, accumulate);
}

/* engine.h; defined here, where the variant is known. */
int eng_simd_relaxed(void) {
#ifdef __wasm_relaxed_simd__
  return 1;
#else
  return 0;
#endif
}
