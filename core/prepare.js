// prepare.js: a run configuration made ready for the engine, in one place.
// prepare(config) validates once (a ConfigError lists every problem with its
// JSON path), fills the Keras defaults of fit, and resolve(trainCount) turns what
// follows from the data (steps per epoch, a schedule given in epochs or as
// fractions of the run) into numbers and the engine's spec strings. The worker,
// the CLI, the runner and the Keras script all start from it; the page calls
// validateConfig only to show problems beside their controls.
import { assertValid, fitOptions, trainImages, resolveSchedule, engineSpecs } from './config.js';

class PreparedRun {
  constructor(config) {
    this.config = config;
    this.fit = fitOptions(config);
    this.seed = config.seed ?? 42;
    // The training images the configuration alone selects (null when only the data tells).
    this.trainImages = trainImages(config);
    Object.freeze(this);
  }

  // trainCount: the training images it will train on (default: trainImages).
  resolve(trainCount) {
    return resolveRun(this.config, { trainCount });
  }
}

// A prepared run, or a ConfigError. Preparing a prepared run returns it as is.
export function prepare(config) {
  if (config instanceof PreparedRun) return config;
  return new PreparedRun(assertValid(config));
}

// {schedule (in steps), trainCount, stepsPerEpoch, totalSteps, warnings, specs}
// without validating: the schedule preview resolves a configuration whose other
// sections may still have problems (shown beside their controls meanwhile).
export function resolveRun(config, { trainCount } = {}) {
  const resolved = resolveSchedule(config, { trainCount });
  return { ...resolved, specs: engineSpecs(config, resolved.schedule) };
}

// The engine specs alone (tests, benchmarks).
export const toSpecs = (config, options) => resolveRun(config, options).specs;
