// transfer.js: the page's transfer-learning helpers, as the chapter does it:
// the class subsets of its tasks, a base run to reuse layers from when the plan
// has none, and the book's two phases (frozen, then unfrozen with a lower rate).
import { findPreset } from '../../core/presets.js';
import { fitOptions } from '../../core/config.js';
import { uniqueName } from './state.js';

// Class subsets the chapter uses. The book (3rd ed., "Reusing a Keras model"):
// task A is Fashion-MNIST without sandals (5) and shirts (6), task B is sandals
// vs shirts. Experiment 7 of the suite splits classes 0-4 / 5-9.
export const CLASS_SUBSETS = [
  { key: 'book-a', label: 'the book\'s task A: 8 classes (all but sandals and shirts)', classes: [0, 1, 2, 3, 4, 7, 8, 9], fashion: true },
  { key: 'book-b', label: 'the book\'s task B: sandals vs shirts', classes: [5, 6], fashion: true },
  { key: 'exp07-a', label: 'experiment 7\'s task A: classes 0–4', classes: [0, 1, 2, 3, 4] },
  { key: 'exp07-b', label: 'experiment 7\'s task B: classes 5–9', classes: [5, 6, 7, 8, 9] },
];

const lastDense = (model) => [...model].reverse().find((l) => l?.type === 'dense');

// Trains, validates and tests on the given classes (null: all), relabelled
// 0.. in that order; the output layer gets one unit per class.
export function setClasses(config, classes, datasetClasses = 10) {
  for (const split of ['train', 'validation', 'test']) {
    const subset = config.data[split];
    if (!subset) continue;
    if (classes) subset.classes = [...classes];
    else delete subset.classes;
  }
  const out = lastDense(config.model);
  if (out) out.units = classes ? classes.length : datasetClasses;
}

// The book's two phases for a run: about a quarter of its epochs frozen (the
// book: 4 of 20), then a ten times lower rate (2nd ed.: 1e-3, then 1e-4).
export function twoPhases(config) {
  const epochs = fitOptions(config).epochs;
  const lr = config.optimizer?.learning_rate ?? 0.01;
  return { freeze_epochs: Math.min(Math.max(1, Math.round(epochs / 4)), Math.max(1, epochs - 1)), fine_tune_learning_rate: lr / 10 };
}

// The layers a transfer reuses by default: all but the output layer (and what follows it).
export const reusableLayers = (config) => Math.max(1, config.model.lastIndexOf(lastDense(config.model)));

// Adds, before the run at index, a base run to reuse layers from: experiment
// 7's task A (its data and training), on this run's dataset, with this run's
// layers and an output layer for task A's classes. The run then reuses its
// layers in the book's two phases (one phase, frozen, if it has one epoch).
// Returns the base run's name.
export function addBaseRun(plan, index) {
  const run = plan.runs[index];
  const preset = findPreset('exp07/a').runs.at(-1);
  const name = uniqueName(plan, `${run.config.name}-base`);
  const config = structuredClone(preset.config);
  config.name = name;
  config.seed = run.config.seed ?? 42;
  config.data.dataset = run.config.data.dataset;
  config.model = structuredClone(run.config.model);
  const out = lastDense(config.model);
  if (out) out.units = preset.config.data.train.classes.length;
  for (const l of config.model) delete l.trainable;
  // As short as the run (a Quick try shrinks both).
  config.fit = { ...config.fit, epochs: Math.min(fitOptions(config).epochs, fitOptions(run.config).epochs) };
  if (run.config.data.train?.count) config.data.train.count = Math.min(config.data.train.count, run.config.data.train.count);
  plan.runs.splice(index, 0, { id: name, label: `base run: ${preset.label}`, reference: {}, config });
  plan.selected = index + 1;
  plan.preset = null;
  reuseLayersFrom(run.config, name);
  return name;
}

// Makes a configuration reuse the layers of run `from` (all but its output
// layer), the book's way: two phases, or frozen throughout in a one-epoch run.
export function reuseLayersFrom(config, from) {
  config.transfer = { from, layers: reusableLayers(config), trainable: false };
  if (fitOptions(config).epochs > 1) Object.assign(config.transfer, twoPhases(config));
}
