// charts-view.js: loss, accuracy, learning-rate and difference-from-the-first-run
// curves. The four Chart.js charts are created once; runs add their datasets,
// epochs push points, and every change is drawn with update('none'). A run looks
// the same everywhere (web/app/run-colors.js: colour, point shape, dash). One row
// of options serves every chart: validation, training or both curves, a log-scale
// loss, the book's band on or off. Each chart has an HTML heading, a Full width
// button (chart-dialog.js) and a Table button: the points shown as a <table>, the
// text alternative to the canvas (WCAG 1.1.1), redrawn as epochs arrive while
// shown. Runs whose curves coincide are said so, in the legend and under the charts.
// A two-phase transfer run's switch is a dashed line (chart-annotations.js) and
// a note above the tables.
import { chartTable } from './chart-table.js';
import { h, replace } from './dom.js';
import { annotations } from './chart-annotations.js';
import { ChartDialog } from './chart-dialog.js';
import { runDash, runPoint } from '../app/run-colors.js';
import { coincidingRuns, differenceFromFirst } from '../app/run-compare.js';
import { BOOK_BAND as BAND } from '../../core/lesson.js';
import { unfrozenAfterEpoch } from '../../core/config.js';

// One format for a point's value, in the tooltip and in the table view.
const pointText = (v) => Number(v).toPrecision(4);
const pointsText = (v) => `${v > 0 ? '+' : ''}${Number(v).toFixed(2)}`;

const TITLES = { acc: 'Accuracy', loss: 'Loss (cross-entropy)', lr: 'Learning rate', diff: 'Difference from the first run' };
const FORMAT = { diff: pointsText };
const MODES = [['val', 'Validation'], ['train', 'Training'], ['both', 'Both']];

const referenceOf = (r) => r.reference?.val_accuracy ?? r.reference?.best_val_accuracy ?? null;

function makeChart(canvas, { yTitle, yType = 'linear', xMin = 1, legend = true, format = pointText, zero = false }) {
  return new globalThis.Chart(canvas, {
    type: 'line',
    data: { datasets: [] },
    plugins: [annotations],
    options: {
      animation: false, responsive: true, maintainAspectRatio: false, parsing: true, normalized: true,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      elements: { point: { radius: 2, hoverRadius: 4 }, line: { borderWidth: 2, tension: 0 } },
      scales: {
        x: { type: 'linear', min: xMin, title: { display: true, text: 'epoch' }, ticks: { precision: 0 } },
        // The difference chart's zero line is the first run itself.
        y: { type: yType, title: { display: true, text: yTitle }, grid: zero ? { color: (c) => (c.tick?.value === 0 ? '#64748b' : '#e2e8f0') } : {} },
      },
      plugins: {
        legend: { display: legend, position: 'bottom', labels: { usePointStyle: true, boxWidth: 8, boxHeight: 8, padding: 8, filter: (item, data) => data.datasets[item.datasetIndex].legend !== false } },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${format(c.parsed.y)}` } },
      },
    },
  });
}

export class ChartsView {
  #datasets = new Map(); // record key -> {record, loss, valLoss, acc, valAcc, lr, diff}
  #mode = 'both'; // the curves shown: 'val', 'train' or 'both'
  #logLoss = false;
  #bands = true;
  #visible = [];
  switches = []; // the two-phase runs' switch markers, as #annotate found them

  constructor(root) {
    globalThis.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    globalThis.Chart.defaults.color = '#475569';
    globalThis.Chart.defaults.borderColor = '#e2e8f0';
    this.boxes = {};
    this.tables = {};
    for (const kind of Object.keys(TITLES)) this.#box(kind);
    this.empty = h('p.chart-empty', 'Curves appear after the first epoch: pick a preset or build a network, then press Train.');
    this.boxes.acc.querySelector('.chart-plot').append(this.empty);
    this.diffEmpty = h('p.chart-empty', 'Each run\'s validation accuracy minus the first run\'s, in points, once two runs have an epoch.');
    this.boxes.diff.querySelector('.chart-plot').append(this.diffEmpty);
    this.diffNote = h('p.chart-sub');
    this.boxes.diff.querySelector('.chart-head').after(this.diffNote);
    this.tools = this.#tools();
    this.notes = h('div.chart-notes', { role: 'status' });
    this.key = { val: h('span', '— validation'), train: h('span', '- - training'), band: h('span.band-key', 'book ±1.5 points') };
    root.replaceChildren(h('h2.sr-only', { id: 'charts-title' }, 'Training curves'), this.tools, this.boxes.acc, this.boxes.loss, this.boxes.lr, this.boxes.diff, this.notes,
      h('p.chart-key', this.key.val, this.key.train, h('span', '★ best epoch'), h('span', '✕ early stop'), h('span', '▼ learning rate reduced'), h('span', '┆ reused layers unfrozen'), this.key.band));
    this.dialog = new ChartDialog(root, this.tools);
    const canvas = (kind) => this.boxes[kind].querySelector('canvas');
    this.acc = makeChart(canvas('acc'), { yTitle: 'accuracy' });
    this.loss = makeChart(canvas('loss'), { yTitle: 'loss' });
    this.lr = makeChart(canvas('lr'), { yTitle: 'learning rate', yType: 'logarithmic', xMin: 0 });
    this.diff = makeChart(canvas('diff'), { yTitle: 'Δ val acc (points)', format: pointsText, zero: true });
    // The runs are named in the other legends; this one only names the preview.
    this.preview = { label: 'preview', data: [], borderColor: '#94a3b8', backgroundColor: '#94a3b8', borderDash: [5, 4], pointRadius: 0, borderWidth: 2, order: 10 };
    this.planBands = [];
    this.lr.data.datasets.push(this.preview);
  }

  // The options of every curve chart, in one row (moved into the full-width view while it is open).
  #tools() {
    const pressed = (b, on) => b.setAttribute('aria-pressed', String(on));
    const modes = MODES.map(([mode, text]) => h('button.chip', { type: 'button', dataset: { mode }, 'aria-pressed': String(mode === this.#mode), onclick: () => {
      this.#mode = mode;
      for (const b of modes) pressed(b, b.dataset.mode === mode);
      this.#applyMode();
      this.#draw();
    } }, text));
    const log = h('button.chip', { type: 'button', dataset: { option: 'log-loss' }, 'aria-pressed': 'false', onclick: () => {
      this.#logLoss = !this.#logLoss;
      pressed(log, this.#logLoss);
      this.loss.options.scales.y.type = this.#logLoss ? 'logarithmic' : 'linear';
      this.loss.options.scales.y.title.text = this.#logLoss ? 'loss (log scale)' : 'loss';
      this.loss.update('none');
    } }, 'Log-scale loss');
    const band = h('button.chip', { type: 'button', dataset: { option: 'book-band' }, 'aria-pressed': 'true', onclick: () => {
      this.#bands = !this.#bands;
      pressed(band, this.#bands);
      this.key.band.hidden = !this.#bands;
      this.#annotate();
      this.acc.update('none');
    } }, 'Book band');
    return h('div.chart-tools', { role: 'group', 'aria-label': 'Chart options' },
      h('span.chart-tools-label', { id: 'curves-shown' }, 'Curves:'), h('span.chip-group', { role: 'group', 'aria-labelledby': 'curves-shown' }, modes), log, band);
  }

  // A chart's box: its heading, Full width and Table buttons, the canvas, and the table view.
  #box(kind) {
    const title = TITLES[kind];
    const plot = h('div.chart-plot', h('canvas', { role: 'img', 'aria-label': `${title} per epoch, drawn as curves; the Table button shows the numbers` }));
    const { table, toggle } = chartTable({ id: `chart-table-${kind}`, plot, name: title, onShow: () => this.#table(kind) });
    const expand = h('button.chip.chart-expand', { type: 'button', onclick: () => this.dialog.open(this.boxes[kind], expand) }, 'Full width', h('span.sr-only', `: ${title.toLowerCase()}`));
    this.tables[kind] = table;
    this.boxes[kind] = h(`section.chart-box.${kind}`, { 'aria-labelledby': `chart-title-${kind}` },
      h('div.chart-head', h('h3.chart-title', { id: `chart-title-${kind}` }, title), h('span.chart-buttons', expand, toggle)), plot, table);
  }

  // The chart's points as a table: a row per epoch, a column per curve shown.
  // The schedule preview is left out (it is a plan, drawn per step, not per epoch).
  #table(kind) {
    const chart = this[kind];
    const table = this.tables[kind];
    if (!chart || table.hidden) return;
    const series = chart.data.datasets.filter((d, i) => d !== this.preview && d.data.length && chart.isDatasetVisible(i));
    if (!series.length) {
      replace(table, h('p.muted.table-empty', 'No epochs yet: the table fills in as the runs train.'));
      return;
    }
    const format = FORMAT[kind] ?? pointText;
    const epochs = [...new Set(series.flatMap((d) => d.data.map((p) => p.x)))].sort((a, b) => a - b);
    const at = series.map((d) => new Map(d.data.map((p) => [p.x, p.y])));
    // The dashed lines of the curve charts in words.
    const notes = kind === 'diff' ? [] : this.switches.map((m) => h('p.note.chart-note', `${m.label}: reused layers unfrozen after epoch ${m.epoch} (a new optimizer, the lower learning rate, from epoch ${m.epoch + 1})`));
    replace(table, ...notes, h('table.runs.compact.chart-data',
      h('caption.sr-only', `${TITLES[kind]} per epoch`),
      h('thead', h('tr', h('th', { scope: 'col' }, 'epoch'), series.map((d) => h('th.num', { scope: 'col' }, d.tableLabel ?? d.label)))),
      h('tbody', epochs.map((x) => h('tr', h('th.num', { scope: 'row' }, String(x)),
        at.map((m) => h('td.num', m.has(x) ? format(m.get(x)) : '–')))))));
  }

  // Keeps one set of datasets per visible run, in the run's colour.
  sync(records) {
    const visible = records.filter((r) => r.visible && r.history);
    const keys = new Set(visible.map((r) => r.key));
    for (const [key, ds] of this.#datasets) {
      if (keys.has(key)) continue;
      for (const [chart, list] of [[this.acc, [ds.acc, ds.valAcc]], [this.loss, [ds.loss, ds.valLoss]], [this.lr, [ds.lr]], [this.diff, [ds.diff]]])
        chart.data.datasets = chart.data.datasets.filter((d) => !list.includes(d));
      this.#datasets.delete(key);
    }
    for (const r of visible) if (!this.#datasets.has(r.key)) this.#add(r);
    for (const r of visible) this.#fill(r);
    this.#visible = visible;
    this.#applyMode();
    this.#annotate();
    this.#draw();
  }

  // Validation: solid (or the run's dash past the palette), with the run's point shape;
  // training: thin, dashed, its points drawn only when it is shown alone.
  #add(r) {
    const style = { borderColor: r.color, backgroundColor: r.color, pointStyle: runPoint(r.colorIndex) };
    const val = (label, tableLabel = `${r.label} (validation)`) => ({ ...style, name: r.label, label, tableLabel, data: [], borderDash: runDash(r.colorIndex), borderWidth: 2.2, pointRadius: 2.5 });
    const train = () => ({ ...style, name: r.label, label: `${r.label} (train)`, tableLabel: `${r.label} (train)`, data: [], borderDash: [5, 4], borderWidth: 1.5, pointRadius: 0, train: true });
    const ds = {
      record: r,
      acc: train(), valAcc: val(r.label), loss: train(), valLoss: val(r.label),
      lr: { ...val(r.label, r.label), pointRadius: 2, stepped: 'before', legend: false },
      diff: val(r.label, `${r.label} − first run (points)`),
    };
    this.acc.data.datasets.push(ds.valAcc, ds.acc);
    this.loss.data.datasets.push(ds.valLoss, ds.loss);
    this.lr.data.datasets.push(ds.lr);
    this.#datasets.set(r.key, ds);
  }

  #fill(r) {
    const ds = this.#datasets.get(r.key);
    const hist = r.history;
    const pts = (k) => hist.filter((m) => Number.isFinite(m[k])).map((m) => ({ x: m.epoch, y: m[k] }));
    ds.acc.data = pts('accuracy'); ds.valAcc.data = pts('val_accuracy');
    ds.loss.data = pts('loss'); ds.valLoss.data = pts('val_loss');
    ds.lr.data = pts('learning_rate');
  }

  // One epoch arrived: push its points instead of rebuilding the arrays.
  epoch(record, m, records) {
    const ds = this.#datasets.get(record.key);
    if (!ds) return this.sync(records);
    const push = (d, k) => { if (Number.isFinite(m[k])) d.data.push({ x: m.epoch, y: m[k] }); };
    push(ds.acc, 'accuracy'); push(ds.valAcc, 'val_accuracy'); push(ds.loss, 'loss'); push(ds.valLoss, 'val_loss'); push(ds.lr, 'learning_rate');
    this.#visible = records.filter((r) => r.visible && r.history);
    this.#annotate();
    this.#draw();
  }

  schedulePreview(points, label) {
    this.preview.data = points;
    this.preview.label = label ? `preview: ${label.length > 28 ? `${label.slice(0, 27)}…` : label}` : 'preview';
    this.lr.update('none');
  }

  // Before training, the plan's own book values are drawn (in grey).
  setPlanBands(plan, records) {
    this.planBands = plan.runs.map((r) => referenceOf(r)).filter((v) => v !== null);
    this.#visible = records.filter((r) => r.visible && r.history);
    this.#annotate();
    this.acc.update('none');
  }

  // Validation, training or both: the other curves are hidden, in the charts and their tables.
  #applyMode() {
    for (const ds of this.#datasets.values()) {
      for (const d of [ds.valAcc, ds.valLoss]) { d.hidden = this.#mode === 'train'; d.legend = this.#mode !== 'train'; }
      for (const d of [ds.acc, ds.loss]) { d.hidden = this.#mode === 'val'; d.legend = this.#mode === 'train'; d.pointRadius = this.#mode === 'train' ? 2.5 : 0; }
    }
    this.key.val.hidden = this.#mode === 'train';
    this.key.train.hidden = this.#mode === 'val';
  }

  // Everything that depends on all the runs shown: book bands, markers, the
  // runs that coincide, the differences from the first run.
  #annotate() {
    const visible = this.#visible;
    const bands = [];
    const accMarkers = [];
    const lrMarkers = [];
    const switches = [];
    let lo = Infinity;
    let hi = -Infinity;
    const addBand = (y, color) => {
      bands.push({ y, y0: y - BAND, y1: y + BAND, color });
      lo = Math.min(lo, y - BAND - 0.01); hi = Math.max(hi, y + BAND + 0.01);
    };
    for (const r of visible) {
      const ref = referenceOf(r);
      if (ref !== null && this.#bands) addBand(ref, r.color);
      const hist = r.history ?? [];
      const key = hist.some((m) => Number.isFinite(m.val_accuracy)) && this.#mode !== 'train' ? 'val_accuracy' : 'accuracy';
      let best = null;
      for (const m of hist) if (Number.isFinite(m[key]) && (!best || m[key] > best[key])) best = m;
      if (best && hist.length > 1) accMarkers.push({ kind: 'best', x: best.epoch, y: best[key], color: r.color });
      const unfrozen = unfrozenAfterEpoch(r);
      if (unfrozen !== null) switches.push({ kind: 'switch', x: unfrozen + 0.5, y: 0, color: r.color, label: r.label, epoch: unfrozen });
      for (const m of hist) {
        if (m.stopped) accMarkers.push({ kind: 'stop', x: m.epoch, y: m[key], color: r.color });
        if (m.lr_reduced) lrMarkers.push({ kind: 'drop', x: m.epoch, y: m.learning_rate, color: r.color });
      }
    }
    if (!bands.length && this.#bands && !visible.some((r) => referenceOf(r) !== null)) for (const y of new Set(this.planBands)) addBand(y, '#64748b');
    this.acc.$annotations = { bands, markers: [...switches, ...accMarkers] };
    this.loss.$annotations = { markers: switches };
    this.lr.$annotations = { markers: [...switches, ...lrMarkers] };
    this.switches = switches;
    this.acc.options.scales.y.suggestedMin = Number.isFinite(lo) ? lo : undefined;
    this.acc.options.scales.y.suggestedMax = Number.isFinite(hi) ? Math.min(1, hi) : undefined;
    this.#coinciding(visible);
    this.#differences(visible);
    this.empty.hidden = visible.some((r) => r.history.length);
  }

  // One line hides another when two runs' curves coincide: said in the legend and in words.
  #coinciding(visible) {
    const same = coincidingRuns(visible);
    for (const ds of this.#datasets.values()) {
      const s = same.find((x) => x.record === ds.record);
      for (const d of [ds.acc, ds.valAcc, ds.loss, ds.valLoss, ds.diff])
        d.label = `${d.name}${d.train ? ' (train)' : ''}${s ? ` (${s.kind === 'identical' ? 'identical to' : 'overlaps'} ${s.same.label})` : ''}`;
    }
    // Replaced only when it changes: the notes are a live region, read out when they do.
    const said = same.map((s) => `${s.record.key}${s.kind}${s.same.key}@${s.epochs}:${s.accuracy?.toFixed(2)}:${s.loss?.toFixed(3)}`).join();
    if (said === this.notes.dataset.said) return;
    this.notes.dataset.said = said;
    const epochs = (n) => (n === 1 ? 'its finished epoch' : `all ${n} finished epochs`);
    replace(this.notes, same.map((s) => (s.kind === 'identical'
      ? h('p.chart-note', h('strong', `${s.record.label}: identical to ${s.same.label}`),
        ` — every loss and accuracy of ${epochs(s.epochs)} is the same within float noise, so one line hides the other.`)
      : h('p.chart-note', h('strong', `${s.record.label}: overlaps ${s.same.label}`),
        ` — over ${epochs(s.epochs)} the accuracies are within ${s.accuracy.toFixed(2)} points and the losses within ${(s.loss * 100).toFixed(1)} %: the lines cover each other, but the runs are not the same.`))));
  }

  #differences(visible) {
    const { first, series } = differenceFromFirst(visible);
    this.diff.data.datasets = series.map(({ record, points }) => {
      const d = this.#datasets.get(record.key).diff;
      d.data = points;
      return d;
    });
    this.diffNote.textContent = first ? `Validation accuracy minus ${first.label}'s (the first run shown), in percentage points.` : '';
    this.diffEmpty.hidden = series.some((s) => s.points.length);
  }

  #draw() {
    for (const kind of Object.keys(TITLES)) this[kind].update('none');
    for (const kind of Object.keys(TITLES)) this.#table(kind);
  }
}
