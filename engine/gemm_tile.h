/* gemm_tile.h: the GEMM micro-kernel, the one file built twice for WASM (plain
 * SIMD, and relaxed SIMD with fused multiply-add; see docs/DECISIONS.md). It
 * includes nothing from the C library, so a second compiler (clang-19, for the
 * relaxed opcodes) can build it without Emscripten's headers. */
#ifndef ENGINE_GEMM_TILE_H
#define ENGINE_GEMM_TILE_H
#include <stdbool.h>

/* C columns [j0, j1) for all M rows (arguments as gemm_f32 in internal.h). j0 is
 * a multiple of 8, so a column always falls into the same kind of tile, whatever
 * the split over threads. */
void gemm_tile_columns(int M, int j0, int j1, int K, const float *a, int a_rs, int a_cs,
                       const float *b, int ldb, float *c, int ldc, bool accumulate);
/* The scalar reference (kernels.c), also used for the last N % 4 columns. */
void gemm_f32_reference(int M, int N, int K, const float *a, int a_rs, int a_cs,
                        const float *b, int ldb, float *c, int ldc, bool accumulate);
#endif
