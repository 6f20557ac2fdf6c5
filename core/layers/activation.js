// activation.js: keras.layers.Activation (and the activation layers Keras and
// TF.js files may hold: LeakyReLU, ELU, ReLU, Softmax) in every form the
// playground gives a layer kind (see dense.js for the parts).
import { variantName } from './variant-name.js';

// An activation of the configuration as {name, alpha}: a name, an object with
// its alpha (or negative_slope, Keras 3's name for LeakyReLU's alpha), or none
// (linear). The Keras script and the TF.js export write it from this.
export const activationOf = (act) => (act === undefined || act === null ? { name: 'linear' }
  : typeof act === 'string' ? { name: act } : { name: act.type, alpha: act.alpha ?? act.negative_slope });

// The same as the engine's layer options: activation=<name> alpha=<value>. Dense
// and Activation layers both carry one; an activation left out stays out (the
// engine's default, linear).
export function activationEngineOptions(act) {
  if (act === undefined) return { activation: undefined };
  const { name, alpha } = activationOf(act);
  return { activation: name, alpha };
}

const activation = (layer, value) => (Object.assign(layer, { type: 'activation', activation: value }), []);

export default {
  label: 'Activation',
  help: 'Applies a function on its own, e.g. after batch normalization ("Dense → BN → ReLU").',
  create: () => ({ type: 'activation', activation: 'relu' }),
  summary: (layer) => `Activation(${variantName(layer.activation)})`,
  params: (layer, width) => ({ params: 0, width }),
  // Its options checked (config.js validateConfig; c: its errors and checkers):
  // the activation, a name or an object with its alpha, is its only option.
  check(layer, path, c) {
    c.checkName(`${path}.name`, layer.name, { layer: true });
    c.checkActivation(`${path}.activation`, layer.activation);
    for (const k of Object.keys(layer)) if (!['type', 'activation', 'name'].includes(k)) c.error(`${path}.${k}`, 'is not an option of activation');
  },
  // Its JSON Schema (schema.js configSchema; see dense.js): the activation as the
  // configuration gives it (its alpha inside it), not the engine's flat alpha.
  jsonSchema: (v, s) => s.variantSchema('activation', v, { activation: s.activation, name: s.LAYER_NAME }, ['alpha']),
  // The engine's options (config.js layerSpec writes them as the spec string).
  engineOptions: (layer) => activationEngineOptions(layer.activation),

  keras(l, k) {
    const act = k.activationOf(l.activation);
    return [{ activation: act.name, code: k.activationLayer(act) ?? `keras.layers.Activation(${k.kwargs([[k.pyStr(act.name), k.RAW], ['name', k.name]])})` }];
  },

  tfjsExport(l, x) {
    const { activation: name, extra } = x.activationLayers(l.activation, x.where);
    if (extra) x.pushActivation(extra);
    else x.push('Activation', { name: x.name('activation', l.name), trainable: true, activation: name });
  },

  tfjsImport: {
    Activation: (c, layer, m) => activation(layer, m.importActivation(c.activation, m.where)),
    // TF.js's LeakyReLU layer default (alpha 0.3), which Keras 3 names negative_slope.
    LeakyReLU: (c, layer) => activation(layer, { type: 'leaky_relu', alpha: c.alpha ?? c.negative_slope ?? 0.3 }),
    ELU(c, layer) {
      const alpha = c.alpha ?? 1;
      return activation(layer, alpha === 1 ? 'elu' : { type: 'elu', alpha });
    },
    ReLU(c, layer, m) {
      if ((c.max_value ?? null) !== null || (c.threshold ?? 0) !== 0 || (c.negative_slope ?? 0) !== 0)
        m.fail(`${m.where}: ReLU with max_value, threshold or negative_slope is not supported by the engine`);
      return activation(layer, 'relu');
    },
    Softmax(c, layer, m) {
      if ((c.axis ?? -1) !== -1 && c.axis !== 1) m.fail(`${m.where}: softmax over axis ${c.axis} is not supported`);
      return activation(layer, 'softmax');
    },
  },
};
