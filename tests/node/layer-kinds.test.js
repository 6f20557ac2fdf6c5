// layer-kinds.test.js: the JavaScript layer kinds (core/layers/) against the
// engine's layer table: one module per engine kind, each new layer the page
// adds is a valid configuration, and every part a kind must have is there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import description from '../../core/description.js';
import { LAYER_KINDS, layerKind, IMPORT_BY_CLASS } from '../../core/layers/index.js';
import { validateConfig } from '../../core/config.js';
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
