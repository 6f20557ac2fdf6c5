// The Keras scripts: every preset run's script is valid Python (py_compile),
// its key lines say what the configuration says (layer sizes, initializers,
// optimizer arguments, schedule, callbacks, data split, seed), and, where NumPy
// is available, a few scripts run against a small stand-in for the keras
// package that records what they build and feed to fit(): the images and labels
// must be the ones the engine trains on.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PRESETS } from '../../core/presets.js';
import description from '../../core/description.js';
import { kerasScript, scriptFileName, KerasScriptError } from '../../core/keras-script.js';
import { selectSubset } from '../../core/run.js';
import { resolveSchedule } from '../../core/config.js';
import { FASHION_MNIST_DIR } from '../../datasets/node.js';
import { root, engineWithData } from './helpers.js';

const PYTHON = process.env.PYTHON || 'python3';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keras-script-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const RUNS = PRESETS.flatMap((p) => p.runs.map((r) => ({ ...r, title: p.title })));
const scriptOf = (r) => kerasScript(r.config, { id: r.id, label: r.label, title: r.title });

function pyCompile(files) {
  const out = spawnSync(PYTHON, ['-m', 'py_compile', ...files], { encoding: 'utf8' });
  assert.equal(out.status, 0, `py_compile failed:\n${out.stderr}`);
}

// Python's spelling of a configuration number, as a reader would expect it.
const pyf = (v) => (Number.isInteger(v) ? `${v}.0` : String(v));

// The Keras layer lines between "model = keras.Sequential([" and "])", Input left out.
function layerLines(script) {
  const lines = script.split('\n');
  const start = lines.indexOf('model = keras.Sequential([');
  const end = lines.indexOf('])', start);
  assert.ok(start >= 0 && end > start, 'the script builds a Sequential model');
  const body = lines.slice(start + 1, end).map((l) => l.trim());
  assert.match(body[0], /^keras\.layers\.Input\(shape=\[(784|3072)\]\),$/);
  return body.slice(1);
}

function checkLayers(config, script, where) {
  const lines = layerLines(script);
  let k = 0;
  config.model.forEach((l, i) => {
    const line = lines[k++] ?? '';
    const at = `${where} model[${i}]: ${line}`;
    if (l.type === 'dense') {
      assert.ok(line.startsWith(`keras.layers.Dense(${l.units}`), at);
      const act = typeof l.activation === 'string' ? { type: l.activation } : l.activation ?? { type: 'linear' };
      const init = l.kernel_initializer;
      if (typeof init === 'string') assert.ok(line.includes(`kernel_initializer="${init}"`), at);
      else if (init?.type === 'random_normal') assert.ok(line.includes(`kernel_initializer=keras.initializers.RandomNormal(stddev=${pyf(init.stddev)})`), at);
      else if (init?.type === 'constant') assert.ok(line.includes(`kernel_initializer=keras.initializers.Constant(value=${pyf(init.value)})`), at);
      else if (init === undefined) assert.ok(!line.includes('kernel_initializer'), at);
      const reg = l.kernel_regularizer;
      if (reg?.l1 && reg?.l2) assert.ok(line.includes(`keras.regularizers.l1_l2(l1=${pyf(reg.l1)}, l2=${pyf(reg.l2)})`), at);
      else if (reg?.l2) assert.ok(line.includes(`kernel_regularizer=keras.regularizers.l2(${pyf(reg.l2)})`), at);
      else if (reg?.l1) assert.ok(line.includes(`kernel_regularizer=keras.regularizers.l1(${pyf(reg.l1)})`), at);
      else assert.ok(!line.includes('regularizer'), at);
      if (l.use_bias === false) assert.ok(line.includes('use_bias=False'), at);
      if (act.type === 'leaky_relu') {
        assert.ok(!line.includes('activation='), at);
        assert.equal(lines[k++], `keras.layers.LeakyReLU(negative_slope=${pyf(act.negative_slope ?? act.alpha ?? 0.3)}),`, at);
      } else if (act.type === 'linear') assert.ok(!line.includes('activation='), at);
      else assert.ok(line.includes(`activation="${act.type}"`), at);
    } else if (l.type === 'batch_normalization') assert.equal(line, 'keras.layers.BatchNormalization(),', at);
    else if (l.type === 'activation') assert.equal(line, `keras.layers.Activation("${l.activation}"),`, at);
    else if (l.type === 'dropout') assert.equal(line, `keras.layers.Dropout(${pyf(l.rate)}),`, at);
    else assert.fail(`${at}: unexpected layer type in a preset`);
  });
  assert.equal(k, lines.length, `${where}: as many Keras layers as expected`);
}

function checkOptimizer(config, script, where) {
  const o = config.optimizer ?? { type: 'sgd' };
  const line = script.split('\n').find((l) => l.startsWith('optimizer = '));
  assert.ok(line?.startsWith(`optimizer = keras.optimizers.${description.optimizers[o.type].keras}(`), `${where}: ${line}`);
  const s = config.schedule;
  if (s && s.type !== 'constant') assert.ok(line.includes('learning_rate=lr_schedule'), `${where}: ${line}`);
  else assert.ok(line.includes(`learning_rate=${pyf(o.learning_rate ?? 0.01)}`), `${where}: ${line}`);
  for (const [k, v] of Object.entries(o)) {
    if (k === 'type' || k === 'learning_rate') continue;
    assert.ok(line.includes(`${k}=${typeof v === 'boolean' ? (v ? 'True' : 'False') : pyf(v)}`), `${where}: ${k} in ${line}`);
  }
}

function checkRest(config, script, where) {
  assert.ok(script.includes(`\nkeras.utils.set_random_seed(${config.seed})`), `${where}: seed`);
  const d = config.data;
  const loader = d.dataset === 'cifar10' ? 'cifar10' : 'fashion_mnist';
  assert.ok(script.includes(`keras.datasets.${loader}.load_data()`), where);
  for (const [name, s] of [['train', d.train], ['valid', d.validation], ['test', d.test]]) {
    const line = script.split('\n').find((l) => l.startsWith(`X_${name}, y_${name} = subset(`));
    if (!s) { assert.equal(line, undefined, `${where}: no ${name} set`); continue; }
    assert.ok(line.startsWith(`X_${name}, y_${name} = subset("${s.split}"`), `${where}: ${line}`);
    if (s.count) assert.ok(line.includes(`count=${s.count}`), `${where}: ${line}`);
    if (s.start) assert.ok(line.includes(`start=${s.start}`), `${where}: ${line}`);
    if (s.classes) assert.ok(line.includes(`classes=[${s.classes.join(', ')}]`), `${where}: ${line}`);
  }
  assert.equal(script.includes('std = X_train.std(axis=0)'), Boolean(d.standardize), `${where}: standardization`);
  // keras.layers.Normalization divides by max(std, keras.backend.epsilon()), as the engine does.
  assert.equal(script.includes('std = np.maximum(std, 1e-7)'), Boolean(d.standardize), `${where}: Normalization's epsilon`);
  if (config.analysis) {
    assert.ok(script.includes(`layer_statistics(model, X_train[:${config.analysis.samples}], y_train[:${config.analysis.samples}])`), where);
    assert.ok(!script.includes('model.fit('), `${where}: an analysis does not train`);
    return;
  }
  const fit = config.fit;
  // A two-phase transfer fits the frozen epochs, then on to fit.epochs (tests/node/transfer.test.js).
  const freeze = config.transfer?.freeze_epochs;
  assert.ok(script.includes(`history = model.fit(X_train, y_train, epochs=${freeze ?? fit.epochs}, batch_size=${fit.batch_size}`), `${where}: fit`);
  if (freeze) assert.ok(script.includes(`history_2 = model.fit(X_train, y_train, epochs=${fit.epochs}, initial_epoch=${freeze}, batch_size=${fit.batch_size}`), `${where}: second fit`);
  assert.equal(script.includes('validation_data=(X_valid, y_valid)'), Boolean(d.validation), `${where}: validation data`);
  if (d.test) assert.ok(script.includes('test_loss, test_accuracy = model.evaluate(X_test, y_test, verbose=0)'), where);
  for (const cb of config.callbacks ?? []) {
    const cls = description.callbacks[cb.type].keras;
    const line = script.split('\n').find((l) => l.trim().startsWith(`keras.callbacks.${cls}(`));
    assert.ok(line, `${where}: ${cls}`);
    for (const [k, v] of Object.entries(cb))
      if (k !== 'type') assert.ok(line.includes(`${k}=${typeof v === 'string' ? `"${v}"` : typeof v === 'boolean' ? (v ? 'True' : 'False') : Number.isInteger(v) && k !== 'factor' && k !== 'min_lr' && k !== 'min_delta' ? v : pyf(v)}`), `${where}: ${k} in ${line}`);
  }
  const s = resolveSchedule(config).schedule; // in steps, as trained
  if (s?.type === 'exponential_decay')
    assert.ok(script.includes(`lr_schedule = keras.optimizers.schedules.ExponentialDecay(initial_learning_rate=${pyf(s.initial_learning_rate)}, decay_steps=${pyf(s.decay_steps)}, decay_rate=${pyf(s.decay_rate)})`), where);
  if (s?.type === 'piecewise_constant_decay')
    assert.ok(script.includes(`lr_schedule = keras.optimizers.schedules.PiecewiseConstantDecay(boundaries=[${s.boundaries.join(', ')}], values=[${s.values.map(pyf).join(', ')}])`), where);
  if (config.transfer) {
    assert.ok(script.includes(`source_model = keras.models.load_model("${config.transfer.from.replace('/', '_')}.keras")`), where);
    assert.equal(script.includes('    layer.trainable = False'), config.transfer.trainable === false, where);
  }
  if (config.prune) assert.ok(script.includes(`k = int(${pyf(config.prune.fraction)} * kernel.size)`), where);
  assert.ok(script.endsWith(`model.save("${scriptFileName(config.name).replace(/\.py$/, '.keras')}")\n`), where);
}

test('every preset run gives a script that compiles and says what its configuration says', () => {
  const files = [];
  for (const r of RUNS) {
    const script = scriptOf(r);
    const file = path.join(tmp, scriptFileName(r.id));
    fs.writeFileSync(file, script);
    files.push(file);
    checkLayers(r.config, script, r.id);
    if (!r.config.analysis) checkOptimizer(r.config, script, r.id);
    checkRest(r.config, script, r.id);
  }
  assert.ok(files.length >= 40, `${files.length} preset runs`);
  pyCompile(files);
});

test('options beyond the presets: 1cycle, power decay, ELU alpha, initializers, constraints, every clip, other optimizers', () => {
  const base = {
    name: 'custom/options', seed: 5,
    data: { dataset: 'fashion-mnist', train: { split: 'train', start: 100, count: 1000 }, validation: { split: 'train', start: 50000, count: 500 }, test: { split: 'test', count: 500 }, standardize: true },
    model: [
      { type: 'dense', units: 50, activation: { type: 'elu', alpha: 0.5 }, kernel_initializer: { type: 'truncated_normal', mean: 0.1, stddev: 0.02 }, bias_initializer: { type: 'constant', value: 0.1 }, kernel_constraint: { max_norm: 3 }, name: 'hidden' },
      { type: 'dense', units: 40, activation: 'gelu', kernel_initializer: { type: 'random_uniform', minval: -0.1, maxval: 0.1 }, kernel_regularizer: { l1: 1e-5, l2: 1e-4 }, use_bias: false, trainable: false },
      { type: 'batch_normalization', momentum: 0.9, epsilon: 1e-5, center: false },
      { type: 'activation', activation: { type: 'leaky_relu', alpha: 0.2 } },
      { type: 'alpha_dropout', rate: 0.1 },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
    fit: { epochs: 3, batch_size: 64, shuffle: false },
  };
  const cases = [
    [{ optimizer: { type: 'sgd', learning_rate: 0.05, momentum: 0.9, nesterov: true, global_clipnorm: 2 }, schedule: { type: 'one_cycle', max_learning_rate: 0.05, total_steps: 48 } },
      ['optimizer = keras.optimizers.SGD(learning_rate=0.005, momentum=0.9, nesterov=True, global_clipnorm=2.0)', '    OneCycleScheduler(iterations=48, max_lr=0.05),', 'class OneCycleScheduler(keras.callbacks.Callback):']],
    [{ optimizer: { type: 'adam', learning_rate: 0.002, beta_1: 0.8, beta_2: 0.99, epsilon: 1e-8, clipvalue: 0.5 }, schedule: { type: 'inverse_time_decay', initial_learning_rate: 0.01, decay_steps: 100, decay_rate: 0.5, power: 2 } },
      ['optimizer = keras.optimizers.Adam(learning_rate=lr_schedule, beta_1=0.8, beta_2=0.99, epsilon=1e-8, clipvalue=0.5)', 'lr_schedule = PowerDecay(initial_learning_rate=0.01, decay_steps=100.0, decay_rate=0.5, power=2.0)']],
    [{ optimizer: { type: 'rmsprop', rho: 0.95, momentum: 0.5, centered: true, clipnorm: 1, weight_decay: 0.001 }, schedule: { type: 'inverse_time_decay', initial_learning_rate: 0.01, decay_steps: 100, decay_rate: 0.5, staircase: true } },
      ['optimizer = keras.optimizers.RMSprop(learning_rate=lr_schedule, rho=0.95, momentum=0.5, centered=True, clipnorm=1.0, weight_decay=0.001)', 'lr_schedule = keras.optimizers.schedules.InverseTimeDecay(initial_learning_rate=0.01, decay_steps=100.0, decay_rate=0.5, staircase=True)']],
    [{ optimizer: { type: 'adagrad', initial_accumulator_value: 0.2 }, callbacks: [{ type: 'early_stopping', monitor: 'val_accuracy', min_delta: 0.001, patience: 2, start_from_epoch: 1 }, { type: 'model_checkpoint', monitor: 'val_accuracy' }] },
      ['optimizer = keras.optimizers.Adagrad(learning_rate=0.001, initial_accumulator_value=0.2)',
        '    keras.callbacks.EarlyStopping(monitor="val_accuracy", min_delta=0.001, patience=2, start_from_epoch=1),',
        '    keras.callbacks.ModelCheckpoint("custom_options_best.keras", monitor="val_accuracy", save_best_only=True),']],
    [{ optimizer: { type: 'nadam' }, stats: { every_epoch: true, samples: 300 } }, ['optimizer = keras.optimizers.Nadam(learning_rate=0.001)', '        layer_statistics(self.model, X_train[:300], y_train[:300])', 'import tensorflow as tf']],
    [{ optimizer: { type: 'adamw', weight_decay: 0.01 } }, ['optimizer = keras.optimizers.AdamW(learning_rate=0.001, weight_decay=0.01)']],
    [{ optimizer: { type: 'adamax', learning_rate: 0.002 } }, ['optimizer = keras.optimizers.Adamax(learning_rate=0.002)']],
  ];
  const common = [
    '    keras.layers.Dense(50, kernel_initializer=keras.initializers.TruncatedNormal(mean=0.1, stddev=0.02), bias_initializer=keras.initializers.Constant(value=0.1), kernel_constraint=keras.constraints.MaxNorm(max_value=3.0), name="hidden"),',
    '    keras.layers.ELU(alpha=0.5),',
    '    keras.layers.Dense(40, activation="gelu", use_bias=False, kernel_initializer=keras.initializers.RandomUniform(minval=-0.1, maxval=0.1), kernel_regularizer=keras.regularizers.l1_l2(l1=0.00001, l2=0.0001), trainable=False),',
    '    keras.layers.BatchNormalization(momentum=0.9, epsilon=0.00001, center=False),',
    '    keras.layers.LeakyReLU(negative_slope=0.2),',
    '    keras.layers.AlphaDropout(0.1),',
    'X_train, y_train = subset("train", start=100, count=1000)',
    'X_valid, y_valid = subset("train", start=50000, count=500)',
    'X_test, y_test = subset("test", count=500)',
    'X_test = (X_test - mean) / std',
    'keras.utils.set_random_seed(5)  # Python, NumPy and TensorFlow generators',
  ];
  const files = [];
  cases.forEach(([extra, expected], i) => {
    const script = kerasScript({ ...base, ...extra });
    const lines = script.split('\n');
    // JS writes 1e-5 as 0.00001: equal in Python, so either spelling is accepted.
    for (const want of [...expected, ...common])
      assert.ok(lines.includes(want) || lines.includes(want.replace('0.00001', '1e-5')), `case ${i}: missing line\n${want}\nin\n${script}`);
    assert.ok(script.includes('history = model.fit(X_train, y_train, epochs=3, batch_size=64, shuffle=False, validation_data=(X_valid, y_valid)'), `case ${i}: fit`);
    const file = path.join(tmp, `custom_${i}.py`);
    fs.writeFileSync(file, script);
    files.push(file);
  });
  pyCompile(files);
  assert.throws(() => kerasScript({ ...base, data: { ...base.data, dataset: 'custom' } }), KerasScriptError);
  assert.throws(() => kerasScript({ ...base, model: [{ type: 'dense', units: 0 }] }), /model\[0\]\.units/);
});

test('Swish is written as Keras\'s "swish" (keras.activations.silu), in a Dense layer and as an Activation layer', () => {
  const config = { data: { dataset: 'fashion-mnist', train: { split: 'train', count: 1000 } }, model: [
    { type: 'dense', units: 20, activation: 'swish' }, { type: 'activation', activation: 'swish' }, { type: 'dense', units: 10, activation: 'softmax' }] };
  const script = kerasScript(config);
  assert.ok(script.includes('keras.layers.Dense(20, activation="swish")'), script);
  assert.ok(script.includes('keras.layers.Activation("swish")'), script);
});

test('Mish, PReLU, VarianceScaling are written with their Keras names; RReLU, which Keras lacks, as a custom layer defined once', () => {
  const config = { name: 'newer', data: { dataset: 'fashion-mnist', train: { split: 'train', count: 1000 } }, model: [
    { type: 'dense', units: 20, activation: 'mish', kernel_initializer: { type: 'variance_scaling', scale: 2, mode: 'fan_avg', distribution: 'uniform' } },
    { type: 'dense', units: 20, kernel_initializer: 'variance_scaling' },
    { type: 'prelu' },
    { type: 'prelu', alpha_initializer: 'constant', alpha_value: 0.25, alpha_l1: 0.001, trainable: false, name: 'slopes' },
    { type: 'dense', units: 20 },
    { type: 'rrelu' },
    { type: 'dense', units: 20 },
    { type: 'rrelu', lower: 0.05, upper: 0.5 },
    { type: 'activation', activation: 'mish' },
    { type: 'dense', units: 10, activation: 'softmax' }] };
  const script = kerasScript(config);
  const lines = script.split('\n').map((l) => l.trim());
  for (const want of [
    'keras.layers.Dense(20, activation="mish", kernel_initializer=keras.initializers.VarianceScaling(scale=2.0, mode="fan_avg", distribution="uniform")),',
    'keras.layers.Dense(20, kernel_initializer="variance_scaling"),',
    'keras.layers.PReLU(),',
    'keras.layers.PReLU(alpha_initializer=keras.initializers.Constant(value=0.25), alpha_regularizer=keras.regularizers.l1(0.001), trainable=False, name="slopes"),',
    'RReLU(),',
    'RReLU(lower=0.05, upper=0.5),',
    'keras.layers.Activation("mish"),',
  ]) assert.ok(lines.includes(want), `missing ${want} in\n${script}`);
  // The custom layer: defined once, before the model, registered so the saved model loads.
  assert.equal(script.split('class RReLU(keras.layers.Layer):').length, 2, script);
  assert.ok(script.indexOf('class RReLU(') < script.indexOf('model = keras.Sequential(['));
  assert.ok(script.includes('@keras.saving.register_keras_serializable()  # so that saved models load again\nclass RReLU('));
  assert.ok(script.includes('slope = keras.random.uniform(keras.ops.shape(inputs), self.lower, self.upper,'));
  assert.ok(script.includes('slope = (self.lower + self.upper) / 2'));
  const file = path.join(tmp, 'newer.py');
  fs.writeFileSync(file, script);
  pyCompile([file]);
  // Without an RReLU, no class is defined.
  assert.ok(!kerasScript({ ...config, model: config.model.filter((l) => l.type !== 'rrelu') }).includes('class RReLU'));
});

test('a schedule given relative to the run is written in the steps it resolves to', () => {
  const piecewise = structuredClone(PRESETS.find((p) => p.id === 'exp09').runs.find((r) => r.id === 'exp09/piecewise').config);
  const full = kerasScript(piecewise);
  assert.ok(full.includes('lr_schedule = keras.optimizers.schedules.PiecewiseConstantDecay(boundaries=[9380, 18760], values=[0.01, 0.005, 0.001])'), full);
  assert.ok(full.includes('# The schedule follows the run: 938 steps per epoch (ceil(30000 / 32)), 28140 in all.'));
  // A Quick try: 4 epochs of 10000 images, 313 steps per epoch; the boundaries at a third and two thirds.
  piecewise.fit.epochs = 4;
  piecewise.data.train.count = 10000;
  assert.ok(kerasScript(piecewise).includes('PiecewiseConstantDecay(boundaries=[417, 835], values=[0.01, 0.005, 0.001])'));
  const exponential = structuredClone(PRESETS.find((p) => p.id === 'exp09').runs.find((r) => r.id === 'exp09/exponential').config);
  assert.ok(kerasScript(exponential).includes('ExponentialDecay(initial_learning_rate=0.01, decay_steps=1000.0, decay_rate=0.96)'));
  // 1cycle over the whole run, and a class filter whose size only the loaded data tells.
  const cycle = { ...exponential, schedule: { type: 'one_cycle', max_learning_rate: 0.05 }, fit: { epochs: 3, batch_size: 50 } };
  assert.ok(kerasScript(cycle).includes('    OneCycleScheduler(iterations=1800, max_lr=0.05),'));
  cycle.data = { ...cycle.data, train: { split: 'train', classes: [9, 8, 7, 6, 5, 4, 3, 2, 1, 0] } };
  assert.throws(() => kerasScript(cycle), /data\.train\.count: is needed/);
  assert.ok(kerasScript(cycle, { trainCount: 12000 }).includes('    OneCycleScheduler(iterations=720, max_lr=0.05),'));
});

test('npm run train -- <preset> --keras-script prints the scripts without training', () => {
  const out = execFileSync(process.execPath, [path.join(root, 'tools/train.js'), 'exp07/frozen', '--keras-script'], { encoding: 'utf8' });
  assert.ok(out.startsWith('#!/usr/bin/env python3\n"""exp07/a: task A (classes 0-4)'), 'the source run comes first');
  assert.ok(out.includes('"""exp07/frozen: B on A, hidden layers frozen'));
  assert.ok(out.includes('model.save("exp07_a.keras")') && out.includes('source_model = keras.models.load_model("exp07_a.keras")'));
  const file = path.join(tmp, 'cli.py');
  fs.writeFileSync(file, out);
  pyCompile([file]);
});

// ---- running scripts against a stand-in keras (needs NumPy; skipped without it)
const NUMPY_PYTHON = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean)
  .find((p) => spawnSync(p, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0);

const STUB = String.raw`
"""A stand-in for the keras package: records what a generated script builds and
feeds to fit(), and reads Fashion-MNIST from the IDX files the engine uses."""
import atexit, gzip, json, os
import numpy as np

RECORD = {"fits": [], "evaluated": []}


def jsonable(v):
    if isinstance(v, Recorded):
        return v.describe()
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, np.ndarray):
        return {"shape": list(v.shape)}
    if isinstance(v, np.generic):
        return v.item()
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return repr(v)


class Recorded:
    path = "?"

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        self.trainable = kwargs.get("trainable", True)
        self.weights = None

    def describe(self):
        return {"class": self.path, "args": jsonable(self.args), "kwargs": jsonable(self.kwargs),
                "trainable": self.trainable, "weights": self.weights}

    def set_weights(self, weights):
        self.weights = weights

    def get_weights(self):
        return "weights of " + self.path

    @property
    def rate(self):
        return self.kwargs.get("rate", self.args[0] if self.args else None)


class Namespace:
    def __init__(self, path):
        self._path, self._classes = path, {}

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._classes:
            self._classes[name] = type(name, (Recorded,), {"path": self._path + "." + name})
        return self._classes[name]


layers = Namespace("keras.layers")
initializers = Namespace("keras.initializers")
regularizers = Namespace("keras.regularizers")
constraints = Namespace("keras.constraints")
callbacks = Namespace("keras.callbacks")
optimizers = Namespace("keras.optimizers")
optimizers.schedules = Namespace("keras.optimizers.schedules")


class utils:
    @staticmethod
    def set_random_seed(seed):
        RECORD["seed"] = seed


def read_idx(name):
    with gzip.open(os.path.join(os.environ["FASHION_MNIST_DIR"], name)) as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class datasets:
    class fashion_mnist:
        @staticmethod
        def load_data():
            return ((read_idx("train-images-idx3-ubyte.gz"), read_idx("train-labels-idx1-ubyte.gz")),
                    (read_idx("t10k-images-idx3-ubyte.gz"), read_idx("t10k-labels-idx1-ubyte.gz")))


class History:
    pass


class Sequential:
    def __init__(self, layer_list):
        self.input, self.layers = layer_list[0], list(layer_list[1:])
        LAST_MODEL[:] = [self]

    def summary(self):
        RECORD["input"] = self.input.describe()

    def compile(self, **kwargs):
        RECORD["compile"] = jsonable(kwargs)
        RECORD["layers"] = [layer.describe() for layer in self.layers]

    def fit(self, X, y, **kwargs):
        valid = kwargs.get("validation_data")
        RECORD["fits"].append({
            "X": list(X.shape), "dtype": str(X.dtype), "first_image": X[0].tolist(), "mean": float(X.mean()),
            "y": y.tolist(), "valid_y": valid[1].tolist() if valid else None, "kwargs": jsonable(kwargs)})
        history = History()
        history.epoch = list(range(kwargs["epochs"]))
        history.history = {"loss": [1.0] * kwargs["epochs"], "accuracy": [0.5] * kwargs["epochs"]}
        return history

    def evaluate(self, X, y, verbose=1):
        RECORD["evaluated"].append(list(X.shape))
        return 0.5, 0.75

    def save(self, path):
        RECORD["saved"] = path

    def predict(self, X, verbose=1):
        # Monte Carlo Dropout's passes: the shape, and the layers the MC model runs.
        RECORD.setdefault("predicted", []).append(list(X.shape))
        RECORD["predict_layers"] = [[type(layer).__name__, getattr(layer, "rate", None)] for layer in self.layers]
        return np.full((X.shape[0], 10), 0.1, dtype="float32")


class models:
    @staticmethod
    def load_model(path):
        RECORD.setdefault("loaded", []).append(path)
        if path.endswith("_best.keras"):
            return LAST_MODEL[0]  # the checkpoint of the model being trained
        return Sequential([Recorded()] + [Recorded() for _ in range(8)])


LAST_MODEL = []


atexit.register(lambda: json.dump(RECORD, open(os.environ["KERAS_STUB_RECORD"], "w")))
`;

test('scripts run against a stand-in keras: the same images, labels, layers and fit arguments as the engine', { skip: !NUMPY_PYTHON && 'no python3 with NumPy here (Debian: python3-numpy)' }, async () => {
  const stubDir = path.join(tmp, 'stub', 'keras');
  fs.mkdirSync(stubDir, { recursive: true });
  fs.writeFileSync(path.join(stubDir, '__init__.py'), STUB);
  const { engine, loadSplit } = await engineWithData('single');
  try {
    for (const id of ['exp07/frozen', 'exp13/production', 'exp04/selu']) {
      const run = RUNS.find((r) => r.id === id);
      const file = path.join(tmp, scriptFileName(id));
      fs.writeFileSync(file, scriptOf(run));
      const record = path.join(tmp, 'record.json');
      const out = spawnSync(NUMPY_PYTHON, [file], {
        cwd: tmp, encoding: 'utf8',
        env: { ...process.env, PYTHONPATH: path.join(tmp, 'stub'), FASHION_MNIST_DIR, KERAS_STUB_RECORD: record },
      });
      assert.equal(out.status, 0, `${id}: the script failed:\n${out.stderr}`);
      const rec = JSON.parse(fs.readFileSync(record, 'utf8'));
      const { config } = run;
      assert.equal(rec.seed, config.seed);
      // Data: the engine's subset, pixel for pixel and label for label.
      const train = selectSubset(await loadSplit('fashion-mnist', config.data.train.split), config.data.train);
      const valid = selectSubset(await loadSplit('fashion-mnist', config.data.validation.split), config.data.validation);
      const fit = rec.fits[0];
      assert.deepEqual(fit.X, [train.count, 784], id);
      assert.equal(fit.dtype, 'float32');
      assert.deepEqual(fit.y, Array.from(train.labels()), `${id}: training labels (relabelled classes included)`);
      assert.deepEqual(fit.valid_y, Array.from(valid.labels()), `${id}: validation labels`);
      if (config.data.standardize) assert.ok(Math.abs(fit.mean) < 1e-3, `${id}: standardized inputs have mean ${fit.mean}`);
      else {
        const pixels = train.image(0);
        assert.ok(fit.first_image.every((v, j) => Math.abs(v - pixels[j] / 255) < 1e-7), `${id}: first image = pixels / 255`);
      }
      train.free(), valid.free();
      assert.equal(fit.kwargs.epochs, config.fit.epochs);
      assert.equal(fit.kwargs.batch_size, config.fit.batch_size);
      // Model and optimizer as built.
      const dense = rec.layers.filter((l) => l.class === 'keras.layers.Dense');
      assert.deepEqual(dense.map((l) => l.args[0]), config.model.filter((l) => l.type === 'dense').map((l) => l.units), id);
      assert.equal(rec.compile.loss, 'sparse_categorical_crossentropy');
      const opt = rec.compile.optimizer;
      assert.equal(opt.class, `keras.optimizers.${description.optimizers[config.optimizer.type].keras}`);
      for (const [k, v] of Object.entries(config.optimizer)) if (k !== 'type') assert.equal(opt.kwargs[k], v, `${id}: optimizer ${k}`);
      if (config.transfer) {
        assert.deepEqual(rec.loaded, ['exp07_a.keras']);
        rec.layers.slice(0, 3).forEach((l) => assert.equal(l.trainable, false));
        assert.equal(rec.layers[3].trainable, true);
        assert.ok(rec.layers.slice(0, 3).every((l) => l.weights === 'weights of ?'));
      }
      const callbacks = fit.kwargs.callbacks ?? [];
      assert.deepEqual(callbacks.map((c) => c.class), (config.callbacks ?? []).map((c) => `keras.callbacks.${description.callbacks[c.type].keras}`));
      if (config.callbacks?.some((c) => c.type === 'model_checkpoint')) assert.deepEqual(rec.loaded, [`${id.replace('/', '_')}_best.keras`], `${id}: goes on with the checkpoint`);
      assert.deepEqual(rec.evaluated, [[config.data.validation.count, 784], ...(config.data.test ? [[config.data.test.count, 784]] : [])]);
      assert.equal(rec.saved, `${id.replace('/', '_')}.keras`);
      // Monte Carlo Dropout: 100 passes over the test (else validation) images, each
      // dropout layer replaced by its always-on subclass with the same rate.
      const drops = config.model.filter((l) => ['dropout', 'alpha_dropout'].includes(l.type)).map((l) => ({ ...l, rate: l.rate ?? description.layers[l.type].options.rate.default })).filter((l) => l.rate > 0);
      if (drops.length) {
        const mcSet = config.data.test ?? config.data.validation;
        assert.deepEqual(rec.predicted, Array(100).fill([mcSet.count, 784]), `${id}: MC passes`);
        const mcLayers = rec.predict_layers.filter(([name]) => name.startsWith('MC'));
        assert.deepEqual(mcLayers, drops.map((l) => [l.type === 'dropout' ? 'MCDropout' : 'MCAlphaDropout', l.rate]), `${id}: MC layers`);
      } else assert.equal(rec.predicted, undefined, `${id}: no MC without dropout`);
    }
  } finally {
    engine.close();
  }
});
