// playground.test.js: the page end to end in headless Chromium, cross-origin
// isolated (threads): load Fashion-MNIST, train two runs of a preset, pause /
// resume / stop, look inside, download and reload a model, export CSV, share a
// link, reload and find the history, and the error paths (invalid input, a
// malformed file, divergence, a worker crash). The UI thread must never block
// for more than 50 ms while training.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launch, openPage, waitReady, waitIdle, shot, chartData, tableRows, quickTry, shotsDir } from './helpers.js';

describe('playground page (cross-origin isolated)', () => {
  let server; let url; let browser; let context; let page;
  const trainingWindows = [];

  async function train(action = 'train') {
    const start = await page.evaluate(() => performance.now());
    await page.click(`[data-action="${action}"]`);
    await page.waitForFunction(() => document.querySelector('#train-controls').dataset.state !== 'idle', null, { timeout: 10000 }).catch(() => {});
    await waitIdle(page);
    trainingWindows.push([start, await page.evaluate(() => performance.now())]);
  }

  before(async () => {
    ({ server, url } = await startServer({ isolation: true }));
    browser = await launch();
    context = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
    page = await openPage(context, url);
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  it('loads the engine with threads and shows a gallery of Fashion-MNIST', async () => {
    await waitReady(page, 'data');
    const badge = await page.textContent('#engine-badge');
    assert.match(badge, /threads/, badge);
    assert.equal(await page.isVisible('#isolation-notice'), false);
    const captions = await page.$$eval('#data-view figcaption', (f) => f.map((x) => x.textContent));
    assert.ok(captions.length >= 10, `gallery has ${captions.length} images`);
    for (const name of ['T-shirt/top', 'Trouser', 'Ankle boot']) assert.ok(captions.includes(name), `gallery shows ${name}`);
    assert.match(await page.textContent('.data-status'), /60,000 training/);
    await shot(page, 'laptop-start');
  });

  it('trains the two runs of a preset and shows their epochs in the charts and the table', async () => {
    await page.click('.preset[data-preset="exp03"]');
    assert.match(await page.textContent('.plan-title'), /Initialization impact/);
    await quickTry(page, 2, 1000);
    await train();
    const rows = await tableRows(page);
    assert.equal(rows.length, 2, JSON.stringify(rows));
    assert.deepEqual(rows.map((r) => r.run).sort(), ['exp03/he', 'exp03/poor']);
    for (const r of rows) assert.match(r.text, /@\d/, `best epoch shown: ${r.text}`);
    const acc = await chartData(page, 'acc');
    const val = acc.filter((d) => !/train/.test(d.label));
    assert.equal(val.length, 2);
    for (const d of val) assert.equal(d.points, 2, `${d.label} has 2 epochs`);
    const lr = await chartData(page, 'lr');
    assert.ok(lr.some((d) => /^preview/.test(d.label) && d.points > 0), 'the schedule preview is drawn');
    await shot(page, 'laptop-trained');
  });

  it('pauses, resumes and stops a run', async () => {
    await page.click('.run-chip >> nth=1');
    await quickTry(page, 5, 40000);
    await page.click('[data-action="train-selected"]');
    await page.waitForFunction(() => /batch/i.test(document.querySelector('.live-metrics').textContent), null, { timeout: 10000 });
    const start = await page.evaluate(() => performance.now());
    await page.click('[data-action="pause"]');
    await page.waitForFunction(() => document.querySelector('#train-controls').dataset.state === 'paused');
    assert.ok(await page.isVisible('[data-action="resume"]'));
    await page.waitForTimeout(300);
    const batch1 = await page.textContent('.live-metrics');
    await page.waitForTimeout(600);
    assert.equal(await page.textContent('.live-metrics'), batch1, 'no progress while paused');
    await page.click('[data-action="resume"]');
    await page.waitForFunction((b) => document.querySelector('.live-metrics').textContent !== b, batch1, { timeout: 10000 });
    await page.click('[data-action="stop"]');
    await waitIdle(page);
    trainingWindows.push([start, await page.evaluate(() => performance.now())]);
    const rows = await tableRows(page);
    assert.ok(rows.some((r) => /stopped/.test(r.text)), JSON.stringify(rows));
  });

  it('never blocks the UI thread for more than 50 ms while training', async () => {
    assert.ok(trainingWindows.length >= 2);
    const tasks = await page.evaluate(() => window.__longTasks);
    const during = tasks.filter((t) => trainingWindows.some(([a, b]) => t.start >= a && t.start <= b));
    assert.deepEqual(during, [], `long tasks while training: ${JSON.stringify(during)}`);
  });

  it('looks inside a trained model: confusion matrix, misclassified images, weights', async () => {
    // exp03/he was trained again (and stopped) above: the first one's model was replaced.
    await page.click('#table-view tbody tr[data-run="exp03/poor"] .run-cell .link');
    await page.click('.tab[data-tab="confusion"]');
    await page.waitForSelector('table.confusion tbody tr');
    assert.equal(await page.$$eval('table.confusion tbody tr', (r) => r.length), 10);
    await page.click('.tab[data-tab="errors"]');
    await page.waitForSelector('.gallery.errors figure');
    assert.match(await page.textContent('.gallery.errors figure'), /true: /);
    await page.click('.tab[data-tab="weights"]');
    await page.waitForFunction(() => {
      const canvas = document.querySelector('#inspect-view .chart-box canvas');
      return canvas && globalThis.Chart.getChart(canvas)?.data.datasets[0].data.some((n) => n > 0);
    });
  });

  it('downloads a model and loads it back', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#table-view tbody tr[data-run="exp03/poor"] button[title^="Download"]')]);
    const file = path.join(shotsDir, 'exp03-poor.bin');
    await download.saveAs(file);
    assert.ok(fs.statSync(file).size > 1000);
    await page.setInputFiles('#share-view input[type="file"]', file);
    await page.waitForFunction(() => [...document.querySelectorAll('#table-view tbody tr')].some((r) => /imported/.test(r.textContent)));
  });

  it('exports the results as CSV', async () => {
    await page.click('#table-view .table-tools button:has-text("Show all")');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Export CSV")')]);
    const text = fs.readFileSync(await download.path(), 'utf8');
    assert.match(text.split('\n')[0], /^run,label,experiment,seed,engine_version,variant,threads,epoch,loss,accuracy,val_loss,val_accuracy/);
    assert.ok(text.includes('exp03/he,'), 'the CSV has the runs');
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Export JSON")')]);
    const data = JSON.parse(fs.readFileSync(await json.path(), 'utf8'));
    assert.equal(data.engine.variant, 'threads');
    const he = data.runs.find((r) => r.id === 'exp03/he' && r.history.length);
    assert.ok(he, 'the JSON has the runs with their histories');
    assert.equal(he.seed, 42);
    assert.equal(he.config.name, 'exp03/he');
    assert.ok(he.engine.version && he.engine.variant);
  });

  it('points out invalid input next to its control and refuses to train', async () => {
    await page.click('details.layer >> nth=0 >> summary');
    await page.fill('input[data-path="model[0].units"]', 'abc');
    const error = page.locator('[data-error-for="model[0].units"]');
    await error.waitFor();
    assert.match(await error.textContent(), /whole number/);
    assert.ok(await page.isDisabled('[data-action="train"]'));
    await shot(page, 'laptop-invalid-input');
    await page.fill('input[data-path="model[0].units"]', '100');
    await page.waitForFunction(() => !document.querySelector('[data-action="train"]').disabled);
  });

  it('sorts the comparison table by a column', async () => {
    await page.click('#table-view th button:has-text("Best val acc")');
    const best = await page.$$eval('#table-view tbody tr', (rows) => rows.map((r) => r.cells[3].textContent).filter((t) => t !== '–').map(parseFloat));
    assert.ok(best.length >= 2);
    assert.deepEqual(best, [...best].sort((a, b) => b - a), 'descending best validation accuracy');
    await page.click('#table-view th button:has-text("Best val acc")');
    const again = await page.$$eval('#table-view tbody tr', (rows) => rows.map((r) => r.cells[3].textContent).filter((t) => t !== '–').map(parseFloat));
    assert.deepEqual(again, [...best].reverse());
  });

  it('adds, moves and removes layers', async () => {
    await page.click('button:has-text("Start from a blank network")');
    const summaries = () => page.$$eval('.layer-summary', (s) => s.map((x) => x.textContent));
    assert.equal((await summaries()).length, 3);
    await page.click('.add-layer button:has-text("+ Dropout")');
    assert.deepEqual(await summaries(), ['Dense(100, relu) · he_normal', 'Dense(100, relu) · he_normal', 'Dropout(0.2)', 'Dense(10, softmax)']);
    await page.click('button[aria-label="move layer 3 up"]');
    assert.equal((await summaries())[1], 'Dropout(0.2)');
    await page.fill('input[data-path="model[1].rate"]', '0.5');
    await page.click('button[aria-label="move layer 2 down"]');
    assert.equal((await summaries())[2], 'Dropout(0.5)');
    await page.click('button[aria-label="remove layer 3"]');
    assert.deepEqual(await summaries(), ['Dense(100, relu) · he_normal', 'Dense(100, relu) · he_normal', 'Dense(10, softmax)']);
    await page.click('button[aria-label="remove layer 3"]');
    assert.match(await page.textContent('[data-error-for="model[1]"]'), /softmax/);
    assert.ok(await page.isDisabled('[data-action="train"]'));
    await page.click('button:has-text("Start from a blank network")');
    assert.ok(!(await page.isDisabled('[data-action="train"]')));
  });

  it('reports a corrupt file dropped on the data panel', async () => {
    const transfer = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      const junk = new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      dt.items.add(new File([junk], 'train-images-idx3-ubyte.gz'));
      dt.items.add(new File([junk], 'train-labels-idx1-ubyte.gz'));
      return dt;
    });
    await page.dispatchEvent('.dropzone', 'drop', { dataTransfer: transfer });
    await page.waitForFunction(() => /gzip/.test(document.querySelector('.data-error').textContent));
  });

  it('reports a malformed dataset file and stays usable', async () => {
    await page.setInputFiles('#data-view input[type="file"]', [
      { name: 'train-images-idx3-ubyte', mimeType: 'application/octet-stream', buffer: Buffer.from('this is not an IDX file at all') },
      { name: 'train-labels-idx1-ubyte', mimeType: 'application/octet-stream', buffer: Buffer.from([0, 0, 8, 1, 0, 0, 0, 2, 1, 2]) },
    ]);
    // The message of the corrupt drop above is replaced by this file's own.
    await page.waitForFunction(() => /train files/.test(document.querySelector('.data-error').textContent));
    assert.match(await page.textContent('.data-error'), /Could not load .*train files: .*IDX/i);
    assert.ok(!(await page.isDisabled('[data-action="train"]')));
  });

  it('explains a divergence', async () => {
    await page.click('.preset[data-preset="exp03"]');
    await page.click('.run-chip >> nth=1');
    await quickTry(page, 1, 2000);
    await page.fill('input[data-path="optimizer.learning_rate"]', '500');
    await train('train-selected');
    await page.waitForSelector('.message.error:has-text("diverged")');
  });

  it('survives a worker crash: reports it, restarts the engine, keeps the runs', async () => {
    const before = (await tableRows(page)).length;
    await page.evaluate(() => window.playground.client.worker.dispatchEvent(new ErrorEvent('error', { message: 'simulated crash' })));
    await page.waitForSelector('.message.error:has-text("crashed")');
    await waitReady(page, 'data');
    await page.waitForFunction(() => window.playground.session.datasets.has('fashion-mnist'), null, { timeout: 30000 });
    assert.equal((await tableRows(page)).length, before);
    await page.click('.preset[data-preset="exp03"]');
    await page.click('.run-chip >> nth=1');
    await quickTry(page, 1, 500);
    await train('train-selected');
    assert.equal((await tableRows(page)).length, before + 1);
  });

  it('keeps the history across a reload', async () => {
    const runs = (await tableRows(page)).map((r) => r.run).sort();
    await page.reload();
    await waitReady(page, 'engine');
    await page.waitForFunction((n) => document.querySelectorAll('#table-view tbody tr').length === n, runs.length);
    assert.deepEqual((await tableRows(page)).map((r) => r.run).sort(), runs);
    const acc = await chartData(page, 'acc');
    assert.ok(acc.some((d) => d.points > 0), 'restored runs are drawn');
  });

  it('opens a shared link with the same configuration', async () => {
    await page.click('.preset[data-preset="exp08"]');
    await quickTry(page, 2, 1500);
    await page.click('.run-chip >> nth=5');
    await page.fill('input[data-path="optimizer.learning_rate"]', '0.002');
    await page.waitForFunction(() => {
      const m = document.querySelector('.share-link').value.match(/#plan=([\w-]+)/);
      const text = m ? atob(m[1].replace(/-/g, '+').replace(/_/g, '/')) : '';
      return text.includes('"learning_rate":0.002') && text.includes('Optimizers');
    });
    const link = await page.inputValue('.share-link');
    const other = await openPage(context, link);
    await waitReady(other, 'engine');
    assert.match(await other.textContent('.plan-title'), /Optimizers/);
    assert.equal(await other.$$eval('.run-chip', (c) => c.length), 7);
    assert.match(await other.textContent('.run-chip.selected'), /Adam/);
    assert.equal(await other.inputValue('input[data-path="optimizer.learning_rate"]'), '0.002');
    assert.equal(await other.inputValue('input[data-path="fit.epochs"]'), '2');
    assert.equal(await other.inputValue('input[data-path="data.train.count"]'), '1500');
    assert.deepEqual(other.errors, []);
    await other.close();
  });

  it('looks good on a phone', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const p = await openPage(phone, `${url}#preset=exp05`);
    await waitReady(p, 'data');
    await shot(p, 'phone-top');
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no horizontal scrolling (overflow ${overflow}px)`);
    await quickTry(p, 2, 1000);
    await p.click('[data-action="train"]');
    await p.waitForFunction(() => document.querySelector('#train-controls').dataset.state !== 'idle');
    await waitIdle(p);
    await p.evaluate(() => document.querySelector('#charts').scrollIntoView());
    await shot(p, 'phone-charts', { top: false });
    await p.evaluate(() => document.querySelector('#sec-table').scrollIntoView());
    await shot(p, 'phone-table', { top: false });
    await phone.close();
  });

  it('had no page errors', () => {
    assert.deepEqual(page.errors, []);
  });
});
