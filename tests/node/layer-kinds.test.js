// layer-kinds.test.js: the JavaScript layer kinds (core/layers/) against the
// engine's layer table: one module per engine kind, each new layer the page
// adds is a valid configuration, and every part a kind must have is there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import description from '../../core/description.js';
import { LAYER_KINDS, layerKind, IMPORT_BY_CLASS } from '../../core/layers/index.js';
import { validateConfig, layerSpec } from '../../core/config.js';
import { findPreset } from '../../core/presets.js';
import { hasDropout } from '../../core/mc-dropout.js';
import { smallConfig } from './helpers.js';

test('one layer kind module per engine layer kind, and none the engine lacks', () => {
  assert.deepEqual(Object.keys(LAYER_KINDS).sort(), Object.keys(description.layers).sort());
  assert.equal(layerKind('toString'), undefined);
  assert.equal(layerKind(undefined), undefined);
});

test('every kind has all its parts, and the layer it creates is a valid configuration', () => {
  for (const [type, kind] of Object.entries(LAYER_KINDS)) {
    for (const part of ['label', 'help']) assert.equal(typeof kind[part], 'string', `${type}.${part}`);
    for (const part of ['create', 'summary', 'params', 'keras', 'tfjsExport']) assert.equal(typeof kind[part], 'function', `${type}.${part}`);
    // Every kind is read from some Keras class, but RReLU, which neither Keras nor TF.js has (its export refuses it).
    assert.equal(Object.keys(kind.tfjsImport).length > 0, type !== 'rrelu', `${type} is read from some Keras class`);
    const layer = kind.create();
    assert.equal(layer.type, type);
    const config = smallConfig();
    config.model = [layer, ...config.model];
    assert.deepEqual(validateConfig(config), [], `${type}: ${JSON.stringify(layer)}`);
    assert.equal(typeof kind.summary(layer), 'string');
  }
  for (const [cls, read] of Object.entries(IMPORT_BY_CLASS)) assert.equal(typeof read, 'function', cls);
});

// The engine spec of each kind (config.js layerSpec: a kind's engineOptions,
// else its options as they are), pinned as it was when Dense's translation
// moved from config.js into dense.js: nested Keras-like options flattened, the
// name never passed on.
test('layerSpec writes each kind\'s options as the engine reads them', () => {
  const pinned = [
    [{ type: 'dense', units: 7, activation: { type: 'elu', alpha: 0.5 }, use_bias: false, kernel_initializer: { type: 'variance_scaling', scale: 2, mode: 'fan_avg', distribution: 'uniform' }, bias_initializer: { type: 'constant', value: 0.1 }, kernel_regularizer: { l1: 0.01, l2: 0.02 }, kernel_constraint: { max_norm: 3 }, trainable: false, name: 'x' },
      'dense units=7 activation=elu alpha=0.5 use_bias=0 kernel_initializer=variance_scaling kernel_scale=2 kernel_mode=fan_avg kernel_distribution=uniform bias_initializer=constant bias_value=0.1 kernel_l1=0.01 kernel_l2=0.02 max_norm=3 trainable=0'],
    [{ type: 'dense', units: 3, activation: { type: 'leaky_relu', negative_slope: 0.2 }, kernel_initializer: { type: 'random_uniform', minval: -1, maxval: 1 }, bias_initializer: 'ones' },
      'dense units=3 activation=leaky_relu alpha=0.2 kernel_initializer=random_uniform kernel_minval=-1 kernel_maxval=1 bias_initializer=ones'],
    [{ type: 'dense', units: 3, kernel_regularizer: null, kernel_constraint: null }, 'dense units=3'],
    [findPreset('exp01/sigmoid').runs[0].config.model[0], 'dense units=100 activation=sigmoid kernel_initializer=random_normal kernel_stddev=1'],
    [{ type: 'activation', activation: 'selu', name: 'a' }, 'activation activation=selu'],
    [{ type: 'activation', activation: { type: 'leaky_relu', alpha: 0.3 } }, 'activation activation=leaky_relu alpha=0.3'],
    [{ type: 'prelu', alpha_initializer: 'constant', alpha_value: 0.25, alpha_l1: 0.1, alpha_l2: 0.2, trainable: false, name: 'p' },
      'prelu alpha_initializer=constant alpha_value=0.25 alpha_l1=0.1 alpha_l2=0.2 trainable=0'],
    [{ type: 'rrelu', lower: 0.1, upper: 0.3 }, 'rrelu lower=0.1 upper=0.3'],
    [{ type: 'batch_normalization', momentum: 0.9, epsilon: 0.01, center: false, scale: false, trainable: false }, 'batch_normalization momentum=0.9 epsilon=0.01 center=0 scale=0 trainable=0'],
    [{ type: 'dropout', rate: 0.3 }, 'dropout rate=0.3'],
    [{ type: 'alpha_dropout', rate: 0.1 }, 'alpha_dropout rate=0.1'],
  ];
  for (const [layer, want] of pinned) assert.equal(layerSpec(layer), want);
  for (const [type, kind] of Object.entries(LAYER_KINDS)) {
    if (kind.engineOptions !== undefined) assert.equal(typeof kind.engineOptions, 'function', `${type}.engineOptions`);
    assert.equal(layerSpec(kind.create()).split(' ')[0], type);
  }
});

// Monte Carlo Dropout asks the kinds which layers drop units in training, as
// the engine's layers say (layer_ops.drops_units: Dropout and AlphaDropout).
test('the kinds that drop units in training are the dropout ones', () => {
  for (const [type, kind] of Object.entries(LAYER_KINDS)) {
    const config = smallConfig();
    config.model = [{ ...kind.create(), ...(type.endsWith('dropout') ? { rate: 0.3 } : {}) }, ...config.model];
    assert.equal(hasDropout(config), type === 'dropout' || type === 'alpha_dropout', type);
  }
});
