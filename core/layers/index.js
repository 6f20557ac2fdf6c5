// index.js: the layer kinds the playground knows, by their engine name (the
// configuration's "type"), in the order the page offers them. Each module holds
// what the JavaScript side knows of its kind (page name, help, new layer,
// summary, parameters, Keras code, TF.js export and import); the Keras script,
// the TF.js format and the page dispatch through this table. Validation, the
// schema and the engine spec follow the engine's layer table (description.js),
// but for a kind whose configuration nests what the engine reads flat (Dense,
// Activation): its check, jsonSchema and engineOptions say how.
import dense from './dense.js';
import batchNormalization from './batch-normalization.js';
import activation from './activation.js';
import { dropout, alphaDropout } from './dropout.js';
import prelu from './prelu.js';
import rrelu from './rrelu.js';

export const LAYER_KINDS = {
  dense,
  batch_normalization: batchNormalization,
  activation,
  dropout,
  alpha_dropout: alphaDropout,
  prelu,
  rrelu,
};

// The kind of a layer, or undefined for a type the playground does not know.
export const layerKind = (type) => (typeof type === 'string' && Object.hasOwn(LAYER_KINDS, type) ? LAYER_KINDS[type] : undefined);

// The Keras/TF.js classes the importer reads, each with its kind's reader.
export const IMPORT_BY_CLASS = Object.fromEntries(Object.values(LAYER_KINDS).flatMap((kind) => Object.keys(kind.tfjsImport).map((cls) => [cls, kind.tfjsImport[cls]])));
