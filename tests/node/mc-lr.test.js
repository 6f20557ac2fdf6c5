// Monte Carlo Dropout and the learning-rate finder through the JS API and the
// CLI: the JSON shapes of --mc-samples and --find-lr, and the model left
// byte for byte as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, smallConfig, engineWithData } from './helpers.js';
import { runConfig } from '../../core/run.js';
import { findLearningRate, withLearningRate } from '../../core/lr-finder.js';
import { hasDropout, reliabilityCurve } from '../../core/mc-dropout.js';

const cli = (args) => spawnSync(process.execPath, [path.join(root, 'tools/train.js'), ...args], { encoding: 'utf8', cwd: root });

const DROPOUT_MODEL = [
  { type: 'dense', units: 64, activation: 'relu', kernel_initializer: 'he_normal' },
  { type: 'batch_normalization' },
  { type: 'dropout', rate: 0.3 },
  { type: 'dense', units: 10, activation: 'softmax' },
];

function configFile(extra) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-lr-'));
  const file = path.join(dir, 'small.json');
  fs.writeFileSync(file, JSON.stringify(smallConfig({ model: DROPOUT_MODEL, ...extra })));
  return { dir, file };
}

test('the API: MC Dropout and the range test leave the model file identical; without dropout MC is the plain prediction', async () => {
  const { engine, loadSplit } = await engineWithData('threads', 1);
  try {
    const result = await runConfig(engine, loadSplit, smallConfig({ model: DROPOUT_MODEL, fit: { epochs: 1, batch_size: 32 } }), { keepModel: true });
    const model = result.model;
    const val = (await loadSplit('fashion-mnist', 'test')).slice(0, 500);
    const train = (await loadSplit('fashion-mnist', 'train')).slice(0, 2000);
    const before = model.save('x');
    const mc = model.mcPredict(val, 0, 500, 20, 3);
    assert.ok(model.hasDropout && mc.meanStd > 0 && mc.accuracy > 0.5);
    const found = model.findLearningRate(train, { steps: 100, batch_size: 32 });
    assert.deepEqual(model.save('x'), before, 'weights, optimizer state and generator are restored');
    assert.ok(found.points.length >= 2 && found.points[0].learning_rate === 1e-5);
    model.free();

    const plain = await runConfig(engine, loadSplit, smallConfig({ fit: { epochs: 1, batch_size: 32 } }), { keepModel: true });
    assert.equal(plain.model.hasDropout, false);
    const same = plain.model.mcPredict(val, 0, 300, 10, 3);
    assert.deepEqual(same.mean, plain.model.predict(val, 0, 300));
    assert.ok(same.std.every((s) => s === 0) && same.meanStd === 0);
    plain.model.free();
    val.free(), train.free();
  } finally {
    engine.close();
  }
});

test('--mc-samples N adds mc_dropout {samples, accuracy, mean_std} to the done event', () => {
  const { dir, file } = configFile({ fit: { epochs: 1, batch_size: 32 } });
  const r = cli([file, '--json', '--threads', '1', '--mc-samples', '10']);
  assert.equal(r.status, 0, r.stderr);
  const done = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((l) => l.event === 'done');
  const mc = done.mc_dropout;
  assert.equal(mc.samples, 10);
  assert.ok(mc.accuracy > 0.5 && mc.accuracy <= 1, `accuracy ${mc.accuracy}`);
  assert.ok(mc.mean_std > 0 && mc.mean_std < 0.5, `mean_std ${mc.mean_std}`);
  assert.equal(mc.subset, 'validation');
  assert.equal(mc.images, 1000);
  const text = cli([file, '--threads', '1', '--mc-samples', '3']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /MC Dropout \(3 passes, 1000 validation images\): accuracy: 0\.\d{4} - mean std of the predicted class: 0\.\d{4}/);
  fs.rmSync(dir, { recursive: true });
});

test('--find-lr --json prints one lr_finder line and trains nothing', () => {
  const { dir, file } = configFile({});
  const r = cli([file, '--json', '--threads', '1', '--find-lr']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 1);
  const [line] = lines;
  assert.equal(line.event, 'lr_finder');
  assert.ok(line.points.length > 20 && line.points.length <= 500);
  for (const p of line.points) assert.deepEqual(Object.keys(p), ['learning_rate', 'loss']);
  assert.equal(line.points[0].learning_rate, 1e-5);
  for (let i = 1; i < line.points.length; i++) assert.ok(line.points[i].learning_rate > line.points[i - 1].learning_rate);
  const best = line.points.reduce((a, p) => (p.loss < a.loss ? p : a));
  assert.equal(line.suggested_learning_rate, best.learning_rate / 10);
  // It stopped because the loss passed 4x its minimum, or it reached 10.
  const last = line.points[line.points.length - 1];
  assert.ok(last.loss > 4 * best.loss || line.points.length === 500);
  const text = cli([file, '--threads', '1', '--find-lr']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /learning_rate +loss \(smoothed\)/);
  assert.match(text.stdout, /<- minimum/);
  assert.match(text.stdout, /suggested learning_rate: \S+ \(a tenth of the rate at the minimum\)/);
  assert.doesNotMatch(text.stdout, /Epoch 1/);
  fs.rmSync(dir, { recursive: true });
});

test('core: findLearningRate is the same for the page and the CLI; withLearningRate sets the optimizer or 1cycle', async () => {
  const { engine, loadSplit } = await engineWithData('threads', 1);
  try {
    const config = smallConfig({ model: DROPOUT_MODEL });
    const a = await findLearningRate(engine, loadSplit, config, { options: { steps: 60 } });
    const b = await findLearningRate(engine, loadSplit, config, { options: { steps: 60 } });
    assert.deepEqual(a, b, 'seeded: the same curve twice');
  } finally {
    engine.close();
  }
  assert.equal(withLearningRate(smallConfig(), 0.003).optimizer.learning_rate, 0.003);
  const cycle = withLearningRate(smallConfig({ schedule: { type: 'one_cycle', max_learning_rate: 0.1 } }), 0.05);
  assert.equal(cycle.schedule.max_learning_rate, 0.05);
  assert.equal(cycle.optimizer.learning_rate, 0.01);
  assert.equal(hasDropout(smallConfig()), false);
  assert.equal(hasDropout(smallConfig({ model: DROPOUT_MODEL })), true);
  assert.equal(hasDropout(smallConfig({ model: [{ type: 'dropout', rate: 0 }, ...DROPOUT_MODEL.slice(3)] })), false);
  // Reliability bins by hand: confidences 0.95 (right), 0.92 (wrong), 0.55 (right).
  const probs = new Float32Array([0.95, 0.05, 0.08, 0.92, 0.55, 0.45]);
  const bins = reliabilityCurve(probs, [0, 0, 0], 2);
  assert.equal(bins.length, 2);
  assert.deepEqual(bins.map((b) => b.count), [1, 2]);
  assert.ok(Math.abs(bins[1].confidence - 0.935) < 1e-6 && bins[1].accuracy === 0.5 && bins[0].accuracy === 1);
});
