// limits.js: the largest dataset file the engine can hold, shared by the Node
// loader (datasets/node.js) and the browser's (datasets/browser.js), so both stop
// unzipping at the same point and say so in the same words.

// The WASM engine's memory is at most 2 GB (ENG_MEMORY_LIMIT_MB in
// engine/engine.h, which CMakeLists.txt passes to -sMAXIMUM_MEMORY; the engine
// reports it as describe().memory_limit_bytes and tests/node/hostile-input.test.js
// checks that this copy agrees). Loading copies the file's bytes into that memory and parses
// them into the dataset's own copy, so a file over half of it can never be held.
export const ENGINE_MEMORY_BYTES = 2 ** 31;
export const MAX_DATASET_BYTES = ENGINE_MEMORY_BYTES / 2;

const MB = (n) => `${Math.round(n / 2 ** 20)} MB`;

// The message for a file that is (or unzips to) more than MAX_DATASET_BYTES.
export function datasetTooLargeMessage(file, { unzipped = false } = {}) {
  return `${file} ${unzipped ? 'unzips to' : 'has'} more than ${MB(MAX_DATASET_BYTES)}, more than the engine can hold ` +
    `(its memory is ${MB(ENGINE_MEMORY_BYTES)} and loading needs the data twice); use a smaller file`;
}
