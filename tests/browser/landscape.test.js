// landscape.test.js: the path through the loss landscape (issue 12) in headless
// Chromium: while a preset's runs train, the slice chart has a curve (seven
// points, alpha 0 to 1.5) for every finished epoch of the run shown; afterwards
// every run's latest curve can be compared, and the Table button shows them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { usePlayground, waitIdle, quickTry, shotsDir } from './helpers.js';

const curves = (page) => page.evaluate(() => globalThis.Chart.getChart(document.querySelector('#slice-view canvas'))
  .data.datasets.filter((d) => d.data.length).map((d) => ({ label: d.label, points: d.data.length, alphas: d.data.map((p) => p.x) })));

describe('loss landscape slice', () => {
  let page;
  usePlayground((opened) => ({ page } = opened));

  it('draws a curve per finished epoch while the runs train', async () => {
    await page.click('.preset[data-preset="exp03"]');
    await quickTry(page, 3, 2000);
    await page.click('[data-action="train"]');
    const handle = await page.waitForFunction(() => {
      const state = document.querySelector('#train-controls').dataset.state;
      const chart = globalThis.Chart.getChart(document.querySelector('#slice-view canvas'));
      const drawn = chart.data.datasets.filter((d) => d.data.length).map((d) => d.label);
      const run = window.playground.session.runs.find((r) => r.label === document.querySelector('#slice-view select').selectedOptions[0]?.textContent);
      return state !== 'idle' && drawn.length && run ? { state, drawn, finished: run.history.length } : null;
    }, null, { timeout: 90000, polling: 100 });
    const during = await handle.jsonValue();
    assert.notEqual(during.state, 'idle', 'seen while training');
    assert.deepEqual(during.drawn, Array.from({ length: during.finished }, (_, i) => `epoch ${i + 1}`), JSON.stringify(during));
    await waitIdle(page, 180000);
    const after = await curves(page);
    assert.deepEqual(after.map((c) => c.label), ['epoch 1', 'epoch 2', 'epoch 3']);
    for (const c of after) assert.deepEqual(c.alphas, [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5]);
    assert.deepEqual(page.errors, []);
  });

  it('compares the runs\' latest curves and shows them as a table', async () => {
    await page.selectOption('#slice-view select', '*');
    const all = await curves(page);
    assert.equal(all.length, 2, JSON.stringify(all));
    for (const c of all) assert.match(c.label, /\(epoch 3\)$/);
    await page.locator('#sec-slice').screenshot({ path: `${shotsDir}/loss-slice.png` });
    await page.click('#slice-view .chart-toggle');
    const rows = await page.$$eval('#slice-table tbody tr', (tr) => tr.map((r) => r.children.length));
    assert.deepEqual(rows, [8, 8], 'a row per run: its name and seven points');
  });
});
