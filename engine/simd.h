/* simd.h: WebAssembly SIMD intrinsics; natively the same code compiles through
 * SIMDe's implementation of wasm_simd128.h, so native tests run the browser's kernels. */
#ifndef ENGINE_SIMD_H
#define ENGINE_SIMD_H
#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#else
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/wasm/simd128.h>
#endif

/* acc + x * y. In the relaxed-SIMD build (-mrelaxed-simd) this is
 * f32x4.relaxed_madd: one rounding where the CPU has fused multiply-add (the
 * engine picks one behaviour per machine, so runs repeat there), two roundings
 * elsewhere. The plain build multiplies, rounds, adds and rounds, as the scalar
 * reference does. */
static inline v128_t eng_f32x4_madd(v128_t acc, v128_t x, v128_t y) {
#ifdef __wasm_relaxed_simd__
  return wasm_f32x4_relaxed_madd(x, y, acc);
#else
  return wasm_f32x4_add(acc, wasm_f32x4_mul(x, y));
#endif
}
#endif
