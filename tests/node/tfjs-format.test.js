// The TF.js export checked against TensorFlow.js itself: a model trained by the
// engine on real Fashion-MNIST, written as model.json + weights.bin, loaded by
// tf.loadLayersModel, must give the engine's probabilities (within 1e-4), the
// same predicted classes and the same accuracy. Then the format read back into
// a fresh engine model, and malformed files refused.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { engineWithData, smallConfig } from './helpers.js';
import { runConfig, buildModel } from '../../core/run.js';
import { exportTfjs, importTfjs, modelJsonText, TfjsFormatError } from '../../core/tfjs-format.js';
import { validateConfig } from '../../core/config.js';

tf.env().set('PROD', true); // no "install tfjs-node" banner; the pure-JS CPU backend is the reference
await tf.setBackend('cpu');

const { engine, loadSplit } = await engineWithData('threads');
after(() => engine.close());

const N = 400;
const testSplit = await loadSplit('fashion-mnist', 'test');
const images = testSplit.slice(1000, 1000 + N); // not the validation images of smallConfig
after(() => images.free());
const labels = images.labels();
const inputs = new Float32Array(N * 784);
for (let i = 0; i < N; i++) images.image(i).forEach((p, j) => { inputs[i * 784 + j] = p / 255; });

async function train(extra) {
  const config = smallConfig(extra); // 3000 images, 2 epochs
  const result = await runConfig(engine, loadSplit, config, { keepModel: true });
  assert.equal(result.error, undefined, result.error);
  after(() => result.model.free());
  return { config, model: result.model };
}

// The export as it lands on disk (model.json text + weights.bin bytes), loaded
// through a custom IOHandler: no file:// fetch.
async function loadInTfjs({ modelJson, weights }) {
  const json = JSON.parse(modelJsonText(modelJson));
  const bytes = weights.slice().buffer;
  return tf.loadLayersModel({
    load: () => tf.io.getModelArtifactsForJSON(json, async (manifest) => [manifest.flatMap((g) => g.weights), bytes]),
  });
}

const argmax = (probs, i, c = 10) => {
  let best = 0;
  for (let k = 1; k < c; k++) if (probs[i * c + k] > probs[i * c + best]) best = k;
  return best;
};
const accuracy = (probs) => labels.reduce((n, y, i) => n + (argmax(probs, i) === y ? 1 : 0), 0) / N;
const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

async function compareWithTfjs(model, config) {
  const exported = exportTfjs(model, config);
  const tfModel = await loadInTfjs(exported);
  const x = tf.tensor2d(inputs, [N, 784]);
  const y = tfModel.predict(x);
  const theirs = y.dataSync();
  x.dispose(), y.dispose(), tfModel.dispose();
  const ours = model.predict(images, 0, N);
  const diff = maxDiff(ours, theirs);
  const mismatched = labels.filter((_, i) => argmax(ours, i) !== argmax(theirs, i)).length;
  console.log(`${config.name}: max |p_engine - p_tfjs| = ${diff.toExponential(2)} over ${N} images, accuracy ${accuracy(ours)}`);
  assert.ok(diff < 1e-4, `probabilities differ by ${diff}`);
  assert.equal(mismatched, 0, 'predicted classes differ');
  assert.equal(accuracy(theirs), accuracy(ours));
  assert.ok(Math.abs(model.evaluate(images).accuracy - accuracy(ours)) < 1e-9, 'the engine evaluates the same accuracy');
  assert.ok(accuracy(ours) > 0.5, 'the model learned something');
  return exported;
}

const BN_DROPOUT = [
  { type: 'dense', units: 64, activation: 'linear', kernel_initializer: 'he_normal', use_bias: false, kernel_regularizer: { l2: 0.001 } },
  { type: 'batch_normalization' },
  { type: 'activation', activation: 'relu' },
  { type: 'dropout', rate: 0.3 },
  { type: 'dense', units: 32, activation: { type: 'leaky_relu', negative_slope: 0.1 }, kernel_constraint: { max_norm: 2 } },
  { type: 'batch_normalization', momentum: 0.9, center: false, scale: false },
  { type: 'alpha_dropout', rate: 0.1 },
  { type: 'dense', units: 10, activation: 'softmax' },
];
const ACTIVATIONS = [
  { type: 'dense', units: 32, activation: 'gelu', kernel_initializer: { type: 'random_normal', stddev: 0.05 } },
  { type: 'dense', units: 32, activation: { type: 'elu', alpha: 1 }, kernel_initializer: 'he_uniform' },
  { type: 'dense', units: 32, activation: 'elu', bias_initializer: { type: 'constant', value: 0.01 } },
  { type: 'dense', units: 32, activation: 'selu', kernel_initializer: 'lecun_normal' },
  { type: 'dense', units: 32, activation: 'tanh', kernel_initializer: 'glorot_normal' },
  { type: 'activation', activation: { type: 'leaky_relu', alpha: 0.2 } },
  { type: 'dense', units: 32, activation: 'sigmoid' },
  { type: 'dense', units: 10, activation: 'linear' },
  { type: 'activation', activation: 'softmax' },
];

test('a dense ReLU model predicts the same in TensorFlow.js', async () => {
  const { model, config } = await train({});
  await compareWithTfjs(model, config);
});

test('batch normalization, dropout and alpha dropout (inference mode) predict the same in TensorFlow.js', async () => {
  const { model, config } = await train({ name: 'bn_dropout', model: BN_DROPOUT, optimizer: { type: 'sgd', learning_rate: 0.01, momentum: 0.9 } });
  const { modelJson } = await compareWithTfjs(model, config);
  const classes = modelJson.modelTopology.config.layers.map((l) => l.class_name);
  assert.deepEqual(classes, ['Dense', 'BatchNormalization', 'Activation', 'Dropout', 'Dense', 'LeakyReLU', 'BatchNormalization', 'AlphaDropout', 'Dense']);
  const names = modelJson.weightsManifest[0].weights.map((w) => w.name);
  assert.deepEqual(names, ['dense/kernel', 'batch_normalization/gamma', 'batch_normalization/beta', 'batch_normalization/moving_mean',
    'batch_normalization/moving_variance', 'dense_1/kernel', 'dense_1/bias', 'batch_normalization_1/moving_mean',
    'batch_normalization_1/moving_variance', 'dense_2/kernel', 'dense_2/bias']);
  assert.deepEqual(modelJson.modelTopology.config.layers[0].config.batch_input_shape, [null, 784]);
});

test('BatchNormalization without scale/center keeps gamma 1 and beta 0 under AdamW weight decay, and exports', async () => {
  // Keras has no gamma (scale=False) or beta (center=False) variable: weight decay must not reach them.
  const { model, config } = await train({ name: 'bn_adamw', model: BN_DROPOUT, optimizer: { type: 'adamw', learning_rate: 0.001, weight_decay: 0.004 } });
  const bn = model.tensors().filter((t) => t.layer === 5);
  const gamma = bn.find((t) => t.name === 'gamma').data, beta = bn.find((t) => t.name === 'beta').data;
  assert.ok(gamma.every((v) => v === 1), `gamma stays exactly 1 (min ${Math.min(...gamma)})`);
  assert.ok(beta.every((v) => v === 0), 'beta stays exactly 0');
  // The layer with scale and center learns (and decays) both, as before.
  assert.ok(model.tensors().find((t) => t.layer === 1 && t.name === 'gamma').data.some((v) => v !== 1));
  await compareWithTfjs(model, config);
});

test('every activation (GELU, ELU, SELU, tanh, LeakyReLU, sigmoid, softmax layer) predicts the same in TensorFlow.js', async () => {
  const { model, config } = await train({ name: 'activations', model: ACTIVATIONS, optimizer: { type: 'adam', learning_rate: 0.001 } });
  await compareWithTfjs(model, config);
});

test('Swish (keras.activations.silu, "swish" in TF.js) predicts the same in TensorFlow.js, as a Dense activation and as a layer', async () => {
  const model = [
    { type: 'dense', units: 32, activation: 'swish', kernel_initializer: 'he_normal' },
    { type: 'dense', units: 32 },
    { type: 'activation', activation: 'swish' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ];
  const { model: trained, config } = await train({ name: 'swish', model, optimizer: { type: 'adam', learning_rate: 0.001 } });
  const { modelJson } = await compareWithTfjs(trained, config);
  const layers = modelJson.modelTopology.config.layers;
  assert.deepEqual([layers[0].config.activation, layers[2].config.activation], ['swish', 'swish']);
});

// The chapter's newer activations and initializers (issue 13): Mish (TF.js's
// "mish"), PReLU (TF.js's PReLU layer, one learned slope per unit), and
// VarianceScaling with fan_avg in both distributions and the other modes.
const NEWER = [
  { type: 'dense', units: 48, activation: 'mish', kernel_initializer: { type: 'variance_scaling', scale: 1, mode: 'fan_avg', distribution: 'uniform' } },
  { type: 'dense', units: 32, kernel_initializer: { type: 'variance_scaling', mode: 'fan_avg' } },
  { type: 'prelu', alpha_initializer: 'constant', alpha_value: 0.25, alpha_l2: 0.001 },
  { type: 'dense', units: 32, kernel_initializer: { type: 'variance_scaling', scale: 2, mode: 'fan_out', distribution: 'untruncated_normal' } },
  { type: 'prelu' },
  { type: 'activation', activation: 'mish' },
  { type: 'dense', units: 10, activation: 'softmax' },
];

test('Mish, PReLU (learned slopes) and VarianceScaling predict the same in TensorFlow.js, and read back identically', async () => {
  const { model, config } = await train({ name: 'newer', model: NEWER, optimizer: { type: 'adamw', learning_rate: 0.002, weight_decay: 0.004 } });
  // The slopes were learned (the first started at 0.25, the second at Keras's zeros).
  const slopes = model.tensors().filter((t) => t.name === 'alpha');
  assert.deepEqual(slopes.map((t) => [t.layer, t.shape]), [[2, [32]], [4, [32]]]);
  assert.ok(slopes[0].data.some((v) => v !== 0.25) && slopes[1].data.some((v) => v !== 0), 'PReLU slopes trained');
  const { modelJson, weights } = await compareWithTfjs(model, config);
  const layers = modelJson.modelTopology.config.layers;
  assert.deepEqual(layers.map((l) => l.class_name), ['Dense', 'Dense', 'PReLU', 'Dense', 'PReLU', 'Activation', 'Dense']);
  assert.deepEqual([layers[0].config.activation, layers[5].config.activation], ['mish', 'mish']);
  assert.deepEqual(layers[0].config.kernel_initializer, { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null } });
  assert.deepEqual(layers[1].config.kernel_initializer, { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'truncated_normal', seed: null } });
  // TF.js's VarianceScaling has no untruncated_normal (it refuses the file): the
  // same distribution for this 32 -> 32 kernel, RandomNormal(stddev sqrt(2 / 32)).
  assert.deepEqual(layers[3].config.kernel_initializer, { class_name: 'RandomNormal', config: { mean: 0, stddev: 0.25, seed: null } });
  assert.deepEqual(layers[2].config.alpha_initializer, { class_name: 'Constant', config: { value: 0.25 } });
  assert.deepEqual(layers[2].config.alpha_regularizer, { class_name: 'L1L2', config: { l1: 0, l2: 0.001 } });
  assert.equal(layers[2].config.shared_axes, null);
  assert.ok(modelJson.weightsManifest[0].weights.some((w) => w.name === 'p_re_lu/alpha' && w.shape.join() === '32'));

  const imported = importTfjs(engine, modelJsonText(modelJson), weights);
  try {
    assert.deepEqual(imported.warnings, []);
    assert.deepEqual(imported.model.predict(images, 0, N), model.predict(images, 0, N));
    const m = imported.config.model;
    // VarianceScaling(1, fan_avg, ...) is Glorot: read back by its Keras name.
    assert.deepEqual([m[0].kernel_initializer, m[1].kernel_initializer], ['glorot_uniform', 'glorot_normal']);
    assert.deepEqual(m[3].kernel_initializer, { type: 'random_normal', mean: 0, stddev: 0.25 });
    assert.deepEqual(m[2], { name: 'p_re_lu', type: 'prelu', alpha_initializer: 'constant', alpha_value: 0.25, alpha_l2: 0.001 });
    assert.deepEqual(m[4], { name: 'p_re_lu_1', type: 'prelu' });
    assert.equal(m[5].activation, 'mish');
  } finally {
    imported.model.free();
  }
  // Glorot normal written as TF.js writes it (camelCase) reads back as glorot_normal.
  const vs = (config) => importTfjs(engine, { ...modelJson, modelTopology: { ...modelJson.modelTopology, config: { ...modelJson.modelTopology.config,
    layers: [{ ...layers[0], config: { ...layers[0].config, kernel_initializer: { class_name: 'VarianceScaling', config } } }, ...layers.slice(1)] } } }, weights);
  for (const [given, want] of [[{ scale: 1, mode: 'fanAvg', distribution: 'normal' }, 'glorot_normal'], [{ scale: 2, mode: 'fanIn', distribution: 'truncatedNormal' }, 'he_normal'],
    [{ scale: 0.5, mode: 'fanOut', distribution: 'untruncatedNormal' }, { type: 'variance_scaling', scale: 0.5, mode: 'fan_out', distribution: 'untruncated_normal' }]]) {
    const r = vs(given);
    try {
      assert.deepEqual(r.config.model[0].kernel_initializer, want);
    } finally {
      r.model.free();
    }
  }
});

test('RReLU: the TF.js export refuses it, naming the layer and the LeakyReLU that predicts like it', async () => {
  const config = smallConfig({ name: 'rrelu', model: [{ type: 'dense', units: 32 }, { type: 'rrelu', lower: 0.1, upper: 0.3 }, { type: 'dense', units: 10, activation: 'softmax' }] });
  const model = buildModel(engine, config, 784);
  try {
    assert.throws(() => exportTfjs(model, config), (err) => {
      assert.ok(err instanceof TfjsFormatError);
      assert.match(err.message, /^model\[1\] \(rrelu\): RReLU cannot be written in the TF\.js format: neither TF\.js nor Keras has an RReLU layer\. At inference it is a LeakyReLU with slope \(lower \+ upper\) \/ 2 = 0\.2/);
      return true;
    });
  } finally {
    model.free();
  }
});

test('import: the export read back into a fresh engine model predicts identically', async () => {
  const { model, config } = await train({ name: 'roundtrip', model: BN_DROPOUT });
  const { modelJson, weights } = exportTfjs(model, config);
  const imported = importTfjs(engine, modelJsonText(modelJson), weights);
  try {
    assert.deepEqual(imported.warnings, []);
    assert.equal(imported.features, 784);
    const ours = model.predict(images, 0, N);
    const theirs = imported.model.predict(images, 0, N);
    assert.deepEqual(theirs, ours, `differ by ${maxDiff(ours, theirs)}`);
    assert.equal(labels.filter((_, i) => argmax(ours, i) !== argmax(theirs, i)).length, 0);
    // The imported configuration keeps the Keras options, and exports the same bytes again.
    const l0 = imported.config.model[0];
    assert.equal(l0.kernel_initializer, 'he_normal');
    assert.deepEqual(l0.kernel_regularizer, { l2: 0.001 });
    assert.equal(l0.use_bias, false);
    assert.deepEqual(imported.config.model[6], { name: 'batch_normalization_1', type: 'batch_normalization', momentum: 0.9, epsilon: 0.001, center: false, scale: false });
    const again = exportTfjs(imported.model, { name: 'roundtrip', ...imported.config });
    assert.deepEqual(again.weights, weights);
  } finally {
    imported.model.free();
  }
});

test('import: a Keras-style file (InputLayer, Flatten, 28x28 input, scoped weight names) is read', async () => {
  const { model, config } = await train({ name: 'keras_style' });
  const { modelJson, weights } = exportTfjs(model, config);
  const layers = modelJson.modelTopology.config.layers;
  delete layers[0].config.batch_input_shape;
  layers.unshift({ class_name: 'InputLayer', config: { name: 'input_layer', batch_shape: [null, 28, 28] } }, { class_name: 'Flatten', config: { name: 'flatten' } });
  const keras = { ...modelJson, modelTopology: { keras_version: '3.4.1', backend: 'tensorflow', model_config: modelJson.modelTopology } };
  keras.weightsManifest = [{ paths: ['group1-shard1of1.bin'], weights: modelJson.weightsManifest[0].weights.map((w) => ({ ...w, name: `sequential/${w.name}` })) }];
  const imported = importTfjs(engine, keras, { 'group1-shard1of1.bin': weights });
  try {
    assert.deepEqual(imported.model.predict(images, 0, 50), model.predict(images, 0, 50));
  } finally {
    imported.model.free();
  }
});

test('the configuration is read from the model metadata when not given (a saved model.bin)', async () => {
  const { model, config } = await train({ name: 'metadata' });
  const loaded = engine.loadModel(model.save(JSON.stringify(config)));
  try {
    const a = exportTfjs(model, config);
    const b = exportTfjs(loaded);
    assert.deepEqual(b.weights, a.weights);
    assert.deepEqual(b.modelJson.modelTopology, a.modelJson.modelTopology);
  } finally {
    loaded.free();
  }
});

test('layers reused frozen (transfer.trainable false) are written as not trainable', () => {
  const source = buildModel(engine, smallConfig(), 784);
  const config = smallConfig({ name: 'frozen', transfer: { from: 'small', layers: 1, trainable: false } });
  const model = buildModel(engine, config, 784, { models: new Map([['small', source]]) });
  try {
    const { modelJson } = exportTfjs(model, config);
    assert.deepEqual(modelJson.modelTopology.config.layers.map((l) => l.config.trainable), [false, true]);
    assert.deepEqual(exportTfjs(model, config).weights.subarray(0, 784 * 64 * 4), exportTfjs(source, smallConfig()).weights.subarray(0, 784 * 64 * 4));
  } finally {
    model.free(), source.free();
  }
});

test('refusals: malformed model.json, truncated weights.bin, layers and activations the engine lacks', async () => {
  const config = smallConfig();
  const model = buildModel(engine, config, 784);
  try {
    const { modelJson, weights } = exportTfjs(model, config);
    const text = modelJsonText(modelJson);
    const refuses = (json, bytes, pattern) => assert.throws(() => importTfjs(engine, json, bytes), (err) => {
      assert.ok(err instanceof TfjsFormatError, `${err.name}: ${err.message}`);
      assert.match(err.message, pattern);
      return true;
    });
    const edit = (fn) => { const j = JSON.parse(text); fn(j); return j; };
    const bytes = (784 * 64 + 64 + 64 * 10 + 10) * 4;
    refuses(text.slice(0, 200), weights, /^model\.json is not valid JSON/);
    refuses('[]', weights, /must be a JSON object/);
    refuses(edit((j) => delete j.modelTopology), weights, /no "modelTopology"/);
    refuses(edit((j) => { j.format = 'graph-model'; }), weights, /only "layers-model"/);
    refuses(edit((j) => { j.modelTopology.class_name = 'Functional'; }), weights, /Functional; only Sequential models/);
    refuses(edit((j) => { j.modelTopology.config.layers = []; }), weights, /non-empty list/);
    refuses(edit((j) => delete j.weightsManifest), weights, /no "weightsManifest"/);
    refuses(text, weights.subarray(0, weights.length - 100),
      new RegExp(`^weights\\.bin: expected ${bytes} bytes \\(4 float32 weights in the manifest\\), got ${bytes - 100} \\(the file is truncated\\)$`));
    refuses(text, new Uint8Array(bytes + 4), new RegExp(`expected ${bytes} bytes .*got ${bytes + 4}$`));
    refuses(edit((j) => j.modelTopology.config.layers.splice(1, 0, { class_name: 'Conv2D', config: { name: 'conv2d', filters: 8 } })), weights,
      /^layer 1 \(Conv2D\) is not supported by the engine; it supports InputLayer, Flatten, Dense/);
    refuses(edit((j) => { j.modelTopology.config.layers[0].config.activation = 'softsign'; }), weights,
      /^layer 0 \(Dense "dense"\): activation "softsign" is not supported by the engine/);
    refuses(edit((j) => { j.weightsManifest[0].weights[0].name = 'dense/kernel_x'; }), weights, /weight dense\/kernel is missing/);
    refuses(edit((j) => { j.weightsManifest[0].weights[0].dtype = 'float16'; }), weights, /dtype float16; only float32/);
    refuses(edit((j) => { j.weightsManifest[0].weights[2].shape = [10, 64]; }), weights,
      /^layer "dense_1" \(dense\): weight dense_1\/kernel has shape \[10,64\], the layer needs \[64,10\]$/);
    // Export refuses what it cannot write faithfully.
    const std = { ...config, data: { ...config.data, standardize: true } };
    assert.throws(() => exportTfjs(model, std), /standardizes its inputs but has no statistics yet/);
    const eluConfig = { ...config, model: [{ type: 'dense', units: 8, activation: { type: 'elu', alpha: 0.5 } }, { type: 'dense', units: 10, activation: 'softmax' }] };
    const elu = buildModel(engine, eluConfig, 784);
    try {
      assert.throws(() => exportTfjs(elu, eluConfig), /^TfjsFormatError: model\[0\] \(dense\): ELU with alpha 0\.5 cannot be written in the TF\.js format/);
    } finally {
      elu.free();
    }
  } finally {
    model.free();
  }
});

test('a SELU model on standardized inputs exports with the statistics folded into its first layer', async () => {
  const { config, model } = await train({
    name: 'selu-standardized',
    data: { ...smallConfig().data, standardize: true },
    model: [
      { type: 'dense', units: 64, activation: 'selu', kernel_initializer: 'lecun_normal' },
      { type: 'dense', units: 32, activation: 'selu', kernel_initializer: 'lecun_normal' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
  });
  const stats = model.inputStatistics();
  assert.equal(stats.mean.length, 784);
  assert.ok(stats.invStd.every((v) => v > 0 && Number.isFinite(v)));
  await compareWithTfjs(model, config); // TF.js gets plain pixels / 255
});

// Only a kind that folds the statistics into itself (Dense: tfjsFoldsStandardization)
// may come first: before any other the export would drop them silently.
test('standardized inputs are refused when the first layer cannot fold them in', async () => {
  const { config, model } = await train({
    name: 'bn-first-standardized',
    data: { ...smallConfig().data, train: { split: 'train', start: 0, count: 300 }, validation: null, standardize: true },
    model: [{ type: 'batch_normalization' }, { type: 'dense', units: 10, activation: 'softmax' }],
    fit: { epochs: 1, batch_size: 32 },
  });
  assert.ok(model.inputStatistics());
  assert.throws(() => exportTfjs(model, config), /^TfjsFormatError: standardized inputs can be exported only when the first layer is Dense \(they are folded into it\)$/);
});

test('names: the run name stays data in model.json, layer names are written safe, and an import keeps only names a configuration allows', () => {
  const name = 'run "x" \\ </script> é🎉';
  const config = smallConfig({ name, model: [{ type: 'dense', units: 64, activation: 'relu', name: 'hidden "one" é' }, { type: 'dense', units: 10, activation: 'softmax' }] });
  const model = buildModel(engine, config, 784);
  try {
    const { modelJson, weights } = exportTfjs(model, config);
    const json = JSON.parse(modelJsonText(modelJson));
    assert.equal(json.userDefinedMetadata.run, name);
    assert.deepEqual(json.modelTopology.config.layers.map((l) => l.config.name), ['hidden__one___', 'dense']);
    assert.match(json.modelTopology.config.name, /^[A-Za-z0-9_.-]+$/);
    // A file whose layer names a configuration refuses (a line break, a "/"): imported, names cleaned.
    json.modelTopology.config.layers[0].config.name = 'a\nb/c';
    json.weightsManifest[0].weights.forEach((w) => { w.name = w.name.replace('hidden__one___', 'a\nb/c'); });
    const imported = importTfjs(engine, json, weights);
    try {
      assert.deepEqual(imported.config.model.map((l) => l.name), ['a_b_c', 'dense']);
      assert.deepEqual(validateConfig({ ...smallConfig(), model: imported.config.model }), []);
    } finally {
      imported.model.free();
    }
    json.modelTopology.config.layers[0].config.name = { toString: 1 };
    assert.throws(() => importTfjs(engine, json, weights), /^TfjsFormatError: model\.json: layer 0 \(Dense\): its "name" must be a string$/);
  } finally {
    model.free();
  }
});
