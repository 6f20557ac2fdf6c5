// model-view.js: the layer list of the selected run: add, remove, reorder
// layers and edit their options. Option lists, defaults and ranges come from
// the engine's tables (description.js); a layer kind's name, help and new
// layer from its module (core/layers/); explanations from app/help.js.
import description from '../../core/description.js';
import { LAYER_KINDS, layerKind } from '../../core/layers/index.js';
import { variantName } from '../../core/layers/variant-name.js';
import { h, replace, fmt } from './dom.js';
import { numberField, selectField, checkField, optionField } from './form.js';
import { ACTIVATION_HELP, INITIALIZER_HELP, OPTION_HELP } from '../app/help.js';

const L = description.layers;
const DENSE = L.dense.options;
// Which arguments an initializer takes and an activation's parameter (its Keras
// name and default) are the engine's (description.js).
const INIT_PARAMS = description.initializer_params;
const ACTIVATIONS = description.activation_info;

// A layer's one-line summary and the model's parameter count, from its kinds (core/layers/).
export function layerSummary(layer) {
  if (!layer || typeof layer !== 'object') return '?';
  return layerKind(layer.type)?.summary(layer) ?? String(layer.type);
}

export function countParams(model, features) {
  let n = 0;
  let width = features;
  for (const l of model) {
    const kind = layerKind(l?.type);
    if (!kind) continue;
    const added = kind.params(l, width);
    n += added.params;
    width = added.width;
  }
  return n;
}

// A layer a transfer copies from another run: which, and how it trains (the
// Transfer learning section sets it).
function reusedTag(config, i) {
  const t = config.transfer;
  if (!t || typeof t !== 'object' || !(i < t.layers)) return null;
  const how = Number.isInteger(t.freeze_epochs) ? `frozen ${t.freeze_epochs} epoch${t.freeze_epochs === 1 ? '' : 's'}, then fine-tuned` : t.trainable === false ? 'frozen' : 'fine-tuned';
  return h('span.tag.light.reused', { title: `weights copied from run ${t.from} before training; ${how}` }, t.trainable === false && !Number.isInteger(t.freeze_epochs) ? 'reused, frozen' : 'reused');
}

// Keras's layer.trainable, for the kinds that have weights (dense, batch
// normalization, PReLU); the card's summary says "frozen" (so it is drawn again).
const trainableField = (layer, path, i, actions) => checkField({
  path: `${path}.trainable`, label: 'trainable', value: layer.trainable ?? true, help: OPTION_HELP.trainable, def: true,
  onValue: (_, v) => actions.mutate((c) => { if (v) delete c.model[i].trainable; else c.model[i].trainable = false; }),
});

export class ModelView {
  #open = new Set();

  constructor(root, actions) {
    this.root = root;
    this.actions = actions;
  }

  render(config, { features = 784 } = {}) {
    const model = Array.isArray(config.model) ? config.model : [];
    const list = h('ol.layers', model.map((layer, i) => this.#card(layer, i, model.length, reusedTag(config, i))));
    const add = h('div.add-layer', h('span.muted', 'Add before the output layer:'),
      Object.entries(LAYER_KINDS).map(([type, kind]) => h('button.chip', { type: 'button', title: kind.help, onclick: () => this.#add(type) }, `+ ${kind.label}`)));
    replace(this.root,
      h('p.model-io', h('strong', 'Input'), ` ${features} features (each image flattened, pixels / 255) → `, h('strong', 'output'), ' one probability per class.',
        h('span.params', ` ≈ ${fmt.int(countParams(model, features))} parameters`)),
      h('p.field-error', { dataset: { errorFor: 'model' } }),
      list, add);
  }

  #add(type) {
    this.actions.mutate((c) => {
      const at = Math.max(0, c.model.length - 1);
      c.model.splice(at, 0, LAYER_KINDS[type].create());
      this.#open = new Set([...this.#open].map((i) => (i >= at ? i + 1 : i)).concat(at));
    });
  }

  #move(i, d) {
    this.actions.mutate((c) => {
      const j = i + d;
      if (j < 0 || j >= c.model.length) return;
      [c.model[i], c.model[j]] = [c.model[j], c.model[i]];
      const oi = this.#open.has(i);
      const oj = this.#open.has(j);
      this.#open.delete(i); this.#open.delete(j);
      if (oi) this.#open.add(j);
      if (oj) this.#open.add(i);
    });
  }

  #remove(i) {
    this.actions.mutate((c) => {
      c.model.splice(i, 1);
      this.#open = new Set([...this.#open].filter((k) => k !== i).map((k) => (k > i ? k - 1 : k)));
    });
  }

  #card(layer, i, count, reused) {
    const path = `model[${i}]`;
    const type = layer?.type;
    const typeSelect = h('select.layer-type', { 'aria-label': `layer ${i + 1} type`, onchange: (e) => this.actions.mutate((c) => { c.model[i] = LAYER_KINDS[e.target.value].create(); }) },
      Object.entries(LAYER_KINDS).map(([t, kind]) => h('option', { value: t, selected: t === type }, kind.label)));
    const details = h('details.layer', { open: this.#open.has(i), dataset: { path }, ontoggle: () => (details.open ? this.#open.add(i) : this.#open.delete(i)) },
      h('summary',
        h('span.layer-index', String(i + 1)),
        h('span.layer-summary', layerSummary(layer)),
        i === count - 1 ? h('span.tag', 'output') : null,
        reused,
        layer?.trainable === false ? h('span.tag.light', { title: 'trainable = False: its weights do not change in training' }, 'frozen') : null),
      h('div.layer-body',
        h('div.field', h('label', h('span.label-text', 'Layer type'), h('span.keras', `Keras: ${layerKind(type)?.kerasLabel ?? L[type]?.keras ?? '?'}`)), typeSelect, h('p.help', layerKind(type)?.help ?? '')),
        this.#fields(layer, path, i)),
      h('p.field-error', { dataset: { errorFor: path } }));
    // The tools sit beside the summary, not inside it: a button inside a
    // <summary> is a control inside a control (WCAG 4.1.2, axe nested-interactive).
    const tools = h('div.layer-tools',
      h('button.icon', { type: 'button', title: 'Move up', 'aria-label': `move layer ${i + 1} up`, disabled: i === 0, onclick: () => this.#move(i, -1) }, '↑'),
      h('button.icon', { type: 'button', title: 'Move down', 'aria-label': `move layer ${i + 1} down`, disabled: i === count - 1, onclick: () => this.#move(i, 1) }, '↓'),
      h('button.icon.danger', { type: 'button', title: 'Remove', 'aria-label': `remove layer ${i + 1}`, onclick: () => this.#remove(i) }, '✕'));
    return h('li.layer-item', details, tools);
  }

  #fields(layer, path, i) {
    const set = (p, v) => this.actions.set(p, v);
    switch (layer?.type) {
      case 'dense': return this.#denseFields(layer, path, i);
      case 'activation': return this.#activationFields(layer, `${path}.activation`, i, 'activation');
      case 'dropout':
      case 'alpha_dropout':
        return optionField({ path: `${path}.rate`, name: 'rate', desc: L[layer.type].options.rate, value: layer.rate, help: OPTION_HELP.rate, onValue: set });
      case 'batch_normalization': {
        const o = L.batch_normalization.options;
        return [
          optionField({ path: `${path}.momentum`, name: 'momentum', desc: o.momentum, value: layer.momentum, help: OPTION_HELP.momentum_bn, onValue: set }),
          optionField({ path: `${path}.epsilon`, name: 'epsilon', desc: o.epsilon, value: layer.epsilon, help: OPTION_HELP.epsilon_bn, onValue: set }),
          trainableField(layer, path, i, this.actions),
        ];
      }
      case 'prelu': {
        const o = L.prelu.options;
        return [
          optionField({ path: `${path}.alpha_initializer`, name: 'alpha_initializer', label: 'slope initializer', desc: o.alpha_initializer, value: layer.alpha_initializer, help: OPTION_HELP.alpha_initializer, onValue: (p, v) => this.actions.mutate((c) => { c.model[i].alpha_initializer = v; if (v !== 'constant') delete c.model[i].alpha_value; }) }),
          layer.alpha_initializer === 'constant' ? optionField({ path: `${path}.alpha_value`, name: 'alpha_value', label: 'initial slope', desc: o.alpha_value, value: layer.alpha_value, help: OPTION_HELP.value, onValue: set }) : null,
          h('div.field-row',
            optionField({ path: `${path}.alpha_l1`, name: 'alpha_l1', label: 'L1 penalty', desc: o.alpha_l1, value: layer.alpha_l1, help: OPTION_HELP.l1, onValue: set }),
            optionField({ path: `${path}.alpha_l2`, name: 'alpha_l2', label: 'L2 penalty', desc: o.alpha_l2, value: layer.alpha_l2, help: OPTION_HELP.l2, onValue: set })),
          trainableField(layer, path, i, this.actions),
        ];
      }
      case 'rrelu': {
        const o = L.rrelu.options;
        return h('div.field-row',
          optionField({ path: `${path}.lower`, name: 'lower', desc: o.lower, value: layer.lower, help: OPTION_HELP.lower, onValue: set }),
          optionField({ path: `${path}.upper`, name: 'upper', desc: o.upper, value: layer.upper, help: OPTION_HELP.upper, onValue: set }));
      }
      // A kind without options of its own has no fields.
      default: return layerKind(layer?.type) ? [] : h('p.muted', 'Unknown layer type: choose one above.');
    }
  }

  #activationFields(layer, path, i, key) {
    const act = layer[key];
    const name = variantName(act);
    const alphaKey = ACTIVATIONS[name]?.alpha?.keras;
    const out = [selectField({
      path, label: 'activation', value: name, choices: description.activations.map((a) => [a, a]), titles: ACTIVATION_HELP,
      help: name && ACTIVATION_HELP[name] ? `${name}: ${ACTIVATION_HELP[name]}.` : OPTION_HELP.activation, def: layer.type === 'dense' ? DENSE.activation.default : '!required',
      onValue: (_, v) => this.actions.mutate((c) => { c.model[i][key] = v; }),
    })];
    if (alphaKey) {
      const value = typeof act === 'object' ? act[alphaKey] ?? act.alpha ?? act.negative_slope : undefined;
      out.push(numberField({
        path: `${path}.${alphaKey}`, label: alphaKey.replace('_', ' '), value, help: OPTION_HELP.alpha, def: ACTIVATIONS[name].alpha.default,
        onValue: (_, v) => this.actions.mutate((c) => { c.model[i][key] = v === undefined ? name : { type: name, [alphaKey]: v }; }, { rerender: false }),
      }));
    }
    return out;
  }

  #denseFields(layer, path, i) {
    const set = (p, v) => this.actions.set(p, v);
    const init = variantName(layer.kernel_initializer);
    const fields = [
      numberField({ path: `${path}.units`, label: 'units', value: layer.units, help: OPTION_HELP.units, def: '!required', step: 1, onValue: set }),
      ...this.#activationFields(layer, `${path}.activation`, i, 'activation'),
      selectField({
        path: `${path}.kernel_initializer`, label: 'kernel initializer', value: init ?? DENSE.kernel_initializer.default,
        choices: description.initializers.map((n) => [n, n]), titles: INITIALIZER_HELP, def: DENSE.kernel_initializer.default,
        help: `${OPTION_HELP.kernel_initializer} ${init && INITIALIZER_HELP[init] ? `${init}: ${INITIALIZER_HELP[init]}.` : ''}`,
        onValue: (_, v) => this.actions.mutate((c) => { c.model[i].kernel_initializer = v; }),
      }),
    ];
    for (const p of INIT_PARAMS[init] ?? []) {
      // Numbers, or names (variance_scaling's mode and distribution): the engine's option says which.
      fields.push(optionField({
        path: `${path}.kernel_initializer.${p}`, name: p, desc: DENSE[`kernel_${p}`], value: typeof layer.kernel_initializer === 'object' ? layer.kernel_initializer[p] : undefined,
        help: OPTION_HELP[p], onValue: (_, v) => this.actions.mutate((c) => {
          const cur = c.model[i].kernel_initializer;
          const obj = typeof cur === 'object' && cur ? { ...cur } : { type: init };
          if (v === undefined) delete obj[p]; else obj[p] = v;
          c.model[i].kernel_initializer = Object.keys(obj).length === 1 ? init : obj;
        }, { rerender: false }),
      }));
    }
    fields.push(
      h('div.field-row',
        numberField({ path: `${path}.kernel_regularizer.l1`, label: 'L1 penalty', value: layer.kernel_regularizer?.l1, help: OPTION_HELP.l1, def: null, onValue: set }),
        numberField({ path: `${path}.kernel_regularizer.l2`, label: 'L2 penalty', value: layer.kernel_regularizer?.l2, help: OPTION_HELP.l2, def: null, onValue: set })),
      numberField({ path: `${path}.kernel_constraint.max_norm`, label: 'max-norm', value: layer.kernel_constraint?.max_norm, help: OPTION_HELP.max_norm, def: null, onValue: set }),
      checkField({ path: `${path}.use_bias`, label: 'use bias', value: layer.use_bias ?? true, help: OPTION_HELP.use_bias, def: true, onValue: (p, v) => set(p, v ? undefined : false) }),
      trainableField(layer, path, i, this.actions),
    );
    return fields;
  }
}
