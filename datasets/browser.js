// browser.js: fetching and decoding datasets in the browser (worker or page):
// gzip IDX files from the site (with download progress), decompressed with
// DecompressionStream, and files the user picks (IDX, gzip'd or not; CIFAR-10 .bin).
// Unzipping stops at the largest dataset the engine can hold (limits.js): a
// small gzip can expand to gigabytes.
import { MAX_DATASET_BYTES, datasetTooLargeMessage } from './limits.js';

export const isGzip = (u8) => u8.length >= 2 && u8[0] === 0x1f && u8[1] === 0x8b;

export class TooLargeError extends Error {}

// limit: bytes; beyond it the stream is cancelled and tooLarge() says why.
async function readAll(stream, onChunk, { limit = Infinity, tooLarge } = {}) {
  const reader = stream.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      reader.cancel().catch(() => {});
      throw new TooLargeError(tooLarge());
    }
    chunks.push(value);
    onChunk?.(total);
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) out.set(c, off), (off += c.length);
  return out;
}

// name: the file, for the messages; limit: at most this many bytes unzipped
// (MAX_DATASET_BYTES; the tests pass a smaller one).
export async function gunzip(u8, { name = 'the file', limit = MAX_DATASET_BYTES } = {}) {
  const tooLarge = () => datasetTooLargeMessage(name, { unzipped: true });
  try {
    return await readAll(new Blob([u8]).stream().pipeThrough(new DecompressionStream('gzip')), null, { limit, tooLarge });
  } catch (err) {
    if (err instanceof TooLargeError) throw err;
    throw new Error(`${name} is not valid gzip data (${err.message})`);
  }
}

export const maybeGunzip = (u8, options) => (isGzip(u8) ? gunzip(u8, options) : u8);

// Downloads url, reporting (loaded, total) bytes; returns the bytes (decompressed if gzip).
export async function fetchBytes(url, onProgress) {
  let response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new Error(`could not download ${url}: ${err.message}`);
  }
  if (!response.ok) throw new Error(`could not download ${url}: HTTP ${response.status}`);
  const total = Number(response.headers.get('content-length')) || 0;
  const name = decodeURIComponent(String(url).split('/').pop());
  const bytes = await readAll(response.body, (loaded) => onProgress?.(loaded, total), {
    limit: MAX_DATASET_BYTES, tooLarge: () => datasetTooLargeMessage(name),
  });
  return maybeGunzip(bytes, { name });
}
