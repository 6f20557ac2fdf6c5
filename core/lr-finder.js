// lr-finder.js: the learning-rate range test of a configuration, for the page
// and the CLI alike. The loop is the engine's (Model.findLearningRate,
// eng_model_find_lr): from 1e-5 the rate is multiplied each batch up to 10 over
// 500 batches (the book's numbers), the loss smoothed as fastai does, stopping
// once it passes 4x its minimum; the model is put back afterwards. Here it runs
// on a fresh model of the configuration (what the suggestion is for), built as
// training would build it, with the run's batch size and seed.
import { prepare } from './prepare.js';
import { buildModel, selectSubset } from './run.js';

// onModel(model, batchSize): called before the test (the worker announces its length).
export async function findLearningRate(engine, loadSplit, configOrRun, { models, options = {}, onModel } = {}) {
  const prepared = prepare(configOrRun);
  const { config } = prepared;
  const train = selectSubset(await loadSplit(config.data.dataset, config.data.train.split), config.data.train);
  try {
    const { specs } = prepared.resolve(train.count);
    const model = buildModel(engine, config, train.features, { models, specs });
    try {
      onModel?.(model, specs.batchSize);
      const found = model.findLearningRate(train, { batch_size: specs.batchSize, seed: prepared.seed, ...options });
      return { run: config.name ?? 'run', ...found };
    } finally {
      model.free();
    }
  } finally {
    train.free();
  }
}

// The configuration with the suggested rate: a 1cycle schedule's maximum rate
// (the book picks it with this test), else the optimizer's learning_rate.
export function withLearningRate(config, rate) {
  if (config.schedule?.type === 'one_cycle') return { ...config, schedule: { ...config.schedule, max_learning_rate: rate } };
  return { ...config, optimizer: { ...(config.optimizer ?? { type: 'sgd' }), learning_rate: rate } };
}

// Rounds a suggested rate to two significant digits, as a student would type it.
export const roundRate = (rate) => Number(rate.toPrecision(2));
