// rrelu.js: the randomized leaky ReLU (Xu et al. 2015; torch.nn.RReLU) in every
// form the playground gives a layer kind (see dense.js for the parts). Neither
// Keras nor TF.js has it:
// - the Keras script defines it as a small custom layer (RRELU_KERAS below), so
//   the script trains what the playground trains (its slopes drawn by Keras's
//   own generator);
// - the TF.js export refuses it, naming the layer: TF.js would need a custom
//   class registered before it could load the file (a LeakyReLU with the mean
//   slope predicts the same, but would silently stop being an RReLU if trained).
export const RRELU_KERAS = [
  '@keras.saving.register_keras_serializable()  # so that saved models load again',
  'class RReLU(keras.layers.Layer):',
  '    """Randomized leaky ReLU (Xu et al. 2015), which Keras does not have: in training',
  '    each negative input is multiplied by its own slope drawn uniformly from',
  '    [lower, upper]; at inference by the mean slope (lower + upper) / 2."""',
  '',
  '    def __init__(self, lower=0.125, upper=1 / 3, seed=None, **kwargs):',
  '        super().__init__(**kwargs)',
  '        self.lower = lower',
  '        self.upper = upper',
  '        self.seed = seed',
  '        self.seed_generator = keras.random.SeedGenerator(seed)',
  '',
  '    def call(self, inputs, training=None):',
  '        if training:',
  '            slope = keras.random.uniform(keras.ops.shape(inputs), self.lower, self.upper,',
  '                                         seed=self.seed_generator)',
  '        else:',
  '            slope = (self.lower + self.upper) / 2',
  '        return keras.ops.where(inputs >= 0, inputs, slope * inputs)',
  '',
  '    def get_config(self):',
  '        return {**super().get_config(), "lower": self.lower, "upper": self.upper, "seed": self.seed}',
];

export default {
  label: 'RReLU',
  // The form's "Keras:" tag (a kind Keras has shows its class).
  kerasLabel: 'none (the Keras script defines an RReLU layer)',
  help: 'A leaky ReLU whose slope for negative inputs is random in training (uniform in [lower, upper], new for every input and batch) and the mean slope at inference (Xu et al. 2015). Acts as a regularizer. Not in Keras or TF.js: the Keras script defines it, the TF.js export refuses it.',
  create: () => ({ type: 'rrelu' }),
  summary: (layer) => `RReLU(${layer.lower ?? 0.125}, ${layer.upper ?? '1/3'})`,
  params: (layer, width) => ({ params: 0, width }),

  keras(l, k) {
    return [{
      activation: 'linear',
      definition: { name: 'RReLU', lines: RRELU_KERAS },
      code: `RReLU(${k.kwargs([
        ['lower', l.lower !== undefined ? k.py(l.lower) : undefined],
        ['upper', l.upper !== undefined ? k.py(l.upper) : undefined],
        ['name', k.name],
      ])})`,
    }];
  },

  tfjsExport(l, x) {
    x.fail(`${x.where}: RReLU cannot be written in the TF.js format: neither TF.js nor Keras has an RReLU layer. At inference it is a LeakyReLU with slope (lower + upper) / 2 = ${((l.lower ?? 0.125) + (l.upper ?? 1 / 3)) / 2}; use a leaky_relu activation with that alpha to export a model like it`);
  },

  // No Keras or TF.js class is read as an RReLU (TF.js files cannot hold one).
  tfjsImport: {},
};
