// Stopping after an epoch and resuming (the CLI's --stop-after-epoch / --resume,
// what a page reload does): the resumed run ends with the same bytes as the run
// left alone. The reference is the engine itself, uninterrupted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, engineWithData, smallConfig } from './helpers.js';
import { runConfig, readCheckpoint } from '../../core/run.js';
import { findPreset } from '../../core/presets.js';
import { SAMPLED_STATS, keptLayerStats, checkpointJson, parseCheckpointMeta } from '../../core/checkpoint-meta.js';

const cli = (args) => spawnSync(process.execPath, [path.join(root, 'tools/train.js'), ...args], { encoding: 'utf8', cwd: root });

// Experiment 13's model (dense He + L2, batch norm, dropout, SGD Nesterov) on a
// small subset, with a learning-rate schedule and the checkpoint callbacks.
function exp13Small() {
  const { config } = findPreset('exp13/production').runs[0];
  return {
    ...config, name: 'exp13-small',
    data: { dataset: 'fashion-mnist', train: { split: 'train', start: 0, count: 2000 }, validation: { split: 'train', start: 55000, count: 500 } },
    schedule: { type: 'exponential_decay', initial_learning_rate: 0.02, decay_steps: 40, decay_rate: 0.8 },
    callbacks: [{ type: 'early_stopping', monitor: 'val_loss', patience: 5, restore_best_weights: true }, { type: 'model_checkpoint', monitor: 'val_accuracy' }],
    fit: { epochs: 3, batch_size: 32 },
  };
}

test('CLI: --stop-after-epoch then --resume ends with the weights of an uninterrupted run, byte for byte', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resume-'));
  const file = path.join(dir, 'exp13-small.json');
  fs.writeFileSync(file, JSON.stringify(exp13Small()));
  const [A, B, C] = ['A', 'B', 'C'].map((d) => path.join(dir, d));
  const straight = cli([file, '--json', '--threads', '2', '--export', C]);
  assert.equal(straight.status, 0, straight.stderr);
  const stop = cli([file, '--json', '--threads', '1', '--stop-after-epoch', '2', '--export', A]);
  assert.equal(stop.status, 0, stop.stderr);
  const stopLines = stop.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(stopLines.filter((l) => l.event === 'epoch').length, 2);
  assert.equal(stopLines.at(-1).event, 'stopped');
  assert.ok(fs.existsSync(path.join(A, 'exp13-small', 'checkpoint.bin')));
  assert.ok(!fs.existsSync(path.join(A, 'exp13-small', 'model.bin')), 'a stopped run exports no final model');
  const resumed = cli(['--resume', path.join(A, 'exp13-small'), '--json', '--threads', '2', '--export', B]);
  assert.equal(resumed.status, 0, resumed.stderr);
  const lines = resumed.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.filter((l) => l.event === 'epoch').map((l) => l.epoch), [3]);
  // What the run had done comes first: its history and layer statistics up to the checkpoint.
  const back = lines.find((l) => l.event === 'resumed');
  assert.deepEqual(back.history.map((m) => m.epoch), [1, 2]);
  assert.deepEqual(back.layer_stats.map((s) => [s.source, s.epoch]), [['epoch', 1], ['epoch', 2]]);
  assert.deepEqual(back.layer_stats[1].layers.map((l) => l.grad_norm), stopLines.filter((l) => l.event === 'layer-stats').at(-1).layers.map((l) => Number(l.grad_norm.toPrecision(6))));
  assert.equal(lines.at(-1).epochs, 3);
  const read = (d, f) => fs.readFileSync(path.join(d, 'exp13-small', f));
  assert.ok(read(B, 'tfjs/weights.bin').equals(read(C, 'tfjs/weights.bin')), 'resumed weights differ from the uninterrupted run');
  // The model file too: weights, optimizer state and configuration.
  assert.ok(read(B, 'model.bin').equals(read(C, 'model.bin')));
  const straightDone = straight.stdout.trim().split('\n').map((l) => JSON.parse(l)).at(-1);
  assert.equal(lines.at(-1).final_val_accuracy, straightDone.final_val_accuracy);
  // Misuse says what to do.
  const noExport = cli([file, '--stop-after-epoch', '1']);
  assert.equal(noExport.status, 2);
  assert.match(noExport.stderr, /needs --export/);
  const notCheckpoint = cli(['--resume', path.join(C, 'exp13-small')]);
  assert.equal(notCheckpoint.status, 2);
  assert.match(notCheckpoint.stderr, /checkpoint\.bin not found/);
  fs.rmSync(dir, { recursive: true });
});

test('runConfig: checkpoints after every epoch; resuming one, through pruning and fine-tuning, gives the same bits', async () => {
  const { engine, loadSplit } = await engineWithData('threads', 2);
  try {
    const config = smallConfig({
      name: 'prune-small',
      model: [{ type: 'dense', units: 48, activation: 'relu', kernel_initializer: 'he_normal' }, { type: 'dropout', rate: 0.2 }, { type: 'dense', units: 10, activation: 'softmax' }],
      optimizer: { type: 'adam', learning_rate: 0.002 },
      callbacks: [{ type: 'reduce_lr_on_plateau', monitor: 'val_loss', patience: 1, factor: 0.5 }],
      prune: { fraction: 0.5, fine_tune_epochs: 2 },
      fit: { epochs: 2, batch_size: 64 },
    });
    const checkpoints = [];
    const straight = await runConfig(engine, loadSplit, config, { keepModel: true, onCheckpoint: ({ bytes, epoch }) => { checkpoints.push({ bytes, epoch }); } });
    assert.equal(straight.error, undefined);
    // Epoch 1 (fit), epoch 3 (first fine-tuning epoch): not after a phase's last epoch.
    assert.deepEqual(checkpoints.map((c) => c.epoch), [1, 3]);
    const want = straight.model.tensors();
    for (const { bytes, epoch } of checkpoints) {
      const meta = readCheckpoint(engine, bytes);
      assert.equal(meta.history.length, epoch);
      assert.equal(meta.phase, epoch === 1 ? 'fit' : 'fine-tune');
      const resumed = await runConfig(engine, loadSplit, meta.config, { keepModel: true, resume: bytes });
      assert.equal(resumed.error, undefined);
      assert.deepEqual(resumed.history.map((m) => m.epoch), [1, 2, 3, 4]);
      const got = resumed.model.tensors();
      got.forEach((t, i) => assert.ok(Buffer.from(t.data.buffer).equals(Buffer.from(want[i].data.buffer)), `resumed after epoch ${epoch}: tensor ${i} (${t.name}) differs`));
      assert.equal(resumed.sparsity, straight.sparsity);
      assert.equal(resumed.final_val_accuracy, straight.final_val_accuracy);
      resumed.model.free();
    }
    straight.model.free();
    // Other data than the checkpoint's is refused in words.
    const other = { ...config, data: { ...config.data, train: { ...config.data.train, count: 2000 } } };
    const wrong = await runConfig(engine, loadSplit, other, { resume: checkpoints[0].bytes });
    assert.match(wrong.error, /load the same data to resume it/);
  } finally {
    engine.close();
  }
});

test('runConfig: a checkpoint keeps the layer statistics so far, and a resumed run gets them back (onResume)', async () => {
  const { engine, loadSplit } = await engineWithData('threads', 2);
  try {
    // 201 batches of 32: an in-epoch sample after batch 200, then the epoch's end.
    const config = smallConfig({ name: 'stats-resume', data: { ...smallConfig().data, train: { split: 'train', start: 0, count: 6432 } }, fit: { epochs: 3, batch_size: 32 } });
    const live = [];
    const saved = [];
    const first = await runConfig(engine, loadSplit, config, {
      stopAfterEpoch: 2,
      onLayerStats: (layers, epoch, source) => live.push({ epoch, source, layers }),
      onCheckpoint: ({ epoch, layerStats }) => { saved.push({ epoch, count: layerStats.length }); },
    });
    assert.equal(first.error, undefined);
    assert.deepEqual(live.map((s) => s.source), ['batch', 'epoch', 'batch', 'epoch']);
    assert.deepEqual(saved, [{ epoch: 1, count: 2 }, { epoch: 2, count: 4 }], 'every checkpoint carries the statistics up to its epoch');
    // What the statistics looked like before the stop, to 6 significant digits: every
    // statistic of the epoch ends, what the page draws over training of the in-epoch samples.
    const close = (got, want) => {
      assert.deepEqual(got.map((s) => [s.epoch, s.source]), want.map((s) => [s.epoch, s.source]));
      got.forEach((s, i) => s.layers.forEach((row, l) => {
        assert.deepEqual(Object.keys(row), s.source === 'batch' ? SAMPLED_STATS : Object.keys(want[i].layers[l]));
        for (const [k, v] of Object.entries(row)) assert.ok(Math.abs(v - want[i].layers[l][k]) <= 5e-6 * Math.abs(want[i].layers[l][k]), `${s.source} ${s.epoch} layer ${l} ${k}: ${v} vs ${want[i].layers[l][k]}`);
      }));
    };
    close(readCheckpoint(engine, first.checkpoint).layer_history, live);
    let resumedWith = null;
    const after = [];
    const resumed = await runConfig(engine, loadSplit, config, {
      resume: first.checkpoint,
      onResume: (r) => { resumedWith = r; },
      onLayerStats: (layers, epoch, source) => after.push({ epoch, source }),
    });
    assert.equal(resumed.error, undefined);
    assert.ok(resumedWith, 'onResume was called');
    assert.equal(resumedWith.epoch, 2);
    assert.deepEqual(resumedWith.history.map((m) => m.epoch), [1, 2]);
    close(resumedWith.layerStats, live);
    // The new statistics continue from there: epoch 3's only.
    assert.deepEqual(after.map((s) => s.source), ['batch', 'epoch']);
    assert.ok(after[0].epoch > 2 && after[0].epoch < 3 && after[1].epoch === 3, JSON.stringify(after));
  } finally {
    engine.close();
  }
});

test('checkpoint metadata: layer statistics rounded, in-epoch samples trimmed, non-finite values kept', () => {
  const row = { mean: 0.123456789, std: 1 / 3, saturated: 0, dead: 0.25, grad_std: NaN, grad_norm: Infinity, weight_norm: 12345.6789, update_ratio: 1.23456789e-5 };
  const meta = { kind: 'checkpoint', config: {}, history: [{ epoch: 1, val_loss: NaN }], layer_history: [keptLayerStats([row], 0.5, 'batch'), keptLayerStats([row, row], 1, 'epoch')] };
  const back = parseCheckpointMeta(checkpointJson(meta));
  assert.ok(Number.isNaN(back.history[0].val_loss));
  assert.deepEqual(back.layer_history, [
    { epoch: 0.5, source: 'batch', layers: [{ grad_norm: Infinity, saturated: 0, dead: 0.25 }] },
    { epoch: 1, source: 'epoch', layers: Array(2).fill({ mean: 0.123457, std: 0.333333, saturated: 0, dead: 0.25, grad_std: NaN, grad_norm: Infinity, weight_norm: 12345.7, update_ratio: 0.0000123457 }) },
  ]);
  // A checkpoint written before the statistics were kept has none.
  assert.deepEqual(parseCheckpointMeta(JSON.stringify({ kind: 'checkpoint', config: {}, history: [] })).layer_history, []);
  // A damaged record loses only what it cannot read; the checkpoint still reads (and resumes).
  const good = [1, 'epoch', [[0.5]]];
  for (const layer_history of ['junk', { entries: 'junk' }, { fields: { epoch: ['mean'] }, entries: [null, [2, 'batch', [[1]]], [3, 'epoch', 'x'], [4, 'epoch', [7]], ['x', 'epoch', [[1]]], good] }]) {
    const read = parseCheckpointMeta(JSON.stringify({ kind: 'checkpoint', config: {}, history: [], layer_history }));
    assert.deepEqual(read.layer_history, typeof layer_history === 'object' && layer_history.fields ? [{ epoch: 1, source: 'epoch', layers: [{ mean: 0.5 }] }] : []);
  }
});
