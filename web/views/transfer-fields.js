// transfer-fields.js: the transfer-learning controls of the selected run, as
// the chapter does it: the class subset of a task (data.*.classes), and
// "reuse layers from…" (transfer): which run, how many layers, and how they
// train: frozen, fine-tuned, or the book's two phases. With no other run in
// the plan, it says what a base run is and offers to add one.
import { DATASETS } from '../../core/config.js';
import { h } from './dom.js';
import { numberField, selectField, listField } from './form.js';
import { OPTION_HELP } from '../app/help.js';
import { CLASS_SUBSETS, setClasses, twoPhases, reuseLayersFrom } from '../app/transfer.js';

const sameList = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

// The class subset of the run: all, one of the chapter's tasks, or a list.
export function classFields(config, ctx, actions) {
  const d = config.data ?? {};
  const classes = d.train?.classes;
  const count = ctx.datasets.get(d.dataset)?.classes ?? DATASETS[d.dataset]?.classes ?? 10;
  const subsets = CLASS_SUBSETS.filter((s) => !s.fashion || d.dataset === 'fashion-mnist');
  const known = Array.isArray(classes) ? subsets.find((s) => sameList(s.classes, classes)) : null;
  const value = !classes ? 'all' : known ? known.key : 'other';
  const names = (DATASETS[d.dataset]?.classNames && classes?.map((c) => DATASETS[d.dataset].classNames[c])) ?? [];
  const out = [selectField({
    path: 'data.train.classes', label: 'classes', value, def: '!all (filter the arrays yourself)',
    choices: [['all', `all ${count} classes`], ...subsets.map((s) => [s.key, s.label]), ['other', 'other (a list of class numbers)']],
    help: OPTION_HELP.classes,
    onValue: (_, v) => actions.mutate((c) => {
      if (v === 'other') return setClasses(c, classes ?? [0, 1], count);
      setClasses(c, v === 'all' ? null : CLASS_SUBSETS.find((s) => s.key === v).classes, count);
    }),
  })];
  if (value === 'other')
    out.push(listField({
      path: 'data.train.classes:list', label: 'class numbers', value: classes, def: '!n/a', help: `0 to ${count - 1}, comma-separated; validation and test use the same.`,
      onValue: (_, v) => actions.mutate((c) => setClasses(c, Array.isArray(v) ? v : classes, count), { rerender: Array.isArray(v) }),
    }));
  if (classes) out.push(h('p.note', `Only ${names.length && names.every(Boolean) ? names.map((n, i) => `${n} (${classes[i]} → ${i})`).join(', ') : `classes ${classes.join(', ')}`}: relabelled 0–${classes.length - 1}.`));
  return out;
}

const MODES = [
  ['frozen', 'frozen (only the new layers learn)'],
  ['fine-tune', 'fine-tuned from the start'],
  ['two-phase', 'frozen for some epochs, then fine-tuned with a lower rate (the book\'s way)'],
];
const modeOf = (t) => (t.freeze_epochs !== undefined || t.fine_tune_learning_rate !== undefined ? 'two-phase' : t.trainable === false ? 'frozen' : 'fine-tune');

export function transferFields(config, ctx, actions) {
  const others = ctx.plan.runs.map((r) => r.config.name).filter((n) => n !== config.name);
  const t = config.transfer;
  const addBase = h('button.chip.add-base-run', { type: 'button', onclick: () => actions.addBaseRun() }, '+ Add a base run (task A) and reuse its layers');
  if (!t && !others.length)
    return [h('p.help.transfer-intro', 'Transfer learning reuses the first layers of a network trained before on a similar task (the base run: model A in the book) and trains only the new output layer, or all of it with a small learning rate. It needs a base run in this plan, trained before this one; this plan has none yet. Adding one puts experiment 7\'s task A (classes 0–4) before this run, with this run\'s layers, and sets this run to reuse them the book\'s way.'), addBase];
  const set = (p, v) => actions.set(p, v);
  const out = [selectField({
    path: 'transfer.from', label: 'reuse layers from…', value: t ? t.from : '', def: '!clone_model + set_weights',
    choices: [['', 'no other run (train from scratch)'], ...others.map((n) => [n, `run ${n}`])], help: OPTION_HELP.transfer,
    onValue: (_, from) => actions.mutate((c) => {
      if (!from) delete c.transfer;
      else if (c.transfer) c.transfer.from = from;
      else reuseLayersFrom(c, from);
    }),
  })];
  if (!t) {
    out.push(addBase);
    return out;
  }
  const mode = modeOf(t);
  const fields = [
    numberField({ path: 'transfer.layers', label: 'layers reused', value: t.layers, help: 'The first N layers are copied from that run; the rest start fresh.', def: '!n/a', step: 1, onValue: set }),
    selectField({
      path: 'transfer.trainable', label: 'the reused layers are', value: mode, choices: MODES, help: OPTION_HELP.transfer_mode, def: '!layer.trainable = True',
      onValue: (_, v) => actions.mutate((c) => {
        const { from, layers } = c.transfer;
        c.transfer = { from, layers, trainable: v === 'fine-tune' };
        if (v === 'two-phase') Object.assign(c.transfer, twoPhases(c));
      }),
    }),
  ];
  if (mode === 'two-phase')
    fields.push(
      numberField({ path: 'transfer.freeze_epochs', label: 'frozen epochs', value: t.freeze_epochs, help: OPTION_HELP.freeze_epochs, def: '!fit(epochs=…) before unfreezing', step: 1, onValue: set }),
      numberField({ path: 'transfer.fine_tune_learning_rate', label: 'learning rate after unfreezing', value: t.fine_tune_learning_rate, help: OPTION_HELP.fine_tune_learning_rate, def: '!the new optimizer\'s learning_rate', onValue: set }));
  out.push(h('div.field-grid.nested', fields));
  if (!others.includes(t.from)) out.push(h('p.field-warning', `Run "${t.from}" is not in this plan: add it (or pick another run) and train it before this one.`), addBase);
  return out;
}
