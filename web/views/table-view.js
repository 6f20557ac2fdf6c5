// table-view.js: the comparison table of runs (this session's and those kept
// from earlier visits): book value, best validation accuracy and its epoch,
// final accuracy, the difference from the book, epochs and seconds to a chosen
// validation accuracy, rank, overfit gap, stop epoch, time and test accuracy.
// Above it, the lesson of the runs shown (ticked) in one line; the best of them
// is marked in words (core/lesson.js decides both). Click a header to sort;
// tick a row to show its curves; its ⬇ menu saves its files.
import { h, replace, fmt } from './dom.js';
import { lesson, takeaway, bookReference, bookDelta, reach, points, percent, seconds, DEFAULT_TARGET, BOOK_BAND, METRIC_NAMES, METRIC_SHORT } from '../../core/lesson.js';
import { unfrozenAfterEpoch } from '../../core/config.js';

export function summarize(r) {
  const hist = r.history ?? [];
  const res = r.result ?? {};
  const withVal = hist.filter((m) => Number.isFinite(m.val_accuracy));
  let best = null;
  for (const m of withVal) if (!best || m.val_accuracy > best.val_accuracy) best = m;
  const last = hist[hist.length - 1];
  const stop = hist.find((m) => m.stopped);
  return {
    reference: bookReference(r.reference)?.value ?? null,
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

// The Δ from the book: a symbol and words, never colour alone (WCAG 1.4.1).
function deltaCell(d) {
  if (!d || d.delta === null) return '–';
  const band = `the book's ±${100 * BOOK_BAND}-point noise`;
  const title = `ours ${percent(d.value)} against the book's ${percent(d.book)} (${METRIC_NAMES[d.kind]})`;
  if (!d.final) return h('span', { title: `${title}, before the run ended` }, points(d.delta), h('span.delta-mark', ' so far'));
  if (d.shorter) return h('span', { title: `${title}; not comparable: this run had ${d.shorter}` }, points(d.delta), h('span.delta-mark', ' shorter run'));
  return h('span', { title: `${title}: ${d.inBand ? 'within' : 'outside'} ${band}` }, points(d.delta),
    h('span.delta-mark', { 'aria-hidden': 'true' }, d.inBand ? ' ✓' : ' ✗'), h('span.sr-only', d.inBand ? ' in band' : ' out of band'));
}

function reachCell(s, r) {
  if (!s.reach) return '–';
  if (s.reach.reached) return `${s.reach.epoch} ep · ${seconds(s.reach.seconds)}`;
  return r.status === 'training' || r.status === 'queued' ? 'not yet' : 'not reached';
}

const COLUMNS = [
  { key: 'label', title: 'Run', get: (r) => r.label },
  { key: 'reference', title: 'Book', get: (r, s) => s.reference, show: (v) => (v === null ? '–' : String(v)), tip: 'the reference notebook\'s number: final or best validation accuracy, or test accuracy (as its Δ column compares)' },
  { key: 'best', title: 'Best val acc', get: (r, s) => s.best, show: (v, s) => (v === null ? '–' : `${fmt.acc(v)} @${s.bestEpoch}`) },
  { key: 'finalVal', title: 'Final val acc', get: (r, s) => s.finalVal, show: fmt.acc },
  { key: 'delta', title: 'Δ vs book', get: (r, s) => s.delta?.delta ?? null, show: (v, s) => deltaCell(s.delta), tip: `the run's number minus the book's of the same kind, in accuracy points; ✓ within the book's ±${100 * BOOK_BAND}-point noise, ✗ outside it; "shorter run" when it had fewer epochs or images than the book's (Quick try)` },
  { key: 'reach', title: (t) => `To ${percent(t)}`, ascending: true, get: (r, s) => s.reach?.epoch ?? null, show: (v, s, r) => reachCell(s, r), tip: 'epochs and training seconds until the validation accuracy first reached the value chosen above the table' },
  { key: 'rank', title: 'Rank', ascending: true, get: (r, s) => s.rank, show: (v, s) => (v === null ? h('span', { title: s.unranked ?? '' }, '–') : String(v)), tip: 'among the runs shown, by the metric of the experiment; runs that did not end normally are not ranked' },
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
  #target = DEFAULT_TARGET;
  #last = { records: [], selectedKey: null };

  constructor(root, actions) {
    this.root = root;
    this.actions = actions;
    this.tbody = h('tbody');
    this.thead = h('thead');
    this.empty = h('p.muted.table-empty', 'No runs yet. Finished runs are kept here, in this browser, across reloads.');
    this.takeaway = h('p.takeaway');
    this.targetError = h('span.field-error', { id: 'reach-target-error', hidden: true });
    const target = h('input', { type: 'number', min: 1, max: 100, step: 0.5, value: String(100 * DEFAULT_TARGET), 'aria-describedby': 'reach-target-error', oninput: (e) => this.#setTarget(e.target) });
    replace(root,
      h('div.table-tools',
        h('button.chip', { type: 'button', onclick: () => actions.showAll(true) }, 'Show all'),
        h('button.chip', { type: 'button', onclick: () => actions.showAll(false) }, 'Hide all'),
        h('button.chip.danger', { type: 'button', onclick: () => actions.clearHistory() }, 'Clear history')),
      h('div.lesson', h('label.inline-label.reach-target', 'Time to reach ', target, ' % validation accuracy'), this.targetError, this.takeaway),
      h('div.table-wrap', h('table.runs', this.thead, this.tbody)), this.empty);
  }

  // A value the lesson cannot use is said next to it; the table keeps the last good one.
  #setTarget(input) {
    const v = Number(input.value);
    const ok = input.value !== '' && v > 0 && v <= 100;
    this.targetError.hidden = ok;
    this.targetError.textContent = ok ? '' : ' Give a percentage above 0 and at most 100; the table still uses ' + percent(this.#target) + '.';
    input.setAttribute('aria-invalid', String(!ok));
    if (!ok) return;
    this.#target = v / 100;
    this.render(this.#last.records, this.#last.selectedKey);
  }

  render(records, selectedKey) {
    this.#last = { records, selectedKey };
    // The lesson of the runs shown in the charts (a new plan hides the earlier runs).
    const shown = records.filter((r) => r.visible);
    const l = lesson(shown, { target: this.#target });
    const why = new Map(l.unranked.map((u) => [u.run, u.why]));
    const rows = records.map((r) => ({ r, s: {
      ...summarize(r), delta: bookDelta(r), reach: reach(r, this.#target), rank: l.rankOf.get(r) ?? null,
      unranked: r.visible ? why.get(r) : 'not shown in the charts: tick it to compare it',
    } }));
    const best = l.ranked.length > 1 ? new Set(l.ranked.filter((x) => x.rank === 1).map((x) => x.run)) : new Set();
    replace(this.takeaway, shown.length ? [h('strong', 'Takeaway: '), takeaway(l)] : records.length ? 'Tick runs to compare them here.' : null);
    this.takeaway.dataset.metric = l.metric;
    this.takeaway.title = `ranked by ${METRIC_NAMES[l.metric]} (${METRIC_SHORT[l.metric]}), among the runs shown`;
    // Optional columns appear only when some run has something to show in them.
    const columns = COLUMNS.filter((c) => !c.optional || rows.some(({ r, s }) => c.get(r, s) > 0.001));
    replace(this.thead, h('tr', h('th', { scope: 'col', class: 'narrow' }, h('span.sr-only', 'show')),
      columns.map((c) => h('th', { scope: 'col', title: c.tip ?? '', 'aria-sort': this.#sort.key === c.key ? (this.#sort.dir > 0 ? 'ascending' : 'descending') : 'none' },
        h('button.sort', { type: 'button', onclick: () => this.#sortBy(c.key, records, selectedKey) }, typeof c.title === 'function' ? c.title(this.#target) : c.title, this.#sort.key === c.key ? (this.#sort.dir > 0 ? ' ▲' : ' ▼') : ''))),
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
    replace(this.tbody, rows.map(({ r, s }) => h('tr', { class: [r.key === selectedKey ? 'selected' : '', best.has(r) ? 'best' : ''].filter(Boolean).join(' '), dataset: { key: r.key, run: r.id, rank: s.rank ?? '' } },
      h('td', h('label.row-check', h('input', { type: 'checkbox', checked: r.visible, 'aria-label': `show ${r.label} in the charts`, onchange: (e) => this.actions.setVisible(r.key, e.target.checked) }))),
      columns.map((c) => c.key === 'label'
        ? h('td.run-cell', h('button.link', { type: 'button', onclick: () => this.actions.inspect(r.key), title: `${r.id}${r.experiment ? ` · ${r.experiment}` : ''}` }, h('span.swatch', { style: { background: r.color } }), r.label),
          best.has(r) ? h('span.tag.best', { title: `ranked first by ${METRIC_NAMES[l.metric]} among the runs shown` }, '★ best') : null,
          STATUS[r.status] ? h('span.tag', { class: r.status === 'training' ? 'live' : r.status === 'stopped' ? '' : 'warn' }, STATUS[r.status]) : null,
          r.config?.analysis ? h('span.tag.light', 'analysis') : null,
          unfrozenAfterEpoch(r) !== null ? h('span.tag.light.unfrozen', { title: 'two-phase transfer: the reused layers were frozen, then unfrozen with a new optimizer and a lower learning rate' }, `unfrozen after epoch ${unfrozenAfterEpoch(r)}`) : null,
          // A finished run's warnings in words (core/run-warnings.js), kept with the run.
          (r.result?.warnings ?? []).map((w) => h('p.run-warning', `⚠ Warning: ${w}.`)))
        : h('td.num', { dataset: { col: c.key } }, (c.show ?? String)(c.get(r, s), s, r))),
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
    const ascending = key === 'label' || COLUMNS.find((c) => c.key === key)?.ascending;
    this.#sort = { key, dir: this.#sort.key === key ? -this.#sort.dir : ascending ? 1 : -1 };
    this.render(records, selectedKey);
  }
}
