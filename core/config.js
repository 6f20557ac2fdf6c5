// config.js: the run configuration (the contract of DESIGN.md), validated in one
// place, and its translation to the engine's spec strings. Keras names wherever
// Keras has one. Option names, ranges and defaults come from the engine's own
// tables (description.js, generated from eng_describe), never retyped here.
import description from './description.js';
import { withRunForms, runFormErrors, formUsed, needsRun, stepsPerEpoch, scheduleInSteps, scheduleWarnings } from './schedule-steps.js';
import { nameProblem, TITLE_MAX_LENGTH } from './names.js';
import { phaseSeed, fitPhase } from './random.js';
import { layerKind } from './layers/index.js';

export const DATASETS = {
  'fashion-mnist': {
    splits: { train: 60000, test: 10000 }, features: 784, classes: 10, shape: [28, 28, 1],
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  },
  cifar10: {
    splits: { train: 50000, test: 10000 }, features: 3072, classes: 10, shape: [32, 32, 3],
    classNames: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
  },
  custom: { splits: { train: null, test: null }, features: null, classes: null, shape: null, classNames: null },
};

export class ConfigError extends Error {
  constructor(errors) {
    super(errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
    this.name = 'ConfigError';
    this.errors = errors;
  }
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
// A table entry by name, never one inherited from Object.prototype ("constructor",
// "toString", "__proto__" are names a hostile configuration can use).
const own = (table, key) => (typeof key === 'string' && Object.hasOwn(table, key) ? table[key] : undefined);

// A value as a message quotes it: strings in JSON quotes (control characters
// escaped), shortened; other values by their kind.
function shown(value) {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'a list' : 'an object';
}

function unknownKeys(errors, path, obj, allowed, what) {
  for (const key of Object.keys(obj))
    if (!allowed.includes(key)) errors.push({ path: `${path}.${key}`, message: `is not ${what} (${allowed.join(', ')})${suggest(key, allowed)}` });
}

// A name or title where the configuration has one (names.js says what it may hold).
function checkName(errors, path, value, options) {
  if (value === undefined) return;
  const message = nameProblem(value, options);
  if (message) errors.push({ path, message });
}

// The numbers a reference notebook reported (presets.js: val_accuracy,
// saturated: [...], first_epoch: {accuracy, ...}): numbers, lists of numbers,
// or one level of named numbers. Anything deeper is refused before it reaches
// JSON.stringify or structuredClone, which overflow the stack on deep nesting.
export function checkReference(errors, path, ref) {
  if (ref === undefined || ref === null) return;
  const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);
  const message = 'must be a number, a list of numbers, or an object of numbers';
  if (!isObject(ref)) { errors.push({ path, message: 'must be an object of the numbers the reference reported, like {"val_accuracy": 0.87}' }); return; }
  for (const [key, value] of Object.entries(ref)) {
    const p = `${path}.${key}`;
    if (isNumber(value)) continue;
    if (Array.isArray(value)) {
      if (!value.every(isNumber)) errors.push({ path: p, message });
    } else if (isObject(value)) {
      for (const [k, v] of Object.entries(value)) if (!isNumber(v)) errors.push({ path: `${p}.${k}`, message: 'must be a number' });
    } else errors.push({ path: p, message });
  }
}

function editDistance(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

function suggest(word, choices) {
  if (typeof word !== 'string' || word.length > 64) return ''; // edit distance is quadratic
  let best = null;
  let bestD = Infinity;
  for (const c of choices) {
    const dist = editDistance(word, c);
    if (dist < bestD) [best, bestD] = [c, dist];
  }
  return best && bestD <= Math.max(2, Math.floor(word.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

// A number the engine reads back: finite, and zero or at least the smallest
// normal double, since the engine parses with strtod, which reports the
// underflow of a subnormal such as 5e-324 as ERANGE (glibc; C11 7.22.1.3).
const isEngineNumber = (v) => typeof v === 'number' && Number.isFinite(v) && (v === 0 || Math.abs(v) >= 2.2250738585072014e-308);

// Checks one value against an engine option descriptor; returns a message or null.
function checkOption(desc, value) {
  if (value === null || value === undefined) return desc.required ? 'is required' : null;
  switch (desc.type) {
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'name':
      if (typeof value !== 'string') return 'must be a name';
      return desc.choices && !desc.choices.includes(value)
        ? `must be one of ${desc.choices.join(', ')}${suggest(value, desc.choices)}`
        : null;
    case 'list':
      return Array.isArray(value) && value.length > 0 && value.every(isEngineNumber)
        ? null : 'must be a non-empty list of numbers';
    case 'integer':
    case 'number': {
      if (!isEngineNumber(value)) return `must be a ${desc.type === 'integer' ? 'whole ' : ''}number`;
      if (desc.type === 'integer' && !Number.isInteger(value)) return 'must be a whole number';
      const lo = desc.minimum;
      const hi = desc.maximum;
      if (value < lo || value > hi) {
        if (lo === 0 && hi >= 1e6) return 'must be zero or more';
        if (lo > 0 && lo < 1e-6 && hi >= 1e6) return 'must be positive';
        if (desc.type === 'integer' && lo === 1 && hi >= 1e6) return 'must be a positive integer';
        return `must be between ${lo} and ${hi}`;
      }
      return null;
    }
    default:
      return null;
  }
}

function checkVariantOptions(errors, path, table, kind, obj, { ignore = [], rename = {} } = {}) {
  if (!isObject(obj)) {
    errors.push({ path, message: `must be an object with a "type"` });
    return null;
  }
  const variant = own(table, obj.type);
  if (!variant) {
    const names = Object.keys(table);
    errors.push({ path: `${path}.type`, message: `unknown ${kind} ${shown(obj.type)}: choose one of ${names.join(', ')}${suggest(obj.type, names)}` });
    return null;
  }
  const opts = variant.options;
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'type' || ignore.includes(key)) continue;
    const engineKey = own(rename, key) ?? key;
    if (!own(opts, engineKey)) {
      const names = Object.keys(opts).filter((k) => !Object.values(rename).includes(k)).concat(Object.keys(rename));
      errors.push({ path: `${path}.${key}`, message: `is not an option of ${obj.type}${suggest(key, names)}; options: ${names.join(', ') || 'none'}` });
      continue;
    }
    const msg = checkOption(opts[engineKey], value);
    if (msg) errors.push({ path: `${path}.${key}`, message: msg });
  }
  for (const [key, desc] of Object.entries(opts)) {
    const given = Object.entries(rename).find(([, v]) => v === key)?.[0] ?? key;
    if (desc.required && (obj[given] === undefined || obj[given] === null)) errors.push({ path: `${path}.${given}`, message: 'is required' });
  }
  return variant;
}

// The engine's schedules, with the options they may also be given in epochs or
// as fractions of the run (schedule-steps.js).
export const SCHEDULES = withRunForms(description.schedules);

function checkActivation(errors, path, act) {
  const name = typeof act === 'string' ? act : isObject(act) ? act.type : undefined;
  const msg = checkOption({ type: 'name', choices: description.activations, required: true }, name);
  if (msg) errors.push({ path: typeof act === 'string' || act === undefined ? path : `${path}.type`, message: msg });
  if (isObject(act))
    for (const [k, v] of Object.entries(act)) {
      if (k === 'type') continue;
      if (k !== 'alpha' && k !== 'negative_slope') errors.push({ path: `${path}.${k}`, message: 'is not an activation parameter (alpha or negative_slope)' });
      else if (!isEngineNumber(v)) errors.push({ path: `${path}.${k}`, message: 'must be a number' });
    }
}

// A flat layer's initializer arguments (PReLU's alpha_value next to its
// alpha_initializer; <prefix>initializer and <prefix><argument>) that its
// initializer does not take: the engine would ignore them (and keeps accepting
// them, so that model files saved before still load); refused here at their path.
function checkFlatInitializerArguments(errors, path, variant, layer) {
  const params = description.initializer_params;
  const some = new Set(Object.values(params).flat());
  for (const [option, desc] of Object.entries(variant.options)) {
    if (!option.endsWith('_initializer') || !desc.choices) continue;
    const prefix = option.slice(0, -'initializer'.length);
    const init = typeof layer[option] === 'string' ? layer[option] : desc.default;
    if (!own(params, init)) continue;
    for (const key of Object.keys(layer)) {
      const arg = key.slice(prefix.length);
      if (!key.startsWith(prefix) || !some.has(arg) || params[init].includes(arg) || layer[key] === undefined || layer[key] === null) continue;
      const owners = desc.choices.filter((n) => own(params, n)?.includes(arg));
      errors.push({ path: `${path}.${key}`, message: `the ${init} initializer takes ${params[init].join(', ') || 'no arguments'}, so ${key} would do nothing${owners.length ? `: set ${option} to ${owners.join(' or ')}` : ''}` });
    }
  }
}

// What a layer kind's check(layer, path, c) is given: the errors to add to and
// the checkers every part of the configuration shares (how a value is checked;
// the kind says which options it has).
const layerChecks = (errors) => ({
  error: (path, message) => errors.push({ path, message }),
  // The message for a value against an engine option descriptor, or null.
  checkOption, isObject, isEngineNumber, suggest,
  checkName: (path, value, options) => checkName(errors, path, value, options),
  checkActivation: (path, act) => checkActivation(errors, path, act),
  unknownKeys: (path, obj, allowed, what) => unknownKeys(errors, path, obj, allowed, what),
});

function checkSubset(errors, path, subset, datasetName, optional) {
  if (subset === null || subset === undefined) {
    if (!optional) errors.push({ path, message: 'is required' });
    return;
  }
  if (!isObject(subset)) { errors.push({ path, message: 'must be an object like {"split": "train", "start": 0, "count": 20000}' }); return; }
  const ds = own(DATASETS, datasetName);
  for (const key of Object.keys(subset))
    if (!['split', 'start', 'count', 'classes'].includes(key)) errors.push({ path: `${path}.${key}`, message: `is not a subset option (split, start, count, classes)${suggest(key, ['split', 'start', 'count', 'classes'])}` });
  if (!['train', 'test'].includes(subset.split)) errors.push({ path: `${path}.split`, message: 'must be "train" or "test"' });
  for (const key of ['start', 'count'])
    if (subset[key] !== undefined && subset[key] !== null && !(Number.isInteger(subset[key]) && subset[key] >= (key === 'count' ? 1 : 0)))
      errors.push({ path: `${path}.${key}`, message: key === 'count' ? 'must be a positive integer' : 'must be a whole number, zero or more' });
  const total = ds && own(ds.splits, subset.split);
  const start = Number.isInteger(subset.start) ? subset.start : 0;
  if (total && !subset.classes && Number.isInteger(subset.count) && start + subset.count > total)
    errors.push({ path: `${path}.count`, message: `start + count = ${start + subset.count} exceeds the ${total} images of the ${subset.split} split` });
  else if (total && !subset.classes && start >= total)
    errors.push({ path: `${path}.start`, message: `is past the last of the ${total} images of the ${subset.split} split` });
  if (subset.classes !== undefined && subset.classes !== null) {
    const c = subset.classes;
    if (!Array.isArray(c) || c.length === 0 || !c.every((x) => Number.isInteger(x) && x >= 0 && x < 256) || new Set(c).size !== c.length)
      errors.push({ path: `${path}.classes`, message: 'must be a list of distinct class numbers' });
    else if (ds?.classes && c.some((x) => x >= ds.classes)) errors.push({ path: `${path}.classes`, message: `classes must be below ${ds.classes}` });
  }
}

// Returns a list of {path, message}; empty when the configuration is valid.
export function validateConfig(config) {
  const errors = [];
  if (!isObject(config)) return [{ path: '(root)', message: 'the configuration must be a JSON object' }];
  const known = ['name', 'title', 'seed', 'data', 'model', 'optimizer', 'schedule', 'callbacks', 'fit', 'transfer', 'prune', 'stats', 'analysis', 'reference'];
  for (const key of Object.keys(config))
    if (!known.includes(key)) errors.push({ path: key, message: `is not a configuration section${suggest(key, known)}; sections: ${known.join(', ')}` });
  checkName(errors, 'name', config.name);
  checkName(errors, 'title', config.title, { maxLength: TITLE_MAX_LENGTH });
  checkReference(errors, 'reference', config.reference);
  if (config.seed !== undefined && !(Number.isInteger(config.seed) && config.seed >= 0 && config.seed < 2 ** 32))
    errors.push({ path: 'seed', message: 'must be a whole number from 0 to 4294967295' });
  // data
  const data = config.data;
  if (!isObject(data)) errors.push({ path: 'data', message: 'is required: which dataset and which images to train on' });
  else {
    if (!own(DATASETS, data.dataset)) errors.push({ path: 'data.dataset', message: `must be one of ${Object.keys(DATASETS).join(', ')}` });
    for (const key of Object.keys(data))
      if (!['dataset', 'train', 'validation', 'test', 'standardize'].includes(key)) errors.push({ path: `data.${key}`, message: 'is not a data option (dataset, train, validation, test, standardize)' });
    checkSubset(errors, 'data.train', data.train, data.dataset, false);
    checkSubset(errors, 'data.validation', data.validation, data.dataset, true);
    checkSubset(errors, 'data.test', data.test, data.dataset, true);
    if (data.standardize !== undefined && typeof data.standardize !== 'boolean') errors.push({ path: 'data.standardize', message: 'must be true or false' });
  }
  // model
  if (!Array.isArray(config.model) || config.model.length === 0) errors.push({ path: 'model', message: 'must be a non-empty list of layers' });
  else {
    // Keras 3's Sequential.add refuses a second layer of the same name.
    const named = new Map();
    config.model.forEach((layer, i) => {
      if (!isObject(layer) || typeof layer.name !== 'string') return;
      if (named.has(layer.name)) errors.push({ path: `model[${i}].name`, message: `${shown(layer.name)} is already the name of model[${named.get(layer.name)}]; layer names must differ` });
      else named.set(layer.name, i);
    });
    const checks = layerChecks(errors);
    config.model.forEach((layer, i) => {
      const path = `model[${i}]`;
      // A kind whose options are not the engine's flat ones checks its own
      // (core/layers/: Dense's nested initializers, Activation's activation);
      // the rest are checked against the engine's layer table.
      const kind = isObject(layer) ? layerKind(layer.type) : undefined;
      if (kind?.check) return kind.check(layer, path, checks);
      if (isObject(layer)) checkName(errors, `${path}.name`, layer.name, { layer: true });
      const variant = checkVariantOptions(errors, path, description.layers, 'layer type', layer, { ignore: ['name'] });
      if (variant) checkFlatInitializerArguments(errors, path, variant, layer);
    });
    const last = config.model[config.model.length - 1];
    const lastAct = isObject(last) ? (typeof last.activation === 'string' ? last.activation : last.activation?.type) : null;
    if (isObject(last) && lastAct !== 'softmax')
      errors.push({ path: `model[${config.model.length - 1}]`, message: 'the last layer must have activation "softmax" (the output is a probability per class)' });
    const classes = data?.train?.classes?.length ?? own(DATASETS, data?.dataset)?.classes;
    const lastDense = [...config.model].reverse().find((l) => isObject(l) && l.type === 'dense');
    if (classes && lastDense && Number.isInteger(lastDense.units) && lastDense.units !== classes)
      errors.push({ path: `model[${config.model.lastIndexOf(lastDense)}].units`, message: `the output layer needs ${classes} units, one per class (got ${lastDense.units})` });
  }
  if (config.optimizer !== undefined) {
    const v = checkVariantOptions(errors, 'optimizer', description.optimizers, 'optimizer', config.optimizer);
    if (v) {
      const clips = ['clipvalue', 'clipnorm', 'global_clipnorm'].filter((k) => config.optimizer[k] !== undefined && config.optimizer[k] !== null);
      if (clips.length > 1) errors.push({ path: 'optimizer', message: `set only one of ${clips.join(', ')}` });
    }
  }
  if (config.schedule !== undefined && config.schedule !== null) {
    const s = config.schedule;
    const v = checkVariantOptions(errors, 'schedule', SCHEDULES, 'schedule', s);
    if (v) errors.push(...runFormErrors(s));
    const boundaries = v && s.type === 'piecewise_constant_decay' ? s[formUsed(s, 'boundaries')] : null;
    if (Array.isArray(boundaries) && Array.isArray(s.values) && s.values.length !== boundaries.length + 1)
      errors.push({ path: 'schedule.values', message: `needs one more value than boundaries (${boundaries.length} boundaries, ${s.values.length} values)` });
  }
  if (config.callbacks !== undefined) {
    if (!Array.isArray(config.callbacks)) errors.push({ path: 'callbacks', message: 'must be a list' });
    else config.callbacks.forEach((cb, i) => {
      checkVariantOptions(errors, `callbacks[${i}]`, description.callbacks, 'callback', cb);
      if (isObject(cb) && cb.type === 'reduce_lr_on_plateau' && config.schedule && config.schedule.type !== 'constant')
        errors.push({ path: `callbacks[${i}]`, message: 'reduce_lr_on_plateau cannot be combined with a learning-rate schedule (Keras forbids it too)' });
      if (isObject(cb) && (typeof cb.monitor === 'string' ? cb.monitor : 'val_loss').startsWith('val_') && isObject(data) && !data.validation)
        errors.push({ path: `callbacks[${i}].monitor`, message: 'monitors validation metrics but data.validation is not set' });
    });
  }
  if (config.fit !== undefined) {
    if (!isObject(config.fit)) errors.push({ path: 'fit', message: 'must be an object like {"epochs": 10, "batch_size": 32}' });
    else {
      const fitOpts = description.fit.fit.options;
      for (const [k, v] of Object.entries(config.fit)) {
        if (!own(fitOpts, k) || k === 'seed' || k === 'stats' || k === 'stats_samples' || k === 'stats_every' || k === 'slice_samples') {
          errors.push({ path: `fit.${k}`, message: `is not a fit option (epochs, batch_size, shuffle)${suggest(k, ['epochs', 'batch_size', 'shuffle'])}` });
          continue;
        }
        const msg = checkOption(fitOpts[k], v);
        if (msg) errors.push({ path: `fit.${k}`, message: msg });
      }
    }
  }
  if (config.transfer !== undefined && config.transfer !== null) {
    const t = config.transfer;
    if (!isObject(t) || typeof t.from !== 'string') errors.push({ path: 'transfer.from', message: 'must name the run whose layers are reused' });
    else {
      checkName(errors, 'transfer.from', t.from);
      unknownKeys(errors, 'transfer', t, ['from', 'layers', 'trainable', 'freeze_epochs', 'fine_tune_learning_rate'], 'a transfer option');
      if (!(Number.isInteger(t.layers) && t.layers >= 1)) errors.push({ path: 'transfer.layers', message: 'must be the number of leading layers to reuse (a positive integer)' });
      else if (Array.isArray(config.model) && t.layers >= config.model.length) errors.push({ path: 'transfer.layers', message: 'must leave at least the output layer new' });
      if (t.trainable !== undefined && typeof t.trainable !== 'boolean') errors.push({ path: 'transfer.trainable', message: 'must be true or false' });
      checkTransferPhases(errors, config, t);
    }
  }
  if (config.prune !== undefined && config.prune !== null) {
    const p = config.prune;
    if (!isObject(p) || !(typeof p.fraction === 'number' && p.fraction > 0 && p.fraction < 1)) errors.push({ path: 'prune.fraction', message: 'must be a number between 0 and 1 (the share of smallest weights set to zero)' });
    if (isObject(p)) unknownKeys(errors, 'prune', p, ['fraction', 'fine_tune_epochs'], 'a prune option');
    if (isObject(p) && p.fine_tune_epochs !== undefined && !(Number.isInteger(p.fine_tune_epochs) && p.fine_tune_epochs >= 0)) errors.push({ path: 'prune.fine_tune_epochs', message: 'must be a whole number, zero or more' });
  }
  if (config.stats !== undefined && config.stats !== null) {
    const s = config.stats;
    if (!isObject(s)) errors.push({ path: 'stats', message: 'must be an object like {"every_epoch": true, "samples": 1000}' });
    else {
      unknownKeys(errors, 'stats', s, ['every_epoch', 'samples'], 'a stats option');
      if (s.every_epoch !== undefined && typeof s.every_epoch !== 'boolean') errors.push({ path: 'stats.every_epoch', message: 'must be true or false' });
      if (s.samples !== undefined && !(Number.isInteger(s.samples) && s.samples >= 1)) errors.push({ path: 'stats.samples', message: 'must be a positive integer' });
    }
  }
  if (config.analysis !== undefined && config.analysis !== null) {
    const a = config.analysis;
    if (!isObject(a) || a.type !== 'layer_stats') errors.push({ path: 'analysis.type', message: 'must be "layer_stats"' });
    else {
      unknownKeys(errors, 'analysis', a, ['type', 'samples', 'split'], 'an analysis option');
      if (a.samples !== undefined && !(Number.isInteger(a.samples) && a.samples >= 1)) errors.push({ path: 'analysis.samples', message: 'must be a positive integer' });
      if (a.split !== undefined && !['train', 'test'].includes(a.split)) errors.push({ path: 'analysis.split', message: 'must be "train" or "test"' });
    }
  }
  return errors;
}

// The two phases of transfer learning as the book trains them: the reused
// layers frozen for freeze_epochs epochs, then unfrozen and trained on with a
// new optimizer at fine_tune_learning_rate (transferPhases below).
function checkTransferPhases(errors, config, t) {
  const two = t.freeze_epochs !== undefined || t.fine_tune_learning_rate !== undefined;
  if (!two) return;
  const epochs = isObject(config.fit) && Number.isInteger(config.fit.epochs) ? config.fit.epochs : 1;
  if (!(Number.isInteger(t.freeze_epochs) && t.freeze_epochs >= 1))
    errors.push({ path: 'transfer.freeze_epochs', message: 'must be the number of epochs the reused layers stay frozen before they are unfrozen (a positive integer)' });
  else if (t.freeze_epochs >= epochs)
    errors.push({ path: 'transfer.freeze_epochs', message: `is ${t.freeze_epochs} but the run has ${epochs} epoch${epochs === 1 ? '' : 's'} (fit.epochs counts both phases): leave at least one epoch after unfreezing, or raise fit.epochs` });
  if (!(typeof t.fine_tune_learning_rate === 'number' && t.fine_tune_learning_rate > 0 && Number.isFinite(t.fine_tune_learning_rate)))
    errors.push({ path: 'transfer.fine_tune_learning_rate', message: 'must be the learning rate after unfreezing, a positive number (the book lowers it, e.g. ten times lower than before)' });
  if (t.trainable === true)
    errors.push({ path: 'transfer.trainable', message: 'must be false (or left out) with freeze_epochs: the reused layers start frozen and are unfrozen after freeze_epochs' });
}

// {freezeEpochs, fineTuneEpochs, fineTuneLearningRate} of a valid configuration
// whose transfer has two phases, else null. fit.epochs counts both phases.
export function transferPhases(config) {
  const t = config.transfer;
  if (!isObject(t) || !Number.isInteger(t.freeze_epochs)) return null;
  return { freezeEpochs: t.freeze_epochs, fineTuneEpochs: fitOptions(config).epochs - t.freeze_epochs, fineTuneLearningRate: t.fine_tune_learning_rate };
}

// The configuration trained for another number of epochs (the CLI's --epochs,
// the page's Quick try): a two-phase transfer keeps its share of frozen epochs,
// at least one and one after (with one epoch left there is no second phase:
// validation says so).
export function withEpochs(config, epochs) {
  const out = { ...config, fit: { ...(config.fit ?? {}), epochs } };
  const t = config.transfer;
  const before = fitOptions(config).epochs;
  if (isObject(t) && Number.isInteger(t.freeze_epochs) && Number.isInteger(before) && before > 0 && epochs > 1)
    out.transfer = { ...t, freeze_epochs: Math.min(epochs - 1, Math.max(1, Math.round((t.freeze_epochs * epochs) / before))) };
  return out;
}

// The epoch after which a run's reused layers were unfrozen, from its history
// (run.js marks the epochs after the switch "unfrozen": early stopping may
// have ended the frozen phase before freeze_epochs) or its result; null for a
// run without that switch (yet).
export function unfrozenAfterEpoch(record) {
  const first = record.history?.find((m) => m.unfrozen);
  const k = first ? first.epoch - 1 : record.result?.unfrozen_after_epoch;
  return Number.isInteger(k) && (record.history?.length ?? 0) > k ? k : null;
}

// Whether the reused layers of a transfer start frozen: trainable false, or a
// first phase of freeze_epochs (trainable may be left out then).
export const reusedStartFrozen = (t) => isObject(t) && (t.trainable === false || t.freeze_epochs !== undefined);

export function assertValid(config) {
  const errors = validateConfig(config);
  if (errors.length) throw new ConfigError(errors);
  return config;
}

// ---- translation to engine specs
const fmt = (v) => (typeof v === 'boolean' ? (v ? '1' : '0') : Array.isArray(v) ? v.join(',') : String(v));
const spec = (name, options) =>
  [name, ...Object.entries(options).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => `${k}=${fmt(v)}`)].join(' ');

// A layer's engine spec: its kind's own translation of its options where the
// kind has one (core/layers/: Dense flattens its nested initializers,
// regularizer and constraint; Activation its activation), else its options as
// they are, less its name (the engine's layers have none).
export function layerSpec(layer) {
  const { type, name: _name, ...rest } = layer;
  const kind = layerKind(type);
  return spec(type, kind?.engineOptions ? kind.engineOptions(layer) : rest);
}

// ---- the run's length in steps
// The fit options with Keras's defaults; null means the default, as None does
// for Keras's batch_size (a {"batch_size": null} must not make the run's steps
// Infinity, nor write "epochs=null" into the Keras script).
export function fitOptions(config) {
  const fit = { epochs: 1, batch_size: 32, shuffle: true };
  for (const [k, v] of Object.entries(config.fit ?? {})) if (v !== null && v !== undefined) fit[k] = v;
  return fit;
}

// The number of training images a configuration selects, when the
// configuration alone tells it (not for a class filter without a count, nor for
// the student's own files, whose size only the loaded data knows): null then.
export function trainImages(config) {
  const t = config.data?.train;
  if (!isObject(t)) return null;
  if (Number.isInteger(t.count)) return t.count;
  if (t.classes) return null;
  const total = DATASETS[config.data.dataset]?.splits?.[t.split];
  return Number.isInteger(total) ? Math.max(0, total - (t.start ?? 0)) : null;
}

// The schedule of a configuration in the engine's steps: the one place where a
// schedule given in epochs or as fractions of the run (or a 1cycle left to cover
// the whole run) becomes steps. Training (run.js, with the count of images
// actually selected), the preview, the Keras script and the results files use it.
// trainCount: the training images (default: trainImages(config)).
// Returns {schedule, trainCount, stepsPerEpoch, totalSteps, warnings}; throws a
// ConfigError when the steps cannot be known.
export function resolveSchedule(config, { trainCount } = {}) {
  const count = trainCount ?? trainImages(config);
  const given = config.schedule ?? null;
  if (!Number.isInteger(count)) {
    if (needsRun(given)) throw new ConfigError([{ path: 'data.train.count', message: 'is needed to turn the schedule\'s epochs into steps: the number of training images is known only once the data is loaded' }]);
    return { schedule: given, trainCount: null, stepsPerEpoch: null, totalSteps: null, warnings: [] };
  }
  const fit = fitOptions(config);
  const run = { stepsPerEpoch: stepsPerEpoch(count, fit.batch_size), totalSteps: 0 };
  run.totalSteps = run.stepsPerEpoch * fit.epochs;
  const { schedule, errors } = scheduleInSteps(given, run);
  if (errors.length) throw new ConfigError(errors);
  return { schedule, trainCount: count, ...run, warnings: scheduleWarnings(given, schedule, run) };
}

// The engine's spec strings of a configuration whose schedule is already in
// steps (prepare.js resolveRun passes resolveSchedule's).
export function engineSpecs(config, schedule) {
  const fit = fitOptions(config);
  const optimizer = (options) => spec(config.optimizer?.type ?? 'sgd', { ...(config.optimizer ?? {}), type: undefined, ...options });
  // purpose: the first fit ('fit'), a two-phase transfer's unfrozen fit
  // ('unfrozen') or pruning's fine-tuning ('fine-tune'); each later fit
  // shuffles anew as Keras's next model.fit does (random.js phaseSeed).
  const phases = transferPhases(config);
  const fitSpec = (epochs, purpose = 'fit') => spec('fit', {
    ...fit,
    epochs,
    seed: phaseSeed(config.seed ?? 42, fitPhase(purpose, { unfrozen: Boolean(phases) })),
    // Layer statistics are always taken (the page's layer health); an old
    // link's stats.every_epoch changes nothing, its samples still count.
    stats_samples: config.stats?.samples,
  });
  const fineTuneEpochs = config.prune?.fine_tune_epochs ?? 0;
  return {
    model: spec('model', { seed: config.seed ?? 42, standardize: config.data?.standardize ?? false }),
    layers: config.model.map(layerSpec),
    optimizer: optimizer({}),
    schedule: spec(schedule?.type ?? 'constant', { ...(schedule ?? {}), type: undefined }),
    callbacks: (config.callbacks ?? []).map((cb) => spec(cb.type, { ...cb, type: undefined })),
    // A two-phase transfer run trains phase 1 (reused layers frozen) with this
    // fit spec, then the unfreeze phase (run.js) with its own.
    fit: fitSpec(phases ? phases.freezeEpochs : fit.epochs),
    unfreeze: phases && {
      epochs: phases.fineTuneEpochs,
      fit: fitSpec(phases.fineTuneEpochs, 'unfrozen'),
      // The recompile's new optimizer: same kind and options, the lower rate,
      // a constant one (keras.optimizers.SGD(learning_rate=...) in the book).
      optimizer: optimizer({ learning_rate: phases.fineTuneLearningRate }),
      schedule: 'constant',
      // The reused layers that were frozen for phase 1 (a layer set trainable
      // false in the model itself stays frozen).
      layers: config.model.slice(0, config.transfer.layers).map((l, i) => (l.trainable === false ? -1 : i)).filter((i) => i >= 0),
    },
    // Pruning's fine-tuning (run.js): the fit's options for its own epochs,
    // after the other fits.
    fineTune: config.prune && fineTuneEpochs > 0 ? { epochs: fineTuneEpochs, fit: fitSpec(fineTuneEpochs, 'fine-tune') } : null,
    batchSize: fit.batch_size,
  };
}
