// table-view.js: the comparison table of runs (this session's and those kept
// from earlier visits): book value, best validation accuracy and its epoch,
// final accuracy, overfit gap, stop epoch, time and test accuracy. Click a
// header to sort; tick a row to show its curves; its ⬇ menu saves its files.
import { h, replace, fmt } from './dom.js';

export function summarize(r) {
  const hist = r.history ?? [];
  const res = r.result ?? {};
  const withVal = hist.filter((m) => Number.isFinite(m.val_accuracy));
  let best = null;
  for (const m of withVal) if (!best || m.val_accuracy > best.val_accuracy) best = m;
  const last = hist[hist.length - 1];
  const stop = hist.find((m) => m.stopped);
  return {
    reference: r.reference?.val_accuracy ?? r.reference?.best_val_accuracy ?? r.reference?.test_accuracy ?? null,
    best: res.best_val_accuracy ?? best?.val_accuracy ?? null,
    bestEpoch: res.best_epoch ?? best?.epoch ?? null,
    finalVal: res.final_val_accuracy ?? last?.val_accuracy ?? null,
    gap: res.overfit_gap ?? (last && Number.isFinite(last.val_accuracy) ? last.accuracy - last.val_accuracy : null),
    stopEpoch: res.stop_epoch ?? stop?.epoch ?? null,
    epochs: hist.length,
    time: res.train_seconds ?? (hist.length ? hist.reduce((s, m) => s + (m.seconds || 0), 0) : null),
    inference: res.inference_seconds ?? null,
    test: res.test_accuracy ?? null,
    sparsity: res.sparsity ?? last?.sparsity ?? null,
  };
}

const COLUMNS = [
  { key: 'label', title: 'Run', get: (r) => r.label },
  { key: 'reference', title: 'Book', get: (r, s) => s.reference, show: (v) => (v === null ? '–' : String(v)), tip: 'the reference notebook\'s validation accuracy' },
  { key: 'best', title: 'Best val acc', get: (r, s) => s.best, show: (v, s) => (v === null ? '–' : `${fmt.acc(v)} @${s.bestEpoch}`) },
  { key: 'finalVal', title: 'Final val acc', get: (r, s) => s.finalVal, show: fmt.acc },
  { key: 'gap', title: 'Overfit gap', get: (r, s) => s.gap, show: (v) => (v === null ? '–' : v.toFixed(3)), tip: 'training minus validation accuracy at the last epoch' },
  { key: 'stopEpoch', title: 'Stop epoch', get: (r, s) => s.stopEpoch, show: (v) => (v === null ? '–' : String(v)), tip: 'the epoch early stopping ended the run' },
  { key: 'epochs', title: 'Epochs', get: (r, s) => s.epochs || null, show: (v) => (v === null ? '–' : String(v)) },
  { key: 'time', title: 'Train time', get: (r, s) => s.time, show: fmt.secs, tip: 'seconds spent training (all epochs)' },
  { key: 'inference', title: 'Inference', get: (r, s) => s.inference, show: (v) => (v === null ? '–' : `${(v * 1000).toFixed(0)} ms`), tip: 'time to predict the whole validation set once (dropout is off at inference)' },
  { key: 'test', title: 'Test acc', get: (r, s) => s.test, show: fmt.acc },
  { key: 'sparsity', title: 'Zero weights', get: (r, s) => s.sparsity, show: (v) => fmt.pct(v), tip: 'share of kernel weights that are exactly zero (exercise 6: sparse models)', optional: true },
];

const STATUS = { training: 'training…', queued: 'queued', interrupted: 'interrupted', stopped: 'stopped', diverged: 'diverged', error: 'error', crashed: 'engine crashed' };

export class TableView {
  #sort = { key: null, dir: 1 };

  constructor(root, actions) {
    this.root = root;
    this.actions = actions;
    this.tbody = h('tbody');
    this.thead = h('thead');
    this.empty = h('p.muted.table-empty', 'No runs yet. Finished runs are kept here, in this browser, across reloads.');
    replace(root,
      h('div.table-tools',
        h('button.chip', { type: 'button', onclick: () => actions.showAll(true) }, 'Show all'),
        h('button.chip', { type: 'button', onclick: () => actions.showAll(false) }, 'Hide all'),
        h('button.chip.danger', { type: 'button', onclick: () => actions.clearHistory() }, 'Clear history')),
      h('div.table-wrap', h('table.runs', this.thead, this.tbody)), this.empty);
  }

  render(records, selectedKey) {
    const rows = records.map((r) => ({ r, s: summarize(r) }));
    // Optional columns appear only when some run has something to show in them.
    const columns = COLUMNS.filter((c) => !c.optional || rows.some(({ r, s }) => c.get(r, s) > 0.001));
    replace(this.thead, h('tr', h('th', { scope: 'col', class: 'narrow' }, h('span.sr-only', 'show')),
      columns.map((c) => h('th', { scope: 'col', title: c.tip ?? '', 'aria-sort': this.#sort.key === c.key ? (this.#sort.dir > 0 ? 'ascending' : 'descending') : 'none' },
        h('button.sort', { type: 'button', onclick: () => this.#sortBy(c.key, records, selectedKey) }, c.title, this.#sort.key === c.key ? (this.#sort.dir > 0 ? ' ▲' : ' ▼') : ''))),
      h('th', { scope: 'col', class: 'narrow' }, h('span.sr-only', 'actions'))));
    if (this.#sort.key) {
      const col = COLUMNS.find((c) => c.key === this.#sort.key);
      rows.sort((a, b) => {
        const va = col.get(a.r, a.s);
        const vb = col.get(b.r, b.s);
        if (va === vb) return 0;
        if (va === null || va === undefined) return 1;
        if (vb === null || vb === undefined) return -1;
        return (va < vb ? -1 : 1) * this.#sort.dir;
      });
    }
    replace(this.tbody, rows.map(({ r, s }) => h('tr', { class: r.key === selectedKey ? 'selected' : '', dataset: { key: r.key, run: r.id } },
      h('td', h('label.row-check', h('input', { type: 'checkbox', checked: r.visible, 'aria-label': `show ${r.label} in the charts`, onchange: (e) => this.actions.setVisible(r.key, e.target.checked) }))),
      columns.map((c) => c.key === 'label'
        ? h('td.run-cell', h('button.link', { type: 'button', onclick: () => this.actions.inspect(r.key), title: `${r.id}${r.experiment ? ` · ${r.experiment}` : ''}` }, h('span.swatch', { style: { background: r.color } }), r.label),
          STATUS[r.status] ? h('span.tag', { class: r.status === 'training' ? 'live' : r.status === 'stopped' ? '' : 'warn' }, STATUS[r.status]) : null,
          r.config?.analysis ? h('span.tag.light', 'analysis') : null,
          // A finished run's warnings in words (core/run-warnings.js), kept with the run.
          (r.result?.warnings ?? []).map((w) => h('p.run-warning', `⚠ Warning: ${w}.`)))
        : h('td.num', (c.show ?? String)(c.get(r, s), s))),
      h('td.row-actions',
        this.#downloads(r),
        h('button.icon.danger', { type: 'button', title: 'Delete from the history', 'aria-label': `delete ${r.label}`, disabled: r.status === 'training' || r.status === 'queued' || r.status === 'interrupted', onclick: () => this.actions.deleteRun(r.key) }, '✕')))));
    this.empty.hidden = records.length > 0;
  }

  // The run's files: its model (the engine's .bin, or TF.js), its Keras
  // script, its results. A model can be saved only while it is in the worker.
  #downloads(r) {
    const noModel = !r.inWorker;
    const noHistory = !r.history?.length && !r.result;
    return h('select.downloads', { 'aria-label': `downloads for ${r.label}`, title: 'Download this run as files',
      onchange: (e) => { const kind = e.target.value; e.target.value = ''; if (kind) this.actions.download(r.key, kind); } },
    h('option', { value: '' }, '⬇'),
    h('option', { value: 'model', disabled: noModel }, 'Model (.bin, loads here again)'),
    h('option', { value: 'tfjs', disabled: noModel }, 'TF.js model (model.json + weights.bin)'),
    h('option', { value: 'keras', disabled: !r.config }, 'Keras script (.py)'),
    h('option', { value: 'csv', disabled: noHistory }, 'History (CSV)'),
    h('option', { value: 'json', disabled: noHistory }, 'Results (JSON)'));
  }

  #sortBy(key, records, selectedKey) {
    this.#sort = { key, dir: this.#sort.key === key ? -this.#sort.dir : key === 'label' ? 1 : -1 };
    this.render(records, selectedKey);
  }
}
