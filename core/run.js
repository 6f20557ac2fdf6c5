// run.js: carries out one run configuration on an Engine: selects the data,
// builds the model, trains it in short slices (so the host can report progress,
// pause and stop between them), and returns the history. The CLI and the
// browser worker both use it; only how they report differs (the hooks).
import { prepare, toSpecs } from './prepare.js';
import { EngineError } from '../wasm/engine.js';
import { runWarnings } from './run-warnings.js';
import { reusedStartFrozen } from './config.js';
import { mcDropoutSummary } from './mc-dropout.js';
import { checkpointJson, parseCheckpointMeta, keptLayerStats } from './checkpoint-meta.js';

// The points of the loss slice (engine.h eng_trainer_loss_slice): from the
// weights training started from (0) to the current ones (1) and a little beyond,
// where a minimum that training has not reached yet (or has overshot) shows.
export const LOSS_SLICE_ALPHAS = [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5];

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());
const yieldToHost = () => new Promise((resolve) => setTimeout(resolve, 0));

// Selects a subset ({split, start, count, classes}) of a loaded split.
export function selectSubset(full, subset) {
  let ds = full;
  const owned = [];
  if (subset.classes) {
    ds = ds.filterClasses(subset.classes, 0);
    owned.push(ds);
  }
  const start = subset.start ?? 0;
  const end = subset.count ? start + subset.count : ds.count;
  if (end > ds.count) {
    owned.forEach((d) => d.free());
    throw new EngineError(`the ${subset.split} split has ${ds.count} images${subset.classes ? ` of classes ${subset.classes.join(',')}` : ''}; asked for images ${start}..${end - 1}`);
  }
  if (start !== 0 || end !== ds.count) {
    const sliced = ds.slice(start, end);
    owned.forEach((d) => d.free());
    return sliced;
  }
  return owned.length ? ds : ds.slice(0, ds.count);
}

// Builds the model of a configuration (weights initialized, transfer applied).
// trainCount: the training images it will train on (for a schedule given in
// epochs; default: what the configuration says); specs: its engine specs when
// already resolved (runConfig's).
export function buildModel(engine, config, features, { models = new Map(), trainCount, specs = toSpecs(config, { trainCount }) } = {}) {
  const model = engine.createModel(features, specs.model);
  try {
    specs.layers.forEach((s, i) => {
      try {
        model.add(s);
      } catch (err) {
        throw new EngineError(`model[${i}]: ${err.message}`);
      }
    });
    model.setOptimizer(specs.optimizer);
    model.setSchedule(specs.schedule);
    // Evaluation runs 256 images at a time, so the model is built for that many.
    const buildBatch = Math.max(specs.batchSize, 256);
    try {
      model.build(buildBatch);
    } catch (err) {
      throw explainOutOfMemory(err, specs.batchSize, buildBatch, models.size);
    }
    if (config.transfer) {
      const source = models.get(config.transfer.from);
      if (!source) throw new EngineError(`transfer.from: run "${config.transfer.from}" has not been trained in this session; train it first`);
      for (let i = 0; i < config.transfer.layers; i++) {
        model.copyLayer(i, source, i);
        if (reusedStartFrozen(config.transfer)) model.setTrainable(i, false);
      }
    }
  } catch (err) {
    model.free();
    throw err;
  }
  return model;
}

// The switch of a two-phase transfer run (specs.unfreeze, config.js), as the
// book does it: set the reused layers trainable again and compile the model
// anew with a lower learning rate. Compiling in Keras builds a new optimizer,
// so its state (momentum, Adam's moments, the step count) starts over ("Hands-On
// Machine Learning", 3rd ed., chapter 11, "Reusing a Keras model": "you must
// always compile your model after you freeze or unfreeze layers");
// setOptimizer does the same here (eng_model_set_optimizer resets the slots and
// iterations). The rate stays constant after the switch, as a new
// SGD(learning_rate=...) does.
function unfreezeLayers(model, unfreeze) {
  for (const i of unfreeze.layers) model.setTrainable(i, true);
  model.setOptimizer(unfreeze.optimizer);
  model.setSchedule(unfreeze.schedule);
}

// A training checkpoint (see runConfig's onCheckpoint) carries, as its metadata,
// what the host needs besides the engine state: the configuration, the phase
// (fit, or the fine-tuning after pruning), the history so far, the layer
// statistics so far (layer_history) and the epoch offset of the phase. Reads it
// without keeping the model.
export function readCheckpoint(engine, bytes) {
  const model = engine.loadModel(bytes, 1);
  let meta;
  try {
    meta = parseCheckpointMeta(model.metadata);
  } catch {
    meta = null;
  } finally {
    model.free();
  }
  if (meta?.kind !== 'checkpoint' || !meta.config) throw new EngineError('this file is a model, not a training checkpoint to resume');
  return meta;
}

// hooks: mcSamples: N (after training, Monte Carlo Dropout with N passes on the
// test subset, else the validation one: result.mc_dropout), onEpoch(metrics), onProgress(progress), onLayerStats(rows, epoch, source)
// (source 'epoch': after an epoch, over stats_samples validation images; 'batch': the
// in-epoch sample from a training batch, epoch fractional; 'analysis': untrained, epoch 0),
// lossSlice (bool: every epoch's metrics carry loss_slice, {alpha, loss,
// accuracy} along the path from the initial weights, or {error} saying why not),
// control() -> Promise<'go'|'stop'> (awaited between slices: pause = don't resolve yet),
// models: Map of trained models by run id (for transfer), keepModel (bool),
// onCheckpoint({bytes, epoch, history, layerStats}) (awaited after every epoch but the last: what a
// resume needs, as keras.callbacks.BackupAndRestore keeps; layerStats: every
// onLayerStats call so far as checkpoint-meta.js keeps it), stopAfterEpoch: K
// (end after epoch K's checkpoint, which comes back as result.checkpoint),
// resume: checkpoint bytes (config must be readCheckpoint's; training goes on
// from there and ends with the same bits as a run never stopped), onResume({epoch,
// history, layerStats}) (once the checkpoint is loaded: what the run had shown
// before it, to be drawn again; onEpoch and onLayerStats then go on from there).
// config: a run configuration or prepare()'s prepared run.
export async function runConfig(engine, loadSplit, configOrRun, hooks = {}) {
  const prepared = prepare(configOrRun);
  const { config } = prepared;
  const resume = hooks.resume ? readCheckpoint(engine, hooks.resume) : null;
  const started = now();
  const owned = [];
  const take = (ds) => (owned.push(ds), ds);
  const result = {
    run: config.name ?? 'run', history: [], variant: engine.info.variant, threads: engine.info.threads,
    engine_version: engine.info.version, seed: prepared.seed,
  };
  let model = null;
  try {
    const { data } = config;
    const fullTrain = await loadSplit(data.dataset, data.train.split);
    const train = take(selectSubset(fullTrain, data.train));
    const val = data.validation ? take(selectSubset(await loadSplit(data.dataset, data.validation.split), data.validation)) : null;
    const test = data.test ? take(selectSubset(await loadSplit(data.dataset, data.test.split), data.test)) : null;
    // A schedule given in epochs or fractions of the run becomes steps now, for
    // the images actually selected; the result records the steps it used.
    const resolved = prepared.resolve(train.count);
    Object.assign(result, { train_images: train.count, steps_per_epoch: resolved.stepsPerEpoch, total_steps: resolved.totalSteps, schedule: resolved.schedule });
    const { specs } = resolved;
    let resumed = null;
    if (resume) {
      resumed = engine.resumeTraining(hooks.resume, train, val, Math.max(specs.batchSize, 256));
      model = resumed.model;
      result.history.push(...resume.history);
      result.resumed_from_epoch = resume.history.length;
      hooks.onResume?.({ epoch: resume.history.length, history: resume.history, layerStats: resume.layer_history });
    } else model = buildModel(engine, config, train.features, { ...hooks, specs });
    // last: false for the frozen phase of a two-phase transfer run: the run goes on, so its
    // last epoch is checkpointed too, and model_checkpoint's best weights wait for the end.
    const layerHistory = resume ? [...resume.layer_history] : [];
    const phase = (name, offset, last = true) => ({ name, offset, last, config, run: result.run, resumed: resume?.phase === name ? resumed.trainer : null, layerHistory });
    result.summary = model.summary();
    result.params = model.paramCount(false);
    result.trainable_params = model.paramCount(true);

    if (config.analysis) {
      const ds = config.analysis.split === 'test' && test ? test : train;
      if (config.data.standardize) model.adapt(train);
      result.layer_stats = model.layerStats(ds, config.analysis.samples ?? 1000);
      result.layers = config.model.map((l) => l.type);
      hooks.onLayerStats?.(result.layer_stats, 0, 'analysis');
    } else {
      const goOn = () => !result.error && !result.stopped_by_user && !result.checkpoint;
      const unfreeze = specs.unfreeze;
      if (!['unfrozen', 'fine-tune'].includes(resume?.phase))
        await trainLoop(model, train, val, specs.fit, specs.callbacks, result, hooks, phase('fit', 0, !unfreeze));
      if (unfreeze && goOn()) {
        const offset = resume?.phase === 'unfrozen' ? resume.offset : result.history.length;
        if (resume?.phase !== 'unfrozen') unfreezeLayers(model, unfreeze); // a resumed model has them unfrozen
        result.unfrozen_after_epoch = offset;
        await trainLoop(model, train, val, unfreeze.fit, specs.callbacks, result, hooks, phase('unfrozen', offset));
      }
      if (config.prune && goOn()) {
        if (resume?.phase !== 'fine-tune') model.prune(config.prune.fraction); // a resumed model has its masks
        result.pruned_fraction = config.prune.fraction;
        if (specs.fineTune) {
          const offset = resume?.phase === 'fine-tune' ? resume.offset : result.history.length;
          await trainLoop(model, train, val, specs.fineTune.fit, [], result, hooks, phase('fine-tune', offset));
        }
      }
      // Stopped after an epoch, to be resumed: no final evaluation yet.
      if (!result.checkpoint) {
        const t0 = now();
        if (val) Object.assign(result, renameKeys(model.evaluate(val), 'final_val_'));
        result.inference_seconds = (now() - t0) / 1000;
        result.inference_samples = val ? val.count : 0;
        if (test) Object.assign(result, renameKeys(model.evaluate(test), 'test_'));
        summarize(result);
        result.warnings = runWarnings(result, { classes: train.numClasses, outputs: model.outputSize });
        result.sparsity = model.sparsity();
        // Monte Carlo Dropout (hooks.mcSamples passes) on the test subset, else the validation one.
        if (hooks.mcSamples && !result.error) {
          const ds = test ?? val;
          if (!ds) result.mc_dropout = { samples: hooks.mcSamples, error: 'Monte Carlo Dropout needs a test or validation subset to evaluate on' };
          else result.mc_dropout = { ...mcDropoutSummary(model, ds, hooks.mcSamples, prepared.seed), subset: test ? 'test' : 'validation', images: ds.count, dropout: model.hasDropout };
        }
      }
    }
  } catch (err) {
    // A stopped engine (after a trap) cannot run anything more: the promise rejects.
    if (err.engineStopped || (!(err instanceof EngineError) && err.name !== 'ConfigError')) throw err;
    result.error = err.message;
  } finally {
    owned.forEach((d) => d.free());
    result.seconds = (now() - started) / 1000;
  }
  // keepModel: the caller takes the trained model (after divergence: its last good weights).
  if (model && hooks.keepModel) result.model = model;
  else model?.free();
  return result;
}

// The engine's out-of-memory message names the batch it was built for; say
// where that number comes from, and that models kept from earlier runs hold
// engine memory too.
function explainOutOfMemory(err, batchSize, buildBatch, keptModels) {
  if (!(err instanceof EngineError) || !/^out of memory/.test(err.message)) return err;
  let message = err.message;
  if (buildBatch !== batchSize) {
    message = message.replace(`for batch size ${buildBatch}`, `for ${buildBatch} images at a time (batch_size ${batchSize} for training, ${buildBatch} for evaluation)`);
  }
  if (keptModels > 0) {
    message += `; ${keptModels} trained model${keptModels > 1 ? 's' : ''} of earlier runs still hold${keptModels > 1 ? '' : 's'} engine memory: delete the runs you no longer need to release it`;
  }
  return new EngineError(message);
}

function renameKeys(obj, prefix) {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [prefix + k, v]));
}

function summarize(result) {
  const h = result.history;
  if (!h.length) return;
  const key = h.some((m) => Number.isFinite(m.val_accuracy)) ? 'val_accuracy' : 'accuracy';
  let best = h[0];
  for (const m of h) if (m[key] > best[key]) best = m;
  const last = h[h.length - 1];
  result.best_val_accuracy = key === 'val_accuracy' ? best.val_accuracy : null;
  result.best_epoch = best.epoch;
  result.final_accuracy = last.accuracy;
  result.final_val_accuracy_epoch = last.val_accuracy;
  result.epochs = h.length;
  result.overfit_gap = Number.isFinite(last.val_accuracy) ? last.accuracy - last.val_accuracy : null;
  const stop = h.find((m) => m.stopped);
  result.stopped_early = Boolean(stop);
  result.stop_epoch = stop ? stop.epoch : null;
  result.restored_epoch = stop?.restored_epoch || null;
  result.train_seconds = h.reduce((s, m) => s + m.seconds, 0);
}

// The slice of this epoch, or why there is none (the run trains on either way).
function lossSlice(trainer) {
  try {
    return trainer.lossSlice(LOSS_SLICE_ALPHAS);
  } catch (err) {
    if (err.engineStopped || !(err instanceof EngineError)) throw err;
    return { error: err.message };
  }
}

async function trainLoop(model, train, val, fitSpec, callbacks, result, hooks, phase) {
  const trainer = phase.resumed ?? model.trainer(train, val, fitSpec, callbacks);
  const epochOffset = phase.offset;
  const sliceMs = hooks.sliceMs ?? 40;
  let batches = 1;
  let lastEpoch = phase.resumed ? result.history.length - epochOffset : 0;
  const onStats = (rows, epoch, source) => {
    phase.layerHistory.push(keptLayerStats(rows, epoch, source));
    hooks.onLayerStats?.(rows, epoch, source);
  };
  try {
    for (;;) {
      if (hooks.control && (await hooks.control()) === 'stop') {
        trainer.stop();
        result.stopped_by_user = true;
        break;
      }
      const t0 = now();
      let event;
      try {
        event = trainer.run(batches);
      } catch (err) {
        if (err.diverged) {
          result.diverged = true;
          result.error = err.message;
          break;
        }
        throw err;
      }
      const dt = now() - t0;
      // Aim each slice at sliceMs so progress flows and a stop is honoured quickly.
      if (event === 'none') batches = Math.max(1, Math.min(100000, Math.round(batches * (dt > 0 ? Math.min(4, sliceMs / dt) : 4))));
      const progress = trainer.progress();
      hooks.onProgress?.(progress);
      if (event === 'stats') {
        // Epoch 2.25: a quarter into the third epoch (history epochs count from 1).
        const at = epochOffset + progress.epoch - 1 + progress.batch / progress.batches;
        onStats(trainer.layerStats(), at, 'batch');
      }
      if (event === 'epoch' || event === 'done') {
        const m = trainer.metrics();
        if (m.epoch > lastEpoch) {
          lastEpoch = m.epoch;
          // Epochs after a transfer's switch say so (the charts draw the switch from the history).
          const metrics = { ...m, epoch: m.epoch + epochOffset, ...(phase.name === 'unfrozen' ? { unfrozen: true } : {}) };
          if (hooks.lossSlice) metrics.loss_slice = lossSlice(trainer);
          result.history.push(metrics);
          hooks.onEpoch?.(metrics);
          const stats = trainer.layerStats();
          if (stats) onStats(stats, metrics.epoch, 'epoch');
          if ((event === 'epoch' || !phase.last) && (hooks.onCheckpoint || hooks.stopAfterEpoch === metrics.epoch)) {
            const meta = { kind: 'checkpoint', run: phase.run, config: phase.config, phase: phase.name, offset: epochOffset, history: result.history, layer_history: phase.layerHistory };
            const bytes = trainer.save(checkpointJson(meta));
            await hooks.onCheckpoint?.({ bytes, epoch: metrics.epoch, history: result.history, layerStats: phase.layerHistory });
            if (hooks.stopAfterEpoch === metrics.epoch) {
              result.checkpoint = bytes;
              result.stopped_after_epoch = metrics.epoch;
              break;
            }
          }
        }
        if (event === 'done') break;
      }
      await (hooks.yield ?? yieldToHost)();
    }
    // As the book does after ModelCheckpoint(save_best_only=True): continue with the best weights.
    if (phase.last && callbacks.some((c) => c.startsWith('model_checkpoint')) && !result.diverged && !result.checkpoint) {
      trainer.restoreCheckpoint();
      result.restored_checkpoint = true;
    }
  } finally {
    trainer.free();
  }
}
