// Property test of the configuration decoder (issue 10, items 2 and 8): thousands
// of mutated and random JSON documents (nulls, wrong types, huge numbers, deep
// nesting, prototype keys, unicode, control characters) go to validateConfig and
// to the page's configuration import. Neither may throw: they answer with
// {path, message} problems or accept. An accepted configuration must give engine
// specs the engine takes, a Keras script or a KerasScriptError, and survive
// JSON.stringify and structuredClone (a share link, a saved run and a worker
// message do both). Seeded and bounded: the same documents on every run
// (FUZZ_SEED=n FUZZ_DOCUMENTS=n for a longer search with other ones; FUZZ_SAVE=file).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { validateConfig } from '../../core/config.js';
import { toSpecs } from '../../core/prepare.js';
import { kerasScript, KerasScriptError } from '../../core/keras-script.js';
import { PRESETS } from '../../core/presets.js';
import { loadEngine } from '../../wasm/node.js';
import { smallConfig, importPageModule } from './helpers.js';

const { readConfigText } = await importPageModule('app/config-import.js');
const engine = await loadEngine({ variant: 'single' });
after(() => engine.close());

// mulberry32: a small seeded generator (the documents must be the same every run).
function generator(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  return { next, int, pick: (list) => list[int(list.length)] };
}

const DEEP = '@@deep@@'; // replaced in the JSON text by nesting too deep to stringify
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'toJSON', 'then'];
const STRINGS = [
  '', 'relu', 'softmax', 'dense', 'sgd', 'train', 'test', 'constant', 'val_loss', 'fashion-mnist', 'custom', ...PROTO_KEYS,
  'a\nb', 'base\nimport os; os.system("echo pwned")  #', '\u0000', '\u001b[31m', '\u007f', '\u0085', '\u2028', '\u2029',
  '\ud800', '\udfff', 'é🎉', '\u202eevil', '"""', "'", '\\', '=cmd|calc', '{"a":1}', 'x'.repeat(5000), DEEP,
  'name', 'title', 'from', 'x"; import os; os.system("PWNED") #\\', "''' + PWNED + '''",
];
const KEYS = STRINGS.filter((k) => k !== DEEP).map((k) => k.slice(0, 20));
const NUMBERS = [0, -0, 1, -1, 0.5, 2, 10, 32, 784, 1e308, -1e308, 5e-324, 2 ** 31, 2 ** 32, 2 ** 53 + 2, 1e21, 65536, 1048577];

function hostileValue(r, depth = 0) {
  switch (r.int(depth > 2 ? 4 : 7)) {
    case 0: return null;
    case 1: return r.next() < 0.5;
    case 2: return r.pick(NUMBERS);
    case 3: return r.pick(STRINGS);
    case 4: return Array.from({ length: r.int(4) }, () => hostileValue(r, depth + 1));
    case 5: {
      const o = {};
      for (let i = r.int(4); i > 0; i--) setKey(o, r.pick(r.next() < 0.5 ? PROTO_KEYS : KEYS), hostileValue(r, depth + 1));
      return o;
    }
    default: return { type: r.pick(STRINGS), ...(r.next() < 0.5 ? { units: r.pick(NUMBERS) } : {}) };
  }
}

// An own property even for "__proto__" (as JSON.parse makes it).
const setKey = (o, k, v) => Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });

// Every [container, key] of a document.
function slots(doc) {
  const out = [];
  const walk = (v) => {
    if (v === null || typeof v !== 'object') return;
    for (const k of Object.keys(v)) {
      out.push([v, k]);
      walk(v[k]);
    }
  };
  walk(doc);
  return out;
}

function mutate(r, doc) {
  for (let n = 1 + r.int(3); n > 0; n--) {
    const all = slots(doc);
    if (!all.length) return hostileValue(r);
    const [obj, key] = r.pick(all);
    switch (r.int(6)) {
      case 0: if (Array.isArray(obj)) obj.splice(Number(key), 1); else delete obj[key]; break;
      case 1: if (!Array.isArray(obj)) setKey(obj, r.pick(r.next() < 0.6 ? PROTO_KEYS : KEYS), hostileValue(r)); break;
      case 2: setKey(obj, key, JSON.parse(JSON.stringify(r.pick(all)[0]))); break; // a copy of another subtree
      case 3: setKey(obj, key, [obj[key]]); break;
      default: setKey(obj, key, hostileValue(r));
    }
  }
  return doc;
}

// Names and titles set to text that is hostile to the writers.
function rename(r, doc) {
  if (!isPlainObject(doc)) return;
  const text = () => r.pick(STRINGS.filter((t) => t.length < 100 && t !== DEEP));
  if (r.next() < 0.5) setKey(doc, 'name', text());
  if (r.next() < 0.3) setKey(doc, 'title', text());
  if (Array.isArray(doc.model)) for (const layer of doc.model) if (isPlainObject(layer) && r.next() < 0.3) setKey(layer, 'name', text());
}
const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function deepText(r) {
  const depth = 2000 + r.int(30000);
  return r.next() < 0.5 ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

const BASES = [
  smallConfig(),
  smallConfig({ callbacks: [{ type: 'early_stopping', patience: 2 }], schedule: { type: 'exponential_decay', initial_learning_rate: 0.01, decay_steps: 100, decay_rate: 0.9 } }),
  ...PRESETS.flatMap((p) => p.runs.map((x) => ({ ...x.config, reference: x.reference }))),
];

// One document as JSON text: mostly a mutated configuration, sometimes wrapped as
// a plan or a results file, sometimes random.
function documentText(r) {
  const kind = r.int(10);
  let doc;
  if (kind === 0) doc = hostileValue(r);
  else {
    doc = mutate(r, structuredClone(r.pick(BASES)));
    if (r.next() < 0.4) rename(r, doc);
    if (kind === 1) doc = { title: r.pick(STRINGS), runs: [{ id: 'a', label: r.pick(STRINGS), reference: hostileValue(r), config: doc }] };
    else if (kind === 2) doc = [doc, mutate(r, structuredClone(r.pick(BASES)))];
    else if (kind === 3) doc = { format: 'chapter11-playground-results', config: doc };
  }
  let text = JSON.stringify(doc);
  while (text.includes(`"${DEEP}"`)) text = text.replace(`"${DEEP}"`, deepText(r));
  return text;
}

// The Keras scripts of accepted configurations parse, and PWNED (in some names
// of the mutation pool) is only ever inside a string literal or a comment.
const CHECK_SCRIPTS = String.raw`
import ast, io, json, sys, tokenize
for i, text in enumerate(json.load(sys.stdin)):
    ast.parse(text)
    for t in tokenize.generate_tokens(io.StringIO(text).readline):
        if "PWNED" in t.string and t.type not in (tokenize.STRING, tokenize.COMMENT):
            sys.exit(f"script {i}: PWNED in a {tokenize.tok_name[t.type]} token: {t.string!r}")
`;
function checkScripts(scripts) {
  assert.ok(scripts.length > 20, `${scripts.length} scripts`);
  if (process.env.FUZZ_DOCUMENTS) console.log(scripts.length, "scripts,", scripts.filter((s) => s.includes("PWNED")).length, "with PWNED");
  const r = spawnSync(process.env.PYTHON || 'python3', ['-c', CHECK_SCRIPTS], { input: JSON.stringify(scripts), encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
}

// FUZZ_SAVE=file keeps the whole failing document (the message shows its start).
function failWith(text, message) {
  if (process.env.FUZZ_SAVE) fs.writeFileSync(process.env.FUZZ_SAVE, text);
  assert.fail(message);
}

const isProblemList = (list) => Array.isArray(list) && list.every((e) => typeof e.path === 'string' && typeof e.message === 'string' && e.message.length > 0);

function checkAccepted(config, where) {
  assert.doesNotThrow(() => structuredClone(config), where);
  assert.doesNotThrow(() => JSON.stringify(config), where);
  const specs = toSpecs(config);
  const features = config.data.dataset === 'cifar10' ? 3072 : 784;
  const m = engine.createModel(features, specs.model);
  try {
    specs.layers.forEach((s) => m.add(s));
    m.setOptimizer(specs.optimizer);
    m.setSchedule(specs.schedule);
  } finally {
    m.free();
  }
  try {
    return kerasScript(config);
  } catch (err) {
    if (!(err instanceof KerasScriptError)) throw err;
    return null;
  }
}

test('validateConfig and the configuration import answer every hostile document with problems or acceptance', () => {
  const r = generator(Number(process.env.FUZZ_SEED ?? 20261130));
  const stats = { documents: 0, accepted: 0, refused: 0 };
  const scripts = [];
  for (let i = 0; i < Number(process.env.FUZZ_DOCUMENTS ?? 3000); i++) {
    const text = documentText(r);
    const where = `document ${i}: ${text.slice(0, 300)}`;
    const parsed = JSON.parse(text);
    let problems;
    try {
      problems = validateConfig(parsed);
    } catch (err) {
      failWith(text, `validateConfig threw ${err.stack}\n${where}`);
    }
    assert.ok(isProblemList(problems), where);
    if (problems.length === 0) {
      try {
        const script = checkAccepted(parsed, where);
        if (script && scripts.length < 300) scripts.push(script);
      } catch (err) {
        failWith(text, `an accepted configuration failed: ${err.stack}\n${where}`);
      }
    }
    let read;
    try {
      read = readConfigText(text);
    } catch (err) {
      failWith(text, `readConfigText threw ${err.stack}\n${where}`);
    }
    if (read.errors) {
      assert.ok(isProblemList(read.errors) && read.errors.length > 0, where);
      stats.refused++;
    } else {
      for (const run of read.runs) {
        assert.deepEqual(validateConfig(run.config), [], where);
        assert.doesNotThrow(() => structuredClone(run), where);
      }
      stats.accepted++;
    }
    stats.documents++;
  }
  assert.equal(({}).polluted, undefined, 'no prototype pollution');
  if (process.env.FUZZ_DOCUMENTS) console.log(stats);
  checkScripts(scripts);
  assert.ok(stats.accepted > 50 && stats.refused > 1000, `both outcomes are exercised: ${JSON.stringify(stats)}`);
});

test('bad roots, names and references are problems with their JSON path', () => {
  const m = (c) => validateConfig(c).map((e) => `${e.path}: ${e.message}`);
  for (const root of [null, [], 'x', 3, true]) assert.deepEqual(m(root), ['(root): the configuration must be a JSON object']);
  assert.ok(m(smallConfig({ name: {} })).includes('name: must be text in quotes (a string)'));
  assert.ok(m(smallConfig({ name: 'a\nb' })).some((x) => x.startsWith('name: contains a line break or control character (U+000A)')));
  assert.ok(m(smallConfig({ name: 'x'.repeat(101) })).includes('name: is 101 characters long; at most 100'));
  assert.ok(m(smallConfig({ title: 'fine\u2028' })).some((x) => x.startsWith('title: contains a line break or control character (U+2028)')));
  const transfer = smallConfig({ transfer: { from: 'base\nimport os; os.system("echo pwned")  #', layers: 1 } });
  assert.ok(m(transfer).some((x) => x.startsWith('transfer.from: contains a line break or control character (U+000A)')));
  const layers = smallConfig({ model: [{ type: 'dense', units: 10, activation: 'softmax', name: 'a/b' }] });
  assert.ok(m(layers).some((x) => x.startsWith('model[0].name: cannot contain "/"')));
  const twice = smallConfig({ model: [{ type: 'dense', units: 8, name: 'h' }, { type: 'dense', units: 10, activation: 'softmax', name: 'h' }] });
  assert.ok(m(twice).includes('model[1].name: "h" is already the name of model[0]; layer names must differ'));
  assert.ok(m(smallConfig({ optimizer: { type: 'constructor' } })).some((x) => x.startsWith('optimizer.type: unknown optimizer "constructor"')));
  assert.ok(m(smallConfig({ fit: { epochs: 1, toString: 1 } })).some((x) => x.startsWith('fit.toString: is not a fit option')));
  // What the engine would refuse after validation said yes: subnormal numbers (strtod's ERANGE), boundaries out of order.
  assert.ok(m(smallConfig({ optimizer: { type: 'sgd', learning_rate: 5e-324 } })).includes('optimizer.learning_rate: must be a number'));
  const piecewise = smallConfig({ schedule: { type: 'piecewise_constant_decay', boundaries: [10, 5], values: [0.1, 0.01, 0.001] } });
  assert.ok(m(piecewise).includes('schedule.boundaries: must increase'));
  let deep = 1;
  for (let i = 0; i < 20000; i++) deep = { a: deep };
  assert.ok(m(smallConfig({ reference: { val_accuracy: 0.8, first_epoch: deep } })).some((x) => x.startsWith('reference.first_epoch.a:')));
  assert.deepEqual(m(smallConfig({ reference: { val_accuracy: 0.8, saturated: [0.1, 0.2], first_epoch: { accuracy: 0.7 } } })), []);
});

test('null fit options mean the Keras defaults in the specs, the schedule steps and the Keras script', () => {
  const config = smallConfig({ fit: { epochs: null, batch_size: null }, schedule: { type: 'exponential_decay', initial_learning_rate: 0.01, decay_epochs: 1, decay_rate: 0.9 } });
  assert.deepEqual(validateConfig(config), []);
  const specs = toSpecs(config);
  assert.equal(specs.batchSize, 32);
  assert.match(specs.schedule, /decay_steps=94( |$)/, 'ceil(3000 / 32) steps per epoch');
  assert.match(specs.fit, /epochs=1 batch_size=32/);
  const script = kerasScript(config);
  assert.doesNotMatch(script, /null|Infinity/);
  assert.match(script, /epochs=1, batch_size=32/);
});
