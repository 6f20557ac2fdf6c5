// inspect-view.js: "Look inside" a run: per-layer activation and gradient
// statistics (every run's, after each epoch; the analysis presets'), weight histograms,
// the confusion matrix on the validation set, misclassified images and Monte
// Carlo Dropout (mc-dropout-view.js).
// Its two charts are created once and fed new data with update('none').
import { h, replace, imageCanvas, fmt, powerOfTen } from './dom.js';
import { layerTable } from './layer-table.js';
import { layerEntries } from '../app/session.js';
import { McDropoutView } from './mc-dropout-view.js';


const METRICS = {
  std: 'activation std', mean: 'activation mean', saturated: 'saturated share', dead: 'dead share',
  grad_std: 'gradient std', grad_norm: 'gradient norm', weight_norm: 'weight norm', update_ratio: 'update / weight ratio',
};
const TABS = { stats: 'Layer statistics', weights: 'Weight histograms', confusion: 'Confusion matrix', errors: 'Misclassified', mc: 'MC Dropout' };

export class InspectView {
  #tab = 'stats';
  #metric = null; // null: the statistic that tells the run's story
  #key = null;
  #epoch = null;
  #cache = new Map();
  #follow = true; // show the latest run until the student picks one

  constructor(root, actions) {
    this.root = root;
    this.actions = actions;
    this.runSelect = h('select', { 'aria-label': 'run to look inside', onchange: (e) => this.select(e.target.value) });
    this.runSelect.addEventListener('change', () => { this.#follow = false; });
    this.tabs = h('div.tabs', { role: 'tablist' }, Object.entries(TABS).map(([k, t]) =>
      h('button.tab', { type: 'button', role: 'tab', dataset: { tab: k }, 'aria-selected': String(k === this.#tab), onclick: () => this.#setTab(k) }, t)));
    this.body = h('div.inspect-body');
    this.mc = new McDropoutView(actions);
    this.statsCanvas = h('canvas');
    this.weightsCanvas = h('canvas');
    this.statsBox = h('div.chart-box.small', this.statsCanvas);
    this.weightsBox = h('div.chart-box.small', this.weightsCanvas);
    replace(root, h('div.inspect-head', h('label.inline-label', 'Run ', this.runSelect), this.tabs), this.body);
    this.statsChart = new globalThis.Chart(this.statsCanvas, {
      type: 'bar', data: { labels: [], datasets: [] },
      options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { x: { title: { display: true, text: 'layer' } }, y: { beginAtZero: true } },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 10 } }, title: { display: true, align: 'start', text: '' } } },
    });
    this.weightsChart = new globalThis.Chart(this.weightsCanvas, {
      type: 'bar', data: { labels: [], datasets: [{ label: 'weights', data: [], backgroundColor: '#6366f1', barPercentage: 1, categoryPercentage: 1 }] },
      options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { x: { ticks: { maxTicksLimit: 9 } }, y: { title: { display: true, text: 'count' } } },
        plugins: { legend: { display: false }, title: { display: true, align: 'start', text: '' } } },
    });
  }

  // records: every run; keeps the selection if it still exists.
  setRuns(records) {
    this.records = records;
    const usable = records.filter((r) => r.inWorker || r.layerStats?.length || r.status === 'training');
    if (this.#follow || !usable.some((r) => r.key === this.#key)) this.#key = usable[usable.length - 1]?.key ?? null;
    replace(this.runSelect, usable.length ? usable.map((r) => h('option', { value: r.key, selected: r.key === this.#key }, `${r.label}${r.inWorker ? '' : ' (curves only)'}`)) : h('option', { value: '' }, 'no run yet'));
    this.#render();
  }

  select(key) {
    this.#follow = false;
    this.#key = key;
    this.#epoch = null;
    if (this.runSelect.value !== key) this.runSelect.value = key;
    this.#render();
  }

  refresh(key) {
    for (const k of [...this.#cache.keys()]) if (k.startsWith(`${key}|`)) this.#cache.delete(k);
    if (key === this.#key) this.#render();
  }

  #setTab(tab) {
    this.#tab = tab;
    for (const b of this.tabs.children) b.setAttribute('aria-selected', String(b.dataset.tab === tab));
    this.#render();
  }

  #record() { return this.records?.find((r) => r.key === this.#key) ?? null; }

  #render() {
    const r = this.#record();
    this.mc.hide();
    if (!r) return replace(this.body, h('p.muted', 'Train a run, then look inside it here: layer statistics, weights, confusion matrix and the images it gets wrong.'));
    if (this.#tab === 'stats') return this.#stats(r);
    if (this.#tab === 'mc') return this.mc.render(this.body, r);
    if (!r.inWorker) return replace(this.body, h('p.notice', `The model of "${r.label}" is not in this tab's memory (after a reload only the curves are kept). Train it again, or load its .bin file.`));
    this.#fetch(r, this.#tab);
  }

  async #fetch(r, tab) {
    const cacheKey = `${r.key}|${tab}`;
    if (!this.#cache.has(cacheKey)) {
      replace(this.body, h('p.muted', 'Asking the engine…'));
      const kind = { weights: 'weights', confusion: 'confusion', errors: 'misclassified' }[tab];
      this.#cache.set(cacheKey, this.actions.inspect(kind, r.key, kind === 'misclassified' ? { limit: 24 } : {}));
    }
    try {
      const data = await this.#cache.get(cacheKey);
      if (this.#key !== r.key || this.#tab !== tab) return;
      if (tab === 'weights') this.#weights(r, data);
      else if (tab === 'confusion') this.#confusion(r, data);
      else this.#errors(r, data);
    } catch (err) {
      this.#cache.delete(cacheKey);
      if (this.#key === r.key && this.#tab === tab) replace(this.body, h('p.notice.warn', err.message));
    }
  }

  #stats(r) {
    const withStats = (this.records ?? []).filter((x) => x.visible && layerEntries(x).length);
    const own = layerEntries(r);
    if (!own.length && !withStats.length)
      return replace(this.body, h('p.muted', 'No layer statistics for this run yet: every run measures them after each epoch (its in-epoch samples are under Layer health).'));
    const metric = this.#metric ?? (r.reference?.saturated ? 'saturated' : 'std');
    const entry = own.find((s) => s.epoch === this.#epoch) ?? own[own.length - 1];
    const metricSelect = h('select', { 'aria-label': 'statistic', onchange: (e) => { this.#metric = e.target.value; this.#stats(r); } },
      Object.entries(METRICS).map(([k, t]) => h('option', { value: k, selected: k === metric }, t)));
    const epochSelect = own.length > 1 ? h('select', { 'aria-label': 'epoch', onchange: (e) => { this.#epoch = Number(e.target.value); this.#stats(r); } },
      own.map((s) => h('option', { value: s.epoch, selected: s === entry }, `epoch ${s.epoch}`))) : null;
    const compare = withStats.length ? withStats : [r];
    const latest = (x) => layerEntries(x).at(-1);
    const n = Math.max(...compare.map((x) => latest(x).layers.length));
    this.statsChart.data.labels = Array.from({ length: n }, (_, i) => `${i + 1}`);
    this.statsChart.data.datasets = compare.length === 1 && own.length > 1
      // One run with statistics every epoch: its first epoch beside the chosen one shows the drift.
      ? [own[0], entry].filter((s, i, a) => i === 0 || s !== a[0]).map((s, i) => ({ label: `${r.label}, epoch ${s.epoch}`, data: s.layers.map((l) => l[metric]), backgroundColor: i ? r.color : `${r.color}55` }))
      : compare.map((x) => {
        const s = x === r && entry ? entry : latest(x);
        return { label: `${x.label}${own.length > 1 && x === r ? ` (epoch ${s.epoch})` : ''}`, data: s.layers.map((l) => l[metric]), backgroundColor: x.color };
      });
    this.statsChart.options.plugins.title.text = `${METRICS[metric]} per layer`;
    const values = this.statsChart.data.datasets.flatMap((d) => d.data).filter((v) => Number.isFinite(v));
    const positive = values.filter((v) => v > 0);
    const wide = positive.length === values.length && positive.length > 0 && Math.max(...positive) / Math.min(...positive) > 1000;
    // Exploding or vanishing statistics span many orders of magnitude: a log axis shows them.
    this.statsChart.options.scales.y = wide ? { type: 'logarithmic', title: { display: true, text: 'log scale' }, ticks: { callback: powerOfTen } } : { type: 'linear', beginAtZero: metric !== 'mean', title: { display: false } };
    this.statsChart.update('none');
    replace(this.body,
      h('div.inspect-tools', h('label.inline-label', 'Statistic ', metricSelect), epochSelect ? h('label.inline-label', 'Epoch ', epochSelect) : null),
      this.statsBox,
      h('p.help', 'Saturated: sigmoid outputs below 0.01 or above 0.99 (flat tails, tiny gradients). Dead: units that output zero for every image measured (dying ReLUs). A healthy deep net keeps activation and gradient std roughly constant from layer to layer.'),
      entry ? h('h3.subhead', `${r.label}: per layer, ${entry.epoch ? `after epoch ${entry.epoch}` : 'untrained'}`) : null,
      entry ? layerTable(r, entry) : null);
  }

  #weights(r, tensors) {
    const kernels = tensors.filter((t) => t.shape.length === 2);
    const list = kernels.length ? kernels : tensors;
    if (!list.length) return replace(this.body, h('p.muted', 'This model has no weights.'));
    const pick = this.#weightsPick = Math.min(this.#weightsPick ?? 0, list.length - 1);
    const t = list[pick];
    const select = h('select', { 'aria-label': 'tensor', onchange: (e) => { this.#weightsPick = Number(e.target.value); this.#weights(r, tensors); } },
      list.map((x, i) => h('option', { value: i, selected: i === pick }, `layer ${x.layer + 1} ${x.name} (${x.shape.join('×')})`)));
    const { labels, counts, stats } = histogram(t.data, 41);
    this.weightsChart.data.labels = labels;
    this.weightsChart.data.datasets[0].data = counts;
    this.weightsChart.data.datasets[0].backgroundColor = r.color;
    this.weightsChart.options.plugins.title.text = `${r.label}: layer ${t.layer + 1} ${t.name}`;
    this.weightsChart.update('none');
    replace(this.body, h('div.inspect-tools', h('label.inline-label', 'Tensor ', select)), this.weightsBox,
      h('p.help', `mean ${fmt.num(stats.mean)} · std ${fmt.num(stats.std)} · min ${fmt.num(stats.min)} · max ${fmt.num(stats.max)} · exact zeros ${fmt.pct(stats.zeros)}. A single spike means every weight is the same (symmetry never broken); many zeros mean a sparse model.`));
  }

  #weightsPick = 0;

  #confusion(r, { classes, matrix }) {
    const names = this.actions.classNames(r.config?.data?.dataset, r.config?.data?.train?.classes);
    const rowSum = (i) => matrix.slice(i * classes, (i + 1) * classes).reduce((a, b) => a + b, 0);
    let max = 1;
    for (let i = 0; i < classes; i++) for (let j = 0; j < classes; j++) if (i !== j) max = Math.max(max, matrix[i * classes + j]);
    const cell = (i, j) => {
      const v = matrix[i * classes + j];
      const n = rowSum(i) || 1;
      // At most 0.75 red under the dark figures: 5.1:1 (WCAG 1.4.3).
      const bg = i === j ? `rgba(5, 150, 105, ${0.15 + 0.6 * (v / n)})` : `rgba(225, 29, 72, ${Math.min(0.75, v / max)})`;
      return h('td.cm', { style: { background: v ? bg : 'transparent' }, title: `true ${names[i]}, predicted ${names[j]}: ${v}` }, v ? String(v) : '');
    };
    const total = matrix.reduce((a, b) => a + b, 0);
    const correct = Array.from({ length: classes }, (_, i) => matrix[i * classes + i]).reduce((a, b) => a + b, 0);
    replace(this.body,
      h('p.help', `Rows: true class; columns: predicted class; on the validation images (${fmt.int(total)}, accuracy ${fmt.acc(correct / (total || 1))}). Red cells are the confusions.`),
      h('div.table-wrap', h('table.confusion',
        h('thead', h('tr', h('th', ''), names.slice(0, classes).map((n) => h('th.rot', { scope: 'col' }, h('span', n))), h('th', 'recall'))),
        h('tbody', Array.from({ length: classes }, (_, i) => h('tr', h('th', { scope: 'row' }, names[i]),
          Array.from({ length: classes }, (_, j) => cell(i, j)), h('td.num', fmt.pct(matrix[i * classes + i] / (rowSum(i) || 1), 0))))))));
  }

  #errors(r, list) {
    const names = this.actions.classNames(r.config?.data?.dataset, r.config?.data?.train?.classes);
    if (!list.length) return replace(this.body, h('p.muted', 'No misclassified images in the first validation images.'));
    replace(this.body, h('p.help', 'Validation images the model gets wrong: its guess (with confidence) and the true class.'),
      h('div.gallery.errors', list.map((e) => h('figure.sample.wrong', imageCanvas(e.pixels, e.rows, e.cols, e.channels, 2),
        h('figcaption', h('span.pred', `${names[e.predicted]} ${Math.round(e.confidence * 100)}%`), h('span.truth', `true: ${names[e.label]}`))))));
  }
}

function histogram(data, bins) {
  let lo = Infinity; let hi = -Infinity; let sum = 0; let zeros = 0;
  for (const v of data) { if (v < lo) lo = v; if (v > hi) hi = v; sum += v; if (v === 0) zeros++; }
  const mean = sum / data.length;
  let sq = 0;
  for (const v of data) sq += (v - mean) ** 2;
  // A constant tensor (exercise 1) still gets a visible bar in the middle.
  const pad = hi - lo < 1e-12 ? Math.max(1e-3, Math.abs(hi) * 0.1) : 0;
  const min = lo - pad;
  const width = (hi + pad - min) / bins;
  const counts = new Array(bins).fill(0);
  for (const v of data) counts[Math.min(bins - 1, Math.floor((v - min) / width))]++;
  const labels = counts.map((_, i) => Number((min + (i + 0.5) * width).toPrecision(2)));
  return { labels, counts, stats: { mean, std: Math.sqrt(sq / data.length), min: lo, max: hi, zeros: zeros / data.length } };
}
