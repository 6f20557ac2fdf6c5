// health.test.js: layer health, live (issue 12 items 1 and 2). A preset trains
// on a small subset and, while its first run is still training (paused after
// its first epoch), the Layer health charts already hold that run's points: the
// in-epoch sample (every 200 batches) and the epoch's end, for every layer.
// Experiments 1 and 2, which train nothing, show their per-layer tables and
// charts next to the book's numbers instead of empty curves.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitIdle, shot, quickTry, openPlayground, trainAll } from './helpers.js';

// The points of each dataset of a health chart (its box class: time-grad, layer-std, ...).
const healthData = (page, box) => page.evaluate((b) => {
  const chart = globalThis.Chart.getChart(document.querySelector(`#health-view .chart-box.${b} canvas`));
  return chart.data.datasets.map((d) => ({ label: d.label, tip: d.tip, xs: d.data.map((p) => p.x) }));
}, box);

const tableOf = (page) => page.$$eval('#health-view table.layer-table', (tables) => tables.map((t) => ({
  head: [...t.querySelectorAll('thead th')].map((x) => x.textContent),
  rows: [...t.querySelectorAll('tbody tr')].map((r) => [...r.cells].map((c) => c.textContent)),
})));

describe('layer health', () => {
  let server; let url; let browser; let page;

  before(async () => {
    ({ server, url, browser, page } = await openPlayground({ hash: `#preset=exp04` }));
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  it('fills while the first run trains: in-epoch samples and every finished epoch, for every layer', async () => {
    // Pause as soon as the first epoch of the first run ends: the run is still training.
    await page.evaluate(() => {
      const { bus, session } = window.playground;
      bus.on('run:epoch', ({ metrics }) => {
        if (window.__paused) return;
        window.__paused = { epoch: metrics.epoch };
        session.pause();
      });
    });
    assert.equal(await page.isVisible('#health-view .health-empty'), true, 'before training: says what will appear');
    await quickTry(page, 3, 6600); // 207 batches of 32: an in-epoch sample after batch 200
    await page.click('[data-action="train"]');
    await page.waitForFunction(() => document.querySelector('#train-controls').dataset.state === 'paused', null, { timeout: 120000 });
    const status = await page.evaluate(() => {
      const r = window.playground.session.training.record;
      return { status: r.status, epochs: r.history.map((m) => m.epoch), label: r.label, runs: window.playground.session.runs.length };
    });
    assert.equal(status.status, 'training');
    assert.ok(status.epochs.length >= 1 && status.epochs.length < 3, `paused before the run's end (epochs ${status.epochs})`);
    const grad = await healthData(page, 'time-grad');
    // The first run's four dense layers (three hidden + the output), one line each.
    const first = grad.filter((d) => d.label === status.label);
    assert.equal(first.length, 4, JSON.stringify(grad.map((d) => d.tip)));
    for (const d of first) {
      for (const e of status.epochs) assert.ok(d.xs.includes(e), `${d.tip}: a point at epoch ${e} (${d.xs})`);
      assert.ok(d.xs.some((x) => x > 0 && x < 1), `${d.tip}: the in-epoch sample of epoch 1 (${d.xs})`);
    }
    for (const box of ['time-saturated', 'time-dead']) {
      const lines = (await healthData(page, box)).filter((d) => d.label === status.label);
      assert.equal(lines.length, 3, `${box}: the three hidden layers`);
      for (const d of lines) for (const e of status.epochs) assert.ok(d.xs.includes(e), `${box} ${d.tip}: epoch ${e}`);
    }
    assert.equal(await page.isVisible('#health-view .over-time'), true);
    // The per-layer view: the run's last epoch, as a table.
    const [table] = await tableOf(page);
    assert.ok(table && table.rows.length === 4, JSON.stringify(table));
    assert.ok(table.head.includes('dead units') && table.head.includes('grad norm'), table.head.join());
    await page.evaluate(() => document.querySelector('#sec-health').scrollIntoView());
    await shot(page, 'health-live', { top: false });
    // The gradient-flow chart as a table (keyboard and screen readers): a row per
    // point in time, a column per layer of the run, the chart hidden meanwhile.
    await page.click('#health-view .time-grad button.chart-toggle');
    const gradTable = await page.evaluate(() => {
      const box = document.querySelector('#health-view .time-grad');
      const t = box.querySelector('.chart-table table');
      return t && { plotHidden: box.querySelector('.chart-plot').hidden, head: [...t.querySelectorAll('thead th')].map((th) => th.textContent), rows: [...t.querySelectorAll('tbody tr')].map((tr) => tr.querySelector('th').textContent) };
    });
    assert.ok(gradTable && gradTable.plotHidden, JSON.stringify(gradTable));
    assert.deepEqual(gradTable.head.slice(1).filter((c) => c.startsWith(status.label)), first.map((d) => d.tip));
    for (const e of status.epochs) assert.ok(gradTable.rows.includes(String(e)), `a row for epoch ${e}: ${gradTable.rows}`);
    await page.click('#health-view .time-grad button.chart-toggle');
    await page.click('[data-action="stop"]');
    await waitIdle(page, 60000);
    assert.deepEqual(page.errors, []);
  });

  it('experiment 1: the per-layer table and charts beside the book, no empty curves', async () => {
    await page.click('.preset[data-preset="exp01"]');
    await trainAll(page);
    await page.waitForSelector('#health-view table.layer-table tbody tr');
    const [table] = await tableOf(page);
    const sat = table.head.indexOf('saturated');
    const book = table.head.indexOf('book');
    assert.ok(sat > 0 && book > 0, table.head.join());
    assert.equal(table.rows.length, 6);
    assert.deepEqual(table.rows.slice(0, 5).map((r) => r[book]), ['69.3%', '50.6%', '51.0%', '49.5%', '53.8%']);
    const layer1 = parseFloat(table.rows[0][sat]);
    assert.ok(layer1 > 60 && layer1 < 78, `layer 1 saturation ${layer1}%`);
    assert.match(await page.textContent('#health-view'), /Book: mean 0\.48–0\.58, std 0\.44–0\.46/);
    // Its saturation chart: the run and the book, per layer.
    const satChart = await healthData(page, 'layer-saturated');
    assert.deepEqual(satChart.map((d) => [d.label, d.xs.length]), [['sigmoid, RandomNormal(1.0)', 6], ['book', 5]]);
    assert.equal(await page.isHidden('#charts'), true, 'no empty curves for a run that trains nothing');
    assert.equal(await page.isHidden('#health-view .over-time'), true);
    assert.match(await page.textContent('#train-controls .run-line'), /per-layer statistics are under Layer health/);
    await page.evaluate(() => document.querySelector('#sec-health').scrollIntoView());
    await shot(page, 'health-exp01', { top: false });
  });

  it('experiment 2: four initializers side by side, layer by layer', async () => {
    await page.click('.preset[data-preset="exp02"]');
    await trainAll(page);
    await page.waitForFunction(() => document.querySelectorAll('#health-view table.layer-table tbody tr').length === 31);
    const [table] = await tableOf(page);
    const runs = ['RandomNormal(1.0)', 'Glorot uniform', 'He normal', 'LeCun normal'];
    // A header row of run names over a row of std / grad std per run.
    assert.deepEqual(table.head, ['#', 'layer', ...runs, ...runs.flatMap(() => ['std', 'grad std'])]);
    const std = await healthData(page, 'layer-std');
    assert.deepEqual(std.map((d) => d.label), runs);
    for (const d of std) assert.equal(d.xs.length, 31);
    // He keeps the activations' std within a small factor over 30 ReLU layers; RandomNormal(1.0) explodes.
    const col = (run) => 2 + 2 * runs.indexOf(run);
    const he = table.rows.slice(0, 30).map((r) => Number(r[col('He normal')]));
    assert.ok(Math.max(...he) / Math.min(...he) < 10, `He: ${he}`);
    const big = table.rows.slice(0, 30).map((r) => Number(r[col('RandomNormal(1.0)')]));
    assert.ok(big[29] > 1000 * big[0], `RandomNormal(1.0): ${big[0]} -> ${big[29]}`);
    assert.equal(await page.isHidden('#charts'), true);
    await shot(page, 'health-exp02', { top: false });
    assert.deepEqual(page.errors, []);
  });

  it('exercise 3: SELU layers keep mean 0 and std 1, beside the chapter and with the curves', async () => {
    await page.click('.preset[data-preset="ex03"]');
    await quickTry(page, 1, 600);
    await trainAll(page);
    await page.waitForFunction(() => document.querySelectorAll('#health-view table.layer-table tbody tr').length === 21);
    assert.match(await page.textContent('#health-view'), /Book: mean 0, std 1 in every layer\./);
    assert.ok((await page.$$eval('#health-view h3.subhead', (e) => e.map((x) => x.textContent))).includes('Per layer, after epoch 1'));
    const std = await healthData(page, 'layer-std');
    assert.deepEqual(std.map((d) => [d.label, d.xs.length]), [['20 x SELU', 21], ['book range', 2], ['book 1', 2]]);
    assert.equal(await page.isVisible('#charts'), true, 'a trained run keeps its curves');
    assert.equal((await healthData(page, 'time-grad')).length, 21, 'a gradient-flow line per dense layer');
  });
});
