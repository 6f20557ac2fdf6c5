// health-resume.test.js: layer health survives a reload. A run is paused after
// its second epoch or so (its checkpoint written), the page reloaded: the interrupted
// run's Layer health charts show the same points as before the reload (in-epoch
// samples and epoch ends), Resume goes on from there, and the finished run keeps
// them all after another reload.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitReady, waitIdle, loadConfiguration, openPlayground } from './helpers.js';

// 201 batches of 32: an in-epoch sample after batch 200 of every epoch. Six epochs, so that a
// pause asked after the second lands before the end on a busy machine too.
const EPOCHS = 6;
const RUN = {
  name: 'health-resume', seed: 5,
  data: { dataset: 'fashion-mnist', train: { split: 'train', start: 0, count: 6432 }, validation: { split: 'test', start: 0, count: 300 } },
  model: [{ type: 'dense', units: 128, activation: 'relu', kernel_initializer: 'he_normal' }, { type: 'dense', units: 10, activation: 'softmax' }],
  optimizer: { type: 'sgd', learning_rate: 0.02 },
  fit: { epochs: EPOCHS, batch_size: 32 },
};

// Every point of the over-time health charts, per chart and line.
const healthPoints = (page) => page.evaluate(() => Object.fromEntries(['grad', 'saturated', 'dead'].map((k) => {
  const chart = globalThis.Chart.getChart(document.querySelector(`#health-view .chart-box.time-${k} canvas`));
  return [k, chart.data.datasets.map((d) => ({ tip: d.tip, points: d.data.map((p) => [p.x, p.y]) }))];
})));

// The same lines with the same points (y within the checkpoint's 6 significant digits).
function samePoints(got, want, what) {
  for (const k of Object.keys(want)) {
    assert.deepEqual(got[k].map((d) => d.tip), want[k].map((d) => d.tip), `${what}: the ${k} chart's lines`);
    got[k].forEach((d, i) => {
      assert.deepEqual(d.points.map((p) => p[0]), want[k][i].points.map((p) => p[0]), `${what}: ${d.tip} (${k}) epochs`);
      d.points.forEach(([, y], j) => assert.ok(Math.abs(y - want[k][i].points[j][1]) <= 1e-5 * Math.abs(y), `${what}: ${d.tip} (${k}) ${y} vs ${want[k][i].points[j][1]}`));
    });
  }
}

describe('layer health after a reload', () => {
  let server; let browser; let page;

  before(async () => {
    ({ server, browser, page } = await openPlayground());
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  it('shows the points from before the reload, then continues from there', async () => {
    await loadConfiguration(page, RUN);
    await page.evaluate(() => {
      const { bus, session } = window.playground;
      bus.on('run:epoch', ({ metrics }) => { if (metrics.epoch === 2) session.pause(); });
    });
    await page.click('[data-action="train"]');
    await page.waitForFunction(() => document.querySelector('#train-controls').dataset.state === 'paused', null, { timeout: 120000 });
    // The pause lands between slices, maybe an epoch later: the checkpoint is the
    // last finished epoch's (the worker writes it after the epoch event).
    let saved = 0;
    for (let tries = 0; tries < 300 && !saved; tries++) {
      saved = await page.evaluate(async () => {
        const { session } = window.playground;
        const record = session.training?.record;
        if (!record) return -1; // the run ended before the pause landed
        const cp = await session.store.getCheckpoint(record.key);
        return cp && cp.epoch === record.history.length ? cp.epoch : 0;
      });
      if (!saved) await page.waitForTimeout(200);
    }
    assert.ok(saved >= 2 && saved < EPOCHS, `paused with a checkpoint before the last epoch (${saved})`);
    // What the charts show up to the checkpoint (an in-epoch sample of the next epoch may
    // have come before the pause landed: that part of the epoch is trained again).
    const shown = await healthPoints(page);
    const before = Object.fromEntries(Object.entries(shown).map(([k, lines]) => [k, lines.map((d) => ({ ...d, points: d.points.filter((p) => p[0] <= saved) }))]));
    assert.equal(before.grad.length, 2, 'a gradient line per dense layer');
    for (const d of before.grad) {
      const xs = d.points.map((p) => p[0]);
      assert.equal(xs.length, 2 * saved, `${d.tip}: an in-epoch sample and an epoch end per epoch (${xs})`);
      assert.ok(xs.includes(1) && xs.includes(saved) && xs.some((x) => x > 0 && x < 1), `${d.tip}: ${xs}`);
    }

    const dialogs = [];
    page.on('dialog', (d) => { dialogs.push(d.type()); d.accept(); });
    await page.reload();
    assert.deepEqual(dialogs, ['beforeunload'], 'the run was still training');
    await waitReady(page, 'data', 60000);
    await page.locator('#resume-offer').waitFor({ state: 'visible', timeout: 30000 });
    // Before Resume: the interrupted run shows its layer health as it was.
    samePoints(await healthPoints(page), before, 'after the reload');

    await page.click('[data-action="resume-plan"]');
    await page.waitForFunction(() => document.querySelector('#train-controls').dataset.state !== 'idle');
    await waitIdle(page, 120000);
    const record = await page.evaluate(() => {
      const r = window.playground.session.runs.at(-1);
      return { status: r.status, epochs: r.history.map((m) => m.epoch), stats: r.layerStats.map((s) => [s.source, s.epoch]) };
    });
    assert.equal(record.status, 'done');
    assert.deepEqual(record.epochs, Array.from({ length: EPOCHS }, (_, i) => i + 1));
    assert.deepEqual(record.stats.map((s) => s[0]), Array(EPOCHS).fill(['batch', 'epoch']).flat(), 'no statistics lost or repeated');
    const done = await healthPoints(page);
    for (const [i, d] of done.grad.entries()) {
      const xs = d.points.map((p) => p[0]);
      assert.deepEqual(xs.slice(0, 2 * saved), before.grad[i].points.map((p) => p[0]), `${d.tip}: the epochs before the reload come first`);
      assert.equal(xs.length, 2 * EPOCHS, `${d.tip}: then the epochs after it (${xs})`);
      assert.ok(xs[2 * saved] > saved && xs[2 * saved] < saved + 1 && xs.at(-1) === EPOCHS, `${d.tip}: ${xs}`);
    }

    // A finished run restored after another reload keeps them all.
    await page.reload();
    await waitReady(page, 'data', 60000);
    samePoints(await healthPoints(page), done, 'the finished run after a reload');
    assert.deepEqual(page.errors, []);
  });
});
