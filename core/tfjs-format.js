// tfjs-format.js: a trained engine model as a TensorFlow.js "layers-model"
// (model.json + weights.bin), and such a model read back into the engine.
// Format: https://www.tensorflow.org/js/guide/save_load (model.json holds the
// Keras topology and a weights manifest; weights.bin the float32 little-endian
// values in manifest order). TF.js matches weights to layers by name
// ("dense_1/kernel"), so the order here is the Keras one: per layer, Dense
// kernel then bias, BatchNormalization gamma, beta, moving_mean, moving_variance.
//
// The pixel scaling is not part of the model: like the book's models, it takes
// inputs = pixels / 255, flattened to one row of `features` values per image
// (784 for Fashion-MNIST, row-major 28x28).
import description from './description.js';
import { layerSpec } from './config.js';
import { layerKind, IMPORT_BY_CLASS } from './layers/index.js';
import { activationOf } from './layers/activation.js';
import { nameProblem, kerasName, NAME_MAX_LENGTH } from './names.js';
import { EngineError } from '../wasm/engine.js';

export const WEIGHTS_FILE = 'weights.bin';
export const INPUT_NOTE = 'inputs are pixels / 255 as float32, one flattened row per image (row-major); the model does not scale them itself';

export class TfjsFormatError extends Error {
  constructor(message) {
    super(message);
    this.name = 'TfjsFormatError';
  }
}

const fail = (message) => { throw new TfjsFormatError(message); };
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

// ---------------------------------------------------------------- export

// Keras initializer configs; the variance-scaling family in its general form,
// which is how TF.js itself writes it (keras.initializers.HeNormal is
// VarianceScaling(scale=2, mode="fan_in", distribution="truncated_normal")):
// the engine's table of those arguments (initializers.c).
const VARIANCE_SCALING = description.initializer_variance_scaling;
// variance_scaling's own defaults (Keras's: 1, fan_in, truncated_normal) are the engine's Dense options.
const VARIANCE_SCALING_DEFAULTS = Object.fromEntries(['scale', 'mode', 'distribution'].map((k) => [k, description.layers.dense.options[`kernel_${k}`].default]));

// shape: the weight's [fan_in, fan_out], for the one case TF.js cannot read:
// its VarianceScaling has no "untruncated_normal" (it refuses to load the
// file), so that case is written as the RandomNormal it is for this weight's
// shape (stddev sqrt(scale / n), Keras's formula).
function initializerConfig(init, fallback, shape) {
  const type = (isObject(init) ? init.type : init) ?? fallback;
  const p = isObject(init) ? init : {};
  if (Object.hasOwn(VARIANCE_SCALING, type) || type === 'variance_scaling') {
    const { scale, mode, distribution } = { ...VARIANCE_SCALING_DEFAULTS, ...(VARIANCE_SCALING[type] ?? p) };
    if (distribution === 'untruncated_normal') {
      const [fanIn, fanOut] = shape;
      const n = Math.max(1, mode === 'fan_in' ? fanIn : mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2);
      return { class_name: 'RandomNormal', config: { mean: 0, stddev: Math.sqrt(scale / n), seed: null } };
    }
    return { class_name: 'VarianceScaling', config: { scale, mode, distribution, seed: null } };
  }
  switch (type) {
    case 'zeros': return { class_name: 'Zeros', config: {} };
    case 'ones': return { class_name: 'Ones', config: {} };
    case 'constant': return { class_name: 'Constant', config: { value: p.value ?? 0 } };
    case 'random_normal': return { class_name: 'RandomNormal', config: { mean: p.mean ?? 0, stddev: p.stddev ?? 0.05, seed: null } };
    case 'truncated_normal': return { class_name: 'TruncatedNormal', config: { mean: p.mean ?? 0, stddev: p.stddev ?? 0.05, seed: null } };
    case 'random_uniform': return { class_name: 'RandomUniform', config: { minval: p.minval ?? -0.05, maxval: p.maxval ?? 0.05, seed: null } };
    default: return fail(`initializer "${type}" has no Keras equivalent`);
  }
}

// An activation's name in tfjs-layers (activations.ts) is the engine's
// (activation_info.tfjs: null where TF.js needs a layer).
const ACTIVATIONS = description.activation_info;

// The layer an activation becomes when it cannot be a plain activation name:
// leaky_relu is the LeakyReLU layer (alpha; engine and Keras default 0.3). TF.js
// has no ELU with alpha != 1 (its ELU layer throws "not supported yet").
function activationLayers(act, where) {
  const { name, alpha } = activationOf(act);
  if (name === 'elu' && alpha !== undefined && alpha !== 1)
    return fail(`${where}: ELU with alpha ${alpha} cannot be written in the TF.js format (TF.js's elu activation and ELU layer only support alpha 1)`);
  if (name === 'leaky_relu') return { activation: 'linear', extra: { class_name: 'LeakyReLU', base: 'leaky_re_lu', config: { alpha: alpha ?? ACTIVATIONS.leaky_relu.alpha.default } } };
  if (Object.hasOwn(ACTIVATIONS, name) && ACTIVATIONS[name].tfjs) return { activation: ACTIVATIONS[name].tfjs, extra: null };
  return fail(`${where}: activation "${name}" cannot be written in the TF.js format`);
}

// Keras-style layer names: dense, dense_1, ...; a name given in the
// configuration is kept when it is free.
function uniqueNamer() {
  const used = new Set();
  const next = new Map();
  return (base, wanted) => {
    const clean = wanted ? kerasName(wanted) : null;
    if (clean && !used.has(clean)) return used.add(clean), clean;
    let n = next.get(base) ?? 0;
    let name;
    do name = n === 0 ? base : `${base}_${n}`, n++; while (used.has(name));
    next.set(base, n);
    used.add(name);
    return name;
  };
}

// Reads the run configuration a model was saved with (train.js and the page
// store it as the model's metadata) when the caller does not pass it.
function configOf(model, config) {
  if (config) return config;
  try {
    const parsed = JSON.parse(model.metadata);
    if (Array.isArray(parsed?.model)) return parsed;
  } catch { /* fall through */ }
  return fail('the model carries no run configuration: pass the configuration it was built from');
}

// model: a built engine Model; config: its run configuration (Keras names).
// Returns { modelJson (object), weights (Uint8Array, float32 little-endian) }.
export function exportTfjs(model, config, { weightsFile = WEIGHTS_FILE, generatedBy } = {}) {
  config = configOf(model, config);
  const layersCfg = config.model;
  // Standardized inputs ((x - mean) / std per feature) are folded into the first
  // Dense layer, so the TF.js model takes pixels / 255 like every other export:
  // kernel'[i][j] = kernel[i][j] / std[i], bias'[j] = bias[j] - sum_i mean[i] / std[i] kernel[i][j].
  const stats = config.data?.standardize ? model.inputStatistics() : null;
  if (config.data?.standardize && !stats) fail('this model standardizes its inputs but has no statistics yet: train it first');
  if (stats && !layerKind(layersCfg[0]?.type)?.tfjsFoldsStandardization)
    fail('standardized inputs can be exported only when the first layer is Dense (they are folded into it)');
  if (layersCfg.length !== model.layerCount)
    fail(`the configuration has ${layersCfg.length} layers but the model has ${model.layerCount}`);
  const tensors = model.tensors();
  const byLayer = layersCfg.map((_, i) => tensors.filter((t) => t.layer === i));
  // The input width: the first layer with weights fixes it (only Dense changes the width).
  const firstWeighted = byLayer.findIndex((ts) => ts.length > 0);
  if (firstWeighted < 0) fail('the model has no weights');
  const features = byLayer[firstWeighted][0].shape[0];

  const name = uniqueNamer();
  const layers = [];
  const specs = [];
  const chunks = [];
  const addWeight = (layerName, weightName, t, shape = t.shape) => {
    specs.push({ name: `${layerName}/${weightName}`, shape, dtype: 'float32' });
    chunks.push(t.data);
  };
  const push = (class_name, config) => {
    if (layers.length === 0) config.batch_input_shape = [null, features];
    config.dtype = 'float32';
    layers.push({ class_name, config });
    return config.name;
  };
  const pushActivation = (extra) => {
    if (extra) push(extra.class_name, { name: name(extra.base), trainable: true, ...extra.config });
  };

  // Each layer's trainable flag as the model has it now, as TF.js writes it
  // (layer.trainable): frozen by its configuration, reused frozen from another
  // run, or a two-phase transfer run stopped before it unfroze them.
  const frozen = (_l, i) => !model.layerTrainable(i);
  layersCfg.forEach((l, i) => {
    const where = `model[${i}] (${l.type})`;
    const ts = Object.fromEntries(byLayer[i].map((t) => [t.name, t]));
    const kind = layerKind(l.type);
    if (!kind) fail(`${where}: layer type "${l.type}" cannot be written in the TF.js format`);
    // What a layer kind's tfjsExport() writes with (core/layers/).
    kind.tfjsExport(l, {
      ts, where, index: i, frozen: frozen(l, i), stats, fail, activationLayers, initializerConfig,
      name, push, addWeight, pushActivation, last: () => layers[layers.length - 1],
    });
  });

  const total = chunks.reduce((n, c) => n + c.length, 0);
  const weights = new Uint8Array(total * 4);
  const view = new DataView(weights.buffer);
  let offset = 0;
  for (const c of chunks) for (let k = 0; k < c.length; k++, offset += 4) view.setFloat32(offset, c[k], true);

  const version = model.engine?.info?.version ?? 'unknown';
  const modelJson = {
    format: 'layers-model',
    generatedBy: generatedBy ?? `chapter11-playground engine ${version}`,
    convertedBy: 'chapter11-playground core/tfjs-format.js',
    modelTopology: {
      class_name: 'Sequential',
      config: { name: kerasName(config.name ?? 'sequential'), layers },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: [weightsFile], weights: specs }],
    userDefinedMetadata: { input: INPUT_NOTE, features, run: config.name ?? null, dataset: config.data?.dataset ?? null },
  };
  return { modelJson, weights };
}

// ---------------------------------------------------------------- import

const ENGINE_ACTIVATIONS = description.activations;
const SUPPORTED_LAYERS = ['InputLayer', 'Flatten', ...Object.keys(IMPORT_BY_CLASS)];

// Keras serializes an activation as a name, or (Keras 3 objects) as
// {class_name: 'function', config: 'relu'}.
function activationName(value) {
  if (value === undefined || value === null) return 'linear';
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value.config === 'string') return value.config;
  if (isObject(value) && typeof value.class_name === 'string') return value.class_name;
  return String(value);
}

function importActivation(value, where) {
  const name = activationName(value);
  const snake = name.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  // Keras 3's "leaky_relu" activation function has negative_slope 0.2.
  if (snake === 'leaky_relu') return { type: 'leaky_relu', alpha: 0.2 };
  if (!ENGINE_ACTIVATIONS.includes(snake)) fail(`${where}: activation "${name}" is not supported by the engine (it has ${ENGINE_ACTIVATIONS.join(', ')})`);
  return snake;
}

const FROM_CLASS = {
  GlorotUniform: 'glorot_uniform', GlorotNormal: 'glorot_normal', HeUniform: 'he_uniform', HeNormal: 'he_normal',
  LecunUniform: 'lecun_uniform', LecunNormal: 'lecun_normal', LeCunUniform: 'lecun_uniform', LeCunNormal: 'lecun_normal',
  Zeros: 'zeros', Ones: 'ones',
};

// Initializers only matter for training the imported model further: one the
// engine lacks is dropped (the weights come from the file) with a warning.
function importInitializer(init, warnings, where) {
  if (init === undefined || init === null) return undefined;
  const cls = typeof init === 'string' ? init : init.class_name;
  const c = isObject(init?.config) ? init.config : {};
  const snake = String(cls).replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  if (FROM_CLASS[cls]) return FROM_CLASS[cls];
  if (['glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal', 'lecun_uniform', 'lecun_normal', 'zeros', 'ones'].includes(snake)) return snake;
  if (cls === 'VarianceScaling') {
    // TF.js writes camelCase (fanAvg, truncatedNormal); Keras 3 reads "normal" as truncated_normal.
    const snakeOf = (v, d) => String(v ?? d).replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
    const mode = snakeOf(c.mode, 'fan_in');
    const dist = snakeOf(c.distribution, 'truncated_normal');
    const distribution = dist === 'normal' ? 'truncated_normal' : dist;
    const scale = c.scale ?? 1;
    for (const [n, v] of Object.entries(VARIANCE_SCALING))
      if (v.scale === scale && v.mode === mode && v.distribution === distribution) return n;
    const { options } = description.layers.dense;
    if (options.kernel_mode.choices.includes(mode) && options.kernel_distribution.choices.includes(distribution) && scale > 0)
      return { type: 'variance_scaling', scale, mode, distribution };
  }
  if (cls === 'Constant') return { type: 'constant', value: c.value ?? 0 };
  if (cls === 'RandomNormal') return { type: 'random_normal', mean: c.mean ?? 0, stddev: c.stddev ?? 0.05 };
  if (cls === 'TruncatedNormal') return { type: 'truncated_normal', mean: c.mean ?? 0, stddev: c.stddev ?? 0.05 };
  if (cls === 'RandomUniform') return { type: 'random_uniform', minval: c.minval ?? -0.05, maxval: c.maxval ?? 0.05 };
  warnings.push(`${where}: initializer ${cls} is not in the engine; the default is used if the model is trained further`);
  return undefined;
}

function layerList(json) {
  let topology = json.modelTopology;
  if (!isObject(topology)) fail('model.json has no "modelTopology" object');
  if (isObject(topology.model_config)) topology = topology.model_config; // Keras-converted files nest it
  if (topology.class_name !== 'Sequential')
    fail(`model.json describes a ${topology.class_name ?? 'model without class_name'}; only Sequential models can be imported`);
  const layers = Array.isArray(topology.config) ? topology.config : topology.config?.layers;
  if (!Array.isArray(layers) || layers.length === 0) fail('model.json: modelTopology.config.layers must be a non-empty list');
  return layers;
}

function inputShapeOf(c) {
  return c.batch_input_shape ?? c.batch_shape ?? (c.input_shape ? [null, ...c.input_shape] : null);
}

// Translates the topology to run-configuration layers (Keras names) and the
// weights each expects, in engine tensor order.
function translate(json) {
  const warnings = [];
  const model = [];
  const expected = []; // per engine layer: [{key, shape}]
  let features = null;
  let width = null;
  let flattenOk = true;
  layerList(json).forEach((entry, i) => {
    if (!isObject(entry) || typeof entry.class_name !== 'string' || !isObject(entry.config))
      fail(`model.json: layer ${i} must be an object with "class_name" and "config"`);
    const cls = entry.class_name;
    const c = entry.config;
    if (c.name !== undefined && typeof c.name !== 'string') fail(`model.json: layer ${i} (${cls}): its "name" must be a string`);
    const lname = c.name ?? `layer_${i}`;
    const where = `layer ${i} (${cls} "${lname}")`;
    if (!SUPPORTED_LAYERS.includes(cls))
      fail(`layer ${i} (${cls}) is not supported by the engine; it supports ${SUPPORTED_LAYERS.join(', ')}`);
    const shape = inputShapeOf(c);
    if (shape) {
      if (!Array.isArray(shape) || shape.length < 2 || !shape.slice(1).every((d) => Number.isInteger(d) && d > 0))
        fail(`${where}: input shape ${JSON.stringify(shape)} must be [null, features] (or [null, rows, cols] before Flatten)`);
      const size = shape.slice(1).reduce((a, b) => a * b, 1);
      // Keras 2 files may repeat the InputLayer's shape on the next layer.
      if (features === null) {
        features = size;
        width = shape.length === 2 ? features : null; // an image shape needs a Flatten first
      } else if (i > 1 || size !== features) fail(`${where}: an input shape is only allowed on the first layer`);
    }
    if (features === null) fail(`${where}: the first layer must give the input shape (batch_input_shape)`);
    const need2d = () => { if (width === null) fail(`${where}: the input is not flat; add Flatten first (the engine takes flat inputs)`); };
    if (cls === 'InputLayer') {
      if (i !== 0) fail(`${where}: an InputLayer is only allowed first`);
      return;
    }
    if (cls === 'Flatten') {
      if (!flattenOk) fail(`${where}: Flatten is only supported before the first Dense or BatchNormalization layer`);
      width = features;
      return;
    }
    const layer = { name: lname };
    if (c.trainable === false) layer.trainable = false;
    // What a layer kind's reader works with (core/layers/): it fills the layer
    // and returns the weights it expects; width and flattenOk are the walk's.
    expected.push(IMPORT_BY_CLASS[cls](c, layer, {
      where, warnings, fail, need2d, importActivation, importInitializer,
      get width() { return width; }, set width(v) { width = v; },
      get flattenOk() { return flattenOk; }, set flattenOk(v) { flattenOk = v; },
    }));
    model.push(layer);
  });
  if (model.length === 0) fail('model.json has no layers the engine can run');
  if (width === null) fail('the model never flattens its input');
  return { model, expected, features, warnings };
}

function manifestWeights(json) {
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) fail('model.json has no "weightsManifest" list');
  const list = [];
  manifest.forEach((group, g) => {
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights))
      fail(`model.json: weightsManifest[${g}] must have "paths" and "weights" lists`);
    group.weights.forEach((w, k) => {
      const where = `weightsManifest[${g}].weights[${k}]`;
      if (!isObject(w) || typeof w.name !== 'string' || !Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d >= 0))
        fail(`model.json: ${where} must have a "name" and a "shape" list`);
      if ((w.dtype ?? 'float32') !== 'float32') fail(`model.json: ${where} (${w.name}) has dtype ${w.dtype}; only float32 weights are supported`);
      if (w.quantization) fail(`model.json: ${where} (${w.name}) is quantized; only unquantized float32 weights are supported`);
      list.push({ name: w.name, shape: w.shape, size: w.shape.reduce((a, b) => a * b, 1) });
    });
  });
  return { list, paths: manifest.flatMap((g) => g.paths) };
}

function toBytes(weights, paths) {
  if (weights instanceof ArrayBuffer) return new Uint8Array(weights);
  if (ArrayBuffer.isView(weights)) return new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength);
  // A map of file name -> bytes, joined in manifest order.
  const get = (p) => (weights instanceof Map ? weights.get(p) : weights?.[p]);
  const parts = paths.map((p) => {
    const b = get(p);
    if (!b) fail(`weights file ${p} (named in the manifest) was not given`);
    return toBytes(b, []);
  });
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) all.set(p, off), (off += p.length);
  return all;
}

// Reads a TF.js layers model into a fresh engine model.
//   modelJson: the parsed model.json (or its text); weights: the bytes of
//   weights.bin (or {path: bytes} for several shards).
// Returns { model (built engine Model), config ({model: layers}), features, warnings }.
// Refuses what the engine lacks, naming the layer.
export function importTfjs(engine, modelJson, weights, { seed = 42, maxBatch = 256 } = {}) {
  let json = modelJson;
  if (typeof json === 'string' || ArrayBuffer.isView(json)) {
    const text = typeof json === 'string' ? json : new TextDecoder().decode(json);
    try {
      json = JSON.parse(text);
    } catch (err) {
      fail(`model.json is not valid JSON: ${err.message}`);
    }
  }
  if (!isObject(json)) fail('model.json must be a JSON object');
  if (json.format !== undefined && json.format !== 'layers-model')
    fail(`model.json has format "${json.format}"; only "layers-model" (tf.LayersModel) can be imported, not graph models`);
  const { model: layers, expected, features, warnings } = translate(json);
  const { list, paths } = manifestWeights(json);
  const bytes = toBytes(weights, paths);
  const wanted = list.reduce((n, w) => n + w.size * 4, 0);
  if (bytes.length !== wanted)
    fail(`${paths.join(', ') || 'weights'}: expected ${wanted} bytes (${list.length} float32 weights in the manifest), got ${bytes.length}`
      + (bytes.length < wanted ? ' (the file is truncated)' : ''));
  // Decode by name; Keras-converted files may scope names ("sequential/dense/kernel") or add ":0".
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Map();
  let offset = 0;
  for (const w of list) {
    const data = new Float32Array(w.size);
    for (let k = 0; k < w.size; k++, offset += 4) data[k] = view.getFloat32(offset, true);
    values.set(w.name.replace(/:0$/, ''), { ...w, data, used: false });
  }
  const find = (layerName, key) => {
    const exact = values.get(`${layerName}/${key}`);
    if (exact) return exact;
    for (const [n, v] of values) if (n.endsWith(`/${layerName}/${key}`)) return v;
    return null;
  };
  const assigned = layers.map((l, i) => expected[i].map(({ key, shape }) => {
    const v = find(l.name, key);
    const where = `layer "${l.name}" (${l.type})`;
    if (!v) fail(`${where}: weight ${l.name}/${key} is missing from the weights manifest`);
    if (v.shape.join() !== shape.join()) fail(`${where}: weight ${v.name} has shape [${v.shape}], the layer needs [${shape}]`);
    v.used = true;
    return { key, data: v.data };
  }));
  const unused = [...values.values()].filter((v) => !v.used).map((v) => v.name);
  if (unused.length) fail(`the weights manifest has weights no layer uses: ${unused.join(', ')}`);

  const model = engine.createModel(features, `model seed=${seed}`);
  try {
    layers.forEach((l, i) => {
      const { name: _n, ...spec } = l;
      try {
        model.add(layerSpec(spec));
      } catch (err) {
        throw new EngineError(`layer ${i} (${l.name}): ${err.message}`);
      }
    });
    try {
      model.build(maxBatch);
    } catch (err) {
      throw new EngineError(`the imported model cannot be built: ${err.message}`);
    }
    const tensors = model.tensors();
    layers.forEach((l, i) => {
      const given = Object.fromEntries(assigned[i].map((a) => [a.key, a.data]));
      for (const t of tensors.filter((x) => x.layer === i)) {
        const fixed = t.name === 'beta' ? 0 : t.name === 'gamma' ? 1 : null;
        model.setTensor(t.index, given[t.name] ?? new Float32Array(t.data.length).fill(fixed ?? 0));
      }
    });
  } catch (err) {
    model.free();
    throw err;
  }
  // The file's layer names found the weights; the configuration keeps those a
  // run configuration allows (names.js), the others spelled as export writes them.
  const configName = (n) => (nameProblem(n, { layer: true }) ? kerasName(n).slice(0, NAME_MAX_LENGTH) || 'layer' : n);
  return { model, config: { model: layers.map((l) => ({ ...l, name: configName(l.name) })) }, features, warnings };
}

// model.json text as written to disk.
export function modelJsonText(modelJson) {
  return JSON.stringify(modelJson, null, 1) + '\n';
}
