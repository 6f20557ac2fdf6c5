// initializer-errors.test.js: an initializer object the engine cannot read as
// written (no "type", or an argument its type does not take) arrives in a share
// link: the link opens, and the model form says what is wrong next to the layer's
// kernel initializer control (the bias initializer, which has no control of its
// own, on the layer's card), in validateConfig's words.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground } from './helpers.js';
import { toBase64Url } from '../node/plan-mutations.js';

const config = {
  name: 'typeless', data: { dataset: 'fashion-mnist', train: { split: 'train', count: 300 } },
  model: [
    { type: 'dense', units: 20, activation: 'relu', kernel_initializer: { stddev: 1 }, bias_initializer: { value: 1 } },
    { type: 'dense', units: 20, activation: 'relu', kernel_initializer: { type: 'he_normal', stddev: 1 } },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
  fit: { epochs: 1, batch_size: 32 },
};

describe('initializer objects in a share link', () => {
  let env;
  before(async () => {
    env = await openPlayground({ hash: `#plan=${toBase64Url(JSON.stringify({ title: 'Typeless', runs: [{ label: 'typeless', config }], selected: 0 }))}`, ready: 'engine' });
  });
  after(async () => {
    await env?.browser.close();
    env?.server.close();
  });

  it('opens and shows each message next to its control', async () => {
    const { page } = env;
    const slot = (path) => page.textContent(`[data-error-for="${path}"]`);
    await page.waitForFunction(() => document.querySelector('[data-error-for="model[0].kernel_initializer"]')?.textContent, null, { timeout: 30000 });
    assert.equal(await page.textContent('.plan-title'), 'Typeless');
    assert.equal(await slot('model[0].kernel_initializer'), 'an initializer object needs "type", e.g. {"type": "random_normal", "stddev": 1}');
    assert.match(await slot('model[0]'), /^bias_initializer an initializer object needs "type", e\.g\. \{"type": "constant", "value": 1\}$/);
    assert.equal(await slot('model[1].kernel_initializer'), 'stddev he_normal takes no arguments; stddev is an argument of random_normal and truncated_normal');
    assert.ok(!(await page.$$eval('#messages .message-text', (m) => m.map((x) => x.textContent))).some((t) => /cannot be opened/.test(t)));
  });
});
