// mc-dropout-view.js: the "MC Dropout" tab of Look inside: accuracy of the mean
// of N = 1, 10, 100 passes with dropout on against plain inference, the images
// the model is least sure about, and reliability curves (plain and MC). The
// numbers come from the worker (core/mc-dropout.js); the chart is created once.
import { h, replace, imageCanvas, fmt } from './dom.js';
import { hasDropout, NO_DROPOUT_REASON } from '../../core/mc-dropout.js';

export class McDropoutView {
  #state = new Map(); // run key -> {running, progress} | {report} | {error}
  #shown = null; // {body, record} while the tab shows a run

  constructor(actions) {
    this.actions = actions;
    this.canvas = h('canvas');
    this.box = h('div.chart-box.small.reliability', this.canvas);
    const line = (label, color, dash) => ({ label, data: [], borderColor: color, backgroundColor: color, borderDash: dash, pointRadius: dash ? 0 : 3, showLine: true, borderWidth: 1.5 });
    this.chart = new globalThis.Chart(this.canvas, {
      type: 'scatter',
      data: { datasets: [line('perfectly calibrated', '#9ca3af', [4, 4]), line('plain inference', '#6366f1'), line('MC Dropout', '#e11d48')] },
      options: { animation: false, responsive: true, maintainAspectRatio: false,
        scales: { x: { min: 0, max: 1, title: { display: true, text: 'confidence (probability of the predicted class)' } }, y: { min: 0, max: 1, title: { display: true, text: 'accuracy' } } },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 10 } } } },
    });
  }

  hide() { this.#shown = null; }

  render(body, record) {
    this.#shown = { body, record };
    if (!hasDropout(record.config)) return replace(body, h('p.notice.mc-pointless', NO_DROPOUT_REASON));
    if (!record.inWorker) return replace(body, h('p.notice', `The model of "${record.label}" is not in this tab's memory (after a reload only the curves are kept). Train it again, or load its .bin file.`));
    const state = this.#state.get(record.key) ?? {};
    const button = h('button.chip', { type: 'button', dataset: { action: 'mc-dropout' }, disabled: Boolean(state.running), onclick: () => this.#run(record) },
      state.report ? 'Run again' : 'Run Monte Carlo Dropout (N = 1, 10, 100 passes)');
    const status = state.running
      ? h('p.help', { 'aria-live': 'polite' }, `Averaging passes with dropout on… ${state.progress ? fmt.pct(state.progress.done / state.progress.total, 0) : ''}`)
      : state.error ? h('p.notice.warn', `Monte Carlo Dropout could not run: ${state.error}`) : null;
    replace(body,
      h('p.help', 'Monte Carlo Dropout (chapter 11; Gal & Ghahramani 2016): keep dropout on at prediction time, predict N times and average. The average can be a little more accurate and better calibrated than one plain prediction (on experiment 13’s model it is not: docs/results.md), and the spread of the N passes says how unsure the model is. BatchNormalization stays in inference mode.'),
      h('div.inspect-tools', button), status,
      state.report ? this.#report(record, state.report) : null);
  }

  async #run(record) {
    this.#state.set(record.key, { running: true });
    this.#redraw(record.key);
    try {
      const report = await this.actions.mcDropout(record.key, (progress) => {
        this.#state.set(record.key, { running: true, progress });
        this.#redraw(record.key);
      });
      this.#state.set(record.key, report.dropout ? { report } : { error: report.reason });
    } catch (err) {
      this.#state.set(record.key, { error: err.message });
    }
    this.#redraw(record.key);
  }

  #redraw(key) {
    if (this.#shown?.record.key === key) this.render(this.#shown.body, this.#shown.record);
  }

  #report(record, report) {
    const names = this.actions.classNames(record.config?.data?.dataset, record.config?.data?.train?.classes);
    const last = report.passes[report.passes.length - 1];
    this.chart.data.datasets[0].data = [{ x: 0, y: 0 }, { x: 1, y: 1 }];
    this.chart.data.datasets[1].data = report.reliability.plain.map((b) => ({ x: b.confidence, y: b.accuracy }));
    this.chart.data.datasets[2].data = report.reliability.mc.map((b) => ({ x: b.confidence, y: b.accuracy }));
    this.chart.data.datasets[2].label = `MC Dropout, N = ${report.reliability.samples}`;
    this.chart.update('none');
    const row = (label, accuracy, std, cls) => h(`tr${cls ? `.${cls}` : ''}`, h('th', { scope: 'row' }, label), h('td.num', fmt.acc(accuracy)), h('td.num', std === null ? '–' : fmt.num(std, 4)));
    return h('div.mc-report',
      h('div.table-wrap', h('table.runs.compact.mc-accuracy',
        h('caption', `On ${fmt.int(report.images)} ${report.subset} images (dropout masks seeded with ${report.seed})`),
        h('thead', h('tr', ['predictions', 'accuracy', 'mean std of the predicted class'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', row('plain inference (dropout off)', report.plain.accuracy, null, 'plain'),
          report.passes.map((p) => row(`MC Dropout, N = ${p.samples}`, p.accuracy, p.mean_std, 'mc'))))),
      h('h3.subhead', `The images the model is least sure about (largest std of the predicted class over ${last.samples} passes)`),
      h('div.gallery.uncertain', report.uncertain.map((u) => h(`figure.sample${u.predicted === u.label ? '' : '.wrong'}`, imageCanvas(u.pixels, u.rows, u.cols, u.channels, 2),
        h('figcaption', h('span.pred', `${names[u.predicted]} ${Math.round(u.probability * 100)} ± ${Math.round(u.std * 100)}%`), h('span.truth', `true: ${names[u.label]}`))))),
      h('h3.subhead', 'Reliability: confidence against accuracy'),
      this.box,
      h('p.help', 'Images grouped by the probability of their predicted class (10 bins): a calibrated model is right 80% of the time when it says 80%, on the dashed diagonal. Points below it are overconfident.'));
  }
}
