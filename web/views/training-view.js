// training-view.js: everything about how the selected run trains: which
// images, the optimizer and gradient clipping, the learning-rate schedule (with
// a preview), callbacks, the training loop, transfer learning (its class subset
// and reuse of layers: transfer-fields.js) and the extras (layer statistics,
// pruning). Options and Keras defaults come from description.js.
import description from '../../core/description.js';
import { DATASETS, SCHEDULES } from '../../core/config.js';
import { RUN_FORMS, WHOLE_RUN, formKeys, formUsed, convertForm } from '../../core/schedule-steps.js';
import { h, replace, fmt } from './dom.js';
import { numberField, selectField, checkField, optionField, listField, section } from './form.js';
import { OPTION_HELP, OPTIMIZER_HELP, SCHEDULE_HELP, CALLBACK_HELP } from '../app/help.js';
import { classFields, transferFields } from './transfer-fields.js';

const CLIP = ['clipvalue', 'clipnorm', 'global_clipnorm'];
const DATASET_LABELS = { 'fashion-mnist': 'Fashion-MNIST', cifar10: 'CIFAR-10 (your files)', custom: 'your IDX files' };
const FIT = description.fit.fit.options;

export class TrainingView {
  constructor(root, actions) {
    this.root = root;
    this.actions = actions;
    this.canvas = null;
    this.scheduleInfo = null;
    this.scheduleWarning = null;
    this.scheduleError = null;
    this.preview = null; // the last preview the engine computed (kept while options are being fixed)
    this.previewError = null;
  }

  render(config, ctx) {
    this.canvas = h('canvas.sparkline', { width: 320, height: 64, 'aria-label': 'learning-rate schedule preview' });
    this.scheduleInfo = h('p.help.schedule-info');
    this.scheduleWarning = h('p.field-warning.schedule-warning', { role: 'status' });
    this.scheduleError = h('p.field-error.schedule-error', { role: 'status' });
    replace(this.root,
      section('Training data', { id: 'sec-data-subset' }, this.#dataFields(config, ctx)),
      section('Optimizer', { id: 'sec-optimizer' }, this.#optimizerFields(config)),
      section('Learning-rate schedule', { id: 'sec-schedule' }, this.#scheduleFields(config, ctx), h('div.preview', this.canvas, this.scheduleInfo, this.scheduleWarning, this.scheduleError)),
      section('Callbacks', { id: 'sec-callbacks', open: Boolean(config.callbacks?.length) }, this.#callbackFields(config)),
      section('Training loop', { id: 'sec-fit' }, this.#fitFields(config)),
      section('Transfer learning', { id: 'sec-transfer', open: Boolean(config.transfer) }, transferFields(config, ctx, this.actions)),
      section('Look inside & extras', { id: 'sec-extras', open: Boolean(config.stats?.samples || config.prune) }, this.#extraFields(config)));
    if (this.preview) this.showPreview(this.preview);
    this.showPreviewError(this.previewError);
  }

  #dataFields(config, ctx) {
    const d = config.data ?? {};
    const set = (p, v) => this.actions.set(p, v);
    const total = (split) => ctx.datasets.get(d.dataset)?.splits?.[split]?.count ?? DATASETS[d.dataset]?.splits?.[split];
    const valSplit = d.validation ? d.validation.split : 'none';
    const out = [
      selectField({
        path: 'data.dataset', label: 'dataset', value: d.dataset, def: '!your own arrays',
        choices: Object.keys(DATASET_LABELS).map((k) => [k, `${DATASET_LABELS[k]}${k === 'fashion-mnist' || ctx.datasets.has(k) ? '' : ' (not loaded)'}`]),
        help: 'Fashion-MNIST comes with the page; the others are loaded from your disk in the Data panel.',
        onValue: (_, v) => this.actions.mutate((c) => { c.data.dataset = v; }),
      }),
      h('div.field-row',
        numberField({ path: 'data.train.count', label: 'training images', value: d.train?.count, help: `${OPTION_HELP.train_count}${total('train') ? ` The split has ${fmt.int(total('train'))}.` : ''}`, def: '!all', step: 1, onValue: set }),
        numberField({ path: 'data.train.start', label: 'first image', value: d.train?.start, help: OPTION_HELP.train_start, def: '!0', step: 1, onValue: set })),
    ];
    out.push(...classFields(config, ctx, this.actions));
    out.push(selectField({
      path: 'data.validation.split', label: 'validation images from', value: valSplit, def: '!validation_data=None',
      choices: [['test', 'the test split'], ['train', 'the training split (after the training images)'], ['none', 'none (no validation)']],
      help: OPTION_HELP.validation,
      onValue: (_, v) => this.actions.mutate((c) => {
        if (v === 'none') delete c.data.validation;
        else if (v === 'train') c.data.validation = { split: 'train', start: (c.data.train?.start ?? 0) + (c.data.train?.count ?? 0), count: 2000 };
        else c.data.validation = { split: 'test', start: 0, count: 2000 };
      }),
    }));
    if (d.validation) {
      out.push(h('div.field-row',
        numberField({ path: 'data.validation.count', label: 'validation images', value: d.validation.count, help: OPTION_HELP.validation_count, def: '!all', step: 1, onValue: set }),
        numberField({ path: 'data.validation.start', label: 'first image', value: d.validation.start, help: OPTION_HELP.validation_start, def: '!0', step: 1, onValue: set })));
    }
    out.push(checkField({
      path: 'data.test', label: 'evaluate on the test set after training', value: Boolean(d.test), help: OPTION_HELP.test, def: '!model.evaluate(X_test, y_test)',
      onValue: (_, v) => this.actions.mutate((c) => { if (v) c.data.test = { split: 'test', start: 0, count: total('test') ?? 10000 }; else delete c.data.test; }),
    }));
    if (d.test) out.push(numberField({ path: 'data.test.count', label: 'test images', value: d.test.count, help: 'How many test images (from the start of the test split).', def: '!all', step: 1, onValue: set }));
    out.push(checkField({ path: 'data.standardize', label: 'standardize inputs', value: d.standardize, help: OPTION_HELP.standardize, def: '!n/a (you preprocess)', onValue: (p, v) => set(p, v || undefined) }));
    return out;
  }

  #optimizerFields(config) {
    const opt = config.optimizer ?? { type: 'sgd' };
    const variant = description.optimizers[opt.type];
    const set = (p, v) => this.actions.set(p, v);
    const out = [selectField({
      // The Keras class of the chosen optimizer (compile's own default, rmsprop, read as if it were this one).
      path: 'optimizer.type', label: 'optimizer', value: opt.type, def: `!keras.optimizers.${variant?.keras ?? opt.type}`, kerasTitle: 'the Keras class of this optimizer',
      choices: Object.entries(description.optimizers).map(([k, v]) => [k, v.keras ?? k]), help: OPTIMIZER_HELP[opt.type] ?? '',
      onValue: (_, v) => this.actions.mutate((c) => {
        const clips = Object.fromEntries(CLIP.filter((k) => c.optimizer?.[k] !== undefined).map((k) => [k, c.optimizer[k]]));
        c.optimizer = { type: v, learning_rate: description.optimizers[v].options.learning_rate.default, ...clips };
      }),
    })];
    if (!variant) return out;
    const main = Object.entries(variant.options).filter(([k]) => !CLIP.includes(k));
    out.push(h('div.field-grid', main.map(([k, desc]) => optionField({ path: `optimizer.${k}`, name: k, desc, value: opt[k], help: OPTION_HELP[k], onValue: set }))));
    out.push(h('h3.subhead', 'Gradient clipping'), h('p.help', 'Limits the gradient before each update, so one bad batch cannot blow the weights up (exploding gradients). Use at most one.'));
    out.push(h('div.field-grid', CLIP.map((k) => optionField({ path: `optimizer.${k}`, name: k, desc: variant.options[k], value: opt[k], help: OPTION_HELP[k], onValue: set }))));
    return out;
  }

  #scheduleFields(config, ctx) {
    const s = config.schedule ?? { type: 'constant' };
    const set = (p, v) => this.actions.set(p, v);
    const out = [selectField({
      path: 'schedule.type', label: 'schedule', value: s.type, def: '!constant',
      choices: Object.entries(description.schedules).map(([k, v]) => [k, v.keras ?? k.replace(/_/g, ' ')]), help: SCHEDULE_HELP[s.type] ?? '',
      onValue: (_, v) => this.actions.mutate((c) => { c.schedule = newSchedule(v, c); if (!c.schedule) delete c.schedule; }),
    })];
    const variant = description.schedules[s.type];
    if (!variant || s.type === 'constant') return out;
    const fields = [];
    for (const [k, desc] of Object.entries(variant.options)) {
      if (formKeys(s.type, k).length === 1) fields.push(optionField({ path: `schedule.${k}`, name: k, desc, value: s[k], help: OPTION_HELP[k], onValue: set }));
      else fields.push(...this.#runRelativeFields(s, k));
    }
    out.push(h('div.field-grid', fields));
    return out;
  }

  // A step option that may also be given in epochs or as a fraction of the run
  // (core/schedule-steps.js): a menu of the forms, then the field of the one in use.
  // Changing the form converts the value with the run as last previewed.
  #runRelativeFields(s, step) {
    const whole = WHOLE_RUN[s.type] === step;
    const used = formUsed(s, step) ?? (whole ? '' : step);
    const unitText = (key) => (key === step ? 'steps (fixed)' : RUN_FORMS[s.type].find((f) => f.key === key).per === 'run' ? 'fractions of the run' : 'epochs');
    const choices = [...(whole ? [['', 'the whole run']] : []), ...formKeys(s.type, step).map((k) => [k, unitText(k)])];
    const menu = selectField({
      path: `schedule.${step}:form`, label: `${step.replace(/_/g, ' ')} given as`, value: used, choices, def: '!steps',
      help: 'Steps stay fixed when you change the epochs, the images or the batch size; epochs and fractions follow the run, and are turned into steps when training starts.',
      onValue: (_, key) => this.actions.mutate((c) => {
        // Before the first preview the run's steps are not known: nothing to convert with.
        if (this.preview) c.schedule = convertForm(c.schedule, step, key || null, { stepsPerEpoch: this.preview.stepsPerEpoch, totalSteps: this.preview.totalSteps });
      }),
    });
    if (!used) return [menu];
    const desc = SCHEDULES[s.type].options[used];
    const common = { path: `schedule.${used}`, label: used.replace(/_/g, ' '), value: s[used], help: OPTION_HELP[used] ?? desc.help, onValue: (p, v) => this.actions.set(p, v) };
    if (used === step) return [menu, optionField({ ...common, name: used, desc })];
    const def = '!n/a (the book computes steps: epochs × len(X_train) // batch_size)';
    return [menu, desc.type === 'list' ? listField({ ...common, def }) : numberField({ ...common, def })];
  }

  #callbackFields(config) {
    const cbs = config.callbacks ?? [];
    const out = [];
    for (const [type, variant] of Object.entries(description.callbacks)) {
      const index = cbs.findIndex((c) => c?.type === type);
      out.push(checkField({
        path: `callbacks[${index < 0 ? cbs.length : index}]`, label: variant.keras ?? type, value: index >= 0, help: CALLBACK_HELP[type], def: '!not used',
        onValue: (_, on) => this.actions.mutate((c) => {
          c.callbacks = (c.callbacks ?? []).filter((x) => x?.type !== type);
          if (on) c.callbacks.push(newCallback(type));
          if (!c.callbacks.length) delete c.callbacks;
        }),
      }));
      if (index >= 0)
        out.push(h('div.field-grid.nested', Object.entries(variant.options).map(([k, desc]) =>
          optionField({ path: `callbacks[${index}].${k}`, name: k, desc, value: cbs[index][k], help: OPTION_HELP[k], onValue: (p, v) => this.actions.set(p, v) }))));
    }
    return out;
  }

  #fitFields(config) {
    const set = (p, v) => this.actions.set(p, v);
    return h('div.field-grid',
      optionField({ path: 'fit.epochs', name: 'epochs', desc: FIT.epochs, value: config.fit?.epochs, help: OPTION_HELP.epochs, onValue: set }),
      optionField({ path: 'fit.batch_size', name: 'batch_size', label: 'batch size', desc: FIT.batch_size, value: config.fit?.batch_size, help: OPTION_HELP.batch_size, onValue: set }),
      numberField({ path: 'seed', label: 'seed', value: config.seed, help: OPTION_HELP.seed, def: '!None (random)', step: 1, onValue: set }),
      optionField({ path: 'fit.shuffle', name: 'shuffle', desc: FIT.shuffle, value: config.fit?.shuffle ?? true, help: OPTION_HELP.shuffle, onValue: (p, v) => set(p, v ? undefined : false) }));
  }

  #extraFields(config) {
    // Layer health is always measured; only its sample size is a setting.
    const out = [numberField({ path: 'stats.samples', label: 'layer statistics: images', value: config.stats?.samples, help: OPTION_HELP.stats, def: '!1000', step: 1, onValue: (p, v) => this.actions.set(p, v) })];
    out.push(checkField({
      path: 'prune', label: 'magnitude pruning', value: Boolean(config.prune), help: OPTION_HELP.prune, def: '!n/a (TF Model Optimization)',
      onValue: (_, v) => this.actions.mutate((c) => { if (v) c.prune = { fraction: 0.9, fine_tune_epochs: 3 }; else delete c.prune; }),
    }));
    if (config.prune)
      out.push(h('div.field-row',
        numberField({ path: 'prune.fraction', label: 'fraction pruned', value: config.prune.fraction, help: 'Share of the smallest weights set to zero.', def: '!n/a', onValue: (p, v) => this.actions.set(p, v) }),
        numberField({ path: 'prune.fine_tune_epochs', label: 'fine-tune epochs', value: config.prune.fine_tune_epochs, help: OPTION_HELP.fine_tune_epochs, def: '!n/a', step: 1, onValue: (p, v) => this.actions.set(p, v) })));
    return out;
  }

  // The schedule preview: a sparkline of the rate over the whole run, as the
  // engine computed it (app/schedule.js asks the worker).
  showPreview(preview) {
    this.preview = preview;
    if (!this.canvas) return;
    const ctx = this.canvas.getContext('2d');
    const { width: w, height: hgt } = this.canvas;
    ctx.clearRect(0, 0, w, hgt);
    const pts = preview.points;
    if (!pts.length) {
      this.scheduleInfo.textContent = 'No preview: the run has no training steps.';
      return;
    }
    const ys = pts.map((p) => p.y);
    const max = (Math.max(...ys) || 1) * 1.08;
    const xmax = pts[pts.length - 1].x || 1;
    ctx.strokeStyle = '#cbd5e1';
    ctx.beginPath(); ctx.moveTo(0, hgt - 4); ctx.lineTo(w, hgt - 4); ctx.stroke();
    ctx.strokeStyle = '#4f46e5';
    ctx.lineWidth = 2;
    ctx.beginPath();
    pts.forEach((p, i) => {
      const x = (p.x / xmax) * (w - 4) + 2;
      const y = hgt - 4 - (p.y / max) * (hgt - 10);
      if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y);
    });
    ctx.stroke();
    // A 1cycle that ends before the run: a dashed line where the cycle ends.
    const end = preview.schedule?.type === 'one_cycle' ? preview.schedule.total_steps : null;
    if (end && end < preview.totalSteps) {
      const x = (end / preview.stepsPerEpoch / xmax) * (w - 4) + 2;
      ctx.strokeStyle = '#b45309';
      ctx.lineWidth = 1;
      ctx.setLineDash([4, 3]);
      ctx.beginPath(); ctx.moveTo(x, 2); ctx.lineTo(x, hgt - 4); ctx.stroke();
      ctx.setLineDash([]);
    }
    this.scheduleInfo.textContent = `${fmt.int(preview.stepsPerEpoch)} steps per epoch, ${fmt.int(preview.totalSteps)} in all; rate ${fmt.num(preview.first, 5)} → ${fmt.num(preview.last, 5)}.${preview.plateau ? ' ReduceLROnPlateau will lower it further when the monitored value stalls (▼ in the chart).' : ''}`;
    this.#showWarnings(preview.warnings ?? []);
  }

  // What the schedule does outside the run (core/schedule-steps.js): under the
  // preview, and beside the field that sets it.
  #showWarnings(warnings) {
    this.scheduleWarning.textContent = warnings.map((w) => w.message).join(' ');
    for (const old of this.root.querySelectorAll('.field > .field-warning')) old.remove();
    for (const w of warnings) {
      const field = [...this.root.querySelectorAll('.field[data-path]')].find((f) => f.dataset.path === w.path);
      if (field) field.append(h('p.field-warning', { role: 'status' }, w.message));
    }
  }

  // Why the preview could not be brought up to date (null: it is).
  showPreviewError(text) {
    this.previewError = text ?? null;
    if (this.scheduleError) this.scheduleError.textContent = text ?? '';
  }
}

// A new schedule follows the run (epochs, fractions of it, or all of it), so
// changing the epochs, the images or the batch size afterwards keeps its shape.
function newSchedule(type, config) {
  const lr = config.optimizer?.learning_rate ?? 0.01;
  switch (type) {
    case 'exponential_decay': return { type, initial_learning_rate: lr, decay_epochs: 1, decay_rate: 0.96 };
    case 'piecewise_constant_decay': return { type, boundaries_fraction: [0.5, 0.75], values: [lr, lr / 2, lr / 10] };
    case 'inverse_time_decay': return { type, initial_learning_rate: lr, decay_epochs: 1, decay_rate: 0.5 };
    case 'one_cycle': return { type, max_learning_rate: lr * 10 };
    default: return null;
  }
}

function newCallback(type) {
  if (type === 'early_stopping') return { type, monitor: 'val_loss', patience: 5, restore_best_weights: true };
  if (type === 'reduce_lr_on_plateau') return { type, monitor: 'val_loss', factor: 0.5, patience: 3 };
  return { type, monitor: 'val_accuracy' };
}
