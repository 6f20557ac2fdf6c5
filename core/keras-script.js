// keras-script.js: a run configuration as a runnable Python script (Keras 3 on
// TensorFlow) that rebuilds the same data split, model, initializers,
// regularizers, constraints, optimizer, schedule and callbacks, trains, and
// prints the per-epoch history and the final accuracies: the book's code for
// the run, to compare the playground with the real thing.
// Keras names: https://keras.io/api/ (layers, initializers, optimizers,
// optimizers/learning_rate_schedules, callbacks).
import description from './description.js';
import { prepare } from './prepare.js';
import { transferPhases, reusedStartFrozen } from './config.js';
import { needsRun } from './schedule-steps.js';
import { fileStem } from './file-names.js';
import { layerKind } from './layers/index.js';
import { activationOf } from './layers/activation.js';
import { hasDropout } from './mc-dropout.js';

export class KerasScriptError extends Error {
  constructor(message) {
    super(message);
    this.name = 'KerasScriptError';
  }
}

// ---- Python literals
// Every piece of text that reaches the script (run, layer and base-run names,
// labels, titles) goes through pythonString, or pythonText in a comment or the
// docstring: free text must never end a comment or a string and become code
// (issue 10: a base run named "base\nimport os; ..." did). Escapes as the Python
// reference defines them ("String and Bytes literals"): backslash and double
// quote, and as \xNN, \uNNNN or \UNNNNNNNN every character that is a control
// (C0, DEL, C1), a line or paragraph separator, a format character (the
// bidirectional overrides of "Trojan Source", CVE-2021-42574, would make the
// code read differently from what runs), a lone surrogate (not encodable in the
// UTF-8 file), private-use or unassigned. JSON.stringify is not this: it leaves
// U+2028, C1 controls and bidi overrides raw.
const UNSAFE_IN_SOURCE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}]/u;
const hex = (n, width) => n.toString(16).padStart(width, '0');
const SHORT_ESCAPES = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
export function pythonText(text) {
  let out = '';
  for (const ch of String(text)) {
    const code = ch.codePointAt(0);
    if (SHORT_ESCAPES[ch]) out += SHORT_ESCAPES[ch];
    else if (!UNSAFE_IN_SOURCE.test(ch)) out += ch;
    else if (code < 0x100) out += `\\x${hex(code, 2)}`;
    else if (code < 0x10000) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return out;
}
export const pythonString = (text) => `"${pythonText(text)}"`;
const pyStr = pythonString;
// Floats keep a decimal point (clipnorm=1.0 reads as the book writes it); the
// validator refuses non-finite numbers, and Python spells them float("inf").
const pyNum = (v, float = true) => (!Number.isFinite(v) ? `float("${v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan'}")`
  : float && Number.isInteger(v) && Math.abs(v) < 1e16 ? `${v}.0` : String(v));
function py(v, float = true) {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return pyNum(v, float);
  if (Array.isArray(v)) return `[${v.map((x) => py(x, float)).join(', ')}]`;
  return pyStr(v);
}
const kwargs = (pairs) => pairs.filter(([, v]) => v !== undefined).map(([k, v]) => (v === RAW ? k : `${k}=${v}`)).join(', ');
const RAW = Symbol('raw');

// File name of a run's saved model (the script of a transfer run loads it).
export const modelFileName = (runId) => `${fileStem(runId)}.keras`;
export const scriptFileName = (runId) => `${fileStem(runId)}.py`;

// ---- model
const INITIALIZER_CLASS = { random_normal: 'RandomNormal', random_uniform: 'RandomUniform', truncated_normal: 'TruncatedNormal', constant: 'Constant', variance_scaling: 'VarianceScaling' };

function initializer(init) {
  if (init === undefined || init === null) return undefined;
  if (typeof init === 'string') return pyStr(init);
  const { type, ...params } = init;
  const cls = INITIALIZER_CLASS[type];
  if (!cls) return pyStr(type);
  // Keras argument names are the configuration's: mean, stddev, minval, maxval,
  // value, and VarianceScaling's scale, mode, distribution.
  return `keras.initializers.${cls}(${kwargs(Object.entries(params).map(([k, v]) => [k, py(v)]))})`;
}

function regularizer(reg) {
  if (!reg) return undefined;
  const { l1, l2 } = reg;
  if (l1 && l2) return `keras.regularizers.l1_l2(l1=${py(l1)}, l2=${py(l2)})`;
  if (l1) return `keras.regularizers.l1(${py(l1)})`;
  if (l2) return `keras.regularizers.l2(${py(l2)})`;
  return undefined;
}

// An activation that a name cannot say becomes its own layer, as in the book:
// LeakyReLU (Keras 3's "leaky_relu" function has slope 0.2, the engine's and the
// layer's default is 0.3) and ELU with alpha != 1.
function activationLayer({ name, alpha }) {
  if (name === 'leaky_relu') return `keras.layers.LeakyReLU(negative_slope=${py(alpha ?? description.activation_info.leaky_relu.alpha.default)})`;
  if (name === 'elu' && alpha !== undefined && alpha !== 1) return `keras.layers.ELU(alpha=${py(alpha)})`;
  return null;
}

// What a layer kind's keras() writes with (core/layers/).
const WRITERS = { py, pyStr, kwargs, RAW, initializer, regularizer, activationOf, activationLayer };

// Returns [{code, activation (name for the statistics), source (config index),
// definition (a custom layer's class, {name, lines}, for a kind Keras lacks)}].
function kerasLayers(config) {
  const out = [];
  config.model.forEach((l, i) => {
    const kind = layerKind(l.type);
    if (!kind) throw new KerasScriptError(`model[${i}]: layer type "${l.type}" has no Keras equivalent here`);
    const name = l.name !== undefined ? pyStr(l.name) : undefined;
    const trainable = l.trainable === false ? 'False' : undefined;
    for (const entry of kind.keras(l, { ...WRITERS, name, trainable })) out.push({ source: i, ...entry });
  });
  return out;
}

// ---- data
const DATA_LOADERS = { 'fashion-mnist': 'fashion_mnist', cifar10: 'cifar10' };

function dataSection(config) {
  const { data } = config;
  const loader = DATA_LOADERS[data.dataset];
  if (!loader) throw new KerasScriptError(`data.dataset: the "${data.dataset}" dataset comes from your own files; the script only knows Fashion-MNIST and CIFAR-10`);
  const lines = [];
  if (data.dataset === 'cifar10') {
    lines.push(
      '# ---- data: CIFAR-10; pixels / 255, flattened to 3072 features in the engine\'s order',
      '# (the binary files\' 1024 red, then 1024 green, then 1024 blue values)',
      '(X_train_full, y_train_full), (X_test_full, y_test_full) = keras.datasets.cifar10.load_data()',
      'SPLITS = {',
      '    "train": (X_train_full.transpose(0, 3, 1, 2), y_train_full.ravel()),',
      '    "test": (X_test_full.transpose(0, 3, 1, 2), y_test_full.ravel()),',
      '}',
    );
  } else {
    lines.push(
      '# ---- data: Fashion-MNIST; pixels / 255, flattened to 784 features',
      '(X_train_full, y_train_full), (X_test_full, y_test_full) = keras.datasets.fashion_mnist.load_data()',
      'SPLITS = {"train": (X_train_full, y_train_full), "test": (X_test_full, y_test_full)}',
    );
  }
  lines.push(
    '',
    '',
    'def subset(split, start=0, count=None, classes=None):',
    '    """Images start .. start + count - 1 of a split, as float32 rows of pixels / 255.',
    '    With classes: only the images of those classes (in their order in the split),',
    '    relabelled 0, 1, ... in the order the classes are listed."""',
    '    X, y = SPLITS[split]',
    '    if classes is not None:',
    '        keep = np.isin(y, classes)',
    '        X, y = X[keep], y[keep]',
    '        relabel = np.zeros(256, dtype="int64")',
    '        relabel[classes] = np.arange(len(classes))',
    '        y = relabel[y]',
    '    end = len(X) if count is None else start + count',
    '    X = X[start:end].reshape(end - start, -1).astype("float32") / 255.0',
    '    return X, y[start:end].astype("int64")',
    '',
    '',
  );
  const call = (s) => `subset(${kwargs([[pyStr(s.split), RAW], ['start', s.start ? String(s.start) : undefined],
    ['count', s.count !== undefined ? String(s.count) : undefined], ['classes', s.classes ? py(s.classes, false) : undefined]])})`;
  const sets = [['train', data.train], ['valid', data.validation], ['test', data.test]].filter(([, s]) => s);
  for (const [name, s] of sets) lines.push(`X_${name}, y_${name} = ${call(s)}`);
  if (data.standardize) {
    lines.push(
      '',
      '# Standardization as keras.layers.Normalization computes it (and the engine):',
      '# each feature\'s mean and standard deviation over the training images, the',
      '# deviation at least keras.backend.epsilon() = 1e-7, so a constant feature is',
      '# centred and multiplied by 1e7.',
      'mean = X_train.mean(axis=0)',
      'std = X_train.std(axis=0)',
      'std = np.maximum(std, 1e-7)',
      ...sets.map(([name]) => `X_${name} = (X_${name} - mean) / std`),
    );
  }
  return { lines, sets: sets.map(([n]) => n) };
}

// ---- optimizer and schedule
// trainCount: the training images, when the configuration alone does not say
// (a class filter without a count); a schedule given in epochs is written in the
// steps the playground trained with (prepare.js: resolved is run.resolve(trainCount)).
function scheduleSection(run, resolved) {
  const { config } = run;
  const s = resolved.schedule;
  if (!s || s.type === 'constant') return { lines: [], lr: null, callback: null };
  const section = scheduleCode(s);
  if (needsRun(config.schedule)) {
    section.lines.unshift(`# The schedule follows the run: ${resolved.stepsPerEpoch} steps per epoch (ceil(${resolved.trainCount} / ${run.fit.batch_size})), ${resolved.totalSteps} in all.`);
  }
  return section;
}

function scheduleCode(s) {
  const d = description.schedules[s.type];
  const args = (names) => kwargs(names.filter((k) => s[k] !== undefined)
    .map((k) => [k, k === 'boundaries' ? py(s[k], false) : py(s[k], d.options[k]?.type !== 'integer')]));
  switch (s.type) {
    case 'exponential_decay':
      return { lines: [`lr_schedule = keras.optimizers.schedules.ExponentialDecay(${args(['initial_learning_rate', 'decay_steps', 'decay_rate', 'staircase'])})`], lr: 'lr_schedule' };
    case 'piecewise_constant_decay':
      return { lines: [`lr_schedule = keras.optimizers.schedules.PiecewiseConstantDecay(${args(['boundaries', 'values'])})`], lr: 'lr_schedule' };
    case 'inverse_time_decay':
      if ((s.power ?? 1) === 1)
        return { lines: [`lr_schedule = keras.optimizers.schedules.InverseTimeDecay(${args(['initial_learning_rate', 'decay_steps', 'decay_rate', 'staircase'])})`], lr: 'lr_schedule' };
      return {
        lines: [
          '@keras.saving.register_keras_serializable()  # so that saved models load again',
          'class PowerDecay(keras.optimizers.schedules.LearningRateSchedule):',
          '    """Power scheduling: lr = initial / (1 + decay_rate * step / decay_steps) ** power',
          '    (InverseTimeDecay is the case power = 1)."""',
          '',
          '    def __init__(self, initial_learning_rate, decay_steps, decay_rate, power, staircase=False):',
          '        self.initial_learning_rate = initial_learning_rate',
          '        self.decay_steps = decay_steps',
          '        self.decay_rate = decay_rate',
          '        self.power = power',
          '        self.staircase = staircase',
          '',
          '    def __call__(self, step):',
          '        p = keras.ops.cast(step, "float32") / self.decay_steps',
          '        if self.staircase:',
          '            p = keras.ops.floor(p)',
          '        return self.initial_learning_rate / (1 + self.decay_rate * p) ** self.power',
          '',
          '    def get_config(self):',
          '        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,',
          '                "decay_rate": self.decay_rate, "power": self.power, "staircase": self.staircase}',
          '',
          '',
          `lr_schedule = PowerDecay(${args(['initial_learning_rate', 'decay_steps', 'decay_rate', 'power', 'staircase'])})`,
        ],
        lr: 'lr_schedule',
      };
    case 'one_cycle': {
      const start = s.start_learning_rate ?? s.max_learning_rate / 10;
      return {
        lines: [
          'class OneCycleScheduler(keras.callbacks.Callback):',
          '    """The 1cycle policy (Smith 2018) as the book writes it: the rate rises linearly',
          '    from start_lr to max_lr over the first half of the cycle, comes back down over the',
          '    second, then falls to last_lr over the last iterations (iterations // 10 + 1)."""',
          '',
          '    def __init__(self, iterations, max_lr, start_lr=None, last_iterations=None, last_lr=None):',
          '        super().__init__()',
          '        self.iterations = iterations',
          '        self.max_lr = max_lr',
          '        self.start_lr = start_lr or max_lr / 10',
          '        self.last_iterations = last_iterations or iterations // 10 + 1',
          '        self.half_iteration = max(1, (iterations - self.last_iterations) // 2)',
          '        self.last_lr = last_lr or self.start_lr / 1000',
          '        self.iteration = 0',
          '',
          '    def _interpolate(self, iter1, iter2, lr1, lr2):',
          '        return (lr2 - lr1) * (self.iteration - iter1) / (iter2 - iter1) + lr1',
          '',
          '    def on_train_batch_begin(self, batch, logs=None):',
          '        if self.iteration < self.half_iteration:',
          '            lr = self._interpolate(0, self.half_iteration, self.start_lr, self.max_lr)',
          '        elif self.iteration < 2 * self.half_iteration:',
          '            lr = self._interpolate(self.half_iteration, 2 * self.half_iteration, self.max_lr, self.start_lr)',
          '        elif self.iteration < self.iterations:',
          '            lr = self._interpolate(2 * self.half_iteration, self.iterations, self.start_lr, self.last_lr)',
          '        else:',
          '            lr = self.last_lr',
          '        self.iteration += 1',
          '        self.model.optimizer.learning_rate = lr',
          '',
        ],
        lr: py(start),
        callback: `OneCycleScheduler(${kwargs([['iterations', String(s.total_steps)], ['max_lr', py(s.max_learning_rate)],
          ['start_lr', s.start_learning_rate !== undefined ? py(s.start_learning_rate) : undefined],
          ['last_lr', s.last_learning_rate !== undefined ? py(s.last_learning_rate) : undefined]])})`,
      };
    }
    default:
      throw new KerasScriptError(`schedule.type "${s.type}" has no Keras equivalent here`);
  }
}

function optimizerLine(config, lr) {
  const o = config.optimizer ?? { type: 'sgd' };
  const d = description.optimizers[o.type];
  const args = [['learning_rate', lr ?? py(o.learning_rate ?? d.options.learning_rate.default)]];
  for (const [k, opt] of Object.entries(d.options)) {
    if (k === 'learning_rate' || o[k] === undefined || o[k] === null) continue;
    args.push([k, py(o[k], opt.type !== 'integer')]);
  }
  return `optimizer = keras.optimizers.${d.keras}(${kwargs(args)})`;
}

// ---- callbacks
function callbackLines(config, runId) {
  const out = [];
  for (const cb of config.callbacks ?? []) {
    const d = description.callbacks[cb.type];
    const args = [['monitor', pyStr(cb.monitor ?? d.options.monitor.default)]];
    for (const [k, opt] of Object.entries(d.options))
      if (k !== 'monitor' && cb[k] !== undefined) args.push([k, py(cb[k], opt.type !== 'integer')]);
    if (cb.type === 'model_checkpoint')
      out.push(`keras.callbacks.ModelCheckpoint(${pyStr(`${modelFileName(runId).replace(/\.keras$/, '')}_best.keras`)}, ${kwargs(args)}, save_best_only=True)`);
    else out.push(`keras.callbacks.${d.keras}(${kwargs(args)})`);
  }
  return out;
}

// ---- statistics (experiments 1 and 2, exercise 3)
const STATS_FUNCTION = [
  'def layer_statistics(model, X, y):',
  '    """Per layer: mean and standard deviation of its outputs, the share of saturated',
  '    outputs (sigmoid below 0.01 or above 0.99, tanh beyond +-0.98), the share of exact',
  '    zeros (dead ReLUs), and the standard deviation of the loss gradient with respect to',
  '    its outputs (inference mode, one pass over X)."""',
  '    outputs = []',
  '    with tf.GradientTape() as tape:',
  '        h = tf.convert_to_tensor(X)',
  '        for layer in model.layers:',
  '            h = layer(h, training=False)',
  '            tape.watch(h)',
  '            outputs.append(h)',
  '        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, h))',
  '    gradients = tape.gradient(loss, outputs)',
  '    print(f"{\'layer\':>5}  {\'type\':<20} {\'mean\':>9} {\'std\':>9} {\'saturated\':>9} {\'dead\':>9} {\'grad_std\':>9}")',
  '    for i, (layer, out, grad, act) in enumerate(zip(model.layers, outputs, gradients, LAYER_ACTIVATIONS), start=1):',
  '        out = np.asarray(out)',
  '        if act == "sigmoid":',
  '            saturated = np.mean((out < 0.01) | (out > 0.99))',
  '        elif act == "tanh":',
  '            saturated = np.mean((out < -0.98) | (out > 0.98))',
  '        else:',
  '            saturated = 0.0',
  '        kind = f"{type(layer).__name__} {act}"',
  '        print(f"{i:>5}  {kind:<20} {out.mean():9.4f} {out.std():9.4f} {saturated:9.1%} {np.mean(out == 0):9.1%} {np.std(np.asarray(grad)):9.2e}")',
  '',
];

// config: a run configuration. Returns the Python script as a string.
// options: id (the run's id, names saved files; default config.name), label, title,
// trainCount (the training images, for a schedule in epochs when the configuration alone does not tell).
// Monte Carlo Dropout as the engine does it (--mc-samples, the page's MC
// Dropout view): 100 passes with dropout on, averaged.
function mcDropoutLines(set, features) {
  return [
    '',
    '# ---- Monte Carlo Dropout (chapter 11): average 100 predictions made with dropout on.',
    '# The chapter\'s one-liner, model(X, training=True), would also switch BatchNormalization',
    '# to batch statistics; the book\'s MCDropout subclass keeps dropout on and everything',
    '# else in inference mode, which is what the engine does. The MC model reuses the trained',
    '# layers (shared weights), with each dropout layer replaced by one that is always on.',
    'class MCDropout(keras.layers.Dropout):',
    '    def call(self, inputs, training=False):',
    '        return super().call(inputs, training=True)',
    '',
    'class MCAlphaDropout(keras.layers.AlphaDropout):',
    '    def call(self, inputs, training=False):',
    '        return super().call(inputs, training=True)',
    '',
    'def mc_layer(layer):',
    '    if type(layer) is keras.layers.Dropout:',
    '        return MCDropout(layer.rate)',
    '    if type(layer) is keras.layers.AlphaDropout:',
    '        return MCAlphaDropout(layer.rate)',
    '    return layer',
    '',
    `mc_model = keras.Sequential([keras.layers.Input(shape=[${features}])] + [mc_layer(layer) for layer in model.layers])`,
    `y_probas = np.stack([mc_model.predict(X_${set}, verbose=0) for sample in range(100)])`,
    'y_proba, y_std = y_probas.mean(axis=0), y_probas.std(axis=0)',
    'y_pred = y_proba.argmax(axis=1)',
    `mc_accuracy = float(np.mean(y_pred == y_${set}))`,
    'mean_std = float(y_std[np.arange(len(y_pred)), y_pred].mean())  # std of the predicted class, averaged',
    `print(f"MC Dropout (100 passes, ${set === 'test' ? 'test' : 'validation'} set): accuracy: {mc_accuracy:.4f} - mean std: {mean_std:.4f}")`,
  ];
}

export function kerasScript(config, { id, label, title, trainCount } = {}) {
  const run = prepare(config);
  const runId = id ?? config.name ?? 'run';
  const layers = kerasLayers(config);
  const data = dataSection(config);
  const schedule = scheduleSection(run, run.resolve(trainCount));
  const callbacks = callbackLines(config, runId);
  if (schedule.callback) callbacks.push(schedule.callback);
  const needsStats = Boolean(config.analysis || config.stats?.every_epoch);
  const { fit } = run;
  const hasValid = data.sets.includes('valid');
  const L = [];
  const heading = [runId, label ?? config.title].filter(Boolean).join(': ');
  L.push(
    '#!/usr/bin/env python3',
    `"""${pythonText(heading)}`,
    '',
    'The playground run as Keras 3 code on TensorFlow, generated from its configuration',
    'by chapter11-playground (core/keras-script.js): the same data split, model,',
    'initializers, regularizers, constraints, optimizer, schedule and callbacks. The',
    'numbers come out close to the playground\'s, not identical: initialization,',
    'shuffling and dropout draw from different random streams in the two engines.',
    '',
    'Run: pip install tensorflow && python3 this_file.py',
    '"""',
    'import numpy as np',
  );
  if (needsStats) L.push('import tensorflow as tf');
  L.push('import keras', '', `keras.utils.set_random_seed(${config.seed ?? 42})  # Python, NumPy and TensorFlow generators`, '');
  L.push(...data.lines, '');
  const definitions = new Map(layers.filter((l) => l.definition).map((l) => [l.definition.name, l.definition.lines]));
  for (const [name, lines] of definitions) L.push(`# ---- ${name}: a layer Keras does not have, defined here`, ...lines, '', '');
  L.push(`# ---- model${title ? `: ${pythonText(title)}` : ''}`);
  const features = config.data.dataset === 'cifar10' ? 3072 : 784;
  L.push('model = keras.Sequential([', `    keras.layers.Input(shape=[${features}]),`);
  for (const l of layers) L.push(`    ${l.code},`);
  L.push('])');
  const phases = transferPhases(config);
  // The Keras layers built from the reused layers that a second phase unfreezes
  // (a layer set trainable false in the model stays frozen).
  const unfrozen = phases ? layers.map((l, k) => [l, k]).filter(([l]) => l.source < config.transfer.layers && config.model[l.source].trainable !== false).map(([, k]) => k) : [];
  if (config.transfer) {
    const t = config.transfer;
    const count = layers.filter((l) => l.source < t.layers).length;
    const file = modelFileName(t.from);
    const frozenNote = phases ? `, frozen for the first ${phases.freezeEpochs} epoch(s)` : reusedStartFrozen(t) ? ', frozen' : '';
    L.push(
      '',
      `# ---- transfer learning: the first ${t.layers} layer(s) come from run ${pyStr(t.from)}${frozenNote}.`,
      `# That run's script (npm run train -- ${pythonText(t.from)} --keras-script) saves its trained`,
      `# model as ${file}: run it first, in this folder.`,
      `source_model = keras.models.load_model(${pyStr(file)})`,
      `for layer, source_layer in zip(model.layers[:${count}], source_model.layers[:${count}]):`,
      '    layer.set_weights(source_layer.get_weights())',
    );
    if (reusedStartFrozen(t)) L.push('    layer.trainable = False');
  }
  L.push('model.summary()', '');
  if (needsStats) {
    L.push(`LAYER_ACTIVATIONS = ${py(layers.map((l) => l.activation))}`, '', '', ...STATS_FUNCTION, '');
  }

  if (config.analysis) {
    const a = config.analysis;
    const set = a.split === 'test' && data.sets.includes('test') ? 'test' : 'train';
    const n = a.samples ?? 1000;
    L.push(
      `# ---- analysis of the untrained model over ${n} ${set === 'train' ? 'training' : 'test'} images (no training)`,
      `layer_statistics(model, X_${set}[:${n}], y_${set}[:${n}])`,
    );
    return L.join('\n') + '\n';
  }

  L.push('# ---- optimizer, loss and metrics');
  if (schedule.lines.length) L.push(...schedule.lines, '');
  L.push(optimizerLine(config, schedule.lr));
  L.push('model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])', '');

  if (config.stats?.every_epoch) {
    const n = config.stats.samples ?? 1000;
    L.push(
      'class LayerStatistics(keras.callbacks.Callback):',
      `    """Prints the per-layer statistics over ${n} training images after every epoch."""`,
      '',
      '    def on_epoch_end(self, epoch, logs=None):',
      '        print(f"Per-layer statistics after epoch {epoch + 1}:")',
      `        layer_statistics(self.model, X_train[:${n}], y_train[:${n}])`,
      '',
      '',
    );
    callbacks.push('LayerStatistics()');
  }
  L.push('# ---- training');
  if (callbacks.length) L.push('callbacks = [', ...callbacks.map((c) => `    ${c},`), ']');
  const fitArgs = (epochs, cbs, initialEpoch) => kwargs([['X_train', RAW], ['y_train', RAW], ['epochs', String(epochs)], ['initial_epoch', initialEpoch && String(initialEpoch)], ['batch_size', String(fit.batch_size)],
    ['shuffle', fit.shuffle === false ? 'False' : undefined], ['validation_data', hasValid ? '(X_valid, y_valid)' : undefined], ['callbacks', cbs]]);
  const cbArg = callbacks.length ? 'callbacks' : undefined;
  if (phases) {
    // The book's two phases ("Reusing a Keras model", chapter 11): train the new
    // layers with the reused ones frozen, then unfreeze them and compile again,
    // which builds a new optimizer (its state starts over), with a lower rate.
    L.push(`# phase 1: the reused layers frozen, ${phases.freezeEpochs} epoch(s)`);
    L.push(`history = model.fit(${fitArgs(phases.freezeEpochs, cbArg)})`, '');
    L.push(
      '# phase 2: unfreeze the reused layers; compile again after changing trainable (a new',
      '# optimizer: its state starts over) with the lower learning rate, and go on from',
      `# epoch ${phases.freezeEpochs + 1} to ${fit.epochs}`,
      `for layer in ${unfrozen.length === layers.filter((l) => l.source < config.transfer.layers).length ? `model.layers[:${unfrozen.length}]` : `[model.layers[i] for i in [${unfrozen.join(", ")}]]`}:`,
      '    layer.trainable = True',
      optimizerLine(config, py(phases.fineTuneLearningRate)),
      'model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])',
      `history_2 = model.fit(${fitArgs(fit.epochs, cbArg, phases.freezeEpochs)})`,
      '# one history for both phases',
      'for key, values in history_2.history.items():',
      '    history.history[key] = history.history.get(key, []) + values',
      'history.epoch += history_2.epoch',
    );
  } else L.push(`history = model.fit(${fitArgs(fit.epochs, cbArg)})`);
  const checkpoint = (config.callbacks ?? []).some((cb) => cb.type === 'model_checkpoint');
  // As the playground (and the book) does: go on with the best epoch's model.
  if (checkpoint) L.push('# Go on with the best epoch\'s model, which ModelCheckpoint saved', `model = keras.models.load_model(${pyStr(`${modelFileName(runId).replace(/\.keras$/, '')}_best.keras`)})`);
  L.push('');
  L.push(
    '# ---- per-epoch history',
    'print("epoch", *history.history)',
    'for epoch in history.epoch:',
    '    print(epoch + 1, *(f"{values[epoch]:.4f}" for values in history.history.values()))',
    '',
  );
  if (config.prune) {
    const p = config.prune;
    L.push(
      `# ---- magnitude pruning: the ${Math.round(p.fraction * 1e6) / 1e4}% smallest weights of each Dense kernel set to zero`,
      'masks = {}',
      'for layer in model.layers:',
      '    if isinstance(layer, keras.layers.Dense):',
      '        kernel = np.asarray(layer.kernel)',
      `        k = int(${py(p.fraction)} * kernel.size)`,
      '        threshold = np.sort(np.abs(kernel), axis=None)[k - 1] if k > 0 else -1.0',
      '        masks[layer.name] = (np.abs(kernel) > threshold).astype("float32")',
      '        layer.kernel.assign(kernel * masks[layer.name])',
      '',
      '',
      'class KeepPruned(keras.callbacks.Callback):',
      '    """Puts the pruned weights back to zero after every training step."""',
      '',
      '    def on_train_batch_end(self, batch, logs=None):',
      '        for layer in self.model.layers:',
      '            if layer.name in masks:',
      '                layer.kernel.assign(layer.kernel * masks[layer.name])',
      '',
      '',
    );
    if (p.fine_tune_epochs) {
      L.push(`# fine-tuning with the pruned weights held at zero`);
      L.push(`history = model.fit(${fitArgs(p.fine_tune_epochs, '[KeepPruned()]')})`);
    }
    L.push(
      'zeros = sum(int(np.sum(np.asarray(layer.kernel) == 0)) for layer in model.layers if layer.name in masks)',
      'total = sum(int(np.asarray(layer.kernel).size) for layer in model.layers if layer.name in masks)',
      'print(f"sparsity: {zeros / total:.2%}")',
      '',
    );
  }
  L.push('# ---- evaluation of the final model');
  for (const [set, label2] of [['valid', 'val'], ['test', 'test']]) {
    if (!data.sets.includes(set)) continue;
    L.push(
      `${label2}_loss, ${label2}_accuracy = model.evaluate(X_${set}, y_${set}, verbose=0)`,
      `print(f"${label2}_loss: {${label2}_loss:.4f} - ${label2}_accuracy: {${label2}_accuracy:.4f}")`,
    );
  }
  if (!hasValid && !data.sets.includes('test'))
    L.push('loss, accuracy = model.evaluate(X_train, y_train, verbose=0)', 'print(f"loss: {loss:.4f} - accuracy: {accuracy:.4f} (training set)")');
  const mcSet = data.sets.includes('test') ? 'test' : hasValid ? 'valid' : null;
  if (hasDropout(config) && mcSet) L.push(...mcDropoutLines(mcSet, features));
  L.push(`model.save(${pyStr(modelFileName(runId))})`);
  return L.join('\n') + '\n';
}
