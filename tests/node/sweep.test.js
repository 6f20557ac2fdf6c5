// core/sweep.js: knob paths, grid product, seeded random search, log ranges,
// and the errors a student sees for a bad path or value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planSweep, parseGrid, parseRange, parsePath, setAt, rankTrials, bestTrial, drawFromRange, randomGenerator, SweepError } from '../../core/sweep.js';
import { smallConfig } from './helpers.js';

test('a grid is the product of its knobs, first knob slowest, each trial a valid configuration', () => {
  const plan = planSweep(smallConfig(), [parseGrid('optimizer.learning_rate=0.001,0.01,0.1'), parseGrid('fit.batch_size=32,128')]);
  assert.equal(plan.trials.length, 6);
  assert.deepEqual(plan.trials.map((t) => [t.knobs['optimizer.learning_rate'], t.knobs['fit.batch_size']]),
    [[0.001, 32], [0.001, 128], [0.01, 32], [0.01, 128], [0.1, 32], [0.1, 128]]);
  const t = plan.trials[3];
  assert.equal(t.config.optimizer.learning_rate, 0.01);
  assert.equal(t.config.fit.batch_size, 128);
  assert.equal(t.config.name, 'small-trial-4');
  // Early stopping per trial, since the configuration has none.
  assert.deepEqual(t.config.callbacks, [{ type: 'early_stopping', monitor: 'val_accuracy', patience: 3, restore_best_weights: true }]);
  // The base configuration is not changed.
  assert.equal(smallConfig().optimizer.learning_rate, 0.01);
});

test('a configuration with its own early stopping keeps it; the budget sets epochs and refuses too many trials', () => {
  const own = { type: 'early_stopping', monitor: 'val_loss', patience: 1 };
  const plan = planSweep(smallConfig({ callbacks: [own] }), [parseGrid('model[0].units=16,32')], { epochs: 5, maxTrials: 2 });
  assert.deepEqual(plan.trials[0].config.callbacks, [own]);
  assert.equal(plan.trials[1].config.model[0].units, 32);
  assert.equal(plan.trials[1].config.fit.epochs, 5);
  assert.throws(() => planSweep(smallConfig(), [parseGrid('model[0].units=16,32,64')], { maxTrials: 2 }), /3 trials, more than the budget of 2/);
});

test('random search: the same seed gives the same trials, another seed others; log ranges stay inside and spread over decades', () => {
  const knobs = [parseRange('optimizer.learning_rate=1e-4:1e-1:log'), parseGrid('fit.batch_size=32,64,128')];
  const a = planSweep(smallConfig(), knobs, { random: 40, seed: 5 });
  const b = planSweep(smallConfig(), knobs, { random: 40, seed: 5 });
  const c = planSweep(smallConfig(), knobs, { random: 40, seed: 6 });
  assert.deepEqual(a.trials.map((t) => t.knobs), b.trials.map((t) => t.knobs));
  assert.notDeepEqual(a.trials.map((t) => t.knobs), c.trials.map((t) => t.knobs));
  const rates = a.trials.map((t) => t.knobs['optimizer.learning_rate']);
  assert.ok(rates.every((r) => r >= 1e-4 && r <= 1e-1));
  // Log-uniform: each of the three decades gets draws (a uniform draw would put ~90% in the last).
  for (const [lo, hi] of [[1e-4, 1e-3], [1e-3, 1e-2], [1e-2, 1e-1]]) assert.ok(rates.filter((r) => r >= lo && r < hi).length >= 5, `draws in [${lo}, ${hi})`);
  assert.ok(a.trials.every((t) => [32, 64, 128].includes(t.knobs['fit.batch_size'])));
  // The sweep's seed defaults to the configuration's.
  assert.equal(planSweep(smallConfig(), knobs, { random: 2 }).seed, 7);
});

test('log-uniform draws: the median of many is the geometric mean of the ends', () => {
  const next = randomGenerator(1);
  const draws = Array.from({ length: 2001 }, () => drawFromRange({ low: 1e-4, high: 1, log: true }, next)).sort((x, y) => x - y);
  const median = draws[1000];
  assert.ok(median > 10 ** -2.2 && median < 10 ** -1.8, `median ${median}`);
  const ints = Array.from({ length: 200 }, () => drawFromRange(parseRange('model[0].units=16:256'), next));
  assert.ok(ints.every((v) => Number.isInteger(v) && v >= 16 && v <= 256));
});

test('bad knobs are errors that name the knob and say why', () => {
  const plan = (...k) => () => planSweep(smallConfig(), ...k);
  assert.throws(plan([parseGrid('optimizer.learning_rat=0.1')]), (e) => e instanceof SweepError && /learning_rat.*did you mean "learning_rate"/.test(e.message));
  assert.throws(plan([parseGrid('optimizer.learning_rate=fast')]), /optimizer.learning_rate="fast".*must be a number/);
  assert.throws(plan([parseGrid('fit.batch_size=0')]), /fit.batch_size=0: fit.batch_size must be between 1 and 65536/);
  assert.throws(plan([parseGrid('model[5].units=8')]), /model has 2 entries/);
  assert.throws(plan([parseGrid('optimizer.learning_rate=0.1'), parseGrid('optimizer.learning_rate=0.2')]), /swept twice/);
  assert.throws(plan([parseRange('optimizer.learning_rate=1e-4:1e-1')]), /--random N/);
  assert.throws(() => parseRange('optimizer.learning_rate=0:1e-1:log'), /log range needs a low end above 0/);
  assert.throws(() => parseRange('optimizer.learning_rate=0.1:0.01'), /must be below/);
  assert.throws(() => parsePath('optimizer..learning_rate'), /not a configuration path/);
  assert.throws(() => parseGrid('optimizer.learning_rate'), /path=value/);
  const noValidation = smallConfig();
  delete noValidation.data.validation;
  assert.throws(() => planSweep(noValidation, [parseGrid('fit.batch_size=32')]), /data.validation/);
});

test('setAt creates missing sections but never walks through a value', () => {
  const c = setAt({ seed: 1 }, 'fit.batch_size', 64);
  assert.deepEqual(c, { seed: 1, fit: { batch_size: 64 } });
  assert.throws(() => setAt({ seed: 1 }, 'seed.x', 2), /seed is not an object/);
});

test('ranking: best validation accuracy first, failed trials last, ties in trial order', () => {
  const results = [{ trial: 1, best_val_accuracy: 0.8 }, { trial: 2, best_val_accuracy: null, error: 'x' }, { trial: 3, best_val_accuracy: 0.85 }, { trial: 4, best_val_accuracy: 0.8 }];
  assert.deepEqual(rankTrials(results).map((r) => r.trial), [3, 1, 4, 2]);
  assert.equal(bestTrial(results).trial, 3);
  assert.equal(bestTrial([{ trial: 1, best_val_accuracy: null }]), null);
});
