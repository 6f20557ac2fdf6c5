// The results bundle: history.csv has the engine's metric names as its header
// and one row per epoch whose numbers read back exactly; results.json carries
// the history, configuration, seed, engine version and variant. And the CLI's
// --export writes every view of a run (engine model, TF.js, Keras script,
// history, results).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { engineWithData, smallConfig, root } from './helpers.js';
import { runConfig } from '../../core/run.js';
import { METRIC_NAMES } from '../../wasm/engine.js';
import { resultsBundle, historyCsv, BUNDLE_FORMAT } from '../../core/results-bundle.js';

const { engine, loadSplit } = await engineWithData('threads');
after(() => engine.close());
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'results-bundle-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const parseCsv = (csv) => {
  assert.ok(csv.endsWith('\n'));
  const [header, ...rows] = csv.trimEnd().split('\n');
  return { header: header.split(','), rows: rows.map((r) => r.split(',')) };
};

test('CSV header and rows match the history; JSON has the configuration, seed and engine', async () => {
  const config = smallConfig({ name: 'bundle', seed: 11, fit: { epochs: 3, batch_size: 32 } });
  config.data.test = { split: 'test', start: 5000, count: 500 };
  const result = await runConfig(engine, loadSplit, config);
  assert.equal(result.history.length, 3);
  const { csv, json } = resultsBundle(result, engine.info, config);

  const { header, rows } = parseCsv(csv);
  assert.deepEqual(header, METRIC_NAMES);
  assert.equal(rows.length, result.history.length);
  rows.forEach((row, i) => {
    assert.equal(row.length, header.length);
    header.forEach((k, j) => assert.equal(Number(row[j]), result.history[i][k], `epoch ${i + 1} ${k}`));
  });
  assert.deepEqual(rows.map((r) => r[0]), ['1', '2', '3']);

  const doc = JSON.parse(json);
  assert.equal(doc.format, BUNDLE_FORMAT);
  assert.equal(doc.run, 'bundle');
  assert.equal(doc.seed, 11);
  assert.deepEqual(doc.config, config);
  assert.deepEqual(doc.engine, { version: engine.info.version, variant: 'threads', simd: true, relaxed: engine.info.relaxed, threads: engine.info.threads, host: 'node' });
  assert.match(doc.engine.version, /^\d+\.\d+\.\d+/);
  assert.deepEqual(doc.columns, METRIC_NAMES);
  assert.deepEqual(doc.history, result.history);
  assert.equal(doc.summary.epochs, 3);
  assert.equal(doc.summary.final_val_accuracy, result.final_val_accuracy);
  assert.equal(doc.summary.test_accuracy, result.test_accuracy);
  assert.equal(doc.summary.best_epoch, result.best_epoch);
  assert.equal(doc.created, undefined, 'no date unless asked: equal runs give equal files');
  assert.equal(JSON.parse(resultsBundle(result, engine.info, config, { created: 0 }).json).created, '1970-01-01T00:00:00.000Z');
});

test('without a validation set the validation columns are empty, and JSON has null', async () => {
  const config = smallConfig({ name: 'noval', fit: { epochs: 1, batch_size: 64 } });
  delete config.data.validation;
  const result = await runConfig(engine, loadSplit, config);
  const { csv, json } = resultsBundle(result, engine.info, config);
  const { header, rows } = parseCsv(csv);
  assert.equal(rows.length, 1);
  assert.equal(rows[0][header.indexOf('val_loss')], '');
  assert.equal(rows[0][header.indexOf('val_accuracy')], '');
  assert.ok(Number(rows[0][header.indexOf('loss')]) > 0);
  const doc = JSON.parse(json);
  assert.equal(doc.history[0].val_loss, null);
  assert.equal(doc.summary.overfit_gap, null);
});

test('early stopping shows in the stopped column; an analysis run has a header only and its layer statistics', async () => {
  const config = smallConfig({ name: 'stop', fit: { epochs: 30, batch_size: 32 }, optimizer: { type: 'sgd', learning_rate: 1e-6 }, callbacks: [{ type: 'early_stopping', monitor: 'val_loss', patience: 0, min_delta: 1 }] });
  const result = await runConfig(engine, loadSplit, config);
  const { header, rows } = parseCsv(resultsBundle(result, engine.info, config).csv);
  assert.ok(rows.length < 30);
  assert.equal(rows.at(-1)[header.indexOf('stopped')], '1');
  assert.ok(rows.slice(0, -1).every((r) => r[header.indexOf('stopped')] === '0'));

  const analysis = { ...smallConfig({ name: 'analysis' }), analysis: { type: 'layer_stats', samples: 200 } };
  const stats = await runConfig(engine, loadSplit, analysis);
  const bundle = resultsBundle(stats, engine.info, analysis);
  assert.equal(bundle.csv, `${METRIC_NAMES.join(',')}\n`);
  assert.equal(JSON.parse(bundle.json).layer_stats.length, 2);
  assert.equal(historyCsv([]), bundle.csv);
});

test('npm run train -- <config> --export DIR writes the model, TF.js files, Keras script, history and results', () => {
  // A schedule given in epochs: the files carry the steps it trained with (1500 images, 47 steps per epoch).
  const config = smallConfig({ name: 'exported', fit: { epochs: 2, batch_size: 32 }, schedule: { type: 'piecewise_constant_decay', boundaries_epochs: [1], values: [0.01, 0.001] } });
  config.data.train.count = 1500;
  const std = { ...config, name: 'standardized', data: { ...config.data, standardize: true } };
  const out = path.join(tmp, 'out');
  for (const c of [config, std]) {
    const file = path.join(tmp, `${c.name}.json`);
    fs.writeFileSync(file, JSON.stringify(c));
    const r = spawnSync(process.execPath, [path.join(root, 'tools/train.js'), file, '--export', out, '--threads', '1'], { encoding: 'utf8', cwd: root });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /note:/, 'every part is written');
  }
  // The standardized model's statistics are folded into its first layer: its TF.js export exists too.
  assert.ok(fs.statSync(path.join(out, 'standardized', 'tfjs/model.json')).size > 0);
  const dir = path.join(out, 'exported');
  for (const f of ['model.bin', 'config.json', 'tfjs/model.json', 'tfjs/weights.bin', 'train.py', 'history.csv', 'results.json'])
    assert.ok(fs.statSync(path.join(dir, f)).size > 0, `${f} written`);
  const { header, rows } = parseCsv(fs.readFileSync(path.join(dir, 'history.csv'), 'utf8'));
  assert.deepEqual(header, METRIC_NAMES);
  assert.equal(rows.length, 2);
  const doc = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'));
  assert.equal(doc.run, 'exported');
  assert.equal(doc.history.length, 2);
  assert.equal(doc.engine.threads, 1);
  assert.deepEqual(doc.config, config);
  assert.deepEqual(doc.resolved, { train_images: 1500, steps_per_epoch: 47, total_steps: 94, schedule: { type: 'piecewise_constant_decay', boundaries: [47], values: [0.01, 0.001] } });
  assert.ok(fs.readFileSync(path.join(dir, 'train.py'), 'utf8').includes('PiecewiseConstantDecay(boundaries=[47], values=[0.01, 0.001])'));
  const modelJson = JSON.parse(fs.readFileSync(path.join(dir, 'tfjs/model.json'), 'utf8'));
  const floats = modelJson.weightsManifest[0].weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  assert.equal(fs.statSync(path.join(dir, 'tfjs/weights.bin')).size, floats * 4);
  assert.ok(fs.readFileSync(path.join(dir, 'train.py'), 'utf8').includes('keras.layers.Dense(64, activation="relu", kernel_initializer="he_normal")'));
  // The standardized run: everything, the TF.js model with the statistics folded in.
  const sdir = path.join(out, 'standardized');
  for (const f of ['model.bin', 'tfjs/model.json', 'tfjs/weights.bin', 'train.py', 'history.csv', 'results.json']) assert.ok(fs.existsSync(path.join(sdir, f)), `${f} written`);
  assert.ok(fs.readFileSync(path.join(sdir, 'train.py'), 'utf8').includes('std = X_train.std(axis=0)'));
});
