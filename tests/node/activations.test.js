// activations.test.js: the chapter's newer activations and initializers (issue
// 13: Mish, PReLU, RReLU, VarianceScaling) train through the real WASM engine
// from a run configuration as a preset writes one; RReLU's random slopes are
// reproducible from the seed and the same with 1 and 2 threads; a bad RReLU
// range is refused with the layer named. (Their gradients: tests/c; TF.js and
// the Keras script: tfjs-format.test.js, keras-script.test.js.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { engineWithData, smallConfig } from './helpers.js';
import { runConfig } from '../../core/run.js';
import { validateConfig } from '../../core/config.js';

const one = await engineWithData('threads', 1);
const two = await engineWithData('threads', 2);
after(() => { one.engine.close(); two.engine.close(); });

// Like the chapter's experiments: 1000 images, 1 epoch (32 batches).
const config = smallConfig({
  name: 'newer-activations',
  data: { dataset: 'fashion-mnist', train: { split: 'train', start: 0, count: 1000 }, validation: { split: 'test', start: 0, count: 500 } },
  model: [
    { type: 'dense', units: 64, kernel_initializer: { type: 'variance_scaling', scale: 2, mode: 'fan_avg', distribution: 'truncated_normal' } },
    { type: 'prelu' },
    { type: 'dense', units: 256, kernel_initializer: { type: 'variance_scaling', mode: 'fan_avg', distribution: 'uniform' } }, // 32 x 256 slopes a batch: drawn in 2 parallel chunks
    { type: 'rrelu' },
    { type: 'dense', units: 32, activation: 'mish', kernel_initializer: 'glorot_normal' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
  optimizer: { type: 'nadam', learning_rate: 0.002 },
  fit: { epochs: 1, batch_size: 32 },
});

async function run({ engine, loadSplit }, c = config) {
  const result = await runConfig(engine, loadSplit, c, { keepModel: true });
  if (result.model) after(() => result.model.free());
  return result;
}

const weightsOf = (model) => model.tensors().map((t) => Array.from(t.data));

test('a configuration with Mish, PReLU, RReLU and VarianceScaling fan_avg is valid and trains', async () => {
  assert.deepEqual(validateConfig(config), []);
  const result = await run(one);
  assert.equal(result.error, undefined, result.error);
  const [epoch] = result.history;
  console.log(`newer activations, 1 epoch of 1000 images: loss ${epoch.loss.toFixed(4)}, val_accuracy ${epoch.val_accuracy}`);
  assert.ok(Number.isFinite(epoch.loss) && epoch.val_accuracy > 0.5, JSON.stringify(epoch));
  // PReLU's slopes (one per unit) left Keras's zeros start.
  const alpha = result.model.tensors().find((t) => t.name === 'alpha');
  assert.deepEqual([alpha.layer, alpha.shape], [1, [64]]);
  assert.ok(alpha.data.some((v) => v !== 0));
});

test('RReLU training is reproducible from the seed and bit-identical with 1 and 2 threads', async () => {
  const a = await run(one);
  const b = await run(two);
  const again = await run(one);
  assert.equal(a.threads, 1);
  assert.equal(b.threads, 2);
  assert.deepEqual(weightsOf(b.model), weightsOf(a.model));
  assert.deepEqual(weightsOf(again.model), weightsOf(a.model));
  assert.equal(b.history[0].loss, a.history[0].loss);
  // Another seed draws other slopes (and weights).
  const other = await run(one, { ...config, seed: 8 });
  assert.notDeepEqual(weightsOf(other.model), weightsOf(a.model));
});

test('an RReLU whose lower bound is above its upper bound is refused, naming the layer', async () => {
  const bad = { ...config, model: config.model.map((l) => (l.type === 'rrelu' ? { type: 'rrelu', lower: 0.5, upper: 0.2 } : l)) };
  assert.deepEqual(validateConfig(bad), []); // each bound is in range; the engine checks the pair
  const result = await run(one, bad);
  assert.equal(result.error, 'model[3]: rrelu: lower (0.5) must not be above upper (0.2)');
  const outOfRange = validateConfig({ ...config, model: [{ type: 'rrelu', upper: 2 }, ...config.model] });
  assert.deepEqual(outOfRange.map((e) => e.path), ['model[0].upper']);
});
