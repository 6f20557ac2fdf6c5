// sweep.js: a hyperparameter sweep over one run configuration, DOM-free, used by
// the CLI (tools/sweep.js) and the page's Sweep panel alike. A knob is a JSON
// path into the configuration, written as config.js writes its error paths
// ("optimizer.learning_rate", "fit.batch_size", "model[0].units"), with a list of
// values (grid) or a range (random search; log-uniform for ":log", as Keras
// Tuner's Float(sampling="log")). planSweep turns a base configuration and the
// knobs into trial configurations: the grid's product, or N draws seeded by the
// sweep's seed (the same seed gives the same trials). Each trial configuration
// is validated like any run; a knob whose path or value the configuration
// refuses is an error naming the knob. Trials are ranked by best validation
// accuracy (Keras Tuner's objective "val_accuracy", direction max).
import { validateConfig } from './config.js';
import { randomGenerator } from './random.js';

export class SweepError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SweepError';
  }
}

// What a trial gets when the configuration has no early_stopping callback:
// stop a trial once its validation accuracy has not improved for `patience`
// epochs and keep its best epoch's weights (keras.callbacks.EarlyStopping).
export const DEFAULT_PATIENCE = 3;

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

// "model[2].units" -> ['model', 2, 'units'].
export function parsePath(text) {
  if (typeof text !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*(\[\d+\]|\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(text))
    throw new SweepError(`"${text}" is not a configuration path; write it as the error messages do, like optimizer.learning_rate, fit.batch_size or model[0].units`);
  return [...text.matchAll(/[A-Za-z_][A-Za-z0-9_]*|\[(\d+)\]/g)].map((m) => (m[1] !== undefined ? Number(m[1]) : m[0]));
}

export function getAt(config, path) {
  let node = config;
  for (const key of parsePath(path)) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

// A copy of config with the value at path set. Missing objects on the way are
// created (fit.batch_size where the configuration has no fit section); a list
// index must exist, and nothing goes through a value that is not an object.
export function setAt(config, path, value) {
  const keys = parsePath(path);
  const copy = structuredClone(config);
  let node = copy;
  keys.forEach((key, i) => {
    const here = keys.slice(0, i).reduce((p, k) => p + (typeof k === 'number' ? `[${k}]` : `${p ? '.' : ''}${k}`), '') || '(root)';
    if (typeof key === 'number') {
      if (!Array.isArray(node)) throw new SweepError(`${path}: ${here} is not a list`);
      if (key >= node.length) throw new SweepError(`${path}: ${here} has ${node.length} entries (numbered from 0)`);
    } else if (!isObject(node)) throw new SweepError(`${path}: ${here} is not an object`);
    if (i === keys.length - 1) node[key] = value;
    else {
      if (node[key] === undefined && typeof key === 'string') node[key] = typeof keys[i + 1] === 'number' ? [] : {};
      node = node[key];
    }
  });
  return copy;
}

// A value as typed on the command line or in the page: numbers, true/false,
// null, else a name ("adam", "relu").
export function parseValue(text) {
  const t = String(text).trim();
  if (t === '') throw new SweepError('an empty value');
  if (/^(true|false|null)$/.test(t)) return JSON.parse(t);
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  return t;
}

// "optimizer.learning_rate=0.001,0.01,0.1" -> {path, values}
export function parseGrid(text) {
  const eq = String(text).indexOf('=');
  if (eq < 1) throw new SweepError(`${text}: write a knob as path=value,value,... (like optimizer.learning_rate=0.001,0.01)`);
  const path = text.slice(0, eq);
  parsePath(path);
  const values = text.slice(eq + 1).split(',').map((v) => {
    try {
      return parseValue(v);
    } catch {
      throw new SweepError(`${text}: ${path} has an empty value`);
    }
  });
  return { path, values };
}

// "optimizer.learning_rate=1e-4:1e-1:log" -> {path, low, high, log, integer}.
// A range whose ends are both written as whole numbers ("model[0].units=32:512")
// draws whole numbers.
export function parseRange(text) {
  const m = /^([^=]+)=([^:]+):([^:]+)(?::(log))?$/.exec(String(text));
  if (!m) throw new SweepError(`${text}: write a range as path=low:high or path=low:high:log (like optimizer.learning_rate=1e-4:1e-1:log)`);
  const [, path, lowText, highText, log] = m;
  parsePath(path);
  const low = Number(lowText);
  const high = Number(highText);
  const integer = /^\s*\d+\s*$/.test(lowText) && /^\s*\d+\s*$/.test(highText);
  return checkRange({ path, low, high, log: Boolean(log), integer });
}

function checkRange(range) {
  const { path, low, high, log } = range;
  if (!Number.isFinite(low) || !Number.isFinite(high)) throw new SweepError(`${path}: a range needs two numbers, low:high`);
  if (!(low < high)) throw new SweepError(`${path}: the range's low end (${low}) must be below its high end (${high})`);
  if (log && !(low > 0)) throw new SweepError(`${path}: a log range needs a low end above 0 (got ${low}); rates span powers of ten, like 1e-4:1e-1:log`);
  return range;
}

// The sweep's seed alone decides every draw (random.js), in the page and in Node alike.
export { randomGenerator };

// One draw from a range: uniform, or uniform in log space for ":log"; four
// significant digits (a rate of 0.003162, not 0.0031622776601683794) kept inside the range.
export function drawFromRange(range, random) {
  const u = random();
  const { low, high, log, integer } = range;
  let v = log ? Math.exp(Math.log(low) + u * (Math.log(high) - Math.log(low))) : low + u * (high - low);
  v = integer ? Math.round(v) : Number(v.toPrecision(4));
  return Math.min(high, Math.max(low, v));
}

const describeValue = (v) => (typeof v === 'string' ? `"${v}"` : String(v));

// Whether the (valid) base configuration takes value at path: the problems
// validateConfig finds with it, worded with the knob.
function checkKnobValue(base, path, value) {
  const fresh = validateConfig(setAt(base, path, value));
  if (fresh.length) throw new SweepError(`${path}=${describeValue(value)}: ${fresh.map((e) => `${e.path} ${e.message}`).join('; ')}`);
}

// base: a valid run configuration; knobs: [{path, values} | {path, low, high, log, integer}]
// in the order given; options: random (N draws; without it the grid's product),
// seed (the sweep's; default the configuration's), maxTrials, epochs (per trial),
// patience (of the early stopping added when the configuration has none).
// Returns {trials: [{trial, knobs: {path: value}, config}], knobs: [paths], seed}.
export function planSweep(base, knobs, { random, seed, maxTrials, epochs, patience = DEFAULT_PATIENCE } = {}) {
  const baseErrors = validateConfig(base);
  if (baseErrors.length) throw new SweepError(`the base configuration is not valid: ${baseErrors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  if (!base.data.validation) throw new SweepError('a sweep ranks its trials by validation accuracy: set data.validation in the configuration');
  if (!knobs.length) throw new SweepError('a sweep needs at least one knob: a configuration path with values (--grid path=values) or a range (--range path=low:high)');
  const seen = new Set();
  for (const k of knobs) {
    if (seen.has(k.path)) throw new SweepError(`${k.path} is swept twice; give it once`);
    seen.add(k.path);
    if (k.values && !k.values.length) throw new SweepError(`${k.path}: give at least one value`);
    if (!k.values) checkRange(k);
    if (epochs && k.path === 'fit.epochs') throw new SweepError('fit.epochs is swept and also set as the budget (epochs per trial): give one');
  }
  for (const k of knobs) {
    for (const v of k.values ?? [k.low, k.high]) checkKnobValue(base, k.path, v);
  }
  if (random !== undefined && !(Number.isInteger(random) && random >= 1)) throw new SweepError('random draws: how many trials to draw must be a whole number, 1 or more');
  if (random === undefined && knobs.some((k) => !k.values)) throw new SweepError(`${knobs.find((k) => !k.values).path}: a range is drawn at random: say how many trials to draw (--random N)`);
  const sweepSeed = seed ?? base.seed ?? 42;
  let points;
  if (random === undefined) {
    points = knobs.reduce((acc, k) => acc.flatMap((p) => k.values.map((v) => [...p, v])), [[]]);
  } else {
    const next = randomGenerator(sweepSeed);
    points = Array.from({ length: random }, () => knobs.map((k) => (k.values ? k.values[Math.floor(next() * k.values.length)] : drawFromRange(k, next))));
  }
  if (maxTrials !== undefined && points.length > maxTrials)
    throw new SweepError(`the sweep has ${points.length} trials, more than the budget of ${maxTrials}: remove values${random === undefined ? '' : ' or draw fewer'}, or raise the budget`);
  const name = typeof base.name === 'string' && base.name ? base.name : 'sweep';
  const trials = points.map((values, i) => {
    let config = structuredClone(base);
    knobs.forEach((k, j) => { config = setAt(config, k.path, values[j]); });
    config.name = `${name}-trial-${i + 1}`;
    if (epochs) config.fit = { ...(config.fit ?? {}), epochs };
    if (!(config.callbacks ?? []).some((c) => c?.type === 'early_stopping'))
      config.callbacks = [...(config.callbacks ?? []), { type: 'early_stopping', monitor: 'val_accuracy', patience, restore_best_weights: true }];
    const errors = validateConfig(config);
    if (errors.length) throw new SweepError(`trial ${i + 1} (${knobs.map((k, j) => `${k.path}=${describeValue(values[j])}`).join(', ')}): ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
    return { trial: i + 1, knobs: Object.fromEntries(knobs.map((k, j) => [k.path, values[j]])), config };
  });
  return { trials, knobs: knobs.map((k) => k.path), seed: sweepSeed };
}

// Finished trials ({trial, best_val_accuracy, ...}) best first: highest best
// validation accuracy; trials without one (failed, crashed) last; ties in trial order.
export function rankTrials(results) {
  const score = (r) => (Number.isFinite(r.best_val_accuracy) ? r.best_val_accuracy : -Infinity);
  return [...results].sort((a, b) => score(b) - score(a) || a.trial - b.trial);
}

// The best trial, or null when no trial reached a validation accuracy.
export function bestTrial(results) {
  const [best] = rankTrials(results);
  return best && Number.isFinite(best.best_val_accuracy) ? best : null;
}
