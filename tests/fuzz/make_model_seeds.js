// make_model_seeds.js: writes the seed model files of tests/fuzz/corpus_model/
// (fuzz_model.c and tests/node/hostile-input.test.js) with the WASM engine:
// small models that together use every layer kind, the standardization
// statistics, frozen layers, optimizers, schedules and metadata.
//   node tests/fuzz/make_model_seeds.js
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEngine } from '../../wasm/node.js';

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'corpus_model');
const engine = await loadEngine({ variant: 'single' });
// 3 samples of 2 x 2 pixels (IDX), for the standardization statistics.
const images = Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2, 1, 50, 100, 150, 200, 250, 3, 9, 77, 0, 255, 31]);
const labels = Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 3, 0, 1, 2]);
const ds = engine.datasetFromIdx(images, labels);

const seeds = {
  dense_relu_softmax: { spec: 'model seed=1', layers: ['dense units=3 activation=relu', 'dense units=2 activation=softmax'] },
  standardized_bn_dropout_adam: {
    spec: 'model seed=2 standardize=1', adapt: true,
    layers: ['batch_normalization', 'dropout rate=0.5', 'dense units=3 activation=softmax kernel_l2=0.01'],
    optimizer: 'adam learning_rate=0.001', schedule: 'exponential_decay initial_learning_rate=0.001 decay_steps=10 decay_rate=0.5',
    metadata: '{"name":"seed","model":[{"type":"batch_normalization"}]}',
  },
  logits_activation_alpha_dropout: {
    spec: 'model seed=3 from_logits=1',
    layers: ['dense units=2 use_bias=0 activation=selu kernel_initializer=lecun_normal', 'alpha_dropout rate=0.1', 'activation activation=leaky_relu alpha=0.2', 'dense units=3'],
    optimizer: 'nadam clipnorm=1', schedule: 'piecewise_constant_decay boundaries=5 values=0.1,0.01',
  },
  frozen_one_unit: { spec: 'model', features: 1, layers: ['dense units=1 activation=softmax trainable=0'], optimizer: 'sgd momentum=0.9 nesterov=1' },
};
fs.mkdirSync(out, { recursive: true });
for (const [name, s] of Object.entries(seeds)) {
  const m = engine.createModel(s.features ?? 4, s.spec);
  for (const l of s.layers) m.add(l);
  if (s.optimizer) m.setOptimizer(s.optimizer);
  if (s.schedule) m.setSchedule(s.schedule);
  m.build(4);
  if (s.adapt) m.adapt(ds);
  fs.writeFileSync(path.join(out, name), m.save(s.metadata ?? ''));
  m.free();
}
ds.free();
engine.close();
