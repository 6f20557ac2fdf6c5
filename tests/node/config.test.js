// The configuration contract: validation messages name the JSON path, every
// preset is valid, and the committed description/schema match the engine.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { validateConfig, toSpecs, layerSpec } from '../../wasm/config.js';
import { PRESETS, findPreset } from '../../wasm/presets.js';
import { configSchema } from '../../wasm/schema.js';
import description from '../../wasm/description.js';
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

test('description.js and config.schema.json are up to date with the engine', () => {
  assert.deepEqual(description, engine.describe(), 'run: node tools/gen-description.js');
  const schema = JSON.parse(fs.readFileSync(path.join(root, 'wasm/config.schema.json'), 'utf8'));
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
