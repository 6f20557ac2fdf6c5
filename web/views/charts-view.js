// charts-view.js: loss, accuracy and learning-rate curves. The three Chart.js
// charts are created once; runs add their datasets, epochs push points, and
// every change is drawn with update('none'). A small plugin draws what Chart.js
// has no dataset for: the book's reference band (±1.5 points), best-epoch
// stars, early-stop crosses and learning-rate-drop triangles. Each chart has
// an HTML heading and a Table button: the same points as a <table>, the text
// alternative to the canvas (WCAG 1.1.1), redrawn as epochs arrive while shown.
import { h, replace } from './dom.js';
import { BOOK_BAND as BAND } from '../../core/lesson.js';

// One format for a point's value, in the tooltip and in the table view.
const pointText = (v) => Number(v).toPrecision(4);

const TITLES = { acc: 'Accuracy', loss: 'Loss (cross-entropy)', lr: 'Learning rate' };

const referenceOf = (r) => r.reference?.val_accuracy ?? r.reference?.best_val_accuracy ?? null;

function alpha(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

const annotations = {
  id: 'annotations',
  beforeDatasetsDraw(chart) {
    const a = chart.$annotations;
    if (!a?.bands?.length) return;
    const { ctx, chartArea: area, scales: { y } } = chart;
    ctx.save();
    ctx.beginPath(); ctx.rect(area.left, area.top, area.width, area.height); ctx.clip();
    const labelled = [];
    for (const b of a.bands) {
      const top = y.getPixelForValue(b.y1);
      const bottom = y.getPixelForValue(b.y0);
      ctx.fillStyle = alpha(b.color, 0.1);
      ctx.fillRect(area.left, top, area.width, bottom - top);
      ctx.strokeStyle = alpha(b.color, 0.7);
      ctx.setLineDash([2, 3]);
      const mid = y.getPixelForValue(b.y);
      ctx.beginPath(); ctx.moveTo(area.left, mid); ctx.lineTo(area.right, mid); ctx.stroke();
      ctx.setLineDash([]);
      // One label per distinct value, and none crowding another.
      if (labelled.some((l) => Math.abs(l - mid) < 11)) continue;
      labelled.push(mid);
      ctx.fillStyle = alpha(b.color, 0.95);
      ctx.font = '600 10px system-ui, sans-serif';
      ctx.textAlign = 'right';
      ctx.fillText(`book ${b.y}`, area.right - 3, mid - 3);
    }
    ctx.restore();
  },
  afterDatasetsDraw(chart) {
    const a = chart.$annotations;
    if (!a?.markers?.length) return;
    const { ctx, chartArea: area, scales: { x, y } } = chart;
    ctx.save();
    for (const m of a.markers) {
      const px = x.getPixelForValue(m.x);
      const py = y.getPixelForValue(m.y);
      if (px < area.left - 1 || px > area.right + 1 || py < area.top - 1 || py > area.bottom + 1) continue;
      ctx.fillStyle = m.color;
      ctx.strokeStyle = m.color;
      ctx.lineWidth = 2;
      if (m.kind === 'stop') {
        ctx.setLineDash([4, 3]);
        ctx.lineWidth = 1;
        ctx.beginPath(); ctx.moveTo(px, area.top); ctx.lineTo(px, area.bottom); ctx.stroke();
        ctx.setLineDash([]);
        ctx.lineWidth = 2.5;
        ctx.beginPath(); ctx.moveTo(px - 5, py - 5); ctx.lineTo(px + 5, py + 5); ctx.moveTo(px + 5, py - 5); ctx.lineTo(px - 5, py + 5); ctx.stroke();
      } else if (m.kind === 'drop') {
        ctx.beginPath(); ctx.moveTo(px - 5, py - 9); ctx.lineTo(px + 5, py - 9); ctx.lineTo(px, py - 2); ctx.closePath(); ctx.fill();
      } else if (m.kind === 'best') {
        star(ctx, px, py, 7, 3);
        ctx.fill();
        ctx.strokeStyle = '#fff'; ctx.lineWidth = 1; ctx.stroke();
      }
    }
    ctx.restore();
  },
};

function star(ctx, x, y, outer, inner) {
  ctx.beginPath();
  for (let i = 0; i < 10; i++) {
    const r = i % 2 ? inner : outer;
    const t = (Math.PI / 5) * i - Math.PI / 2;
    ctx[i ? 'lineTo' : 'moveTo'](x + r * Math.cos(t), y + r * Math.sin(t));
  }
  ctx.closePath();
}

function makeChart(canvas, { yTitle, yType = 'linear', xMin = 1, legend = true }) {
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
        y: { type: yType, title: { display: true, text: yTitle } },
      },
      plugins: {
        legend: { display: legend, position: 'bottom', labels: { boxWidth: 10, boxHeight: 10, padding: 8, filter: (item, data) => data.datasets[item.datasetIndex].legend !== false } },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${pointText(c.parsed.y)}` } },
      },
    },
  });
}

export class ChartsView {
  #datasets = new Map(); // record key -> {loss, valLoss, acc, valAcc, lr}

  constructor(root) {
    globalThis.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    globalThis.Chart.defaults.color = '#475569';
    globalThis.Chart.defaults.borderColor = '#e2e8f0';
    this.boxes = {};
    this.tables = {};
    for (const kind of Object.keys(TITLES)) this.#box(kind);
    this.empty = h('p.chart-empty', 'Curves appear after the first epoch: pick a preset or build a network, then press Train.');
    this.boxes.acc.querySelector('.chart-plot').append(this.empty);
    root.replaceChildren(h('h2.sr-only', { id: 'charts-title' }, 'Training curves'), this.boxes.acc, this.boxes.loss, this.boxes.lr,
      h('p.chart-key', h('span', '— validation'), h('span', '- - training'), h('span', '★ best epoch'), h('span', '✕ early stop'), h('span', '▼ learning rate reduced'), h('span.band-key', 'book ±1.5 points')));
    const canvas = (kind) => this.boxes[kind].querySelector('canvas');
    this.acc = makeChart(canvas('acc'), { yTitle: 'accuracy' });
    this.loss = makeChart(canvas('loss'), { yTitle: 'loss' });
    this.lr = makeChart(canvas('lr'), { yTitle: 'learning rate', yType: 'logarithmic', xMin: 0 });
    // The runs are named in the other legends; this one only names the preview.
    this.preview = { label: 'preview', data: [], borderColor: '#94a3b8', backgroundColor: '#94a3b8', borderDash: [5, 4], pointRadius: 0, borderWidth: 2, order: 10 };
    this.planBands = [];
    this.lr.data.datasets.push(this.preview);
  }

  // A chart's box: its heading, the canvas, and the table view the Table button swaps in.
  #box(kind) {
    const title = TITLES[kind];
    const table = h('div.chart-table', { id: `chart-table-${kind}`, hidden: true, tabindex: '0', role: 'region', 'aria-label': `${title}: table` });
    const plot = h('div.chart-plot', h('canvas', { role: 'img', 'aria-label': `${title} per epoch, drawn as curves; the Table button shows the numbers` }));
    const toggle = h('button.chip.chart-toggle', { type: 'button', 'aria-pressed': 'false', 'aria-controls': table.id, onclick: () => {
      const show = table.hidden;
      table.hidden = !show;
      plot.hidden = show;
      toggle.setAttribute('aria-pressed', String(show));
      if (show) this.#table(kind);
    } }, 'Table', h('span.sr-only', ` of ${title.toLowerCase()}`));
    this.tables[kind] = table;
    this.boxes[kind] = h(`section.chart-box.${kind}`, { 'aria-labelledby': `chart-title-${kind}` },
      h('div.chart-head', h('h3.chart-title', { id: `chart-title-${kind}` }, title), toggle), plot, table);
  }

  // The chart's points as a table: a row per epoch, a column per curve. The
  // schedule preview is left out (it is a plan, drawn per step, not per epoch).
  #table(kind) {
    const chart = this[kind];
    const table = this.tables[kind];
    if (!chart || table.hidden) return;
    const series = chart.data.datasets.filter((d) => d !== this.preview && d.data.length);
    if (!series.length) {
      replace(table, h('p.muted.table-empty', 'No epochs yet: the table fills in as the runs train.'));
      return;
    }
    const epochs = [...new Set(series.flatMap((d) => d.data.map((p) => p.x)))].sort((a, b) => a - b);
    const at = series.map((d) => new Map(d.data.map((p) => [p.x, p.y])));
    replace(table, h('table.runs.compact.chart-data',
      h('caption.sr-only', `${TITLES[kind]} per epoch`),
      h('thead', h('tr', h('th', { scope: 'col' }, 'epoch'), series.map((d) => h('th.num', { scope: 'col' }, d.tableLabel ?? d.label)))),
      h('tbody', epochs.map((x) => h('tr', h('th.num', { scope: 'row' }, String(x)),
        at.map((m) => h('td.num', m.has(x) ? pointText(m.get(x)) : '–')))))));
  }

  // Keeps one set of datasets per visible run, in the run's colour.
  sync(records) {
    const visible = records.filter((r) => r.visible && r.history);
    const keys = new Set(visible.map((r) => r.key));
    for (const [key, ds] of this.#datasets) {
      if (keys.has(key)) continue;
      for (const [chart, list] of [[this.acc, [ds.acc, ds.valAcc]], [this.loss, [ds.loss, ds.valLoss]], [this.lr, [ds.lr]]])
        chart.data.datasets = chart.data.datasets.filter((d) => !list.includes(d));
      this.#datasets.delete(key);
    }
    for (const r of visible) if (!this.#datasets.has(r.key)) this.#add(r);
    for (const r of visible) this.#fill(r);
    this.#annotate(visible);
    this.empty.hidden = visible.some((r) => r.history.length);
    this.#draw();
  }

  #add(r) {
    const line = (label, dashed, legend, tableLabel = label) => ({ label, tableLabel, data: [], borderColor: r.color, backgroundColor: r.color, borderDash: dashed ? [5, 4] : [], borderWidth: dashed ? 1.5 : 2.2, pointRadius: dashed ? 0 : 2, legend });
    const ds = {
      acc: line(`${r.label} (train)`, true, false), valAcc: line(r.label, false, true, `${r.label} (validation)`),
      loss: line(`${r.label} (train)`, true, false), valLoss: line(r.label, false, true, `${r.label} (validation)`),
      lr: { ...line(r.label, false, false), stepped: 'before' },
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
    this.#annotate(records.filter((r) => r.visible));
    this.empty.hidden = true;
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
    this.#annotate(records.filter((r) => r.visible));
    this.acc.update('none');
  }

  #annotate(visible) {
    const bands = [];
    const accMarkers = [];
    const lrMarkers = [];
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of visible) {
      const ref = referenceOf(r);
      if (ref !== null) {
        bands.push({ y: ref, y0: ref - BAND, y1: ref + BAND, color: r.color });
        lo = Math.min(lo, ref - BAND - 0.01); hi = Math.max(hi, ref + BAND + 0.01);
      }
      const hist = r.history ?? [];
      const key = hist.some((m) => Number.isFinite(m.val_accuracy)) ? 'val_accuracy' : 'accuracy';
      let best = null;
      for (const m of hist) if (Number.isFinite(m[key]) && (!best || m[key] > best[key])) best = m;
      if (best && hist.length > 1) accMarkers.push({ kind: 'best', x: best.epoch, y: best[key], color: r.color });
      for (const m of hist) {
        if (m.stopped) accMarkers.push({ kind: 'stop', x: m.epoch, y: m[key], color: r.color });
        if (m.lr_reduced) lrMarkers.push({ kind: 'drop', x: m.epoch, y: m.learning_rate, color: r.color });
      }
    }
    if (!bands.length)
      for (const y of new Set(this.planBands)) {
        bands.push({ y, y0: y - BAND, y1: y + BAND, color: '#64748b' });
        lo = Math.min(lo, y - BAND - 0.01); hi = Math.max(hi, y + BAND + 0.01);
      }
    this.acc.$annotations = { bands, markers: accMarkers };
    this.lr.$annotations = { markers: lrMarkers };
    this.acc.options.scales.y.suggestedMin = Number.isFinite(lo) ? lo : undefined;
    this.acc.options.scales.y.suggestedMax = Number.isFinite(hi) ? Math.min(1, hi) : undefined;
  }

  #draw() {
    this.acc.update('none');
    this.loss.update('none');
    this.lr.update('none');
    for (const kind of Object.keys(TITLES)) this.#table(kind);
  }
}
