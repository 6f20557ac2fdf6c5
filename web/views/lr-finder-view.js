// lr-finder-view.js: the learning-rate finder of the selected plan entry: one
// click runs the chapter's range test in the worker (core/lr-finder.js), the
// loss is drawn against the rate on a log axis with the suggested rate marked,
// and "Use it" puts that rate in the form (the optimizer's learning_rate, or
// 1cycle's max_learning_rate). The chart is created once and fed points.
import { h, replace, fmt, powerOfTen } from './dom.js';
import { roundRate } from '../../core/lr-finder.js';
import description from '../../core/description.js';

// The engine's range test (eng_model_find_lr) and its defaults.
const RANGE = Object.fromEntries(Object.entries(description.lr_finder.lr_finder.options).map(([k, o]) => [k, o.default]));

export class LrFinderView {
  #result = null; // {name, points, suggested_learning_rate}
  #name = null;

  constructor(root, actions) {
    this.root = root;
    this.actions = actions;
    this.button = h('button.chip', { type: 'button', dataset: { action: 'find-lr' }, onclick: () => this.#find() }, 'Find the learning rate');
    this.status = h('p.help', { 'aria-live': 'polite' });
    this.canvas = h('canvas');
    this.suggestion = h('p.lr-suggestion');
    this.useButton = h('button.chip', { type: 'button', dataset: { action: 'use-lr' }, onclick: () => this.#use() }, 'Use it');
    this.result = h('div.lr-result', { hidden: true }, h('div.chart-box.small.lr-finder', this.canvas), h('div.lr-use', this.suggestion, this.useButton));
    replace(root,
      h('div.lr-finder-head', this.button,
        h('span.help', ` for the selected run: from ${RANGE.min_learning_rate.toExponential(0)} the rate grows each batch up to ${RANGE.max_learning_rate} (${RANGE.steps} batches) on a fresh copy of its model, until the loss passes ${RANGE.stop_factor}× its minimum (the chapter's range test; loss smoothed as fastai does).`)),
      this.status, this.result);
    this.chart = new globalThis.Chart(this.canvas, {
      type: 'scatter',
      data: { datasets: [
        { label: 'loss (smoothed)', data: [], showLine: true, borderColor: '#6366f1', backgroundColor: '#6366f1', pointRadius: 0, borderWidth: 1.5 },
        { label: 'suggested rate', data: [], pointRadius: 7, pointStyle: 'triangle', borderColor: '#e11d48', backgroundColor: '#e11d48' },
      ] },
      options: { animation: false, responsive: true, maintainAspectRatio: false,
        scales: { x: { type: 'logarithmic', title: { display: true, text: 'learning rate (log scale)' }, ticks: { callback: powerOfTen, autoSkip: false, maxRotation: 0 } }, y: { title: { display: true, text: 'loss' } } },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 10 } } } },
    });
  }

  // The plan's selected run changed: a result for another run is not shown.
  setRun(name) {
    this.#name = name;
    const mine = this.#result?.name === name;
    this.result.hidden = !mine;
    if (!mine) this.status.textContent = '';
  }

  async #find() {
    this.button.disabled = true;
    this.status.className = 'help';
    this.status.textContent = 'Training a fresh copy of the model on ever larger rates, batch by batch…';
    try {
      this.#show(await this.actions.findLearningRate());
    } catch (err) {
      this.status.className = 'notice warn';
      this.status.textContent = `The learning-rate finder could not run: ${err.message}`;
    } finally {
      this.button.disabled = false;
    }
  }

  #show(result) {
    this.#result = result;
    const { points, suggested_learning_rate: suggested } = result;
    let best = points[0];
    for (const p of points) if (p.loss < best.loss) best = p;
    // The marker sits on the curve at the point nearest the suggestion (log scale).
    const near = points.reduce((a, p) => (Math.abs(Math.log(p.learning_rate / suggested)) < Math.abs(Math.log(a.learning_rate / suggested)) ? p : a), points[0]);
    this.chart.data.datasets[0].data = points.map((p) => ({ x: p.learning_rate, y: p.loss }));
    this.chart.data.datasets[1].data = [{ x: suggested, y: near.loss }];
    this.chart.update('none');
    this.status.className = 'help';
    this.status.textContent = `${points.length} batches; ${points.length < RANGE.steps ? `stopped when the loss passed ${RANGE.stop_factor}× its minimum.` : `the loss never passed ${RANGE.stop_factor}× its minimum.`}`;
    replace(this.suggestion, `Loss lowest at rate ${fmt.num(best.learning_rate, 4)}; suggested: `, h('strong.lr-value', String(roundRate(suggested))),
      ' (about a tenth of it, the book\'s rule). ');
    this.setRun(this.#name ?? result.name);
  }

  #use() {
    if (this.#result) this.actions.useLearningRate(this.#result.suggested_learning_rate);
  }
}
