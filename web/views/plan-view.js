// plan-view.js: the presets (every experiment of chapter 11 and the exercises,
// one click each, or one variant) and the plan: the runs that will be trained
// and compared, the selected one being the run the forms below edit.
import { h, replace } from './dom.js';
import { presetList } from '../app/state.js';

export class PresetsView {
  constructor(root, actions) {
    this.root = root;
    const presets = presetList();
    const button = (p) => h('button.preset', { type: 'button', dataset: { preset: p.id }, title: p.topic, onclick: () => actions.loadPreset(p.id) },
      h('span.preset-id', p.id.replace(/^exp0?/, '').replace(/^ex0?/, 'Ex ')),
      h('span.preset-title', p.title.replace(/^Exercise \d+: /, '')),
      p.needs ? h('span.tag.warn', 'needs CIFAR files') : p.analysis ? h('span.tag', 'analysis') : h('span.tag.light', `${p.runs.length} run${p.runs.length > 1 ? 's' : ''}`));
    const variants = h('select', { 'aria-label': 'load one variant', onchange: (e) => { if (e.target.value) actions.loadPreset(e.target.value); e.target.value = ''; } },
      h('option', { value: '' }, 'Or load one variant…'),
      presets.map((p) => h('optgroup', { label: `${p.id} · ${p.title}` }, p.runs.map((r) => h('option', { value: r.id }, `${r.id} — ${r.label}`)))));
    replace(root,
      h('h3.subhead', 'Experiments'),
      h('div.preset-grid', presets.filter((p) => p.id.startsWith('exp')).map(button)),
      h('h3.subhead', 'Exercises'),
      h('div.preset-grid', presets.filter((p) => p.id.startsWith('ex') && !p.id.startsWith('exp')).map(button)),
      h('div.field', variants, h('p.help', 'An experiment loads all its variants as runs to compare in one picture; a variant loads just that run (plus the run it builds on).')),
      h('div.preset-actions', h('button.link', { type: 'button', onclick: () => actions.newPlan() }, 'Start from a blank network')));
  }

  mark(presetId) {
    for (const b of this.root.querySelectorAll('.preset')) b.classList.toggle('active', b.dataset.preset === presetId);
  }
}

export class PlanView {
  constructor(root, actions) {
    this.root = root;
    this.actions = actions;
  }

  render(plan, { problems = [], datasets } = {}) {
    const a = this.actions;
    const chips = plan.runs.map((r, i) => h('button.run-chip', {
      type: 'button', class: i === plan.selected ? 'selected' : '', 'aria-pressed': String(i === plan.selected), title: r.config.name, onclick: () => a.selectRun(i),
    }, h('span', r.label), problems[i] ? h('span.badge.err', { title: 'problems in this run' }, `${problems[i]} ⚠`) : null));
    const sel = plan.runs[plan.selected];
    const ref = referenceText(sel.reference);
    const needs = plan.needs === 'cifar10' && !datasets?.has('cifar10')
      ? h('p.notice.warn', h('strong', 'This experiment needs the CIFAR-10 files. '), 'Download the "CIFAR-10 binary version" from www.cs.toronto.edu/~kriz/cifar.html, unpack it, and drop data_batch_1.bin … data_batch_5.bin and test_batch.bin on the Data panel.')
      : null;
    const epochs = h('input', { type: 'text', inputmode: 'numeric', size: 4, 'aria-label': 'epochs for every run', placeholder: String(sel.config.fit?.epochs ?? '') });
    const count = h('input', { type: 'text', inputmode: 'numeric', size: 6, 'aria-label': 'training images for every run', placeholder: String(sel.config.data?.train?.count ?? '') });
    const quickError = h('p.field-error', { role: 'alert' });
    replace(this.root,
      h('h3.plan-title', plan.title),
      plan.description ? h('p.plan-desc', plan.description) : null,
      needs,
      h('div.run-chips', { role: 'group', 'aria-label': 'runs in this plan' }, chips),
      h('div.run-edit',
        h('label.inline-label', 'Run label ', h('input.run-label', { type: 'text', value: sel.label, oninput: (e) => a.setLabel(e.target.value) })),
        h('span.muted', ` name: ${sel.config.name}`),
        ref ? h('span.ref', ` · book: ${ref}`) : null),
      h('div.run-actions',
        h('button.chip', { type: 'button', onclick: () => a.duplicateRun(), title: 'Copy this run to compare a change' }, '+ Copy run to compare'),
        plan.runs.length > 1 ? h('button.chip', { type: 'button', onclick: () => a.removeRun() }, 'Remove run') : null),
      h('div.quick', h('span', 'Quick try — every run:'), epochs, h('span', 'epochs on'), count, h('span', 'images'),
        h('button.chip', { type: 'button', onclick: () => {
          const bad = [[epochs, 'epochs'], [count, 'images']].filter(([el]) => el.value.trim() && !toInt(el.value));
          quickError.textContent = bad.length ? `${bad.map(([, n]) => n).join(' and ')} must be a positive whole number` : '';
          if (!bad.length) a.applyToAll({ epochs: toInt(epochs.value), trainCount: toInt(count.value) });
        } }, 'Apply')),
      quickError);
  }
}

const toInt = (t) => (/^\s*\d+\s*$/.test(t) && Number(t) > 0 ? Number(t) : undefined);

export function referenceText(ref = {}) {
  const parts = [];
  if (ref.val_accuracy !== undefined) parts.push(`val ${ref.val_accuracy}`);
  if (ref.best_val_accuracy !== undefined) parts.push(`best val ${ref.best_val_accuracy}`);
  if (ref.test_accuracy !== undefined) parts.push(`test ${ref.test_accuracy}`);
  if (ref.accuracy !== undefined) parts.push(`train ${ref.accuracy}`);
  if (ref.stop_epoch !== undefined) parts.push(`stopped at ${ref.stop_epoch}`);
  if (ref.saturated) parts.push(`saturated ${ref.saturated.map((s) => `${(s * 100).toFixed(1)}%`).join(', ')}`);
  return parts.join(', ');
}
