// What a run says about itself beyond errors (issue 10, item 8): a run that
// learned nothing warns and names the learning rate (also in results.json),
// short runs of a working setup do not; the out-of-memory message names the
// batch sizes the student chose and the models of earlier runs that still hold
// engine memory.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { engineWithData, smallConfig } from './helpers.js';
import { runConfig } from '../../core/run.js';
import { resultsBundle } from '../../core/results-bundle.js';

const { engine, loadSplit } = await engineWithData('single');
after(() => engine.close());

const subset = (train, validation = 300) => ({ dataset: 'fashion-mnist', train: { split: 'train', count: train }, validation: { split: 'test', count: validation } });

test('a run that ends at chance far above the guessing loss warns that the learning rate is far too high', async () => {
  const r = await runConfig(engine, loadSplit, smallConfig({ data: subset(600), optimizer: { type: 'adam', learning_rate: 1e9 }, fit: { epochs: 2, batch_size: 32 } }));
  assert.equal(r.error, undefined, 'the loss stays finite: no divergence error catches this run');
  assert.equal(r.warnings.length, 1, JSON.stringify(r.history));
  assert.match(r.warnings[0], /^the run learned nothing: validation accuracy stayed at chance \(.* %, chance is 10 %\) and the loss ended at (\d(\.\d{1,2})?e\d+|\d+(\.\d{1,2})?), far above 2\.30, the loss of guessing every class equally; the learning rate 1e9 is probably far too high$/);
  assert.deepEqual(JSON.parse(resultsBundle(r, engine.info, null).json).warnings, r.warnings, 'results.json keeps the warning');
});

test('a run whose loss stays flat at chance for 3 epochs warns that the learning rate may be too low', async () => {
  const r = await runConfig(engine, loadSplit, smallConfig({ data: subset(300), optimizer: { type: 'sgd', learning_rate: 1e-6 }, fit: { epochs: 3, batch_size: 32 } }));
  assert.equal(r.warnings.length, 1, JSON.stringify(r.history));
  assert.match(r.warnings[0], /the loss did not fall in 3 epochs; the learning rate 1e-6 may be too low/);
});

test('short smoke runs of a working setup stay quiet, even at chance', async () => {
  for (const [count, epochs, lr] of [[100, 1, 0.01], [300, 2, 0.001], [3000, 2, 0.01]]) {
    const r = await runConfig(engine, loadSplit, smallConfig({ data: subset(count), optimizer: { type: 'sgd', learning_rate: lr }, fit: { epochs, batch_size: 32 } }));
    assert.deepEqual(r.warnings, [], `${count} images, ${epochs} epochs, lr ${lr}: ${JSON.stringify(r.history.map((m) => [m.loss, m.val_accuracy]))}`);
  }
});

test('the out-of-memory message names the chosen batch size and the models that hold memory', async () => {
  const huge = { model: [{ type: 'dense', units: 1000000, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }], data: subset(100, 100) };
  const r = await runConfig(engine, loadSplit, smallConfig(huge));
  assert.match(r.error, /^out of memory: the model needs [\d.]+ [KMG]B for 256 images at a time \(batch_size 32 for training, 256 for evaluation\)/);
  assert.doesNotMatch(r.error, /for batch size 256/);
  assert.doesNotMatch(r.error, /earlier runs/);
  const kept = await runConfig(engine, loadSplit, smallConfig({ data: subset(100, 100), fit: { epochs: 1 } }), { keepModel: true });
  const withKept = await runConfig(engine, loadSplit, smallConfig(huge), { models: new Map([['small', kept.model]]) });
  assert.match(withKept.error, /; 1 trained model of earlier runs still holds engine memory: delete the runs you no longer need to release it$/);
  kept.model.free();
});
