// Transfer learning in two phases, as the book does it (issue 13, item 4): the
// reused layers frozen for transfer.freeze_epochs epochs, then unfrozen and
// trained on with a new optimizer at transfer.fine_tune_learning_rate, in one
// run with one history. References: the source model's weights (frozen layers
// must keep them bit for bit), the configured rates, and the run left alone
// (a resumed run must end with its bits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { engineWithData, root, sameBits, tensorBits, fitTensors } from './helpers.js';
import { runConfig, readCheckpoint, selectSubset } from '../../core/run.js';
import { validateConfig, withEpochs, unfrozenAfterEpoch, engineSpecs } from '../../core/config.js';
import { phaseSeed } from '../../core/random.js';
import { kerasScript } from '../../core/keras-script.js';
import { exportTfjs } from '../../core/tfjs-format.js';

const classes = (list, split, count) => ({ split, classes: list, count });
const MODEL = [
  { type: 'dense', units: 32, activation: 'relu', kernel_initializer: 'he_normal' },
  { type: 'dense', units: 32, activation: 'relu', kernel_initializer: 'he_normal' },
  { type: 'dense', units: 5, activation: 'softmax' },
];
const taskA = {
  name: 'task-a', seed: 3,
  data: { dataset: 'fashion-mnist', train: classes([0, 1, 2, 3, 4], 'train', 1000), validation: classes([0, 1, 2, 3, 4], 'test', 300) },
  model: MODEL, optimizer: { type: 'sgd', learning_rate: 0.05 }, fit: { epochs: 1, batch_size: 32 },
};
const twoPhase = (transfer = {}) => ({
  name: 'task-b', seed: 5,
  data: { dataset: 'fashion-mnist', train: classes([5, 6, 7, 8, 9], 'train', 800), validation: classes([5, 6, 7, 8, 9], 'test', 300) },
  model: MODEL, optimizer: { type: 'sgd', learning_rate: 0.05, momentum: 0.9 }, fit: { epochs: 4, batch_size: 32 },
  transfer: { from: 'task-a', layers: 2, trainable: false, freeze_epochs: 2, fine_tune_learning_rate: 0.005, ...transfer },
});

test('two phases: frozen layers keep their weights bit for bit, then change; the rate drops at the switch; one history; resume across the switch gives the same bits', async () => {
  const { engine, loadSplit } = await engineWithData('threads', 2);
  try {
    const a = await runConfig(engine, loadSplit, taskA, { keepModel: true });
    assert.equal(a.error, undefined);
    const source = a.model.tensors();
    const models = new Map([['task-a', a.model]]);
    const config = twoPhase();
    const checkpoints = [];
    const b = await runConfig(engine, loadSplit, config, { models, keepModel: true, onCheckpoint: ({ bytes, epoch }) => { checkpoints.push({ bytes, epoch }); } });
    assert.equal(b.error, undefined);
    // One history, continuous across the switch, with the phase-1 and phase-2 rates.
    assert.deepEqual(b.history.map((m) => m.epoch), [1, 2, 3, 4]);
    assert.deepEqual(b.history.map((m) => m.learning_rate), [0.05, 0.05, 0.005, 0.005]);
    assert.equal(b.unfrozen_after_epoch, 2);
    assert.deepEqual(b.history.map((m) => Boolean(m.unfrozen)), [false, false, true, true], 'the epochs after the switch say so');
    assert.equal(unfrozenAfterEpoch({ history: b.history }), 2);
    assert.equal(unfrozenAfterEpoch({ history: b.history.slice(0, 2), config }), null, 'no switch drawn before it happens');
    // The last epoch of phase 1 is checkpointed too: a stop at the switch can resume.
    assert.deepEqual(checkpoints.map((c) => c.epoch), [1, 2, 3]);
    const tensorsAt = (bytes) => {
      const m = engine.loadModel(bytes);
      try { return m.tensors(); } finally { m.free(); }
    };
    const reused = (ts) => ts.filter((t) => t.layer < 2);
    for (const { bytes, epoch } of checkpoints.slice(0, 2)) {
      const ts = tensorsAt(bytes);
      reused(ts).forEach((t, i) => assert.ok(sameBits(t, reused(source)[i]), `epoch ${epoch} (frozen): ${t.name} of layer ${t.layer} changed`));
      const head = ts.find((t) => t.layer === 2 && t.name === 'kernel');
      assert.ok(!sameBits(head, checkpoints[0].epoch === epoch ? source.find((t) => t.layer === 2 && t.name === 'kernel') : tensorsAt(checkpoints[0].bytes).find((t) => t.layer === 2 && t.name === 'kernel')), 'the new output layer learns in phase 1');
    }
    const final = b.model.tensors();
    for (const t of reused(final)) assert.ok(!sameBits(t, reused(source).find((s) => s.layer === t.layer && s.name === t.name)), `${t.name} of layer ${t.layer} did not change after unfreezing`);
    assert.equal(b.trainable_params, MODEL.reduce((n, l, i, all) => n + l.units * ((i ? all[i - 1].units : 784) + 1), 0) - (784 * 32 + 32 + 32 * 32 + 32), 'phase 1 trains only the new layer');

    // The TF.js export: the trained weights, and the reused layers trainable again (unfrozen at the end).
    const { modelJson, weights } = exportTfjs(b.model, config);
    assert.deepEqual(modelJson.modelTopology.config.layers.map((l) => l.config.trainable), [true, true, true]);
    assert.ok(Buffer.from(weights.buffer, weights.byteOffset, weights.byteLength).equals(Buffer.concat(final.map(tensorBits))), 'TF.js weights are the trained ones');
    // Stopped before the switch: the reused layers are still frozen, and written so.
    const stopped = await runConfig(engine, loadSplit, config, { models, keepModel: true, stopAfterEpoch: 1 });
    assert.ok(stopped.checkpoint);
    assert.deepEqual(exportTfjs(stopped.model, config).modelJson.modelTopology.config.layers.map((l) => l.config.trainable), [false, false, true]);
    assert.deepEqual([0, 1, 2].map((i) => stopped.model.layerTrainable(i)), [false, false, true]);
    assert.throws(() => stopped.model.layerTrainable(3), /layer 3 does not exist \(the model has 3\)/);
    stopped.model.free();

    // Resuming from each checkpoint (phase 1, the switch, phase 2) ends with the same bits.
    for (const { bytes, epoch } of checkpoints) {
      const meta = readCheckpoint(engine, bytes);
      assert.equal(meta.phase, epoch <= 2 ? 'fit' : 'unfrozen');
      const resumed = await runConfig(engine, loadSplit, meta.config, { keepModel: true, resume: bytes });
      assert.equal(resumed.error, undefined);
      assert.deepEqual(resumed.history.map((m) => m.epoch), [1, 2, 3, 4]);
      assert.deepEqual(resumed.history.map((m) => [m.learning_rate, Boolean(m.unfrozen)]), b.history.map((m) => [m.learning_rate, Boolean(m.unfrozen)]));
      assert.equal(resumed.unfrozen_after_epoch, 2);
      resumed.model.tensors().forEach((t, i) => assert.ok(sameBits(t, final[i]), `resumed after epoch ${epoch}: ${t.name} of layer ${t.layer} differs`));
      assert.equal(resumed.final_val_accuracy, b.final_val_accuracy);
      resumed.model.free();
    }
    b.model.free();
    a.model.free();
  } finally {
    engine.close();
  }
});

test('the switch recompiles and reshuffles: the optimizer state starts over, and the unfrozen phase draws its own epoch orders (no replay of phase 1\'s)', async () => {
  // Reference: phase 1 checkpoint, then by hand what the book's Keras code does
  // (unfreeze, a new SGD at the lower rate, fit on: the second model.fit
  // shuffles on from the global random state) gives the run's bits; a trainer
  // seeded as phase 1's was (its epoch orders replayed) does not.
  const { engine, loadSplit } = await engineWithData('threads', 2);
  try {
    const a = await runConfig(engine, loadSplit, taskA, { keepModel: true });
    const models = new Map([['task-a', a.model]]);
    const config = twoPhase();
    let atSwitch = null;
    const b = await runConfig(engine, loadSplit, config, { models, keepModel: true, onCheckpoint: ({ bytes, epoch }) => { if (epoch === 2) atSwitch = bytes; } });
    const want = b.model.tensors();
    // The model at the switch, trained on by hand as a Keras script would.
    const train = selectSubset(await loadSplit('fashion-mnist', 'train'), config.data.train);
    const val = selectSubset(await loadSplit('fashion-mnist', 'test'), config.data.validation);
    const byHand = (seed) => {
      const { model, trainer } = engine.resumeTraining(atSwitch, train, val, 256);
      trainer.free();
      for (const i of [0, 1]) model.setTrainable(i, true);
      model.setOptimizer('sgd learning_rate=0.005 momentum=0.9');
      const ts = fitTensors(model, train, val, seed);
      model.free();
      return ts;
    };
    assert.notEqual(phaseSeed(5, 1), 5);
    byHand(phaseSeed(5, 1)).forEach((t, i) => assert.ok(sameBits(t, want[i]), `${t.name} of layer ${t.layer} differs from a fresh optimizer's with the unfrozen phase's seed`));
    const replayed = byHand(5);
    assert.ok(replayed.some((t, i) => !sameBits(t, want[i])), 'the unfrozen phase trained on phase 1\'s seed: its epochs replay the frozen epochs\' orders');
    train.free(); val.free(); b.model.free(); a.model.free();
  } finally {
    engine.close();
  }
});

test('fit seeds of the phases: the first fit keeps the run\'s seed, the unfrozen fit gets its own, the same on every run', () => {
  const seedOf = (fitSpec) => Number(/ seed=(\d+)/.exec(fitSpec)[1]);
  const specs = engineSpecs(twoPhase(), null);
  assert.equal(seedOf(specs.fit), 5, 'phase 1 (and every one-phase run) shuffles as before');
  assert.equal(seedOf(specs.unfreeze.fit), phaseSeed(5, 1));
  assert.notEqual(seedOf(specs.unfreeze.fit), 5, 'the unfrozen phase must not replay phase 1\'s orders');
  assert.equal(seedOf(engineSpecs(twoPhase(), null).unfreeze.fit), seedOf(specs.unfreeze.fit), 'reproducible');
  assert.notEqual(seedOf(engineSpecs({ ...twoPhase(), seed: 6 }, null).unfreeze.fit), seedOf(specs.unfreeze.fit), 'it follows the run\'s seed');
  for (const seed of [0, 1, 42, 2 ** 32 - 1]) {
    assert.equal(phaseSeed(seed, 0), seed);
    const s = phaseSeed(seed, 1);
    assert.ok(Number.isInteger(s) && s >= 0 && s < 2 ** 32 && s !== seed, `phase seed ${s} of seed ${seed}`);
    assert.notEqual(phaseSeed(seed, 2), s);
  }
  // The Keras script seeds once, so its second fit shuffles on from the first's random state.
  assert.equal(kerasScript(twoPhase()).match(/set_random_seed\(/g).length, 1);
});

test('config: the two phases are checked, each problem with its JSON path', () => {
  const at = (config, path) => validateConfig(config).filter((e) => e.path === path).map((e) => e.message);
  assert.deepEqual(validateConfig(twoPhase()), []);
  assert.deepEqual(validateConfig(twoPhase({ trainable: undefined })), [], 'trainable may be left out: freeze_epochs freezes');
  const beyond = at(twoPhase({ freeze_epochs: 4 }), 'transfer.freeze_epochs');
  assert.equal(beyond.length, 1);
  assert.match(beyond[0], /is 4 but the run has 4 epochs .*leave at least one epoch after unfreezing/);
  assert.match(at(twoPhase({ freeze_epochs: 0 }), 'transfer.freeze_epochs')[0], /positive integer/);
  assert.match(at(twoPhase({ fine_tune_learning_rate: undefined }), 'transfer.fine_tune_learning_rate')[0], /learning rate after unfreezing/);
  assert.match(at(twoPhase({ fine_tune_learning_rate: -1 }), 'transfer.fine_tune_learning_rate')[0], /positive number/);
  assert.match(at(twoPhase({ trainable: true }), 'transfer.trainable')[0], /must be false .* with freeze_epochs/);
  assert.match(at(twoPhase({ freeze_epoch: 2 }), 'transfer.freeze_epoch')[0], /not a transfer option/);
});

test('Keras script: freeze, compile, fit K epochs; unfreeze, compile again with the lower rate, fit on from epoch K', () => {
  const script = kerasScript(twoPhase());
  const compiles = script.split('\n').filter((l) => l.startsWith('model.compile('));
  assert.equal(compiles.length, 2, 'one compile per phase');
  const order = ['    layer.trainable = False', 'optimizer = keras.optimizers.SGD(learning_rate=0.05, momentum=0.9)', 'model.compile(',
    'history = model.fit(X_train, y_train, epochs=2,', 'for layer in model.layers[:2]:', '    layer.trainable = True',
    'optimizer = keras.optimizers.SGD(learning_rate=0.005, momentum=0.9)', 'model.compile(', 'history_2 = model.fit(X_train, y_train, epochs=4, initial_epoch=2,'];
  let from = 0;
  for (const line of order) {
    const at = script.indexOf(line, from);
    assert.ok(at >= 0, `missing, or out of order: ${line}`);
    from = at + line.length;
  }
  // A layer set trainable false in the model stays frozen in phase 2.
  const own = twoPhase();
  own.model = [{ ...MODEL[0], trainable: false }, MODEL[1], MODEL[2]];
  const script2 = kerasScript(own);
  assert.ok(script2.includes('trainable=False'), 'the layer is built with trainable=False');
  assert.ok(script2.includes('for layer in [model.layers[i] for i in [1]]:'), 'only the other reused layer is unfrozen');
});

test('--epochs (CLI) and Quick try keep both phases: the frozen share, at least one epoch each', () => {
  const r = spawnSync(process.execPath, [path.join(root, 'tools/train.js'), 'exp07/two-phase', '--epochs', '2', '--json', '--keras-script'], { encoding: 'utf8', cwd: root });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /history = model\.fit\(X_train, y_train, epochs=1,/, 'phase 1: 4 of 15 epochs becomes 1 of 2');
  assert.match(r.stdout, /history_2 = model\.fit\(X_train, y_train, epochs=2, initial_epoch=1,/);
  assert.deepEqual(withEpochs(twoPhase(), 8).transfer.freeze_epochs, 4);
  assert.deepEqual(withEpochs(twoPhase(), 1).fit.epochs, 1, 'one epoch: no second phase, and validation says so');
  assert.match(validateConfig(withEpochs(twoPhase(), 1)).map((e) => `${e.path}: ${e.message}`).join(), /transfer\.freeze_epochs: is 2 but the run has 1 epoch /);
});
