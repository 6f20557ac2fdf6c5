// slice-view.js: the path through the loss landscape (issue 12). Each epoch's
// metrics carry loss_slice (core/run.js): the validation loss on the straight
// line from the weights training started from (alpha 0) to that epoch's
// weights (alpha 1) and a little beyond (Goodfellow, Vinyals & Saxe 2015).
// One curve per epoch of the chosen run, older ones faded and the latest bold;
// or the latest curve of every run, to compare them (momentum, learning-rate
// decay, BN). The chart is created once; runs and epochs replace its datasets
// and draw with update('none'). A Table button shows the same numbers.
import { chartTable } from './chart-table.js';
import { h, replace } from './dom.js';
import { alpha } from './chart-annotations.js';
import { runDash, runPoint } from '../app/run-colors.js';

const ALL = '*'; // the select's value for "every run, latest epoch"
const pointText = (v) => Number(v).toPrecision(4);
const slices = (r) => (r.history ?? []).filter((m) => m.loss_slice && !m.loss_slice.error);

export class SliceView {
  #key = null;
  #follow = true; // the latest run, until the student picks one

  constructor(root) {
    this.root = root;
    this.select = h('select', { 'aria-label': 'run whose path is drawn', onchange: (e) => { this.#follow = false; this.#key = e.target.value; this.#render(); } });
    this.note = h('p.slice-note.muted.small', { role: 'status' });
    this.plot = h('div.chart-plot', h('canvas', { role: 'img', 'aria-label': 'Validation loss along the line from the initial weights to each epoch\'s weights; the Table button shows the numbers' }));
    const { table, toggle } = chartTable({ id: 'slice-table', plot: this.plot, name: 'loss slice', onShow: () => this.#render() });
    this.table = table;
    replace(root,
      h('p.muted.small', 'Validation loss on the straight line from the weights training started from (α = 0) to the weights at the end of each epoch (α = 1), and beyond (α > 1), on the first 500 validation images. A curve per epoch, the latest in bold: a valley past α = 1 means training had further to go downhill in that direction; a rise before 1 means it crossed a barrier.'),
      h('div.inspect-head', h('label.inline-label', 'Run ', this.select), toggle),
      h('section.chart-box.slice', { 'aria-label': 'loss slice' }, this.plot, this.table),
      this.note);
    this.chart = new globalThis.Chart(this.plot.querySelector('canvas'), {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        interaction: { mode: 'nearest', intersect: false },
        elements: { line: { tension: 0.25 } },
        scales: {
          x: { type: 'linear', title: { display: true, text: 'α  (0 = initial weights, 1 = the epoch\'s weights)' } },
          y: { type: 'linear', title: { display: true, text: 'validation loss' } },
        },
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 10, boxHeight: 10, filter: (item, data) => data.datasets[item.datasetIndex].legend !== false } },
          tooltip: { callbacks: { label: (c) => `${c.dataset.label}: loss ${pointText(c.parsed.y)} at α = ${c.parsed.x}` } },
        },
      },
    });
    this.records = [];
  }

  // records: every run; keeps the choice while it exists.
  sync(records) {
    this.records = records;
    const usable = records.filter((r) => r.visible && r.history?.some((m) => m.loss_slice));
    if (this.#key !== ALL && (this.#follow || !usable.some((r) => r.key === this.#key))) this.#key = usable[usable.length - 1]?.key ?? null;
    const options = usable.map((r) => h('option', { value: r.key, selected: r.key === this.#key }, r.label));
    if (usable.length > 1) options.push(h('option', { value: ALL, selected: this.#key === ALL }, 'all runs (latest epoch)'));
    replace(this.select, options.length ? options : h('option', { value: '' }, 'no epoch yet'));
    this.#render();
  }

  // An epoch arrived: its run may be new to the list (its first slice).
  epoch(record, metrics, records) { this.sync(records); }

  #render() {
    const runs = this.#key === ALL ? this.records.filter((r) => r.visible && slices(r).length) : this.records.filter((r) => r.key === this.#key);
    const curve = (m, style) => ({ data: m.loss_slice.alpha.map((a, i) => ({ x: a, y: m.loss_slice.loss[i] })).filter((p) => Number.isFinite(p.y)), ...style });
    const datasets = [];
    for (const r of runs) {
      const list = slices(r);
      const shown = this.#key === ALL ? list.slice(-1) : list;
      shown.forEach((m, i) => {
        const latest = i === shown.length - 1;
        const label = this.#key === ALL ? `${r.label} (epoch ${m.epoch})` : `epoch ${m.epoch}`;
        datasets.push(curve(m, {
          label, epoch: m.epoch, run: r.label, legend: latest || i === 0,
          borderColor: latest ? r.color : alpha(r.color, 0.2 + 0.5 * (i + 1) / shown.length), backgroundColor: r.color,
          borderWidth: latest ? 3 : 1.2, pointRadius: latest ? 3 : 0, order: latest ? 0 : 1,
          pointStyle: runPoint(r.colorIndex), borderDash: runDash(r.colorIndex), // a run's look everywhere
        }));
      });
    }
    this.chart.data.datasets = datasets;
    this.chart.update('none');
    this.root.dataset.epochs = String(datasets.length);
    const failed = runs.map((r) => ({ r, m: (r.history ?? []).findLast((x) => x.loss_slice?.error) })).filter((x) => x.m);
    replace(this.note, failed.map(({ r, m }) => h('span.problem', `${r.label}: no loss slice after epoch ${m.epoch}: ${m.loss_slice.error}`)));
    if (!this.table.hidden) this.#table(datasets);
  }

  #table(datasets) {
    if (!datasets.length) return replace(this.table, h('p.muted.table-empty', 'No epochs yet: the table fills in as the runs train.'));
    const alphas = [...new Set(datasets.flatMap((d) => d.data.map((p) => p.x)))].sort((a, b) => a - b);
    replace(this.table, h('table.runs.compact.chart-data',
      h('caption.sr-only', 'Validation loss along the line from the initial weights, per epoch'),
      h('thead', h('tr', h('th', { scope: 'col' }, this.#key === ALL ? 'run' : 'epoch'), alphas.map((a) => h('th.num', { scope: 'col' }, `α = ${a}`)))),
      h('tbody', datasets.map((d) => {
        const at = new Map(d.data.map((p) => [p.x, p.y]));
        return h('tr', h('th', { scope: 'row' }, d.label), alphas.map((a) => h('td.num', at.has(a) ? pointText(at.get(a)) : '–')));
      }))));
  }
}
