// features.js: what this host's WebAssembly supports, found by validating tiny
// modules (nothing is instantiated). The page's worker and Node both ask here.

// () -> v128: i32.const 0, i8x16.splat, i8x16.popcnt (SIMD 128).
const SIMD_PROBE = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11];
// () -> v128: three i32x4.splat of 0, then f32x4.relaxed_madd (0xfd 0x105, the
// final relaxed-SIMD opcode; Safari rejects it, Chrome 114+ and Firefox 146+ accept it).
const RELAXED_SIMD_PROBE = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0,
  65, 0, 253, 17, 65, 0, 253, 17, 65, 0, 253, 17, 253, 133, 2, 11];

const validates = (bytes) => typeof WebAssembly === 'object' && WebAssembly.validate(new Uint8Array(bytes));
export const hasSimd = () => validates(SIMD_PROBE);
export const hasRelaxedSimd = () => validates(RELAXED_SIMD_PROBE);
