// schema.js: the JSON Schema of a run configuration, derived from the engine's
// variant tables (so option names, ranges and Keras defaults are the engine's).
// tools/gen-description.js writes it to core/config.schema.json.
import { RUN_FORMS, WHOLE_RUN, withRunForms, formKeys } from './schedule-steps.js';
import { CONTROL_CHARACTERS, NAME_MAX_LENGTH, TITLE_MAX_LENGTH } from './names.js';
import { layerKind } from './layers/index.js';

// Names and titles as names.js allows them: one line, no control characters.
const text = (maxLength, extra = '') => ({ type: 'string', minLength: 1, maxLength, pattern: `^[^${CONTROL_CHARACTERS}${extra}]*$` });
const NAME = text(NAME_MAX_LENGTH);
const LAYER_NAME = text(NAME_MAX_LENGTH, '/');
const NUMBER = { type: 'number' };

function optionSchema(opt) {
  const s = { description: opt.help };
  if (opt.type === 'boolean') s.type = 'boolean';
  else if (opt.type === 'name') {
    s.type = 'string';
    if (opt.choices) s.enum = opt.choices;
  } else if (opt.type === 'list') {
    s.type = 'array';
    s.items = { type: 'number' };
  } else {
    s.type = opt.type === 'integer' ? 'integer' : 'number';
    if (opt.minimum !== null && opt.minimum > -1e300) s.minimum = opt.minimum;
    if (opt.maximum !== null && opt.maximum < 1e300) s.maximum = opt.maximum;
  }
  if (opt.default !== null) s.default = opt.default;
  return s;
}

// A schedule's step options may be given in one of several forms (steps,
// epochs, fractions of the run): exactly one, or none where it means the whole run.
function scheduleSchema(name, variant) {
  const s = variantSchema(name, variant);
  const steps = [...new Set((RUN_FORMS[name] ?? []).map((f) => f.step))];
  const one = steps.map((step) => {
    const alternatives = formKeys(name, step).map((k) => ({ required: [k] }));
    if (WHOLE_RUN[name] === step) alternatives.push({ not: { anyOf: alternatives.map((a) => ({ ...a })) } });
    return { oneOf: alternatives };
  });
  return one.length ? { ...s, allOf: one } : s;
}

function variantSchema(name, variant, extra = {}, skip = []) {
  const properties = { type: { const: name } };
  const required = ['type'];
  for (const [k, opt] of Object.entries(variant.options)) {
    if (skip.includes(k)) continue;
    properties[k] = optionSchema(opt);
    if (opt.required) required.push(k);
  }
  return { title: variant.keras ?? name, description: variant.help, type: 'object', properties: { ...properties, ...extra }, required, additionalProperties: false };
}

// A flat layer's initializer argument (PReLU's alpha_value) only with an
// initializer that takes it, as validation says (config.js
// checkFlatInitializerArguments).
function flatInitializerArguments(schema, variant, params) {
  const some = new Set(Object.values(params).flat());
  const rules = [];
  for (const [option, desc] of Object.entries(variant.options)) {
    if (!option.endsWith('_initializer') || !desc.choices) continue;
    const prefix = option.slice(0, -'initializer'.length);
    for (const key of Object.keys(variant.options)) {
      if (!key.startsWith(prefix) || !some.has(key.slice(prefix.length))) continue;
      const owners = desc.choices.filter((n) => (params[n] ?? []).includes(key.slice(prefix.length)));
      const alternatives = [{ not: { required: [key] } }, { required: [option], properties: { [option]: { enum: owners } } }];
      if (owners.includes(desc.default)) alternatives.push({ not: { required: [option] } });
      rules.push({ anyOf: alternatives });
    }
  }
  return rules.length ? { ...schema, allOf: rules } : schema;
}

export function configSchema(d) {
  const activation = {
    oneOf: [
      { type: 'string', enum: d.activations },
      { type: 'object', properties: { type: { enum: d.activations }, alpha: { type: 'number' }, negative_slope: { type: 'number' } }, required: ['type'], additionalProperties: false },
    ],
  };
  // A kind whose options are not the engine's flat ones writes its own schema
  // (core/layers/: Dense's nested initializers, Activation's activation).
  const kinds = { optionSchema, variantSchema, LAYER_NAME, activation, initializerParams: d.initializer_params };
  const layers = Object.entries(d.layers).map(([name, v]) => layerKind(name)?.jsonSchema?.(v, kinds) ?? flatInitializerArguments(variantSchema(name, v, { name: LAYER_NAME }), v, d.initializer_params));
  const subset = {
    type: 'object', additionalProperties: false, required: ['split'],
    properties: {
      split: { enum: ['train', 'test'] }, start: { type: 'integer', minimum: 0, default: 0 },
      count: { type: 'integer', minimum: 1, description: 'number of images (default: the rest of the split)' },
      classes: { type: 'array', items: { type: 'integer', minimum: 0 }, description: 'keep only these classes, relabelled 0..n-1' },
    },
  };
  const fit = d.fit.fit.options;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Chapter 11 playground run configuration',
    description: 'One run: data, model (Keras layer names and defaults), optimizer, schedule, callbacks, fit.',
    type: 'object', additionalProperties: false, required: ['data', 'model'],
    properties: {
      name: NAME, title: text(TITLE_MAX_LENGTH),
      seed: { type: 'integer', minimum: 0, maximum: 4294967295, default: 42 },
      data: {
        type: 'object', additionalProperties: false, required: ['dataset', 'train'],
        properties: { dataset: { enum: ['fashion-mnist', 'cifar10', 'custom'] }, train: subset, validation: { oneOf: [{ type: 'null' }, subset] }, test: { oneOf: [{ type: 'null' }, subset] }, standardize: { type: 'boolean', default: false } },
      },
      model: { type: 'array', minItems: 1, items: { oneOf: layers } },
      optimizer: { oneOf: Object.entries(d.optimizers).map(([n, v]) => variantSchema(n, v)) },
      schedule: { oneOf: [{ type: 'null' }, ...Object.entries(withRunForms(d.schedules)).map(([n, v]) => scheduleSchema(n, v))] },
      callbacks: { type: 'array', items: { oneOf: Object.entries(d.callbacks).map(([n, v]) => variantSchema(n, v)) } },
      fit: { type: 'object', additionalProperties: false, properties: { epochs: optionSchema(fit.epochs), batch_size: optionSchema(fit.batch_size), shuffle: optionSchema(fit.shuffle) } },
      transfer: { oneOf: [{ type: 'null' }, { type: 'object', properties: { from: NAME, layers: { type: 'integer', minimum: 1 }, trainable: { type: 'boolean', default: true }, freeze_epochs: { type: 'integer', minimum: 1, description: 'epochs the reused layers stay frozen before they are unfrozen (fit.epochs counts both phases)' }, fine_tune_learning_rate: { type: 'number', exclusiveMinimum: 0, description: 'learning rate of the new optimizer after unfreezing' } }, required: ['from', 'layers'], additionalProperties: false }] },
      prune: { oneOf: [{ type: 'null' }, { type: 'object', properties: { fraction: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 }, fine_tune_epochs: { type: 'integer', minimum: 0 } }, required: ['fraction'], additionalProperties: false }] },
      stats: { oneOf: [{ type: 'null' }, { type: 'object', properties: { every_epoch: { type: 'boolean' }, samples: { type: 'integer', minimum: 1 } }, additionalProperties: false }] },
      analysis: { oneOf: [{ type: 'null' }, { type: 'object', properties: { type: { const: 'layer_stats' }, samples: { type: 'integer', minimum: 1 }, split: { enum: ['train', 'test'] } }, required: ['type'], additionalProperties: false }] },
      reference: {
        type: 'object', description: 'numbers the reference Keras notebook reported (shown as bands)',
        additionalProperties: { oneOf: [NUMBER, { type: 'array', items: NUMBER }, { type: 'object', additionalProperties: NUMBER }] },
      },
    },
  };
}
