// batch-normalization.js: keras.layers.BatchNormalization in every form the
// playground gives a layer kind (see dense.js for the parts).
export default {
  label: 'Batch norm',
  help: 'Standardizes each feature over the batch, then learns a scale and an offset. Fights unstable gradients and often allows higher learning rates.',
  create: () => ({ type: 'batch_normalization' }),
  summary: () => 'BatchNormalization',
  // gamma, beta, moving mean and moving variance per feature.
  params: (layer, width) => ({ params: 4 * width, width }),

  keras(l, k) {
    return [{
      activation: 'linear',
      code: `keras.layers.BatchNormalization(${k.kwargs([
        ['momentum', l.momentum !== undefined ? k.py(l.momentum) : undefined], ['epsilon', l.epsilon !== undefined ? k.py(l.epsilon) : undefined],
        ['center', l.center === false ? 'False' : undefined], ['scale', l.scale === false ? 'False' : undefined],
        ['trainable', k.trainable], ['name', k.name],
      ])})`,
    }];
  },

  tfjsExport(l, x) {
    const { ts, where } = x;
    const center = l.center !== false;
    const scale = l.scale !== false;
    // Without center/scale Keras has no beta/gamma weight; the engine keeps them at 0/1.
    if (!center && ts.beta.data.some((v) => v !== 0)) x.fail(`${where}: center is false but beta is not zero`);
    if (!scale && ts.gamma.data.some((v) => v !== 1)) x.fail(`${where}: scale is false but gamma is not one`);
    const layerName = x.push('BatchNormalization', {
      name: x.name('batch_normalization', l.name), trainable: !x.frozen, axis: -1,
      momentum: l.momentum ?? 0.99, epsilon: l.epsilon ?? 0.001, center, scale,
      beta_initializer: { class_name: 'Zeros', config: {} }, gamma_initializer: { class_name: 'Ones', config: {} },
      moving_mean_initializer: { class_name: 'Zeros', config: {} }, moving_variance_initializer: { class_name: 'Ones', config: {} },
      beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null,
    });
    if (scale) x.addWeight(layerName, 'gamma', ts.gamma);
    if (center) x.addWeight(layerName, 'beta', ts.beta);
    x.addWeight(layerName, 'moving_mean', ts.moving_mean);
    x.addWeight(layerName, 'moving_variance', ts.moving_variance);
  },

  tfjsImport: {
    BatchNormalization(c, layer, m) {
      const { where } = m;
      m.need2d();
      const axis = Array.isArray(c.axis) && c.axis.length === 1 ? c.axis[0] : c.axis ?? -1;
      if (axis !== -1 && axis !== 1) m.fail(`${where}: axis ${JSON.stringify(c.axis)} is not supported (the engine normalizes each feature: axis -1)`);
      Object.assign(layer, { type: 'batch_normalization', momentum: c.momentum ?? 0.99, epsilon: c.epsilon ?? 0.001 });
      const center = c.center !== false;
      const scale = c.scale !== false;
      if (!center) layer.center = false;
      if (!scale) layer.scale = false;
      m.flattenOk = false;
      const { width } = m;
      return [
        ...(scale ? [{ key: 'gamma', shape: [width] }] : []), ...(center ? [{ key: 'beta', shape: [width] }] : []),
        { key: 'moving_mean', shape: [width] }, { key: 'moving_variance', shape: [width] },
      ];
    },
  },
};
