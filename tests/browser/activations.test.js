// activations.test.js: the form offers the chapter's newer activations and
// initializers (issue 13): PReLU and RReLU layers with their fields, Mish in the
// activation list, VarianceScaling with its scale, mode and distribution; a run
// built from them in the form trains in the page without an error.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitIdle, tableRows, quickTry, openPlayground } from './helpers.js';

describe('newer activations and initializers in the form', () => {
  let server; let browser; let context; let page;

  before(async () => {
    let url;
    ({ server, url, browser, context, page } = await openPlayground());
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    server?.close();
  });

  it('adds PReLU and RReLU layers, sets VarianceScaling fan_avg and Mish, and trains', async () => {
    await page.click('.preset[data-preset="exp03"]');
    await page.click('.run-chip >> nth=1');
    const layers = () => page.$$eval('ol.layers > li', (items) => items.length);
    const before = await layers();
    await page.click('.add-layer button:has-text("+ PReLU")');
    await page.click('.add-layer button:has-text("+ RReLU")');
    assert.equal(await layers(), before + 2);
    // The new cards open with their fields: the slopes' initializer, the random slopes' range.
    const prelu = before - 1;
    const rrelu = before;
    assert.deepEqual(await page.$$eval(`select[data-path="model[${prelu}].alpha_initializer"] option`, (o) => o.map((x) => x.value)), ['zeros', 'ones', 'constant']);
    assert.ok(await page.isVisible(`input[data-path="model[${rrelu}].lower"]`));
    assert.match(await page.textContent(`ol.layers > li >> nth=${rrelu} >> .layer-body .keras >> nth=0`), /Keras: none \(the Keras script defines an RReLU layer\)/);
    await page.fill(`input[data-path="model[${rrelu}].upper"]`, '0.3');

    await page.click('ol.layers > li >> nth=0 >> summary');
    const init = 'select[data-path="model[0].kernel_initializer"]';
    await page.selectOption(init, 'variance_scaling');
    await page.selectOption('select[data-path="model[0].kernel_initializer.mode"]', 'fan_avg');
    await page.selectOption('select[data-path="model[0].kernel_initializer.distribution"]', 'uniform');
    await page.fill('input[data-path="model[0].kernel_initializer.scale"]', '2');
    const activation = 'select[data-path="model[0].activation"]';
    assert.ok((await page.$$eval(`${activation} option`, (o) => o.map((x) => x.value))).includes('mish'));
    await page.selectOption(activation, 'mish');
    const summaries = await page.$$eval('ol.layers .layer-summary', (s) => s.map((x) => x.textContent));
    assert.match(summaries[0], /Dense\(\d+, mish\) · variance_scaling/);
    assert.equal(summaries[prelu], 'PReLU');
    assert.equal(summaries[rrelu], 'RReLU(0.125, 0.3)');

    await quickTry(page, 1, 500);
    await page.click('[data-action="train-selected"]');
    await page.waitForFunction(() => document.querySelector('#train-controls').dataset.state !== 'idle', null, { timeout: 10000 }).catch(() => {});
    await waitIdle(page, 120000);
    assert.equal(await page.$$eval('.message.error', (m) => m.map((x) => x.textContent).join(' | ')), '');
    const rows = await tableRows(page);
    assert.ok(rows.some((r) => /@\d/.test(r.text)), JSON.stringify(rows));
    assert.deepEqual(page.errors, []);
  });
});
