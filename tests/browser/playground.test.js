// playground.test.js: the page end to end in headless Chromium, cross-origin
// isolated (threads): load Fashion-MNIST, train two runs of a preset, pause /
// resume / stop, look inside, download and reload a model (the engine's .bin,
// and TF.js, checked against TensorFlow.js itself), the Keras script and the
// results files, load a pasted configuration, share a link, reload and find the
// history, and the error paths (invalid input, a malformed file, divergence, a
// model TF.js cannot express, a worker crash). Training runs in the worker: the
// UI thread never compiles the engine and only feeds points to charts created
// once (how long its tasks take is measured by tools/bench-browser.js, not here).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import { openPage, waitReady, waitIdle, shot, chartData, tableRows, quickTry, shotsDir, openPlayground } from './helpers.js';

describe('playground page (cross-origin isolated)', () => {
  let server; let url; let browser; let context; let page;
  const trainingWindows = [];
  let resultsFile; // a run's results.json, saved by one test, loaded by another

  async function train(action = 'train') {
    const start = await page.evaluate(() => performance.now());
    await page.click(`[data-action="${action}"]`);
    await page.waitForFunction(() => document.querySelector('#train-controls').dataset.state !== 'idle', null, { timeout: 10000 }).catch(() => {});
    await waitIdle(page);
    trainingWindows.push([start, await page.evaluate(() => performance.now())]);
  }

  before(async () => {
    ({ server, url, browser, context, page } = await openPlayground({ viewport: { width: 1366, height: 768 }, contextOptions: { acceptDownloads: true }, ready: null }));
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  it('loads the engine with threads and shows a gallery of Fashion-MNIST', async () => {
    await waitReady(page, 'data');
    await page.evaluate(() => {
      window.__chartsAtStart = [...document.querySelectorAll('#charts canvas')].map((c) => globalThis.Chart.getChart(c));
    });
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

  it('trains in the worker: the UI thread runs no engine and feeds charts created once', async () => {
    assert.ok(trainingWindows.length >= 2);
    const r = await page.evaluate(() => ({
      wasm: window.__wasmOnUiThread,
      engineGlobal: typeof globalThis.createEngine,
      sameCharts: window.__chartsAtStart.length > 0
        && [...document.querySelectorAll('#charts canvas')].map((c) => globalThis.Chart.getChart(c)).every((c, i) => c === window.__chartsAtStart[i]),
      points: window.__chartsAtStart.map((c) => c.data.datasets.reduce((n, d) => n + d.data.length, 0)),
    }));
    assert.equal(r.wasm, 0, 'the UI thread compiled no WebAssembly module');
    assert.equal(r.engineGlobal, 'undefined', 'the engine glue is not loaded on the UI thread');
    assert.ok(r.sameCharts, 'the charts are the ones created at start (points are appended, charts not rebuilt)');
    assert.ok(r.points.some((n) => n > 0), `the charts received points: ${r.points}`);
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

  // The files a row's ⬇ menu saves (n downloads for one choice).
  async function downloadsOf(run, kind, n = 1) {
    const files = [];
    const done = new Promise((resolve) => {
      const onDownload = (d) => {
        files.push(d);
        if (files.length === n) {
          page.off('download', onDownload);
          resolve();
        }
      };
      page.on('download', onDownload);
    });
    await page.selectOption(`#table-view tbody tr[data-run="${run}"] select.downloads`, kind);
    await done;
    return Promise.all(files.map(async (d) => ({ name: d.suggestedFilename(), path: await d.path() })));
  }

  it('downloads a model and loads it back', async () => {
    const [bin] = await downloadsOf('exp03/poor', 'model');
    assert.equal(bin.name, 'exp03_poor.bin');
    const file = path.join(shotsDir, bin.name);
    fs.copyFileSync(bin.path, file);
    assert.ok(fs.statSync(file).size > 1000);
    await page.setInputFiles('#share-view input.model-picker', file);
    await page.waitForFunction(() => [...document.querySelectorAll('#table-view tbody tr')].some((r) => /imported/.test(r.textContent)));
  });

  it('exports a run as a TF.js model and loads it back to evaluate it', async () => {
    const files = await downloadsOf('exp03/poor', 'tfjs', 2);
    const json = files.find((f) => f.name.endsWith('.json'));
    const bin = files.find((f) => f.name.endsWith('.bin'));
    assert.deepEqual([json?.name, bin?.name], ['exp03_poor-model.json', 'exp03_poor-weights.bin']);
    const model = JSON.parse(fs.readFileSync(json.path, 'utf8'));
    assert.equal(model.format, 'layers-model');
    assert.equal(model.modelTopology.class_name, 'Sequential');
    assert.deepEqual(model.weightsManifest.map((g) => g.paths), [[bin.name]], 'model.json names the weights file saved with it');
    const bytes = model.weightsManifest.flatMap((g) => g.weights).reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
    assert.equal(bytes, fs.statSync(bin.path).size, 'the manifest accounts for every byte of the weights file');
    assert.match(await page.textContent('#messages'), /tf\.loadLayersModel\('exp03_poor-model\.json'\)/);
    // TensorFlow.js itself reads the two files and predicts what the page's engine predicts.
    const tf = await import('@tensorflow/tfjs');
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
    const weights = fs.readFileSync(bin.path);
    const loaded = await tf.loadLayersModel({ load: () => tf.io.getModelArtifactsForJSON(model, async (m) => [m.flatMap((g) => g.weights), new Uint8Array(weights).buffer]) });
    const N = 8;
    const images = zlib.gunzipSync(fs.readFileSync(path.join(process.env.FASHION_MNIST_DIR || '/usr/share/datasets/fashion-mnist', 't10k-images-idx3-ubyte.gz'))).subarray(16, 16 + N * 784);
    const theirs = await loaded.predict(tf.tensor2d(Float32Array.from(images, (v) => v / 255), [N, 784])).data();
    const ours = await page.evaluate((n) => window.playground.client.call('predict', { run: 'exp03/poor', start: 0, count: n }), N);
    assert.equal(ours.probabilities.length, theirs.length);
    ours.probabilities.forEach((p, i) => assert.ok(Math.abs(p - theirs[i]) < 1e-4, `probability ${i}: engine ${p}, TF.js ${theirs[i]}`));
    // Picked together, the two files are a run to look inside.
    const dir = path.join(shotsDir, 'tfjs');
    fs.mkdirSync(dir, { recursive: true });
    for (const f of files) fs.copyFileSync(f.path, path.join(dir, f.name));
    await page.setInputFiles('#share-view input.model-picker', files.map((f) => path.join(dir, f.name)));
    await page.waitForFunction(() => window.playground.session.runs.at(-1)?.imported === 'tfjs');
    const key = await page.evaluate(() => window.playground.session.runs.at(-1).key);
    const row = `#table-view tbody tr[data-key="${key}"]`;
    assert.match(await page.textContent(row), /imported/);
    assert.equal(await page.inputValue('#inspect-view select'), key);
    await page.click('.tab[data-tab="confusion"]');
    await page.waitForSelector('table.confusion tbody tr');
    assert.equal(await page.$$eval('table.confusion tbody tr', (r) => r.length), 10);
    // The imported run was evaluated on the validation set: its accuracy is in the table.
    assert.match(await page.textContent(row), /0\.\d{4}/);
  });

  it('downloads the Keras script and the results files of a run', async () => {
    const [py] = await downloadsOf('exp03/poor', 'keras');
    assert.equal(py.name, 'exp03_poor.py');
    const script = fs.readFileSync(py.path, 'utf8');
    assert.match(script, /keras\.layers\.Dense\(100, activation="sigmoid"/);
    assert.match(script, /keras\.layers\.Dense\(10, activation="softmax"/);
    const [json] = await downloadsOf('exp03/poor', 'json');
    assert.equal(json.name, 'exp03_poor-results.json');
    resultsFile = path.join(shotsDir, json.name);
    fs.copyFileSync(json.path, resultsFile);
    const doc = JSON.parse(fs.readFileSync(json.path, 'utf8'));
    assert.equal(doc.format, 'chapter11-playground-results');
    assert.equal(doc.run, 'exp03/poor');
    assert.equal(doc.config.name, 'exp03/poor');
    assert.equal(doc.history.length, 2);
    assert.equal(doc.engine.variant, 'threads');
    const [csv] = await downloadsOf('exp03/poor', 'csv');
    const lines = fs.readFileSync(csv.path, 'utf8').trim().split('\n');
    assert.deepEqual(lines[0].split(','), doc.columns);
    assert.equal(lines.length, 3);
  });

  it('exports the results as CSV and JSON, in the files the CLI writes', async () => {
    await page.click('#table-view .table-tools button:has-text("Show all")');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Export CSV")')]);
    const text = fs.readFileSync(await download.path(), 'utf8');
    assert.match(text.split('\n')[0], /^run,epoch,loss,accuracy,val_loss,val_accuracy,learning_rate/);
    assert.ok(text.includes('\nexp03/he,1,'), 'the CSV has the runs');
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Export JSON")')]);
    const data = JSON.parse(fs.readFileSync(await json.path(), 'utf8'));
    assert.ok(Array.isArray(data));
    const he = data.find((r) => r.run === 'exp03/he' && r.history.length);
    assert.ok(he, 'the JSON has the runs with their histories');
    assert.equal(he.format, 'chapter11-playground-results');
    assert.equal(he.seed, 42);
    assert.equal(he.config.name, 'exp03/he');
    assert.ok(he.engine.version && he.engine.variant === 'threads');
  });

  it('loads a pasted configuration, after pointing out its problems by path', async () => {
    const textarea = '#share-view textarea.config-text';
    const load = '#share-view button:has-text("Load configuration")';
    await page.fill(textarea, '{"name": "pasted", "data": {');
    await page.click(load);
    assert.match(await page.textContent('#share-view .config-errors'), /not valid JSON/);
    const config = {
      name: 'pasted-net', seed: 7,
      data: { dataset: 'fashion-mnist', train: { split: 'train', start: 0, count: 1000 }, validation: { split: 'test', start: 0, count: 500 } },
      model: [{ type: 'dense', units: -3, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
      optimizer: { type: 'adam', learning_rate: 0.001 }, fit: { epochs: 1, batch_size: 64 },
    };
    await page.fill(textarea, JSON.stringify(config));
    await page.click(load);
    const errors = await page.$$eval('#share-view .config-errors li', (li) => li.map((x) => x.textContent));
    assert.ok(errors.some((e) => /^model\[0\]\.units /.test(e)), JSON.stringify(errors));
    config.model[0].units = 37;
    await page.fill(textarea, JSON.stringify(config));
    await page.click(load);
    assert.equal(await page.$$eval('#share-view .config-errors li', (li) => li.length), 0);
    assert.match(await page.textContent('.run-chip.selected'), /pasted-net/);
    assert.equal(await page.inputValue('input[data-path="model[0].units"]'), '37');
    assert.equal(await page.inputValue('input[data-path="optimizer.learning_rate"]'), '0.001');
    // A list of configurations is a plan; a problem is named with the run's place in the list.
    const second = { ...config, name: 'pasted-2', model: [{ type: 'dense', units: 10, activation: 'softmax' }] };
    await page.fill(textarea, JSON.stringify([config, { ...second, fit: { epochs: 0 } }]));
    await page.click(load);
    assert.match(await page.textContent('#share-view .config-errors'), /\[1\]\.fit\.epochs/);
    await page.fill(textarea, JSON.stringify([config, second]));
    await page.click(load);
    assert.deepEqual(await page.$$eval('.run-chip', (c) => c.map((x) => x.textContent)), ['pasted-net', 'pasted-2']);
    // A results.json (here the one saved above) gives back the configuration of its run.
    await page.setInputFiles('#share-view input.config-picker', resultsFile);
    await page.waitForFunction(() => /exp03\/poor/.test(document.querySelector('.run-chip.selected')?.textContent));
    assert.equal(await page.inputValue('input[data-path="data.train.count"]'), '1000');
    assert.deepEqual(await page.$$eval('.run-chip', (c) => c.map((x) => x.textContent)), ['exp03/poor', 'pasted-2']);
  });

  it('explains why a model cannot be saved as TF.js', async () => {
    // TF.js's ELU supports alpha 1 only: a run with ELU(alpha=0.5), pasted and trained briefly.
    await page.fill('#share-view textarea.config-text', JSON.stringify({
      name: 'elu-half', seed: 1,
      data: { dataset: 'fashion-mnist', train: { split: 'train', start: 0, count: 500 } },
      model: [{ type: 'dense', units: 20, activation: { type: 'elu', alpha: 0.5 } }, { type: 'dense', units: 10, activation: 'softmax' }],
      optimizer: { type: 'sgd', learning_rate: 0.01 }, fit: { epochs: 1, batch_size: 50 },
    }));
    await page.click('#share-view button:has-text("Load configuration")');
    await page.fill('#share-view textarea.config-text', '[]');
    await page.click('#share-view button:has-text("Load configuration")');
    assert.match(await page.textContent('#share-view .config-errors'), /empty list/);
    await page.click('.run-chip:has-text("elu-half")');
    await train('train-selected');
    await page.selectOption('#table-view tbody tr[data-run="elu-half"] select.downloads', 'tfjs');
    const message = page.locator('.message.error:has-text("TF.js")');
    await message.waitFor();
    assert.match(await message.textContent(), /Could not save "elu-half" as a TF\.js model: model\[0\] \(dense\): ELU with alpha 0\.5 cannot be written in the TF\.js format/);
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
    await page.waitForSelector('.message.error:has-text("The training engine stopped working: simulated crash")');
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
    // The chip's form is drawn anew when the selection changes: fill the new one.
    await page.waitForFunction(() => /Adam/.test(document.querySelector('.run-chip.selected')?.textContent));
    await page.fill('input[data-path="optimizer.learning_rate"]', '0.002');
    const linkText = () => page.evaluate(() => {
      const m = document.querySelector('.share-link').value.match(/#plan=([\w-]+)/);
      return m ? atob(m[1].replace(/-/g, '+').replace(/_/g, '/')) : document.querySelector('.share-link').value;
    });
    await page.waitForFunction(() => {
      const m = document.querySelector('.share-link').value.match(/#plan=([\w-]+)/);
      const text = m ? atob(m[1].replace(/-/g, '+').replace(/_/g, '/')) : '';
      return text.includes('"learning_rate":0.002') && text.includes('Optimizers');
    }).catch(async (e) => {
      throw new Error(`${e.message}; learning-rate field: ${await page.inputValue('input[data-path="optimizer.learning_rate"]')}; link: ${(await linkText()).slice(0, 400)}`);
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
