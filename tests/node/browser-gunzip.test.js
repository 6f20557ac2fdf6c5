// browser-gunzip.test.js: the page's dataset reader (datasets/browser.js, run
// here on Node's own DecompressionStream) stops unzipping at the largest dataset
// the engine can hold, and says which file, instead of filling the memory.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { gunzip, maybeGunzip } from '../../datasets/browser.js';

describe('unzipping in the page', () => {
  it('stops at the cap and names the file', async () => {
    // 64 MB of zeros in a 64 KB gzip; a cap of 16 MB stands in for the real one (the message quotes the real one).
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 2 ** 20));
    await assert.rejects(gunzip(bomb, { name: 'train-images-idx3-ubyte.gz', limit: 16 * 2 ** 20 }),
      /^Error: train-images-idx3-ubyte\.gz unzips to more than \d+ MB, more than the engine can hold/);
    const small = zlib.gzipSync(Buffer.from('abc'));
    assert.deepEqual([...await maybeGunzip(small, { limit: 3 })], [97, 98, 99]);
  });

  it('names the file that is not gzip', async () => {
    await assert.rejects(gunzip(new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]), { name: 'labels.gz' }), /labels\.gz is not valid gzip data/);
  });
});
