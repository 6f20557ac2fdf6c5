// charts.test.js: charts a student can read (issue 12, item 3, and the
// difference view of item 6), in headless Chromium. One small plan of three
// runs trains once: "SGD", "SGD copy" (the same configuration under another
// name: its curves must coincide) and "Adam". Then: the coinciding run is
// labelled, a run has one colour in every chart and in the table's swatch, the
// difference chart has a line per later run with the right values, the curves
// shown (validation / training / both) and their tables, log-scale loss, the
// book band switch, and the full-width view (Escape and Close, focus back to
// the opener, the table view inside it, a phone's width). Last, the plan trains
// again and the earlier runs are shown beside it: six runs, six colours.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { shot, openPlayground, trainAll } from './helpers.js';
import { toBase64Url } from '../node/plan-mutations.js';

const config = (name, optimizer) => ({
  name, seed: 7,
  data: { dataset: 'fashion-mnist', train: { split: 'train', count: 600 }, validation: { split: 'test', count: 300 } },
  model: [{ type: 'dense', units: 32, activation: 'relu', kernel_initializer: 'he_normal' }, { type: 'dense', units: 10, activation: 'softmax' }],
  optimizer, fit: { epochs: 2, batch_size: 32 },
});
const PLAN = {
  title: 'Charts', selected: 0,
  runs: [
    { label: 'SGD', reference: { val_accuracy: 0.8 }, config: config('sgd', { type: 'sgd', learning_rate: 0.05 }) },
    { label: 'SGD copy', config: config('sgd-copy', { type: 'sgd', learning_rate: 0.05 }) },
    { label: 'Adam', config: config('adam', { type: 'adam', learning_rate: 0.001 }) },
  ],
};

// A chart's datasets (by its box class): label, colour, hidden or not, points.
const datasets = (page, kind) => page.evaluate((k) => {
  const chart = globalThis.Chart.getChart(document.querySelector(`.chart-box.${k} canvas`));
  return chart.data.datasets.map((d, i) => ({ label: d.label, color: d.borderColor, shown: chart.isDatasetVisible(i), points: d.data.map((p) => [p.x, p.y]) }));
}, kind);
const headers = (page, kind) => page.$$eval(`.chart-box.${kind} .chart-table thead th`, (ths) => ths.map((t) => t.textContent));

describe('charts you can read', () => {
  let server; let url; let browser; let context; let page; let runs;

  before(async () => {
    ({ server, url, browser, context, page } = await openPlayground({ hash: `#plan=${toBase64Url(JSON.stringify(PLAN))}`, viewport: { width: 1366, height: 768 } }));
    await trainAll(page, 120000);
    runs = await page.evaluate(() => window.playground.session.runs.map((r) => ({ label: r.label, color: r.color, status: r.status, history: r.history })));
    assert.deepEqual(runs.map((r) => [r.label, r.status, r.history.length]), [['SGD', 'done', 2], ['SGD copy', 'done', 2], ['Adam', 'done', 2]]);
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  it('says which runs coincide, in the legend and under the charts', async () => {
    const notes = await page.$$eval('.chart-note', (ps) => ps.map((p) => p.textContent));
    assert.equal(notes.length, 1, JSON.stringify(notes));
    assert.match(notes[0], /^SGD copy: identical to SGD — every loss and accuracy of all 2 finished epochs is the same within float noise/);
    const labels = (await datasets(page, 'acc')).map((d) => d.label);
    assert.ok(labels.includes('SGD copy (identical to SGD)'), JSON.stringify(labels));
    assert.ok(labels.includes('SGD') && labels.includes('Adam'), `SGD and Adam are not labelled: ${JSON.stringify(labels)}`);
  });

  it('gives a run the same colour in every chart and in the table swatch', async () => {
    const swatches = await page.$$eval('#table-view tbody tr', (rows) => rows.map((r) => ({
      label: r.querySelector('.run-cell button').textContent, color: getComputedStyle(r.querySelector('.swatch')).backgroundColor })));
    const rgb = (hex) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
    assert.equal(new Set(runs.map((r) => r.color)).size, 3, 'three runs, three colours');
    const charts = Object.fromEntries(await Promise.all(['acc', 'loss', 'lr', 'diff'].map(async (k) => [k, await datasets(page, k)])));
    for (const r of runs) {
      assert.equal(swatches.find((s) => s.label === r.label)?.color, rgb(r.color), `${r.label}: table swatch`);
      for (const [kind, list] of Object.entries(charts)) {
        const own = list.filter((d) => d.label.startsWith(r.label) && !d.label.startsWith(`${r.label} copy`));
        if (kind === 'diff' && r.label === 'SGD') { assert.equal(own.length, 0, 'the first run is the zero line'); continue; }
        assert.ok(own.length, `${r.label} is in the ${kind} chart`);
        for (const d of own) assert.equal(d.color, r.color, `${r.label}: ${d.label} in the ${kind} chart`);
      }
    }
  });

  it('plots each later run\'s validation accuracy minus the first run\'s, in points', async () => {
    const lines = (await datasets(page, 'diff')).filter((d) => d.shown);
    assert.deepEqual(lines.map((d) => d.label.replace(/ \(identical.*/, '')), ['SGD copy', 'Adam'], 'one line per run after the first');
    const first = runs[0].history;
    for (const [i, line] of lines.entries()) {
      const want = runs[i + 1].history.map((m, e) => [m.epoch, (m.val_accuracy - first[e].val_accuracy) * 100]);
      assert.deepEqual(line.points, want, line.label);
    }
    assert.ok(lines[0].points.every(([, y]) => y === 0), 'the copy does not differ');
    assert.ok(lines[1].points.some(([, y]) => y !== 0), 'Adam differs from SGD');
    await page.click('.chart-box.diff .chart-toggle');
    const rows = await page.$$eval('.chart-box.diff tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.deepEqual(rows, lines[1].points.map(([x, y]) => [String(x), '0.00', `${y > 0 ? '+' : ''}${y.toFixed(2)}`]));
    assert.match(await page.textContent('.chart-box.diff .chart-sub'), /minus SGD's \(the first run shown\)/);
    await page.click('.chart-box.diff .chart-toggle');
  });

  it('shows validation only, training only or both, in the charts and their tables', async () => {
    await page.click('.chart-box.acc .chart-toggle');
    const shown = async (kind) => (await datasets(page, kind)).filter((d) => d.shown).map((d) => d.label);
    assert.equal((await shown('acc')).filter((l) => l.includes('(train)')).length, 3, 'both by default');
    await page.click('.chart-tools [data-mode="val"]');
    assert.equal(await page.getAttribute('.chart-tools [data-mode="val"]', 'aria-pressed'), 'true');
    for (const kind of ['acc', 'loss']) {
      const labels = await shown(kind);
      assert.equal(labels.length, 3, `${kind}: ${labels}`);
      assert.ok(labels.every((l) => !l.includes('(train)')), `${kind}, validation only: ${labels}`);
    }
    let th = await headers(page, 'acc');
    assert.equal(th.length, 4, th.join());
    assert.ok(th.slice(1).every((t) => t.endsWith('(validation)')), `the table shows the series shown: ${th}`);
    await page.click('.chart-tools [data-mode="train"]');
    assert.ok((await shown('loss')).every((l) => l.includes('(train)')), 'training only');
    th = await headers(page, 'acc');
    assert.ok(th.slice(1).every((t) => t.endsWith('(train)')) && th.length === 4, `training only in the table: ${th}`);
    await page.click('.chart-tools [data-mode="both"]');
    assert.equal((await headers(page, 'acc')).length, 7);
    await page.click('.chart-box.acc .chart-toggle');
  });

  it('toggles a log-scale loss and switches the book band off and on', async () => {
    const scale = () => page.evaluate(() => globalThis.Chart.getChart(document.querySelector('.chart-box.loss canvas')).scales.y.type);
    assert.equal(await scale(), 'linear');
    await page.click('[data-option="log-loss"]');
    assert.equal(await scale(), 'logarithmic');
    assert.equal(await page.getAttribute('[data-option="log-loss"]', 'aria-pressed'), 'true');
    await page.click('[data-option="log-loss"]');
    assert.equal(await scale(), 'linear');
    const bands = () => page.evaluate(() => globalThis.Chart.getChart(document.querySelector('.chart-box.acc canvas')).$annotations.bands.length);
    assert.equal(await bands(), 1, 'the book band of the first run');
    await page.click('[data-option="book-band"]');
    assert.equal(await bands(), 0);
    assert.ok(await page.isHidden('.band-key'));
    await page.click('[data-option="book-band"]');
    assert.equal(await bands(), 1);
  });

  it('opens a chart full width; Escape and Close return, focus goes back to its button', async () => {
    const width = () => page.evaluate(() => document.querySelector('.chart-box.loss canvas').getBoundingClientRect().width);
    const small = await width();
    const opener = '.chart-box.loss .chart-expand';
    await page.focus(opener);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('.chart-dialog').open);
    assert.ok(await page.evaluate(() => document.querySelector('.chart-dialog').contains(document.querySelector('.chart-box.loss'))));
    await page.waitForFunction((w) => document.querySelector('.chart-box.loss canvas').getBoundingClientRect().width > 1.8 * w, small);
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Close full-width view');
    // The options and the table view come along.
    await page.click('.chart-dialog [data-mode="val"]');
    await page.click('.chart-dialog .chart-toggle');
    assert.ok(await page.isVisible('.chart-dialog .chart-table table'));
    assert.ok((await headers(page, 'loss')).slice(1).every((t) => t.endsWith('(validation)')));
    await shot(page, 'charts-full-width');
    await page.keyboard.press('Escape');
    // The chart goes back on the dialog's close event, a task after it closes.
    await page.waitForFunction(() => !document.querySelector('.chart-dialog').open && document.querySelector('#charts > .chart-box.loss'));
    const order = await page.$$eval('#charts > *', (els) => els.map((e) => e.className));
    assert.deepEqual(order.slice(1, 6), ['chart-tools', 'chart-box acc', 'chart-box loss', 'chart-box lr', 'chart-box diff'], 'back in place');
    assert.ok(await page.evaluate((s) => document.activeElement === document.querySelector(s), opener), 'focus is back on the opener');
    await page.click('.chart-box.loss .chart-toggle');
    await page.click('.chart-tools [data-mode="both"]');
    // On a phone: the dialog fills the screen, nothing overflows, Close returns.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.click('.chart-box.acc .chart-expand');
    await page.waitForFunction(() => document.querySelector('.chart-dialog').open);
    const box = await page.evaluate(() => {
      const d = document.querySelector('.chart-dialog').getBoundingClientRect();
      const c = document.querySelector('.chart-box.acc canvas').getBoundingClientRect();
      return { width: d.width, canvas: c.width, height: c.height, inner: innerWidth };
    });
    assert.equal(box.inner, 390);
    assert.ok(box.width <= 390 && box.canvas > 300 && box.height > 300, JSON.stringify(box));
    await shot(page, 'charts-full-width-phone', { top: false });
    await page.click('.chart-dialog .dialog-close');
    await page.waitForFunction(() => !document.querySelector('.chart-dialog').open && document.querySelector('#charts > .chart-box.acc'));
    assert.ok(await page.evaluate(() => document.activeElement === document.querySelector('.chart-box.acc .chart-expand')));
    await page.setViewportSize({ width: 1366, height: 768 });
    assert.deepEqual(page.errors, []);
  });

  it('gives runs of an earlier plan shown beside the current one colours of their own', async () => {
    await trainAll(page, 120000);
    const shown = () => page.evaluate(() => window.playground.session.runs.filter((r) => r.visible).map((r) => ({ key: r.key, color: r.color })));
    const again = await shown();
    assert.deepEqual(again.map((r) => r.color), runs.map((r) => r.color), 'a plan trained again has its colours again');
    await page.click('#table-view button:has-text("Show all")');
    const all = await shown();
    assert.equal(all.length, 6);
    assert.equal(new Set(all.map((r) => r.color)).size, 6, `six runs shown, six colours: ${JSON.stringify(all)}`);
    const swatches = await page.$$eval('#table-view tbody tr', (rows) => rows.map((r) => [r.dataset.key, getComputedStyle(r.querySelector('.swatch')).backgroundColor]));
    const acc = await page.evaluate(() => globalThis.Chart.getChart(document.querySelector('.chart-box.acc canvas')).data.datasets.map((d) => d.borderColor));
    const rgb = (hex) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
    for (const r of all) {
      assert.equal(swatches.find(([key]) => key === r.key)?.[1], rgb(r.color), `${r.key}: the table swatch`);
      assert.ok(acc.includes(r.color), `${r.key}: drawn in its colour`);
    }
  });
});
