// Magnitude pruning's fine-tuning (prune: {fraction, fine_tune_epochs}, exercise 6):
// a second fit after the first, with the pruned weights held at zero. In Keras
// that second model.fit shuffles (and drops out) on from the global random state
// set_random_seed seeded once, so it must not replay the first fit's orders.
// References: the same training done by hand (the first fit's model, pruned,
// fitted on with a given seed), and random.js phaseSeed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineWithData, smallConfig, sameBits, fitTensors } from './helpers.js';
import { runConfig, selectSubset } from '../../core/run.js';
import { engineSpecs } from '../../core/config.js';
import { phaseSeed } from '../../core/random.js';
import { kerasScript } from '../../core/keras-script.js';

const SEED = 11;
const pruned = () => smallConfig({
  name: 'prune-phases', seed: SEED,
  data: { dataset: 'fashion-mnist', train: { split: 'train', start: 0, count: 400 }, validation: { split: 'test', start: 0, count: 200 } },
  model: [{ type: 'dense', units: 32, activation: 'relu', kernel_initializer: 'he_normal' }, { type: 'dropout', rate: 0.2 }, { type: 'dense', units: 10, activation: 'softmax' }],
  optimizer: { type: 'sgd', learning_rate: 0.05, momentum: 0.9 },
  fit: { epochs: 2, batch_size: 32 },
  prune: { fraction: 0.5, fine_tune_epochs: 2 },
});
const seedOf = (fitSpec) => Number(/ seed=(\d+)/.exec(fitSpec)[1]);

test('pruning\'s fine-tuning draws its own epoch orders and dropout masks (the phase seed), not a replay of the first fit\'s', async () => {
  const { engine, loadSplit } = await engineWithData('threads', 2);
  try {
    const config = pruned();
    const run = await runConfig(engine, loadSplit, config, { keepModel: true });
    assert.equal(run.error, undefined);
    assert.deepEqual(run.history.map((m) => m.epoch), [1, 2, 3, 4]);
    const want = run.model.tensors();
    const train = selectSubset(await loadSplit('fashion-mnist', 'train'), config.data.train);
    const val = selectSubset(await loadSplit('fashion-mnist', 'test'), config.data.validation);
    // What a Keras script does after the first fit (the same model and optimizer
    // state; the first fit's seed is the run's, as before): prune, then fit on.
    const byHand = async (seed) => {
      const first = await runConfig(engine, loadSplit, { ...config, prune: undefined }, { keepModel: true });
      assert.equal(first.error, undefined);
      const { model } = first;
      model.prune(0.5);
      const ts = fitTensors(model, train, val, seed);
      model.free();
      return ts;
    };
    assert.notEqual(phaseSeed(SEED, 1), SEED);
    (await byHand(phaseSeed(SEED, 1))).forEach((t, i) => assert.ok(sameBits(t, want[i]), `${t.name} of layer ${t.layer} differs from a fine-tuning seeded with the phase seed`));
    const replayed = await byHand(SEED);
    assert.ok(replayed.some((t, i) => !sameBits(t, want[i])), 'the fine-tuning trained on the run\'s seed: its epochs replay the first fit\'s orders');
    train.free(); val.free(); run.model.free();
  } finally {
    engine.close();
  }
});

test('fit seeds of a pruned run: the first fit keeps the run\'s seed, the fine-tuning gets the next phase\'s, after a two-phase transfer\'s unfrozen fit the one after that', () => {
  const specs = engineSpecs(pruned(), null);
  assert.equal(seedOf(specs.fit), SEED, 'the first fit shuffles as before');
  assert.match(specs.fineTune.fit, /^fit epochs=2 /);
  assert.equal(seedOf(specs.fineTune.fit), phaseSeed(SEED, 1));
  assert.equal(specs.fineTune.fit.replace(/ seed=\d+/, ''), specs.fit.replace(/ seed=\d+/, ''), 'only the seed differs (the epochs are the same here)');
  assert.notEqual(seedOf(engineSpecs({ ...pruned(), seed: 12 }, null).fineTune.fit), seedOf(specs.fineTune.fit), 'it follows the run\'s seed');
  assert.equal(engineSpecs({ ...pruned(), prune: { fraction: 0.5 } }, null).fineTune, null, 'no fine-tuning epochs, no fit');
  // Transfer in two phases, then pruning: three fits, three seeds.
  const three = engineSpecs({ ...pruned(), transfer: { from: 'a', layers: 1, trainable: false, freeze_epochs: 1, fine_tune_learning_rate: 0.005 } }, null);
  assert.deepEqual([three.fit, three.unfreeze.fit, three.fineTune.fit].map(seedOf), [SEED, phaseSeed(SEED, 1), phaseSeed(SEED, 2)]);
  // The Keras script seeds once, so its fine-tuning fit shuffles on from the first fit's random state.
  assert.equal(kerasScript(pruned()).match(/set_random_seed\(/g).length, 1);
});
