// The loss slice through the JavaScript API and runConfig (issue 12): every
// epoch's metrics carry it when asked, it ends at the epoch's own validation
// numbers (alpha 1) and starts at the untrained model's (alpha 0), and asking
// for it changes no number of the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runConfig, buildModel, selectSubset, LOSS_SLICE_ALPHAS } from '../../core/run.js';
import { engineWithData, smallConfig } from './helpers.js';

// 300 validation images: fewer than slice_samples (500), so the slice sees
// exactly the images val_loss is computed on.
const config = () => {
  const c = smallConfig({ name: 'slice', optimizer: { type: 'sgd', learning_rate: 0.01, momentum: 0.9 } });
  c.data.train.count = 1000;
  c.data.validation.count = 300;
  return c;
};

test('runConfig with lossSlice: each epoch carries the slice; alpha 1 is its validation loss, alpha 0 the untrained model', async () => {
  const { engine, loadSplit } = await engineWithData('threads', 2);
  try {
    const sliced = await runConfig(engine, loadSplit, config(), { lossSlice: true });
    const plain = await runConfig(engine, loadSplit, config());
    assert.equal(sliced.error, undefined);
    assert.equal(sliced.history.length, 2);
    const val = selectSubset(await loadSplit('fashion-mnist', 'test'), config().data.validation);
    const fresh = buildModel(engine, config(), 784);
    const start = fresh.evaluate(val);
    fresh.free(), val.free();
    sliced.history.forEach((m, i) => {
      const s = m.loss_slice;
      assert.deepEqual(s.alpha, LOSS_SLICE_ALPHAS);
      assert.equal(s.loss.length, LOSS_SLICE_ALPHAS.length);
      const one = LOSS_SLICE_ALPHAS.indexOf(1);
      assert.equal(s.loss[one], m.val_loss, `epoch ${m.epoch}: alpha 1 is the epoch's val_loss`);
      assert.equal(s.accuracy[one], m.val_accuracy);
      assert.equal(s.loss[0], start.loss, `epoch ${m.epoch}: alpha 0 is the untrained model`);
      assert.ok(s.loss[0] > s.loss[one], 'training went downhill along the line');
      // The run is the same without the slice, bit for bit.
      assert.equal(m.val_loss, plain.history[i].val_loss);
      assert.equal(m.loss, plain.history[i].loss);
      assert.equal(plain.history[i].loss_slice, undefined);
    });
  } finally {
    engine.close();
  }
});

test('Trainer.lossSlice checks its points before they reach C', async () => {
  const { engine, loadSplit } = await engineWithData('single');
  const train = selectSubset(await loadSplit('fashion-mnist', 'train'), { split: 'train', start: 0, count: 64 });
  const model = buildModel(engine, config(), 784);
  const trainer = model.trainer(train, null, 'fit epochs=1 batch_size=32 slice_samples=20');
  try {
    assert.throws(() => trainer.lossSlice([]), /non-empty array/);
    assert.throws(() => trainer.lossSlice([0, NaN]), /alphas\[1\] must be a finite number/);
    assert.throws(() => trainer.lossSlice(new Array(65).fill(0)), /1 to 64 points/);
    // Without validation data the first training images are used.
    const s = trainer.lossSlice([0, 1]);
    assert.equal(s.loss[0], s.loss[1], 'nothing trained yet: both ends are the same weights');
  } finally {
    trainer.free(), model.free(), train.free();
    engine.close();
  }
});
