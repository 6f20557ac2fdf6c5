// dense.js: keras.layers.Dense in every form the playground gives a layer kind:
// the page's name, help and new layer, its summary and parameters, its Keras
// code and its TF.js export and import. Its options, defaults and ranges are the
// engine's (engine/layers.c, description.js), and so is its spec: engineOptions
// flattens the configuration's nested Keras-like options into the engine's.
import description from '../description.js';
import { variantName } from './variant-name.js';
import { activationEngineOptions } from './activation.js';

const OPTIONS = description.layers.dense.options;

// The initializers a Dense weight takes (role: 'kernel' or 'bias'), each with the
// Keras arguments it takes (the engine's initializer_params) and the engine
// option that carries each (<role>_<argument>): {zeros: {}, random_normal:
// {mean: 'kernel_mean', stddev: 'kernel_stddev'}, ...}. One table for the
// validation (check), the JSON Schema (jsonSchema) and the spec (engineOptions).
// options, params: the engine's table of the moment (description.js, or the
// engine's describe() when the schema is generated).
export function initializerTable(options, params, role) {
  return Object.fromEntries(options[`${role}_initializer`].choices.map((name) => [name,
    Object.fromEntries((params[name] ?? []).map((a) => [a, `${role}_${a}`]))]));
}
const INITIALIZERS = { kernel: initializerTable(OPTIONS, description.initializer_params, 'kernel'), bias: initializerTable(OPTIONS, description.initializer_params, 'bias') };
// Every argument some initializer of the role takes: ['mean', 'stddev', ...].
const argumentsOf = (table) => [...new Set(Object.values(table).flatMap(Object.keys))];

// An initializer as the configuration gives it: a name, or an object with a type and its options.
const typeOf = (v) => (typeof v === 'object' && v ? v.type : v);

// What to write instead of an initializer object without "type": the first
// initializer that takes every argument given, with them ({"stddev": 1} ->
// {"type": "random_normal", "stddev": 1}; an invalid value shows the default),
// else the first that takes the first (with those it takes), else the role's
// default initializer when none given is known.
// valid(option, value): whether a given value may be shown.
function initializerExample(role, given, valid) {
  const table = INITIALIZERS[role];
  const keys = Object.keys(given).filter((k) => argumentsOf(table).includes(k));
  const [name, args] = Object.entries(table).find(([, a]) => keys.length && keys.every((k) => Object.hasOwn(a, k)))
    ?? Object.entries(table).find(([, a]) => Object.hasOwn(a, keys[0])) ?? [OPTIONS[`${role}_initializer`].default, {}];
  const value = (k) => (valid(OPTIONS[args[k]], given[k]) ? given[k] : OPTIONS[args[k]].default);
  const example = [['type', name], ...Object.keys(args).filter((k) => keys.includes(k)).map((k) => [k, value(k)])];
  return `{${example.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`;
}

export default {
  label: 'Dense',
  help: 'Every input connects to every neuron: output = activation(inputs · kernel + bias).',
  create: () => ({ type: 'dense', units: 100, activation: 'relu', kernel_initializer: 'he_normal' }),

  summary(layer) {
    const bits = [`Dense(${layer.units ?? '?'}, ${variantName(layer.activation) ?? 'linear'})`];
    // An initializer object without a type (refused by check) names none.
    const init = variantName(layer.kernel_initializer);
    if (init) bits.push(init);
    const reg = layer.kernel_regularizer;
    if (reg?.l1) bits.push(`L1 ${reg.l1}`);
    if (reg?.l2) bits.push(`L2 ${reg.l2}`);
    if (layer.kernel_constraint?.max_norm) bits.push(`max-norm ${layer.kernel_constraint.max_norm}`);
    return bits.join(' · ');
  },

  // The parameters it adds on inputs of the given width, and its output width.
  params(layer, width) {
    if (!Number.isInteger(layer.units)) return { params: 0, width };
    return { params: width * layer.units + (layer.use_bias === false ? 0 : layer.units), width: layer.units };
  },

  // Its options checked (config.js validateConfig; c: its errors and checkers).
  // Ranges and choices are the engine's; the nested objects are the
  // configuration's own (Keras's), so their keys are checked here.
  check(layer, path, c) {
    const opt = (p, desc, value) => {
      const msg = c.checkOption(desc, value);
      if (msg) c.error(p, msg);
    };
    // An initializer: a name, or an object with a type and the arguments that
    // type takes (INITIALIZERS): a message about the name goes to the type, one
    // about an argument to the argument.
    const initializer = (p, role, value) => {
      const desc = OPTIONS[`${role}_initializer`];
      if (!c.isObject(value)) { opt(p, desc, value); return; }
      const table = INITIALIZERS[role];
      // Without a type the engine would use its default initializer and the
      // arguments would silently do nothing.
      if (value.type === undefined || value.type === null) c.error(p, `an initializer object needs "type", e.g. ${initializerExample(role, value, (d, v) => c.checkOption(d, v) === null)}`);
      else opt(`${p}.type`, { ...desc, required: true }, value.type);
      const takes = typeof value.type === 'string' && Object.hasOwn(table, value.type) ? table[value.type] : null;
      const all = argumentsOf(table);
      for (const [k, v] of Object.entries(value)) {
        if (k === 'type') continue;
        if (!all.includes(k)) c.error(`${p}.${k}`, `is not an initializer argument (${all.join(', ')})${c.suggest(k, all)}`);
        else if (takes && !Object.hasOwn(takes, k)) {
          const owners = Object.keys(table).filter((n) => Object.hasOwn(table[n], k));
          const own = Object.keys(takes);
          c.error(`${p}.${k}`, `${value.type} ${own.length ? `takes ${own.join(', ')}, not ${k}` : 'takes no arguments'}; ${k} is an argument of ${owners.join(' and ')}`);
        } else opt(`${p}.${k}`, OPTIONS[`${role}_${k}`], v);
      }
    };
    for (const [key, value] of Object.entries(layer)) {
      const p = `${path}.${key}`;
      switch (key) {
        case 'type': break;
        case 'name': c.checkName(p, value, { layer: true }); break;
        case 'units': case 'use_bias': case 'trainable': opt(p, OPTIONS[key], value); break;
        case 'activation': c.checkActivation(p, value); break;
        case 'kernel_initializer': initializer(p, 'kernel', value); break;
        case 'bias_initializer': initializer(p, 'bias', value); break;
        case 'kernel_regularizer':
          if (value === null) break;
          if (!c.isObject(value)) { c.error(p, 'must be null or an object like {"l2": 0.001}'); break; }
          for (const [k, v] of Object.entries(value)) {
            if (k !== 'l1' && k !== 'l2') c.error(`${p}.${k}`, 'is not a regularizer factor (l1 or l2)');
            else opt(`${p}.${k}`, OPTIONS[`kernel_${k}`], v);
          }
          break;
        case 'kernel_constraint':
          if (value === null) break;
          if (!c.isObject(value) || Object.keys(value).some((k) => k !== 'max_norm')) c.error(p, 'must be null or {"max_norm": value}');
          else opt(`${p}.max_norm`, { ...OPTIONS.max_norm, required: true }, value.max_norm);
          break;
        default:
          c.error(p, `is not an option of dense${c.suggest(key, ['units', 'activation', 'use_bias', 'kernel_initializer', 'bias_initializer', 'kernel_regularizer', 'kernel_constraint', 'trainable'])}`);
      }
    }
    if (layer.units === undefined) c.error(`${path}.units`, 'is required');
  },

  // Its JSON Schema (schema.js configSchema, for core/config.schema.json), from
  // the engine's table of the moment (v: description.layers.dense); s: the
  // schema writer's parts (optionSchema, LAYER_NAME, the activation's schema,
  // the engine's initializer_params).
  jsonSchema(v, s) {
    const o = v.options;
    // A name, or an object of one initializer's type and the arguments it takes
    // (initializerTable: the table validation checks against), with their ranges.
    const initializer = (role) => ({
      oneOf: [
        { type: 'string', enum: o[`${role}_initializer`].choices },
        ...Object.entries(initializerTable(o, s.initializerParams, role)).map(([name, args]) => ({
          type: 'object', required: ['type'], additionalProperties: false,
          properties: { type: { const: name }, ...Object.fromEntries(Object.entries(args).map(([a, option]) => [a, s.optionSchema(o[option])])) },
        })),
      ],
      default: o[`${role}_initializer`].default,
    });
    return {
      title: 'Dense', description: v.help, type: 'object', additionalProperties: false, required: ['type', 'units'],
      properties: {
        type: { const: 'dense' }, name: s.LAYER_NAME,
        units: s.optionSchema(o.units), activation: s.activation, use_bias: s.optionSchema(o.use_bias), trainable: s.optionSchema(o.trainable),
        kernel_initializer: initializer('kernel'),
        bias_initializer: initializer('bias'),
        kernel_regularizer: { oneOf: [{ type: 'null' }, { type: 'object', properties: { l1: s.optionSchema(o.kernel_l1), l2: s.optionSchema(o.kernel_l2) }, additionalProperties: false }] },
        kernel_constraint: { oneOf: [{ type: 'null' }, { type: 'object', properties: { max_norm: s.optionSchema(o.max_norm) }, required: ['max_norm'], additionalProperties: false }] },
      },
    };
  },

  // The engine's options (config.js layerSpec writes them as the spec string):
  // the configuration's nested Keras-like objects flattened into the engine's
  // layer options (engine/layers.c): kernel_initializer {type, stddev} becomes
  // kernel_initializer=<type> kernel_stddev=<value>, bias_initializer {type,
  // value} bias_initializer=<type> bias_value=<value>, kernel_regularizer
  // {l1, l2} kernel_l1/kernel_l2, kernel_constraint {max_norm} max_norm.
  engineOptions(layer) {
    // An initializer's arguments as their engine options (INITIALIZERS; validation
    // has refused those its type does not take).
    const initializer = (role) => {
      const init = layer[`${role}_initializer`];
      const args = INITIALIZERS[role][typeOf(init)] ?? {};
      return { [`${role}_initializer`]: typeOf(init), ...Object.fromEntries(Object.entries(args).map(([a, option]) => [option, typeof init === 'object' && init ? init[a] : undefined])) };
    };
    return {
      units: layer.units,
      ...activationEngineOptions(layer.activation),
      use_bias: layer.use_bias,
      ...initializer('kernel'),
      ...initializer('bias'),
      kernel_l1: layer.kernel_regularizer?.l1,
      kernel_l2: layer.kernel_regularizer?.l2,
      max_norm: layer.kernel_constraint?.max_norm,
      trainable: layer.trainable,
    };
  },

  // k: the Keras script's writers (keras-script.js), name and trainable included.
  keras(l, k) {
    const act = k.activationOf(l.activation);
    const separate = k.activationLayer(act);
    const out = [{
      activation: separate ? 'linear' : act.name,
      code: `keras.layers.Dense(${k.kwargs([
        [String(l.units), k.RAW],
        ['activation', !separate && act.name !== 'linear' ? k.pyStr(act.name) : undefined],
        ['use_bias', l.use_bias === false ? 'False' : undefined],
        ['kernel_initializer', k.initializer(l.kernel_initializer)],
        ['bias_initializer', k.initializer(l.bias_initializer)],
        ['kernel_regularizer', k.regularizer(l.kernel_regularizer)],
        ['kernel_constraint', l.kernel_constraint?.max_norm !== undefined ? `keras.constraints.MaxNorm(max_value=${k.py(l.kernel_constraint.max_norm)})` : undefined],
        ['trainable', k.trainable], ['name', k.name],
      ])})`,
    }];
    if (separate) out.push({ activation: act.name, code: separate });
    return out;
  },

  // Standardized inputs can be folded into it when it is the first layer
  // (tfjsExport below); the exporter refuses them before any other first layer.
  tfjsFoldsStandardization: true,

  // x: the TF.js exporter's context (tfjs-format.js exportTfjs).
  tfjsExport(l, x) {
    const { ts, where } = x;
    const { activation, extra } = x.activationLayers(l.activation, where);
    const useBias = l.use_bias !== false;
    if (!ts.kernel || ts.kernel.shape[1] !== l.units || (useBias && !ts.bias))
      x.fail(`${where}: the model's weights do not match the configuration (units ${l.units})`);
    const reg = l.kernel_regularizer;
    const layerName = x.push('Dense', {
      name: x.name('dense', l.name), trainable: !x.frozen, units: l.units, activation, use_bias: useBias,
      kernel_initializer: x.initializerConfig(l.kernel_initializer, 'glorot_uniform', ts.kernel.shape),
      bias_initializer: x.initializerConfig(l.bias_initializer, 'zeros'),
      kernel_regularizer: reg && (reg.l1 || reg.l2) ? { class_name: 'L1L2', config: { l1: reg.l1 ?? 0, l2: reg.l2 ?? 0 } } : null,
      bias_regularizer: null, activity_regularizer: null,
      kernel_constraint: l.kernel_constraint?.max_norm ? { class_name: 'MaxNorm', config: { max_value: l.kernel_constraint.max_norm, axis: 0 } } : null,
      bias_constraint: null,
    });
    // Standardized inputs ((x - mean) / std per feature) are folded into the first
    // Dense layer, so the TF.js model takes pixels / 255 like every other export:
    // kernel'[i][j] = kernel[i][j] / std[i], bias'[j] = bias[j] - sum_i mean[i] / std[i] kernel[i][j].
    if (x.stats && x.index === 0) {
      const { stats } = x;
      const [rows, cols] = ts.kernel.shape;
      const kernel = new Float32Array(rows * cols);
      const offset = new Float64Array(cols);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) {
          const w = ts.kernel.data[r * cols + c];
          kernel[r * cols + c] = w * stats.invStd[r];
          offset[c] += stats.mean[r] * stats.invStd[r] * w;
        }
      const bias = Float32Array.from(offset, (o, c) => (useBias ? ts.bias.data[c] : 0) - o);
      x.last().config.use_bias = true;
      x.addWeight(layerName, 'kernel', { ...ts.kernel, data: kernel });
      x.addWeight(layerName, 'bias', { data: bias, shape: [cols] });
    } else {
      x.addWeight(layerName, 'kernel', ts.kernel);
      if (useBias) x.addWeight(layerName, 'bias', ts.bias);
    }
    x.pushActivation(extra);
  },

  // The Keras classes it is read from; m: the TF.js importer's context
  // (tfjs-format.js layerList); returns the weights the layer expects.
  tfjsImport: {
    Dense(c, layer, m) {
      const { where, warnings } = m;
      m.need2d();
      if (!(Number.isInteger(c.units) && c.units > 0)) m.fail(`${where}: units must be a positive integer`);
      Object.assign(layer, { type: 'dense', units: c.units, activation: m.importActivation(c.activation, where) });
      if (c.use_bias === false) layer.use_bias = false;
      const ki = m.importInitializer(c.kernel_initializer, warnings, where);
      if (ki !== undefined) layer.kernel_initializer = ki;
      const bi = m.importInitializer(c.bias_initializer, warnings, where);
      if (bi !== undefined && bi !== 'zeros') {
        if (bi === 'ones' || bi?.type === 'constant') layer.bias_initializer = bi;
        else warnings.push(`${where}: the engine's bias initializers are zeros, ones and constant; zeros is used if trained further`);
      }
      const reg = c.kernel_regularizer;
      if (reg) {
        const rc = reg.config ?? {};
        const r = {};
        if (rc.l1) r.l1 = rc.l1;
        if (rc.l2) r.l2 = rc.l2;
        if (Object.keys(r).length) layer.kernel_regularizer = r;
      }
      for (const k of ['bias_regularizer', 'activity_regularizer', 'bias_constraint'])
        if (c[k]) warnings.push(`${where}: ${k} is not in the engine and is ignored (it does not change predictions)`);
      if (c.kernel_constraint) {
        if (c.kernel_constraint.class_name === 'MaxNorm' && (c.kernel_constraint.config?.axis ?? 0) === 0)
          layer.kernel_constraint = { max_norm: c.kernel_constraint.config?.max_value ?? 2 };
        else warnings.push(`${where}: kernel constraint ${c.kernel_constraint.class_name} is not in the engine and is ignored`);
      }
      const expected = [{ key: 'kernel', shape: [m.width, c.units] }, ...(c.use_bias === false ? [] : [{ key: 'bias', shape: [c.units] }])];
      m.width = c.units;
      m.flattenOk = false;
      return expected;
    },
  },
};
