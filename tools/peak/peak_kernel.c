/* peak_kernel.c: the standalone 4x8 register-blocked GEMM kernel that `npm run
 * bench` uses as the yardstick for the engine's GEMM (issue 14). No engine code,
 * no threads, no edges: M a multiple of 4, N of 8, A (M x K) and B (K x N)
 * row-major in static buffers; each 4x8 tile of C lives in 8 registers over the
 * whole k loop. Built twice by clang-19 into tiny modules: plain SIMD (mul then
 * add) and relaxed SIMD (f32x4.relaxed_madd). */
#include <wasm_simd128.h>

#ifdef __wasm_relaxed_simd__
#define MADD(acc, x, y) wasm_f32x4_relaxed_madd(x, y, acc)
#else
#define MADD(acc, x, y) wasm_f32x4_add(acc, wasm_f32x4_mul(x, y))
#endif

#define CAP (1 << 20) /* floats per operand: 784 x 1024 at most */
static float A[CAP], B[CAP], C[CAP];

__attribute__((export_name("capacity"))) int capacity(void) { return CAP; }

/* Fills A (M x K) and B (K x N) with small values. */
__attribute__((export_name("fill"))) void fill(int M, int N, int K) {
  for (int i = 0; i < M * K; i++) A[i] = (float)(i % 7) * 0.125f - 0.375f;
  for (int i = 0; i < K * N; i++) B[i] = (float)(i % 5) * 0.25f - 0.5f;
}

/* C = A B, `reps` times; returns a checksum so the work stays observable. */
__attribute__((export_name("gemm"))) float gemm(int M, int N, int K, int reps) {
  for (int r = 0; r < reps; r++)
    for (int j = 0; j < N; j += 8)
      for (int i = 0; i < M; i += 4) {
        const float *a0 = A + i * K, *a1 = a0 + K, *a2 = a1 + K, *a3 = a2 + K;
        v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
               c30 = c00, c31 = c00;
        for (int k = 0; k < K; k++) {
          v128_t b0 = wasm_v128_load(B + k * N + j), b1 = wasm_v128_load(B + k * N + j + 4), x;
          x = wasm_f32x4_splat(a0[k]), c00 = MADD(c00, x, b0), c01 = MADD(c01, x, b1);
          x = wasm_f32x4_splat(a1[k]), c10 = MADD(c10, x, b0), c11 = MADD(c11, x, b1);
          x = wasm_f32x4_splat(a2[k]), c20 = MADD(c20, x, b0), c21 = MADD(c21, x, b1);
          x = wasm_f32x4_splat(a3[k]), c30 = MADD(c30, x, b0), c31 = MADD(c31, x, b1);
        }
        float *c = C + i * N + j;
        wasm_v128_store(c, c00), wasm_v128_store(c + 4, c01);
        wasm_v128_store(c + N, c10), wasm_v128_store(c + N + 4, c11);
        wasm_v128_store(c + 2 * N, c20), wasm_v128_store(c + 2 * N + 4, c21);
        wasm_v128_store(c + 3 * N, c30), wasm_v128_store(c + 3 * N + 4, c31);
      }
  float sum = 0;
  for (int i = 0; i < M * N; i++) sum += C[i];
  return sum;
}
