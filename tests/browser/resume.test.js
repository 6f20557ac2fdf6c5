// resume.test.js: a reload does not lose a plan in training. Headless Chromium
// trains a two-run plan (Adam, dropout, ReduceLROnPlateau), is reloaded in the
// first run's third epoch (after a warning before leaving), offers to resume,
// and finishes both runs; the resumed run's exported weights equal, bit for
// bit, those of the same run left alone.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitReady, waitIdle, loadConfiguration, openPlayground, trainAll } from './helpers.js';

const RUN = {
  name: 'resume-adam', seed: 3,
  data: { dataset: 'fashion-mnist', train: { split: 'train', start: 0, count: 3000 }, validation: { split: 'test', start: 0, count: 500 } },
  model: [
    { type: 'dense', units: 128, activation: 'relu', kernel_initializer: 'he_normal' },
    { type: 'dropout', rate: 0.3 },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
  optimizer: { type: 'adam', learning_rate: 0.002 },
  callbacks: [{ type: 'reduce_lr_on_plateau', monitor: 'val_loss', factor: 0.5, patience: 1 }],
  fit: { epochs: 5, batch_size: 32 },
};
const NEXT = { ...RUN, name: 'resume-next', model: [{ type: 'dense', units: 10, activation: 'softmax' }], callbacks: [], fit: { epochs: 1, batch_size: 64 } };

// SHA-256 of the run's TF.js weights file, computed in the page.
const weightsDigest = (page, run) => page.evaluate(async (r) => {
  const { weights } = await window.playground.client.call('export-tfjs', { run: r });
  const digest = await crypto.subtle.digest('SHA-256', weights);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}, run);

const runRecords = (page) => page.evaluate(() => window.playground.session.runs.map((r) => ({
  id: r.id, status: r.status, epochs: r.history.map((m) => m.epoch), losses: r.history.map((m) => m.loss),
})));

describe('a reload during training', () => {
  let server; let url; let browser; let page;

  before(async () => {
    ({ server, url, browser, page } = await openPlayground({ viewport: { width: 1366, height: 768 } }));
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  it('warns, offers Resume after the reload, and finishes the plan with the same weights as a run left alone', async () => {
    // The plan, pasted as a list of configurations.
    await loadConfiguration(page, [RUN, NEXT]);
    // Left alone.
    await trainAll(page, 180000);
    const reference = await weightsDigest(page, 'resume-adam');
    const alone = (await runRecords(page)).find((r) => r.id === 'resume-adam');
    assert.deepEqual(alone.epochs, [1, 2, 3, 4, 5]);

    // Again, reloaded in the third epoch of the first run (paused there so the moment is certain).
    await page.click('[data-action="train"]');
    await page.waitForFunction(() => {
      const t = window.playground.session.training;
      return t?.record?.id === 'resume-adam' && t.record.history.length === 2;
    }, null, { timeout: 120000 });
    await page.click('[data-action="pause"]');
    await page.waitForFunction(() => document.querySelector('#train-controls').dataset.state === 'paused');
    const dialogs = [];
    page.on('dialog', (d) => { dialogs.push(d.type()); d.accept(); });
    await page.reload();
    assert.deepEqual(dialogs, ['beforeunload'], 'leaving while a run trains asks first');
    await waitReady(page, 'data', 60000);
    const offer = page.locator('#resume-offer');
    await offer.waitFor({ state: 'visible', timeout: 30000 });
    const text = await offer.textContent();
    // The pause lands between slices, so epoch 3 may have finished when the
    // page sees the click (a loaded machine): any epoch before the last will do.
    assert.match(text, /"resume-adam( #2)?" had finished epoch [1-4] of 5/);
    assert.match(text, /1 queued run had not started/);
    const before = (await runRecords(page)).filter((r) => r.status === 'interrupted');
    assert.equal(before.length, 1, 'the interrupted run is listed, with its curves');
    assert.ok(before[0].epochs.length >= 1);

    const checkpointEpoch = Number(text.match(/finished epoch (\d)/)[1]);
    await page.evaluate(() => {
      window.__epochs = [];
      window.playground.bus.on('run:epoch', ({ record, metrics }) => window.__epochs.push(`${record.id}:${metrics.epoch}`));
    });
    await page.click('[data-action="resume-plan"]');
    await page.waitForFunction(() => document.querySelector('#train-controls').dataset.state !== 'idle');
    await waitIdle(page, 180000);
    assert.equal(await offer.isVisible(), false);
    const after = await runRecords(page);
    const resumed = after.filter((r) => r.id === 'resume-adam').at(-1);
    assert.equal(resumed.status, 'done');
    assert.deepEqual(resumed.epochs, [1, 2, 3, 4, 5]);
    assert.deepEqual(resumed.losses, alone.losses, 'the same history, epoch by epoch');
    // Trained on from the checkpoint, not again from the start.
    const trainedAfter = [5, 4, 3, 2].filter((e) => e > checkpointEpoch).reverse().map((e) => `resume-adam:${e}`);
    assert.deepEqual(await page.evaluate(() => window.__epochs), [...trainedAfter, 'resume-next:1']);
    assert.equal(after.filter((r) => r.id === 'resume-next').at(-1).status, 'done', 'the queued run was trained too');
    assert.equal(await weightsDigest(page, 'resume-adam'), reference, 'resumed weights differ from the run left alone');
    // Nothing is left to resume after another reload.
    await page.reload();
    await waitReady(page, 'data', 60000);
    assert.equal(await offer.isVisible(), false);
    assert.deepEqual(page.errors, []);
  });
});
