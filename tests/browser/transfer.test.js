// transfer.test.js: transfer learning as the chapter does it, in the page
// (issue 13, item 4): a plan of one run can reach it (the Transfer learning
// section explains the base run and adds one), the class subset of a task and
// trainable per layer are in the forms, and experiment 7's two-phase run,
// shrunk by Quick try, shows where it unfroze its reused layers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { shot, tableRows, quickTry, axeViolations, usePlayground, trainAll } from './helpers.js';

const field = (path, control = 'select') => `#sec-transfer .field[data-path="${path}"] ${control}, #sec-data-subset .field[data-path="${path}"] ${control}`;
const problems = (page) => page.$$eval('.controls [data-error-for]', (e) => e.map((x) => `${x.dataset.errorFor}: ${x.textContent}`).filter((t) => !/: $/.test(t)));

describe('transfer learning', () => {
  let page;
  usePlayground((opened) => ({ page } = opened));

  it('a one-run plan reaches transfer: the section explains the base run and adds one; classes and trainable are in the forms', async () => {
    assert.equal(await page.$$eval('.run-chip', (c) => c.length), 1);
    await page.click('#sec-transfer summary'); // a section of the run's forms, closed until the run reuses layers
    assert.match(await page.textContent('#sec-transfer'), /needs a base run/);
    await page.click('#sec-transfer .add-base-run');
    assert.deepEqual(await page.$$eval('.run-chip', (c) => c.map((x) => x.textContent)), ['base run: task A (classes 0-4)', 'my network']);
    assert.equal(await page.$eval('.run-chip.selected', (c) => c.textContent), 'my network');
    assert.equal(await page.inputValue(field('transfer.from')), 'my-net-base');
    assert.equal(await page.inputValue(field('transfer.trainable')), 'two-phase', 'the book\'s two phases');
    assert.ok(await page.isVisible(field('transfer.freeze_epochs', 'input')));
    // The model form says which layers come from the base run.
    assert.deepEqual(await page.$$eval('#model-view .layer-item .tag.reused', (t) => t.map((x) => `${x.textContent}: ${x.title}`)), Array(2).fill('reused: weights copied from run my-net-base before training; frozen 1 epoch, then fine-tuned'));
    assert.equal(await page.inputValue(field('transfer.fine_tune_learning_rate', 'input')), '0.001', 'ten times lower than SGD\'s 0.01');
    // The learning-rate preview drops at the switch.
    await page.waitForFunction(() => {
      const preview = globalThis.Chart.getChart(document.querySelector('.chart-box.lr canvas')).data.datasets.find((d) => d.label.startsWith('preview'));
      return preview.data[0]?.y === 0.01 && preview.data.at(-1).y === 0.001;
    });
    // The book's task B (sandals vs shirts): two classes, two output units.
    await page.selectOption(field('data.train.classes'), 'book-b');
    assert.match(await page.textContent('#sec-data-subset'), /Sandal \(5 → 0\), Shirt \(6 → 1\)/);
    assert.match(await page.textContent('#model-view .layer-item:last-child .layer-summary'), /Dense\(2/);
    // trainable per layer, in any run.
    await page.click('#model-view .layer-item:first-child summary');
    await page.uncheck('#model-view .layer-item:first-child .field[data-path="model[0].trainable"] input');
    await page.waitForSelector('#model-view .layer-item:first-child .tag:text("frozen")');
    assert.deepEqual(await problems(page), []);
    // freeze_epochs beyond the run is said next to its control.
    await page.fill(field('transfer.freeze_epochs', 'input'), '9');
    await page.waitForFunction(() => /leave at least one epoch after unfreezing/.test(document.querySelector('[data-error-for="transfer.freeze_epochs"]')?.textContent));
    await page.fill(field('transfer.freeze_epochs', 'input'), '1');
    assert.deepEqual(await problems(page), []);
    assert.deepEqual(await axeViolations(page), [], 'the open Transfer learning section and the class subset meet WCAG 2.1 A/AA');
    await page.evaluate(() => document.querySelector('#sec-transfer').scrollIntoView());
    await shot(page, 'transfer-one-run-plan', { top: false });
  });

  it('experiment 7, two phases, Quick try: one history, the switch marked on the charts and said in the tables', async () => {
    await page.selectOption('#presets-view select', 'exp07/two-phase');
    assert.deepEqual(await page.$$eval('.run-chip', (c) => c.map((x) => x.textContent)), ['task A (classes 0-4)', 'B on A, frozen first, then fine-tuned (lr 0.001)']);
    await quickTry(page, 2, 500);
    assert.equal(await page.inputValue(field('transfer.freeze_epochs', 'input')), '1', 'Quick try keeps a frozen and an unfrozen phase');
    await trainAll(page, 120000);
    const rows = (await tableRows(page)).filter((r) => r.run.startsWith('exp07'));
    assert.deepEqual(rows.map((r) => r.run), ['exp07/a', 'exp07/two-phase']);
    for (const r of rows) assert.doesNotMatch(r.text, /error/);
    assert.match(rows[1].text, /unfrozen after epoch 1/);
    assert.doesNotMatch(rows[0].text, /unfrozen/);
    // The dashed line between epochs 1 and 2, on each chart, in the run's colour.
    const markers = await page.evaluate(() => ['acc', 'loss', 'lr'].map((b) => globalThis.Chart.getChart(document.querySelector(`.chart-box.${b} canvas`)).$annotations.markers.filter((m) => m.kind === 'switch').map((m) => m.x)));
    assert.deepEqual(markers, [[1.5], [1.5], [1.5]]);
    // One learning-rate curve: 0.01 for the frozen epoch, 0.001 after.
    const lr = await page.evaluate(() => globalThis.Chart.getChart(document.querySelector('.chart-box.lr canvas')).data.datasets.filter((d) => d.label === 'B on A, frozen first, then fine-tuned (lr 0.001)').map((d) => d.data.map((p) => [p.x, p.y])));
    assert.deepEqual(lr, [[[1, 0.01], [2, 0.001]]]);
    await page.click('.chart-box.acc .chart-toggle');
    assert.match(await page.textContent('#chart-table-acc'), /B on A, frozen first, then fine-tuned \(lr 0\.001\): reused layers unfrozen after epoch 1/);
    await page.click('.chart-box.acc .chart-toggle');
    assert.deepEqual(page.errors, []);
    await page.evaluate(() => document.querySelector('#charts-view, .chart-box.acc').scrollIntoView());
    await shot(page, 'transfer-exp07-two-phase', { top: false });
  });
});
