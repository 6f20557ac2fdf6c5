// prelu.js: keras.layers.PReLU (He et al. 2015) in every form the playground
// gives a layer kind (see dense.js for the parts): a leaky ReLU whose slope for
// negative inputs is learned, one per unit (shared_axes None). Its options are
// the engine's (engine/layers.c): alpha_initializer (zeros, ones or constant
// with alpha_value), alpha_l1 / alpha_l2 (Keras's alpha_regularizer) and trainable.
const regularizerOf = (l) => (l.alpha_l1 || l.alpha_l2 ? { l1: l.alpha_l1, l2: l.alpha_l2 } : undefined);
const initializerOf = (l) => (l.alpha_initializer === 'constant' ? { type: 'constant', value: l.alpha_value ?? 0 } : l.alpha_initializer);

export default {
  label: 'PReLU',
  help: 'A leaky ReLU whose slope for negative inputs is learned by gradient descent, one per unit (He et al. 2015). Starts as a ReLU (slopes 0, as in Keras). Put it after a Dense layer without activation.',
  create: () => ({ type: 'prelu' }),
  summary(layer) {
    const bits = ['PReLU'];
    if (layer.alpha_initializer === 'constant') bits.push(`alpha ${layer.alpha_value ?? 0}`);
    else if (layer.alpha_initializer === 'ones') bits.push('alpha 1');
    if (layer.alpha_l1) bits.push(`L1 ${layer.alpha_l1}`);
    if (layer.alpha_l2) bits.push(`L2 ${layer.alpha_l2}`);
    return bits.join(' · ');
  },
  // One slope per unit.
  params: (layer, width) => ({ params: width, width }),

  keras(l, k) {
    return [{
      activation: 'linear',
      code: `keras.layers.PReLU(${k.kwargs([
        ['alpha_initializer', l.alpha_initializer && l.alpha_initializer !== 'zeros' ? k.initializer(initializerOf(l)) : undefined],
        ['alpha_regularizer', k.regularizer(regularizerOf(l))],
        ['trainable', k.trainable], ['name', k.name],
      ])})`,
    }];
  },

  tfjsExport(l, x) {
    const { ts, where } = x;
    if (!ts.alpha) x.fail(`${where}: the model's weights do not match the configuration (no PReLU slopes)`);
    const reg = regularizerOf(l);
    const layerName = x.push('PReLU', {
      name: x.name('p_re_lu', l.name), trainable: !x.frozen,
      alpha_initializer: x.initializerConfig(initializerOf(l), 'zeros'),
      alpha_regularizer: reg ? { class_name: 'L1L2', config: { l1: reg.l1 ?? 0, l2: reg.l2 ?? 0 } } : null,
      alpha_constraint: null, shared_axes: null,
    });
    x.addWeight(layerName, 'alpha', ts.alpha);
  },

  tfjsImport: {
    PReLU(c, layer, m) {
      const { where, warnings } = m;
      m.need2d();
      const shared = c.shared_axes ?? null;
      if (shared !== null && !(Array.isArray(shared) && shared.length === 0))
        m.fail(`${where}: shared_axes ${JSON.stringify(shared)} is not supported (the engine learns one slope per unit)`);
      layer.type = 'prelu';
      const init = m.importInitializer(c.alpha_initializer, warnings, where);
      if (init === 'ones') layer.alpha_initializer = 'ones';
      else if (init?.type === 'constant') Object.assign(layer, { alpha_initializer: 'constant', alpha_value: init.value });
      else if (init !== undefined && init !== 'zeros') warnings.push(`${where}: the engine's PReLU alpha initializers are zeros, ones and constant; zeros is used if trained further`);
      const rc = c.alpha_regularizer?.config ?? {};
      if (rc.l1) layer.alpha_l1 = rc.l1;
      if (rc.l2) layer.alpha_l2 = rc.l2;
      if (c.alpha_constraint) warnings.push(`${where}: alpha_constraint is not in the engine and is ignored`);
      return [{ key: 'alpha', shape: [m.width] }];
    },
  },
};
