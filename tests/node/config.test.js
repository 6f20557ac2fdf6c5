// The configuration contract: validation messages name the JSON path, every
// preset is valid, and the committed description/schema match the engine.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { validateConfig, layerSpec, resolveSchedule, trainImages } from '../../core/config.js';
import { toSpecs } from '../../core/prepare.js';
import { PRESETS, findPreset } from '../../core/presets.js';
import { configSchema } from '../../core/schema.js';
import { schemaAccepts } from './json-schema.js';
import description from '../../core/description.js';
import { loadEngine } from '../../wasm/node.js';
import { root, smallConfig } from './helpers.js';

const engine = await loadEngine({ variant: 'single' });
after(() => engine.close());

const messages = (config) => validateConfig(config).map((e) => `${e.path}: ${e.message}`);

test('a valid configuration has no errors', () => {
  assert.deepEqual(validateConfig(smallConfig()), []);
});

test('errors name the JSON path of the problem', () => {
  const bad = smallConfig();
  bad.model = [{ type: 'dense', units: 0, activation: 'relu' }, { type: 'dense', unit: 10, activation: 'softmax' }, { type: 'dropout', rate: 1.5 }, { type: 'dense', units: 10, activation: 'softmax' }];
  bad.optimizer = { type: 'sgd', learning_rate: -1, momentum: 0.9, clipnorm: 1, clipvalue: 1 };
  bad.fit = { epochs: 2.5, batch_size: 32 };
  const m = messages(bad);
  assert.ok(m.includes('model[0].units: must be a positive integer'), m.join('\n'));
  assert.ok(m.some((x) => x.startsWith('model[1].unit: is not an option of dense (did you mean "units"?)')), m.join('\n'));
  assert.ok(m.includes('model[1].units: is required'));
  assert.ok(m.some((x) => x.startsWith('model[2].rate: must be between 0 and')));
  assert.ok(m.includes('optimizer.learning_rate: must be zero or more'));
  assert.ok(m.includes('optimizer: set only one of clipvalue, clipnorm'));
  assert.ok(m.includes('fit.epochs: must be a whole number'));
});

// An initializer object without "type" would leave the engine's default
// initializer in place and its arguments doing nothing; one with an argument its
// type does not take (he_normal with a stddev) would ignore it.
test('an initializer object needs a type and only the arguments that type takes (PReLU\'s flat ones too)', () => {
  const withLayer = (extra) => smallConfig({ model: [{ type: 'dense', units: 20, activation: 'relu', ...extra }, { type: 'dense', units: 10, activation: 'softmax' }] });
  assert.deepEqual(messages(withLayer({ kernel_initializer: { stddev: 1 } })),
    ['model[0].kernel_initializer: an initializer object needs "type", e.g. {"type": "random_normal", "stddev": 1}']);
  assert.deepEqual(messages(withLayer({ bias_initializer: { value: 1 } })),
    ['model[0].bias_initializer: an initializer object needs "type", e.g. {"type": "constant", "value": 1}']);
  assert.deepEqual(messages(withLayer({ kernel_initializer: { minval: -1, maxval: 1 } })),
    ['model[0].kernel_initializer: an initializer object needs "type", e.g. {"type": "random_uniform", "minval": -1, "maxval": 1}']);
  assert.deepEqual(messages(withLayer({ kernel_initializer: {} })), ['model[0].kernel_initializer: an initializer object needs "type", e.g. {"type": "glorot_uniform"}']);
  assert.deepEqual(messages(withLayer({ kernel_initializer: { type: 'he_normal', stddev: 1 } })),
    ['model[0].kernel_initializer.stddev: he_normal takes no arguments; stddev is an argument of random_normal and truncated_normal']);
  assert.deepEqual(messages(withLayer({ kernel_initializer: { type: 'random_uniform', stddev: 1 } })),
    ['model[0].kernel_initializer.stddev: random_uniform takes minval, maxval, not stddev; stddev is an argument of random_normal and truncated_normal']);
  assert.deepEqual(messages(withLayer({ bias_initializer: { type: 'zeros', value: 1 } })),
    ['model[0].bias_initializer.value: zeros takes no arguments; value is an argument of constant']);
  assert.deepEqual(messages(withLayer({ kernel_initializer: { type: 'variance_scaling', scale: 2, mode: 'fan_avg', distribution: 'uniform' }, bias_initializer: { type: 'constant', value: 0.1 } })), []);
  // PReLU's flat options: alpha_value with an initializer that takes no value.
  const prelu = smallConfig({ model: [{ type: 'dense', units: 20 }, { type: 'prelu', alpha_initializer: 'ones', alpha_value: 0.25 }, { type: 'dense', units: 10, activation: 'softmax' }] });
  assert.deepEqual(messages(prelu), ['model[1].alpha_value: the ones initializer takes no arguments, so alpha_value would do nothing: set alpha_initializer to constant']);
});

// The schema (generated from the same initializer table) and validateConfig
// agree on initializer objects, valid and invalid.
test('config.schema.json and validateConfig agree on initializers', () => {
  const schema = JSON.parse(fs.readFileSync(path.join(root, 'core/config.schema.json'), 'utf8'));
  const withLayer = (extra) => smallConfig({ model: [{ type: 'dense', units: 20, activation: 'relu', ...extra }, { type: 'dense', units: 10, activation: 'softmax' }] });
  assert.ok(schemaAccepts(schema, smallConfig()));
  for (const p of PRESETS) for (const r of p.runs) assert.ok(schemaAccepts(schema, r.config), r.id);
  const cases = [
    [true, { kernel_initializer: 'he_normal' }], [true, { kernel_initializer: { type: 'he_normal' } }],
    [true, { kernel_initializer: { type: 'random_normal', mean: 0.1, stddev: 1 } }], [true, { kernel_initializer: { type: 'truncated_normal', stddev: 0.02 } }],
    [true, { kernel_initializer: { type: 'random_uniform', minval: -1, maxval: 1 } }], [true, { kernel_initializer: { type: 'constant', value: 0.5 } }],
    [true, { kernel_initializer: { type: 'variance_scaling', scale: 2, mode: 'fan_avg', distribution: 'uniform' } }],
    [true, { bias_initializer: 'ones' }], [true, { bias_initializer: { type: 'constant', value: -1 } }], [true, { bias_initializer: { type: 'zeros' } }],
    [false, { kernel_initializer: { stddev: 1 } }], [false, { kernel_initializer: {} }], [false, { kernel_initializer: { type: 'nope' } }],
    [false, { kernel_initializer: { type: 'he_normal', stddev: 1 } }], [false, { kernel_initializer: { type: 'random_uniform', stddev: 1 } }],
    [false, { kernel_initializer: { type: 'random_normal', value: 1 } }], [false, { kernel_initializer: { type: 'random_normal', stddev: -1 } }],
    [false, { kernel_initializer: { type: 'variance_scaling', mode: 'fan_sideways' } }], [false, { kernel_initializer: { type: 'variance_scaling', scale: 0 } }],
    [false, { kernel_initializer: { type: 'constant', value: 2e9 } }], [false, { kernel_initializer: { type: 'constant', stdev: 1 } }],
    [false, { bias_initializer: { value: 1 } }], [false, { bias_initializer: { type: 'zeros', value: 1 } }], [false, { bias_initializer: { type: 'he_normal' } }],
    [false, { bias_initializer: { type: 'constant', value: '1' } }], [false, { bias_initializer: { type: 'constant', value: 2e9 } }],
    // PReLU's flat alpha_value, only with the constant initializer.
    [true, { prelu: { alpha_initializer: 'constant', alpha_value: 0.25 } }], [true, { prelu: { alpha_initializer: 'ones' } }],
    [false, { prelu: { alpha_value: 0.25 } }], [false, { prelu: { alpha_initializer: 'ones', alpha_value: 0.25 } }],
  ];
  for (const [valid, extra] of cases) {
    const config = extra.prelu ? smallConfig({ model: [{ type: 'dense', units: 20 }, { type: 'prelu', ...extra.prelu }, { type: 'dense', units: 10, activation: 'softmax' }] }) : withLayer(extra);
    const at = JSON.stringify(extra);
    assert.equal(validateConfig(config).length === 0, valid, `validateConfig on ${at}: ${messages(config).join('; ')}`);
    assert.equal(schemaAccepts(schema, config), valid, `config.schema.json on ${at}`);
  }
});

test('cross-field checks: output units, softmax, schedule with plateau, validation monitor', () => {
  const c = smallConfig({ model: [{ type: 'dense', units: 5, activation: 'relu' }] });
  const m = messages(c);
  assert.ok(m.some((x) => x.startsWith('model[0]: the last layer must have activation "softmax"')));
  assert.ok(m.includes('model[0].units: the output layer needs 10 units, one per class (got 5)'));
  const c2 = smallConfig({ schedule: { type: 'exponential_decay', initial_learning_rate: 0.01, decay_steps: 10, decay_rate: 0.9 }, callbacks: [{ type: 'reduce_lr_on_plateau' }] });
  assert.ok(messages(c2).some((x) => x.startsWith('callbacks[0]: reduce_lr_on_plateau cannot be combined')));
  const c3 = smallConfig({ callbacks: [{ type: 'early_stopping', monitor: 'val_loss' }] });
  c3.data.validation = null;
  assert.ok(messages(c3).includes('callbacks[0].monitor: monitors validation metrics but data.validation is not set'));
  const c4 = smallConfig();
  c4.data.train = { split: 'train', start: 59000, count: 2000 };
  assert.ok(messages(c4).includes('data.train.count: start + count = 61000 exceeds the 60000 images of the train split'));
  assert.deepEqual(messages({ data: 3 })[0], 'data: is required: which dataset and which images to train on');
});

test('every preset run is valid and its specs are accepted by the engine', () => {
  for (const p of PRESETS)
    for (const r of p.runs) {
      assert.deepEqual(validateConfig(r.config), [], r.id);
      const specs = toSpecs(r.config);
      const m = engine.createModel(784, specs.model);
      specs.layers.forEach((s) => m.add(s));
      m.setOptimizer(specs.optimizer);
      m.setSchedule(specs.schedule);
      m.free();
    }
  assert.equal(findPreset('exp07/frozen').runs.map((r) => r.id).join(), 'exp07/a,exp07/frozen', 'a transfer run brings its source run');
});

test('translation keeps Keras names and values', () => {
  assert.equal(layerSpec({ type: 'dense', units: 100, activation: { type: 'leaky_relu', negative_slope: 0.01 }, kernel_initializer: { type: 'random_normal', stddev: 1 }, kernel_regularizer: { l1: 0.001, l2: 0.01 }, kernel_constraint: { max_norm: 2 } }),
    'dense units=100 activation=leaky_relu alpha=0.01 kernel_initializer=random_normal kernel_stddev=1 kernel_l1=0.001 kernel_l2=0.01 max_norm=2');
  const s = toSpecs(smallConfig({ optimizer: { type: 'sgd', learning_rate: 0.01, momentum: 0.9, nesterov: true }, schedule: { type: 'piecewise_constant_decay', boundaries: [10, 20], values: [0.1, 0.01, 0.001] } }));
  assert.equal(s.optimizer, 'sgd learning_rate=0.01 momentum=0.9 nesterov=1');
  assert.equal(s.schedule, 'piecewise_constant_decay boundaries=10,20 values=0.1,0.01,0.001');
});

// ---- schedules relative to the run (core/schedule-steps.js, config.js resolveSchedule)
const withSchedule = (schedule, fit = { epochs: 4, batch_size: 32 }, count = 3000) => {
  const c = smallConfig({ schedule, fit });
  c.data.train.count = count;
  return c;
};
const PIECEWISE = { type: 'piecewise_constant_decay', values: [0.01, 0.005, 0.001] };

test('a schedule given in epochs or as fractions of the run becomes steps that follow epochs, images and batch size', () => {
  const steps = (schedule, fit, count) => resolveSchedule(withSchedule(schedule, fit, count)).schedule;
  // ceil(3000 / 32) = 94 steps per epoch, as the engine counts them (a last partial batch is a step).
  assert.deepEqual(steps({ ...PIECEWISE, boundaries_epochs: [1, 2.5] }).boundaries, [94, 235]);
  assert.deepEqual(steps({ ...PIECEWISE, boundaries_epochs: [1, 2.5] }, { epochs: 4, batch_size: 64 }).boundaries, [47, 118]);
  assert.deepEqual(steps({ ...PIECEWISE, boundaries_epochs: [1, 2.5] }, undefined, 1000).boundaries, [32, 80]);
  // Fractions of the run follow the epochs too: 4 x 94 = 376 steps, then 8 x 94 = 752.
  assert.deepEqual(steps({ ...PIECEWISE, boundaries_fraction: [0.25, 0.5] }).boundaries, [94, 188]);
  assert.deepEqual(steps({ ...PIECEWISE, boundaries_fraction: [0.25, 0.5] }, { epochs: 8, batch_size: 32 }).boundaries, [188, 376]);
  const exp = { type: 'exponential_decay', initial_learning_rate: 0.01, decay_rate: 0.9 };
  assert.equal(steps({ ...exp, decay_epochs: 2 }).decay_steps, 188);
  assert.equal(steps({ ...exp, decay_epochs: 0.5 }, undefined, 1000).decay_steps, 16);
  // 1cycle covers the whole run when its length is left out; total_epochs gives it in epochs.
  const cycle = { type: 'one_cycle', max_learning_rate: 0.1 };
  assert.equal(steps(cycle).total_steps, 376);
  assert.equal(steps(cycle, { epochs: 10, batch_size: 32 }).total_steps, 940);
  assert.equal(steps({ ...cycle, total_epochs: 1.5 }).total_steps, 141);
  assert.equal(toSpecs(withSchedule(cycle)).schedule, 'one_cycle max_learning_rate=0.1 total_steps=376');
  // Steps stay steps.
  assert.deepEqual(steps({ ...PIECEWISE, boundaries: [10, 20] }), { ...PIECEWISE, boundaries: [10, 20] });
  const r = resolveSchedule(withSchedule(cycle));
  assert.deepEqual([r.trainCount, r.stepsPerEpoch, r.totalSteps], [3000, 94, 376]);
  // The images: the count, or the rest of the split; a class filter without a count is known only once loaded.
  const whole = withSchedule(cycle);
  whole.data.train = { split: 'train', start: 40000 };
  assert.equal(trainImages(whole), 20000);
  const classes = withSchedule(cycle);
  classes.data.train = { split: 'train', classes: [0, 1] };
  assert.equal(trainImages(classes), null);
  assert.throws(() => resolveSchedule(classes), (e) => e.name === 'ConfigError' && e.errors[0].path === 'data.train.count');
  assert.equal(resolveSchedule(classes, { trainCount: 12000 }).schedule.total_steps, 375 * 4);
  // Rounding to whole steps must not merge boundaries: said, with the path, not passed on.
  assert.throws(() => resolveSchedule(withSchedule({ ...PIECEWISE, boundaries_epochs: [1, 1.001] })),
    (e) => e.name === 'ConfigError' && e.errors[0].path === 'schedule.boundaries_epochs' && /same step/.test(e.errors[0].message));
});

test('each step option is given in exactly one form; errors name the JSON path', () => {
  const m = (schedule) => messages(withSchedule(schedule));
  assert.ok(m({ ...PIECEWISE, boundaries: [10, 20], boundaries_epochs: [1, 2] }).some((x) => x.startsWith('schedule.boundaries_epochs: give only one of boundaries and boundaries_epochs')), m({ ...PIECEWISE, boundaries: [10, 20], boundaries_epochs: [1, 2] }).join('\n'));
  assert.ok(m(PIECEWISE).includes('schedule.boundaries: is required (in steps, or boundaries_epochs in epochs, or boundaries_fraction as fractions of the run)'), m(PIECEWISE).join('\n'));
  assert.ok(m({ ...PIECEWISE, boundaries_fraction: [0.5, 1.2] }).includes('schedule.boundaries_fraction: must be fractions between 0 and 1 (0.5 is the middle of the run)'));
  assert.ok(m({ ...PIECEWISE, boundaries_epochs: [3, 2] }).includes('schedule.boundaries_epochs: must increase'));
  assert.ok(m({ ...PIECEWISE, boundaries_epochs: [1, 2, 3] }).some((x) => x.startsWith('schedule.values: needs one more value than boundaries (3 boundaries')));
  assert.ok(m({ ...PIECEWISE, boundary_epochs: [1, 2] }).some((x) => x.startsWith('schedule.boundary_epochs: is not an option of piecewise_constant_decay (did you mean "boundaries_epochs"?)')));
  assert.ok(m({ type: 'exponential_decay', initial_learning_rate: 0.01, decay_rate: 0.9, decay_epochs: -1 }).includes('schedule.decay_epochs: must be positive'));
  assert.ok(m({ type: 'exponential_decay', initial_learning_rate: 0.01, decay_rate: 0.9 }).includes('schedule.decay_steps: is required (in steps, or decay_epochs in epochs)'));
  assert.deepEqual(m({ type: 'one_cycle', max_learning_rate: 0.1 }), [], 'a 1cycle without a length covers the whole run');
  assert.ok(m({ type: 'one_cycle', max_learning_rate: 0.1, total_steps: 100, total_epochs: 2 }).some((x) => x.startsWith('schedule.total_epochs: give only one of total_steps and total_epochs')));
});

test('full-size presets resolve to the very steps of the reproductions (docs/results.md)', () => {
  // The schedules as steps before they were given relative to the run.
  const before = {
    'exp09/exponential': 'exponential_decay initial_learning_rate=0.01 decay_steps=1000 decay_rate=0.96',
    'exp09/piecewise': 'piecewise_constant_decay boundaries=9380,18760 values=0.01,0.005,0.001',
  };
  const now = {};
  for (const p of PRESETS) for (const r of p.runs) if (toSpecs(r.config).schedule !== 'constant') now[r.id] = toSpecs(r.config).schedule;
  assert.deepEqual(now, before);
});

test('a step schedule that ends before the run or starts after it is said, at its field', () => {
  const warn = (schedule, fit, count) => resolveSchedule(withSchedule(schedule, fit, count)).warnings;
  // The 1cycle: 5 epochs x 313 steps copied into total_steps, then 10 epochs.
  const [cycle] = warn({ type: 'one_cycle', max_learning_rate: 0.1, total_steps: 1565 }, { epochs: 10, batch_size: 32 }, 10000);
  assert.equal(cycle.path, 'schedule.total_steps');
  assert.match(cycle.message, /ends at step 1,565 \(epoch 5\), before the run's 3,130 steps \(10 epochs\).*last 5 epochs/);
  assert.match(warn({ type: 'one_cycle', max_learning_rate: 0.1, total_epochs: 20 }, { epochs: 10, batch_size: 32 }, 10000)[0].message, /longer than the run/);
  assert.equal(warn({ type: 'one_cycle', max_learning_rate: 0.1, total_epochs: 20 }, { epochs: 10, batch_size: 32 }, 10000)[0].path, 'schedule.total_epochs');
  // The issue's Quick try: experiment 9's step boundaries in a 3,756-step run.
  const [none] = warn({ ...PIECEWISE, boundaries: [9380, 18760] }, { epochs: 12, batch_size: 32 }, 10000);
  assert.equal(none.path, 'schedule.boundaries');
  assert.match(none.message, /No boundary is reached: the first is at step 9,380 \(epoch 30\).*stays 0\.01 throughout/);
  const [second] = warn({ ...PIECEWISE, boundaries: [1000, 18760] }, { epochs: 12, batch_size: 32 }, 10000);
  assert.match(second.message, /Boundary 18,760 \(epoch 59\.9\) comes after the run's 3,756 steps.*the rate 0\.001 is never used/);
  assert.equal(warn({ type: 'exponential_decay', initial_learning_rate: 0.01, decay_rate: 0.5, decay_steps: 5000, staircase: true }, { epochs: 12, batch_size: 32 }, 10000)[0].path, 'schedule.decay_steps');
  // Schedules that follow the run, and the presets under a Quick try, say nothing.
  assert.deepEqual(warn({ type: 'one_cycle', max_learning_rate: 0.1 }, { epochs: 10, batch_size: 32 }, 10000), []);
  for (const r of findPreset('exp09').runs) {
    const quick = structuredClone(r.config);
    quick.fit.epochs = 12;
    quick.data.train.count = 10000;
    assert.deepEqual(resolveSchedule(quick).warnings, [], r.id);
  }
});

test('description.js and config.schema.json are up to date with the engine', () => {
  assert.deepEqual(description, engine.describe(), 'run: node tools/gen-description.js');
  const schema = JSON.parse(fs.readFileSync(path.join(root, 'core/config.schema.json'), 'utf8'));
  assert.deepEqual(schema, configSchema(engine.describe()), 'run: node tools/gen-description.js');
});

test('engine defaults are Keras defaults', () => {
  const d = engine.describe();
  const def = (table, variant, opt) => d[table][variant].options[opt].default;
  assert.equal(def('optimizers', 'sgd', 'learning_rate'), 0.01);
  assert.equal(def('optimizers', 'adam', 'learning_rate'), 0.001);
  assert.equal(def('optimizers', 'adam', 'epsilon'), 1e-7);
  assert.equal(def('optimizers', 'rmsprop', 'rho'), 0.9);
  assert.equal(def('optimizers', 'adagrad', 'initial_accumulator_value'), 0.1);
  assert.equal(def('optimizers', 'adamw', 'weight_decay'), 0.004);
  assert.equal(def('layers', 'batch_normalization', 'momentum'), 0.99);
  assert.equal(def('layers', 'batch_normalization', 'epsilon'), 0.001);
  assert.equal(def('layers', 'dense', 'kernel_initializer'), 'glorot_uniform');
  assert.equal(def('layers', 'dense', 'bias_initializer'), 'zeros');
  assert.equal(def('callbacks', 'reduce_lr_on_plateau', 'factor'), 0.1);
  assert.equal(def('callbacks', 'reduce_lr_on_plateau', 'patience'), 10);
  assert.equal(def('callbacks', 'reduce_lr_on_plateau', 'min_delta'), 1e-4);
  assert.equal(def('callbacks', 'early_stopping', 'patience'), 0);
  assert.equal(def('fit', 'fit', 'batch_size'), 32);
});
