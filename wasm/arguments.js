// arguments.js: checks of the numbers and objects the JavaScript API hands to C.
// WASM converts a JavaScript number to a 32-bit integer by wrapping it
// (1e10 arrives as 1410065408, -1 as 4294967295), so every count, index and size
// is checked here, in JavaScript, with the argument's name, before it crosses.

const UINT32_MAX = 0xffffffff;

const shown = (v) => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'object' && v !== null ? (Array.isArray(v) ? 'an array' : 'an object') : String(v));

// A whole number in [min, max]; returns it.
export function whole(name, value, min = 0, max = UINT32_MAX) {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${name} must be a whole number from ${min} to ${max}, got ${shown(value)}`);
  return value;
}

// A finite number in [min, max]; returns it.
export function finite(name, value, min = -Infinity, max = Infinity) {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw new RangeError(`${name} must be a finite number${min > -Infinity ? ` from ${min}` : ''}${max < Infinity ? ` to ${max}` : ''}, got ${shown(value)}`);
  return value;
}

export function bytes(name, value) {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array, got ${shown(value)}`);
  return value;
}

export function text(name, value) {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, got ${shown(value)}`);
  return value;
}
