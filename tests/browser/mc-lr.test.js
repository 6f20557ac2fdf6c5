// mc-lr.test.js: Monte Carlo Dropout and the learning-rate finder in the page.
// A small dropout run trains; its MC Dropout tab (Look inside) shows plain
// inference and three MC accuracies, the uncertain images and the reliability
// curve; a run without dropout says why MC is pointless. The learning-rate
// finder draws its curve for the selected plan entry and "Use it" puts the
// suggested rate in the optimizer's learning_rate field.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { shot, loadConfiguration, usePlayground, trainAll } from './helpers.js';

const DATA = { dataset: 'fashion-mnist', train: { split: 'train', start: 0, count: 1000 }, validation: { split: 'test', start: 0, count: 300 } };
const DROPOUT = {
  name: 'mc-dropout', seed: 3, data: DATA,
  model: [
    { type: 'dense', units: 64, activation: 'relu', kernel_initializer: 'he_normal' },
    { type: 'dropout', rate: 0.3 },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
  optimizer: { type: 'adam', learning_rate: 0.002 },
  fit: { epochs: 2, batch_size: 32 },
};
const PLAIN = { ...DROPOUT, name: 'mc-plain', model: [DROPOUT.model[0], DROPOUT.model[2]] };

describe('MC Dropout and the learning-rate finder', () => {
  let page;
  usePlayground(async (opened) => {
    ({ page } = opened);
    await loadConfiguration(page, [DROPOUT, PLAIN]);
  });

  it('the MC Dropout tab compares N = 1, 10, 100 with plain inference and shows the least certain images', async () => {
    await trainAll(page, 120000);
    const dropoutKey = await page.evaluate(() => window.playground.session.runs.find((r) => r.id === 'mc-dropout').key);
    await page.selectOption('#inspect-view select[aria-label="run to look inside"]', dropoutKey);
    await page.click('#inspect-view button.tab[data-tab="mc"]');
    await page.click('#inspect-view [data-action="mc-dropout"]');
    await page.waitForSelector('#inspect-view table.mc-accuracy', { timeout: 90000 });
    const rows = await page.$$eval('#inspect-view table.mc-accuracy tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.deepEqual(rows.map((r) => r[0]), ['plain inference (dropout off)', 'MC Dropout, N = 1', 'MC Dropout, N = 10', 'MC Dropout, N = 100']);
    for (const r of rows) assert.ok(Number(r[1]) > 0.4 && Number(r[1]) <= 1, JSON.stringify(rows));
    // One pass has no spread; 10 and 100 passes do.
    assert.equal(Number(rows[1][2]), 0);
    assert.ok(rows.slice(2).every((r) => Number(r[2]) > 0), JSON.stringify(rows));
    assert.equal(await page.locator('#inspect-view .gallery.uncertain figure').count(), 12);
    const curves = await page.evaluate(() => globalThis.Chart.getChart(document.querySelector('#inspect-view .reliability canvas')).data.datasets.map((d) => d.data.length));
    assert.ok(curves[1] > 0 && curves[2] > 0, `reliability points ${curves}`);
    await shot(page, 'mc-dropout', { top: false });
    // The run without dropout: the reason, no button.
    const key = await page.evaluate(() => window.playground.session.runs.find((r) => r.id === 'mc-plain').key);
    await page.selectOption('#inspect-view select[aria-label="run to look inside"]', key);
    await page.waitForSelector('#inspect-view .mc-pointless');
    assert.match(await page.textContent('#inspect-view .mc-pointless'), /no Dropout or AlphaDropout layer/);
    assert.equal(await page.locator('#inspect-view [data-action="mc-dropout"]').count(), 0);
    assert.deepEqual(page.errors, []);
  });

  it('the learning-rate finder draws loss against rate and "Use it" sets learning_rate', async () => {
    await page.click('#plan-view .run-chip >> nth=0');
    await page.click('[data-action="find-lr"]');
    await page.waitForSelector('#lr-finder-view .lr-result:not([hidden])', { timeout: 90000 });
    const chart = await page.evaluate(() => {
      const c = globalThis.Chart.getChart(document.querySelector('#lr-finder-view canvas'));
      return { points: c.data.datasets[0].data.length, marker: c.data.datasets[1].data.length, log: c.options.scales.x.type };
    });
    assert.ok(chart.points > 20 && chart.marker === 1 && chart.log === 'logarithmic', JSON.stringify(chart));
    const suggested = Number(await page.textContent('#lr-finder-view .lr-value'));
    assert.ok(suggested > 1e-5 && suggested < 10, `suggested ${suggested}`);
    await page.click('[data-action="use-lr"]');
    await page.waitForFunction((v) => Number(document.querySelector('[data-path="optimizer.learning_rate"] input')?.value) === v, suggested);
    await shot(page, 'lr-finder', { top: false });
    assert.deepEqual(page.errors, []);
  });
});
