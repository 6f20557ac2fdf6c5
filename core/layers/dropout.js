// dropout.js: keras.layers.Dropout and AlphaDropout, two kinds that differ only
// in their names, in every form the playground gives a layer kind (see dense.js
// for the parts).
function dropoutKind({ type, cls, label, help, rate, tfjsConfig }) {
  return {
    label,
    help,
    create: () => ({ type, rate }),
    summary: (layer) => `${cls}(${layer.rate})`,
    params: (layer, width) => ({ params: 0, width }),
    // It drops units at random in training, so Monte Carlo Dropout has
    // something to average (mc-dropout.js; the engine's layer_ops.drops_units).
    dropsUnits: true,
    keras: (l, k) => [{ activation: 'linear', code: `keras.layers.${cls}(${k.kwargs([[k.py(l.rate), k.RAW], ['name', k.name]])})` }],
    tfjsExport(l, x) {
      x.push(cls, { name: x.name(type, l.name), trainable: true, rate: l.rate, ...tfjsConfig });
    },
    tfjsImport: {
      [cls](c, layer, m) {
        if (c.noise_shape) m.fail(`${m.where}: noise_shape is not supported by the engine`);
        const r = c.rate ?? 0;
        if (!(r >= 0 && r < 1)) m.fail(`${m.where}: rate must be in [0, 1)`);
        Object.assign(layer, { type, rate: r });
        return [];
      },
    },
  };
}

export const dropout = dropoutKind({
  type: 'dropout', cls: 'Dropout', label: 'Dropout', rate: 0.2, tfjsConfig: { noise_shape: null, seed: null },
  help: 'In training, zeroes a random fraction of the inputs each step (and scales the rest up), so neurons cannot rely on each other. Off at inference.',
});
export const alphaDropout = dropoutKind({
  type: 'alpha_dropout', cls: 'AlphaDropout', label: 'Alpha dropout', rate: 0.1, tfjsConfig: {},
  help: 'Dropout for SELU networks: keeps the mean and variance of the inputs, so self-normalization survives.',
});
