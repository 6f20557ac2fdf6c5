// trust.test.js: the page holds up against what goes wrong around it, in
// headless Chromium (cross-origin isolated, threads): a strict
// Content-Security-Policy with nothing blocked; Train pressed during a slow
// download says what it waits for; a repeat is numbered; Stop leaves no stale
// numbers; files dropped wrongly neither navigate away nor hide the loaded data;
// a worker that is terminated or stuck is caught by the watchdog (reported in
// words, the run marked, the engine restarted, a new run trains), and so is a
// trap inside the engine; a run that learned nothing shows its warning beside
// it, also after a reload; and share links, hostile or mutated, always open.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer, launch, openPage, waitReady, waitIdle, tableRows, quickTry, trainAll } from './helpers.js';
import { rng, mutate, toBase64Url } from '../node/plan-mutations.js';

const state = (page) => page.evaluate(() => document.querySelector('#train-controls').dataset.state);
const messages = (page) => page.$$eval('#messages .message-text', (m) => m.map((x) => x.textContent));
const waitTraining = (page) => page.waitForFunction(() => /batch/i.test(document.querySelector('.live-metrics').textContent), null, { timeout: 30000 });

describe('the page under hostile conditions', () => {
  let server; let url; let browser;
  // A context of its own per test: the history in IndexedDB starts empty.
  const fresh = async (target) => openPage(await browser.newContext({ viewport: { width: 1366, height: 768 } }), target);

  before(async () => {
    ({ server, url } = await startServer({ isolation: true }));
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  it('runs under its Content-Security-Policy, says what Train waits for, numbers repeats, clears the numbers after Stop', async () => {
    const page = await fresh();
    // Hold the test images back: Fashion-MNIST is still loading when Train is pressed.
    let release;
    const held = new Promise((r) => { release = r; });
    await page.route('**/t10k-images-idx3-ubyte.gz', async (route) => { await held; await route.continue(); });
    const response = await page.goto(url);
    const headers = response.headers();
    assert.match(headers['content-security-policy'] ?? '', /script-src 'self' 'wasm-unsafe-eval'/);
    assert.equal(headers['x-content-type-options'], 'nosniff');
    const meta = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
    assert.equal(meta, headers['content-security-policy'], 'one policy: the header is the <meta> of index.html');
    await waitReady(page, 'engine');
    assert.match(await page.textContent('#engine-badge'), /threads/, 'WebAssembly compiles under the policy');
    await quickTry(page, 1, 500);
    await page.click('[data-action="train"]');
    await page.waitForFunction(() => document.querySelector('#train-controls').dataset.state === 'waiting');
    const line = await page.textContent('.run-line');
    assert.match(line, /Waiting for Fashion-MNIST to load before training/, line);
    assert.match(line, /Downloading \S+ \(\d+\.\d( of \d+\.\d)? MB\)/, line);
    assert.ok(await page.isEnabled('[data-action="stop"]'));
    assert.ok(await page.isDisabled('[data-action="train"]'));
    release();
    await waitIdle(page);
    await trainAll(page);
    const labels = await page.evaluate(() => window.playground.session.runs.map((r) => r.label));
    assert.deepEqual(labels, ['my network', 'my network #2']);
    const rows = (await tableRows(page)).map((r) => r.text);
    assert.ok(rows.some((t) => t.startsWith('my network #2 ')), JSON.stringify(rows));
    // Stop: the bar says so, and no numbers of the stopped batch stay behind.
    await quickTry(page, 3, 20000);
    await page.click('[data-action="train"]');
    await waitTraining(page);
    await page.click('[data-action="stop"]');
    await waitIdle(page);
    assert.match(await page.textContent('.run-line'), /^Stopped\./);
    assert.equal(await page.textContent('.live-metrics'), '');
    // The optimizer's Keras note names its class, not compile()'s rmsprop default.
    assert.equal(await page.textContent('.field[data-path="optimizer.type"] .keras'), 'Keras: keras.optimizers.SGD');
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  it('keeps the loaded data in view after a failed drop, and a file dropped beside the zone does not navigate away', async () => {
    const page = await fresh(url);
    await waitReady(page, 'data');
    const junk = () => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3])], 'train-images-idx3-ubyte.gz'));
      dt.items.add(new File([new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3])], 'train-labels-idx1-ubyte.gz'));
      return dt;
    };
    await page.dispatchEvent('.dropzone', 'drop', { dataTransfer: await page.evaluateHandle(junk) });
    await page.waitForFunction(() => /train-images-idx3-ubyte\.gz is not valid gzip/.test(document.querySelector('.data-error').textContent));
    assert.match(await page.textContent('.data-status'), /Fashion-MNIST: 60,000 training/);
    const prevented = await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['x'], 'photo.png'));
      const event = new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt });
      document.querySelector('.charts').dispatchEvent(event);
      return event.defaultPrevented;
    });
    assert.equal(prevented, true, 'the browser does not open the dropped file in place of the page');
    assert.match(await page.textContent('.data-error'), /drop the files on the drop zone/);
    assert.equal(page.url(), url);
    await page.context().close();
  });

  it('catches a terminated worker and a stuck one: says so, marks the run, restarts the engine, trains again', async () => {
    const page = await fresh(url);
    await waitReady(page, 'data');
    await quickTry(page, 3, 20000);
    // 1. Terminated (no event fires): Stop waits on it no longer than the watchdog allows.
    await page.click('[data-action="train"]');
    await waitTraining(page);
    await page.evaluate(() => window.playground.client.worker.terminate());
    await page.click('[data-action="stop"]');
    await waitIdle(page, 30000);
    await page.waitForSelector('.message.error:has-text("stopped working")');
    assert.ok((await messages(page)).some((m) => /The training engine stopped working: it did not answer "stop" within 5 seconds\. A new engine is starting/.test(m)), JSON.stringify(await messages(page)));
    const runs = () => page.evaluate(() => window.playground.session.runs.map((r) => ({ key: r.key, status: r.status })));
    let rows = await runs();
    assert.deepEqual(rows.map((r) => r.status), ['crashed']);
    assert.match(await page.textContent(`#table-view tr[data-key="${rows[0].key}"]`), /engine crashed/);
    await page.waitForFunction(() => window.playground.session.datasets.has('fashion-mnist'), null, { timeout: 60000 });
    // 2. Stuck in a loop: no Stop pressed, the heartbeat finds it.
    await page.click('[data-action="train"]');
    await waitTraining(page);
    await page.evaluate(() => { window.playground.client.call('test-busy-loop', { ms: 120000 }).catch(() => {}); });
    await waitIdle(page, 60000);
    assert.ok((await messages(page)).some((m) => /stopped working: it stopped answering for \d+ seconds/.test(m)), JSON.stringify(await messages(page)));
    assert.deepEqual((await runs()).map((r) => r.status), ['crashed', 'crashed']);
    await page.waitForFunction(() => window.playground.session.datasets.has('fashion-mnist'), null, { timeout: 60000 });
    // The new engine trains.
    await quickTry(page, 1, 500);
    await trainAll(page);
    assert.deepEqual((await runs()).map((r) => r.status), ['crashed', 'crashed', 'done']);
    // A failure inside the engine's threads reaches the page without a message: it is said in words.
    await page.evaluate(() => window.playground.client.worker.dispatchEvent(new ErrorEvent('error', { message: 'Uncaught [object ErrorEvent]' })));
    await page.waitForSelector('.message.error:has-text("failed inside the engine")');
    assert.ok(!(await messages(page)).some((m) => /\[object/.test(m)));
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  it('catches a trap inside the engine: says so, marks the run, restarts the engine, keeps the runs, trains again', async () => {
    const page = await fresh(url);
    await waitReady(page, 'data');
    const runs = () => page.evaluate(() => window.playground.session.runs.map((r) => ({ key: r.key, status: r.status })));
    await quickTry(page, 1, 500);
    await trainAll(page);
    // A real WebAssembly trap (wasm/test-trap.js) while a run trains.
    await quickTry(page, 3, 20000);
    await page.click('[data-action="train"]');
    await waitTraining(page);
    await page.evaluate(() => { window.playground.client.call('test-trap').catch(() => {}); });
    await waitIdle(page, 30000);
    await page.waitForSelector('.message.error:has-text("stopped working")');
    const said = await messages(page);
    assert.ok(said.some((m) => /The training engine stopped working: it stopped after an internal error \(.*(memory access out of bounds|worker thread crashed).*\)\. A new engine is starting; your finished runs are kept/.test(m)), JSON.stringify(said));
    assert.ok(!said.some((m) => /reload it|loadEngine/.test(m)), 'the page restarts the engine itself: no advice to reload');
    const rows = await runs();
    assert.deepEqual(rows.map((r) => r.status), ['done', 'crashed']);
    assert.match(await page.textContent(`#table-view tr[data-key="${rows[1].key}"]`), /engine crashed/);
    // The new engine loads the dataset again and trains.
    await page.waitForFunction(() => window.playground.session.datasets.has('fashion-mnist'), null, { timeout: 60000 });
    await quickTry(page, 1, 500);
    await trainAll(page);
    assert.deepEqual((await runs()).map((r) => r.status), ['done', 'crashed', 'done']);
    // The only console errors are the trap's own, logged by the engine's pool thread.
    assert.deepEqual(page.errors.filter((e) => !/memory access out of bounds/.test(e)), []);
    await page.context().close();
  });

  it('shows a run that learned nothing with its warning, beside the run and after a reload', async () => {
    // The CLI test's run (tests/node/cli.test.js): Adam at 1e9 keeps a finite
    // loss on this small net, so no divergence error catches it.
    const config = {
      name: 'lr', seed: 7, data: { dataset: 'fashion-mnist', train: { split: 'train', count: 600 }, validation: { split: 'test', count: 300 } },
      model: [{ type: 'dense', units: 64, activation: 'relu', kernel_initializer: 'he_normal' }, { type: 'dense', units: 10, activation: 'softmax' }],
      optimizer: { type: 'adam', learning_rate: 1e9 }, fit: { epochs: 2, batch_size: 32 },
    };
    const page = await fresh(`${url}#plan=${toBase64Url(JSON.stringify({ title: 'Too high', runs: [{ label: 'too high', config }], selected: 0 }))}`);
    await waitReady(page, 'data');
    await trainAll(page);
    const warning = /learned nothing: validation accuracy stayed at chance .*; the learning rate 1e9 is probably far too high/;
    await page.waitForSelector('.message.warn:has-text("learned nothing")');
    assert.ok((await messages(page)).some((m) => /^too high: The run learned nothing: /.test(m) && warning.test(m)), JSON.stringify(await messages(page)));
    const row = async () => page.textContent('#table-view tbody tr[data-run="lr"] .run-warning');
    assert.match(await row(), warning);
    // Kept with the run: after a reload the row still says it, and so does its results.json.
    await page.reload();
    await waitReady(page, 'engine');
    await page.waitForSelector('#table-view tbody tr[data-run="lr"] .run-warning');
    assert.match(await row(), warning);
    const [download] = await Promise.all([page.waitForEvent('download'), page.selectOption('#table-view tbody tr[data-run="lr"] select.downloads', 'json')]);
    const doc = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
    assert.equal(doc.warnings.length, 1);
    assert.match(doc.warnings[0], warning);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  it('opens every share link, or says what is wrong with it and opens the default plan', async () => {
    const page = await fresh();
    const link = (plan) => `${url}#plan=${toBase64Url(JSON.stringify(plan))}`;
    const shared = { title: 'Shared', runs: [{ label: 'a', config: { name: 'a', data: { dataset: 'fashion-mnist', train: { split: 'train', count: 100 } }, model: [{ type: 'dense', units: 10, activation: 'softmax' }] } }], selected: -1 };
    await page.goto(link(shared));
    await waitReady(page, 'engine');
    assert.equal(await page.textContent('.plan-title'), 'Shared');
    assert.ok(!(await messages(page)).some((m) => /failed to start/.test(m)));
    // Mutated plans of a preset, one after another through the address bar.
    const { plan: base } = await page.evaluate(() => ({ plan: structuredClone(window.playground.state.plan) }));
    const r = rng(11);
    let refused = 0;
    for (let n = 0; n < 30; n++) {
      const plan = mutate(mutate(structuredClone({ ...base, runs: [base.runs[0], { ...shared.runs[0] }] }), r), r);
      const hash = `#plan=${toBase64Url(JSON.stringify(plan) ?? 'null')}`;
      const outcome = await page.evaluate((h) => {
        document.querySelector('#messages').replaceChildren();
        location.hash = h;
        return new Promise((resolve) => setTimeout(() => resolve({
          chip: Boolean(document.querySelector('.run-chip.selected')),
          text: [...document.querySelectorAll('#messages .message-text')].map((m) => m.textContent),
        }), 30));
      }, hash);
      assert.ok(outcome.chip, `a selected run is shown for ${hash}`);
      assert.ok(!outcome.text.some((t) => /could not be shown/.test(t)), `${hash}: ${outcome.text}`);
      if (outcome.text.some((t) => /cannot be opened/.test(t))) refused++;
    }
    assert.ok(refused < 30, `${refused} of 30 links refused`);
    assert.deepEqual(page.errors, []);
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    await page.context().close();
  });
});
