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
#endif
