// health-view.js: layer health, live, for every shown run (issue 12): small
// multiples of the engine's per-layer statistics (engine/layer_stats.c), which
// every run takes after each epoch and every 200 batches within one.
// - Over training (x = epoch, fractional for the in-epoch samples): the gradient
//   flow (kernel-gradient norm per layer, log scale), saturated outputs and dead
//   units per layer. One line per layer in the run's colour, lighter towards the
//   input, runs overlaid: vanishing gradients, saturation and dying ReLUs show as
//   they happen.
// - Per layer (x = layer, the last epoch's or the untrained analysis of
//   experiments 1 and 2): activation mean, std, gradient std and saturation, with
//   the book's numbers, and the table (layer-table.js).
// Charts are created once; a statistics event appends points and draws with
// update('none'); the per-layer charts change only after an epoch.
import { h, replace, powerOfTen } from './dom.js';
import { chartTable } from './chart-table.js';
import { layerTable, layerComparison } from './layer-table.js';
import { layerEntries } from '../app/session.js';
import { runPoint } from '../app/run-colors.js';

// A checkpoint keeps the in-epoch samples with these keys only (core/checkpoint-meta.js
// SAMPLED_STATS): a chart of another statistic over training must be added there too.
const OVER_TIME = {
  grad: { title: 'Gradient flow (norm per layer)', key: 'grad_norm', y: 'gradient norm', log: true, layers: 'kernels' },
  saturated: { title: 'Saturated outputs per layer', key: 'saturated', y: '% saturated', pct: true, layers: 'hidden' },
  dead: { title: 'Dead units per layer', key: 'dead', y: '% dead units', pct: true, layers: 'hidden' },
};
const PER_LAYER = {
  std: { title: 'Activation std per layer', key: 'std', band: 'std' },
  mean: { title: 'Activation mean per layer', key: 'mean', band: 'mean' },
  grad_std: { title: 'Gradient std per layer (backward)', key: 'grad_std' },
  saturated: { title: 'Saturated outputs per layer', key: 'saturated', pct: true, book: 'saturated' },
};
const BOOK = '#64748b';

// The run's colour mixed with white: t = 0 for the layer nearest the input (light), 1 for the output side.
function shade(hex, t) {
  const n = parseInt(String(hex).slice(1), 16);
  if (!Number.isFinite(n)) return hex;
  const k = 0.7 * (1 - t);
  const c = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => Math.round(v + (255 - v) * k));
  return `rgb(${c.join(', ')})`;
}

// Which layers a chart draws: kernels (dense layers) for gradients; hidden
// layers that have an activation (dense, activation) for saturation and dead units.
function layersFor(record, which, count) {
  const model = record.config?.model;
  const all = Array.from({ length: count }, (_, i) => i);
  if (!Array.isArray(model) || model.length !== count) return which === 'kernels' ? all : all.slice(0, -1);
  return all.filter((i) => (which === 'kernels' ? model[i].type === 'dense' : i < count - 1 && (model[i].type === 'dense' || model[i].type === 'activation')));
}

// Log-axis ticks: powers of ten over a wide range, plain numbers within one decade.
function logTick(value, index, ticks) {
  const values = ticks.map((t) => t.value).filter((v) => v > 0);
  if (Math.max(...values) / Math.min(...values) >= 10) return powerOfTen(value);
  return Number(value.toPrecision(2)).toString();
}

// A run in a key above the charts: its colour (dashed for the book) and its name.
const key = (label, color, dashed = false) => h('span.health-run', h('span.swatch', { class: dashed ? 'dashed' : null, style: { background: dashed ? 'none' : color, borderColor: color } }), label);

const value = (spec, v) => (spec.pct ? 100 * v : v);
const usable = (spec, v) => Number.isFinite(v) && (!spec.log || v > 0);

function chart(canvas, { x, y, log, pct, xMin }) {
  return new globalThis.Chart(canvas, {
    type: 'line',
    data: { datasets: [] },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false, normalized: true,
      interaction: { mode: 'nearest', intersect: false },
      elements: { point: { radius: 0, hoverRadius: 3 }, line: { borderWidth: 1.6, tension: 0 } },
      scales: {
        x: { type: 'linear', min: xMin, title: { display: true, text: x }, ticks: { precision: x === 'layer' ? 0 : undefined } },
        y: { type: log ? 'logarithmic' : 'linear', beginAtZero: !log, suggestedMax: pct ? 10 : undefined, title: { display: true, text: y }, ticks: { callback: log ? logTick : undefined } },
      },
      plugins: {
        // The runs are named once, above the charts (#key): four legends would crowd small charts.
        legend: { display: false },
        tooltip: { callbacks: { label: (c) => `${c.dataset.tip ?? c.dataset.label}: ${Number(c.parsed.y).toPrecision(3)}${pct ? ' %' : ''}` } },
      },
    },
  });
}

export class HealthView {
  #runs = new Map(); // record key -> { count, lines: {grad: Map(layer -> dataset), ...} }

  constructor(root) {
    this.root = root;
    this.boxes = {};
    this.time = {};
    this.layer = {};
    this.tableViews = {};
    // A chart's box: its heading, a Table button (the points in a table, for the
    // keyboard and screen readers, as the curve charts have), the canvas.
    const box = (id, title) => {
      const canvas = h('canvas', { role: 'img', 'aria-label': `${title}; the Table button shows the numbers` });
      const plot = h('div.chart-plot', canvas);
      const { table, toggle } = chartTable({ id: `health-table-${id}`, plot, name: title, onShow: () => this.#table(id) });
      this.tableViews[id] = table;
      this.boxes[id] = h(`section.chart-box.health-box.${id}`, { 'aria-label': title },
        h('div.chart-head', h('h3.chart-title', title), h('span.chart-buttons', toggle)), plot, table);
      return canvas;
    };
    for (const [k, s] of Object.entries(OVER_TIME)) this.time[k] = chart(box(`time-${k}`, s.title), { x: 'epoch', y: s.y, log: s.log, pct: s.pct, xMin: 0 });
    for (const [k, s] of Object.entries(PER_LAYER)) this.layer[k] = chart(box(`layer-${k}`, s.title), { x: 'layer', y: s.pct ? '%' : s.key.replace('_', ' '), pct: s.pct, xMin: 1 });
    this.timeKey = h('p.chart-key.health-key');
    this.layerKey = h('p.chart-key.health-key');
    this.empty = h('p.muted.health-empty', 'Each layer\'s health appears here while a run trains: every 200 batches and after every epoch, for every run.');
    this.timeHead = h('h3.subhead', 'Over training');
    this.timeGrid = h('div.health-grid.over-time', Object.keys(OVER_TIME).map((k) => this.boxes[`time-${k}`]));
    this.timeHelp = h('p.help', 'One line per layer, lighter towards the input. Gradient norms that fall layer after layer towards the input are vanishing gradients; saturated: sigmoid outputs below 0.01 or above 0.99 (tanh beyond ±0.98); dead: units that output 0 for every image measured (dying ReLUs). Points within an epoch come from the training batch, those at whole epochs from validation images.');
    this.layerHead = h('h3.subhead', 'Per layer');
    this.layerGrid = h('div.health-grid.per-layer', Object.keys(PER_LAYER).map((k) => this.boxes[`layer-${k}`]));
    this.tables = h('div.health-tables');
    replace(root, this.empty, this.timeHead, this.timeKey, this.timeGrid, this.timeHelp, this.layerHead, this.layerKey, this.layerGrid, this.tables);
    this.#show();
  }

  // Rebuilds every line from the records (a run added, hidden, restored).
  sync(records) {
    this.records = records;
    const shown = records.filter((r) => r.visible && r.layerStats?.length);
    for (const c of Object.values(this.time)) c.data.datasets = [];
    this.#runs.clear();
    for (const r of shown) for (const entry of r.layerStats) if (entry.source !== 'analysis' && entry.epoch > 0) this.#append(r, entry);
    // The axis spans the planned epochs, so the lines grow across it as the runs train.
    const epochs = Math.max(1, ...records.filter((r) => r.visible).map((r) => (r.config?.fit?.epochs ?? 1) + (r.config?.prune?.fine_tune_epochs ?? 0)));
    for (const c of Object.values(this.time)) {
      c.options.scales.x.suggestedMax = epochs;
      c.update('none');
    }
    replace(this.timeKey, shown.filter((r) => this.#runs.has(r.key)).map((r) => key(r.label, r.color)), h('span', 'lighter: layers nearer the input'));
    this.#perLayer(shown);
  }

  // One layer-stats event of a training run: its points are appended.
  stats(record, entry, records) {
    this.records = records;
    if (!record.visible) return;
    if (entry.source !== 'analysis' && entry.epoch > 0) {
      this.#append(record, entry);
      for (const c of Object.values(this.time)) c.update('none');
    }
    if (entry.source !== 'batch') this.#perLayer(records.filter((r) => r.visible && r.layerStats?.length));
    else this.#show();
  }

  #append(record, entry) {
    let run = this.#runs.get(record.key);
    if (!run) {
      run = { lines: {} };
      const count = entry.layers.length;
      for (const [k, spec] of Object.entries(OVER_TIME)) {
        const picked = layersFor(record, spec.layers, count);
        run.lines[k] = new Map(picked.map((i, n) => {
          const ds = { label: record.label, tip: `${record.label} · layer ${i + 1}`, data: [], borderColor: shade(record.color, picked.length > 1 ? n / (picked.length - 1) : 1), backgroundColor: record.color, legend: n === picked.length - 1 };
          this.time[k].data.datasets.push(ds);
          return [i, ds];
        }));
      }
      this.#runs.set(record.key, run);
      this.timeKey.insertBefore(key(record.label, record.color), this.timeKey.lastChild);
    }
    for (const [k, spec] of Object.entries(OVER_TIME))
      for (const [i, ds] of run.lines[k]) {
        const v = entry.layers[i]?.[spec.key];
        if (usable(spec, v)) ds.data.push({ x: entry.epoch, y: value(spec, v) });
      }
  }

  // The per-layer charts and tables: each shown run's last epoch (or its analysis).
  #perLayer(shown) {
    const runs = shown.filter((r) => layerEntries(r).length);
    for (const [k, spec] of Object.entries(PER_LAYER)) {
      const c = this.layer[k];
      const sets = runs.map((r) => {
        const entry = layerEntries(r).at(-1);
        return { label: r.label, tip: `${r.label}${entry.epoch ? `, epoch ${entry.epoch}` : ', untrained'}`, borderColor: r.color, backgroundColor: r.color, pointRadius: 2.5, pointStyle: runPoint(r.colorIndex),
          data: entry.layers.map((l, i) => ({ x: i + 1, y: value(spec, l[spec.key]) })).filter((p) => Number.isFinite(p.y)) };
      });
      for (const r of runs) {
        const book = spec.book && r.reference?.[spec.book];
        if (Array.isArray(book)) sets.push({ label: 'book', tip: `book (${r.label})`, borderColor: BOOK, backgroundColor: BOOK, borderDash: [4, 3], pointRadius: 3, pointStyle: 'rectRot', data: book.map((v, i) => ({ x: i + 1, y: value(spec, v) })) });
        const band = spec.band && r.reference?.[spec.band];
        if (Array.isArray(band) && band.length === 2) {
          const n = layerEntries(r).at(-1).layers.length;
          const edge = (y) => [{ x: 1, y }, { x: n, y }];
          sets.push({ label: 'book range', legend: false, tip: 'book, low', borderColor: BOOK, borderDash: [4, 3], borderWidth: 1, data: edge(band[0]) },
            { label: `book ${band[0] === band[1] ? band[0] : `${band[0]}–${band[1]}`}`, tip: 'book, high', borderColor: BOOK, borderDash: [4, 3], borderWidth: 1, backgroundColor: 'rgba(100, 116, 139, 0.15)', fill: '-1', data: edge(band[1]) });
        }
      }
      c.data.datasets = sets;
      c.options.scales.x.max = Math.max(1, ...sets.flatMap((d) => d.data.map((p) => p.x)));
      // Exploding or vanishing statistics span orders of magnitude: a log axis shows them.
      const ys = sets.flatMap((d) => d.data.map((p) => p.y));
      const wide = !spec.pct && ys.length > 0 && ys.every((y) => y > 0) && Math.max(...ys) / Math.min(...ys) > 1000;
      c.options.scales.y.type = wide ? 'logarithmic' : 'linear';
      c.options.scales.y.ticks.callback = wide ? logTick : undefined;
      c.options.scales.y.beginAtZero = !wide && k !== 'mean';
      c.update('none');
    }
    const analysis = runs.length > 0 && runs.every((r) => !layerEntries(r).at(-1).epoch);
    const last = runs.map((r) => layerEntries(r).at(-1).epoch);
    this.layerHead.textContent = analysis ? 'Per layer, untrained (before any training step)' : `Per layer, after epoch ${Math.max(...last, 0)}`;
    replace(this.layerKey, runs.map((r) => key(r.label, r.color)), runs.some((r) => r.reference?.saturated || r.reference?.mean || r.reference?.std) ? key('book', BOOK, true) : null);
    replace(this.tables, runs.length === 1 ? layerTable(runs[0], layerEntries(runs[0]).at(-1)) : runs.length > 1 ? layerComparison(runs) : null);
    this.#show();
  }

  // The chart's points as a table: a row per x (epoch or layer), a column per line.
  #table(id) {
    const table = this.tableViews[id];
    const [part, k] = id.split(/-(.*)/);
    const chart = (part === 'time' ? this.time : this.layer)[k];
    if (!chart || table.hidden) return;
    const spec = (part === 'time' ? OVER_TIME : PER_LAYER)[k];
    const series = chart.data.datasets.filter((d) => d.data.length);
    if (!series.length) return replace(table, h('p.muted.table-empty', 'No statistics yet: the table fills in as the runs train.'));
    const xs = [...new Set(series.flatMap((d) => d.data.map((p) => p.x)))].sort((a, b) => a - b);
    const at = series.map((d) => new Map(d.data.map((p) => [p.x, p.y])));
    const x = part === 'time' ? 'epoch' : 'layer';
    replace(table, h('table.runs.compact.chart-data',
      h('caption.sr-only', `${spec.title} by ${x}`),
      h('thead', h('tr', h('th', { scope: 'col' }, x), series.map((d) => h('th.num', { scope: 'col' }, d.tip ?? d.label)))),
      h('tbody', xs.map((v) => h('tr', h('th.num', { scope: 'row' }, String(Number(v.toFixed(3)))),
        at.map((m) => h('td.num', m.has(v) ? `${Number(m.get(v)).toPrecision(3)}${spec.pct ? ' %' : ''}` : '–')))))));
  }

  #show() {
    for (const id of Object.keys(this.tableViews)) this.#table(id);
    const timeShown = [...this.#runs.values()].length > 0 && Object.values(this.time).some((c) => c.data.datasets.some((d) => d.data.length));
    const layerShown = Object.values(this.layer).some((c) => c.data.datasets.length);
    this.empty.hidden = timeShown || layerShown;
    for (const el of [this.timeHead, this.timeGrid, this.timeHelp]) el.hidden = !timeShown;
    for (const el of [this.layerHead, this.layerGrid, this.tables]) el.hidden = !layerShown;
  }
}
