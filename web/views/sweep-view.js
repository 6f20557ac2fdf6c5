// sweep-view.js: the Sweep panel: knobs (a configuration path with values, or a
// range low:high, log for rates), grid or random draws, a budget, and the
// results: a live table (click a header to sort), a parallel-coordinates chart
// (one axis per knob and one for the best validation accuracy, a line per
// trial) and "Use best", which makes the best trial's configuration the plan.
import { h, replace, fmt } from './dom.js';
import { rankTrials, bestTrial } from '../../core/sweep.js';

const STATUS = { queued: 'queued', running: 'training…', done: 'done', error: 'error', crashed: 'engine crashed', stopped: 'stopped' };
const DEFAULT_KNOBS = [['optimizer.learning_rate', '0.001, 0.01, 0.1', true], ['fit.batch_size', '32, 128', false]];

// Paths worth sweeping in a configuration: its numbers and names outside data and names.
export function knobSuggestions(config) {
  const out = new Set(['optimizer.learning_rate', 'optimizer.momentum', 'fit.batch_size', 'fit.epochs']);
  const walk = (v, path) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
    else if (!/^(name|title|seed|reference|data)\b|\.name$|\.type$/.test(path)) out.add(path);
  };
  walk(config, '');
  return [...out];
}

export class SweepView {
  #sort = { key: 'best', dir: -1 };
  #knobs = DEFAULT_KNOBS.map(([path, values, log]) => ({ path, values, log }));
  #pool = null;

  constructor(root, actions) {
    this.root = root;
    this.actions = actions;
    this.rows = h('div.sweep-knobs');
    this.suggest = h('datalist', { id: 'sweep-paths' });
    this.mode = h('select', { 'aria-label': 'search', onchange: () => this.#modeChanged() },
      h('option', { value: 'grid' }, 'every combination (grid)'), h('option', { value: 'random' }, 'random draws'));
    this.draws = h('input', { type: 'text', inputmode: 'numeric', size: 3, value: '8', 'aria-label': 'random draws' });
    this.seed = h('input', { type: 'text', inputmode: 'numeric', size: 5, value: '42', 'aria-label': 'sweep seed' });
    this.epochs = h('input', { type: 'text', inputmode: 'numeric', size: 3, 'aria-label': 'epochs per trial' });
    this.maxTrials = h('input', { type: 'text', inputmode: 'numeric', size: 3, value: '24', 'aria-label': 'at most this many trials' });
    this.runButton = h('button.primary', { type: 'button', dataset: { action: 'sweep' }, onclick: () => this.#run() }, 'Run sweep');
    this.stopButton = h('button.secondary', { type: 'button', dataset: { action: 'sweep-stop' }, onclick: () => actions.stopSweep() }, 'Stop');
    this.continueButton = h('button.secondary', { type: 'button', dataset: { action: 'sweep-continue' }, onclick: () => actions.continueSweep() }, 'Continue');
    this.bestButton = h('button.secondary', { type: 'button', dataset: { action: 'sweep-best' }, onclick: () => actions.useBestTrial() }, 'Use best');
    this.clearButton = h('button.chip.danger', { type: 'button', onclick: () => actions.clearSweep() }, 'Clear sweep');
    this.error = h('p.field-error.sweep-error', { role: 'alert' });
    this.status = h('p.sweep-status', { role: 'status' });
    this.thead = h('thead');
    this.tbody = h('tbody');
    this.canvas = h('canvas.sweep-parallel', { width: 640, height: 220, role: 'img', 'aria-label': 'parallel coordinates: each trial a line through its knob values to its best validation accuracy' });
    replace(root,
      h('p.help', 'Which learning rate? Which batch size? Give each knob (a configuration path, as the error messages write it) some values, or a range low : high for random draws (log spreads a range over powers of ten, for rates). The selected run is the starting point; each trial stops early when its validation accuracy stops improving. Trials run side by side, one single-threaded engine per spare core.'),
      this.rows, this.suggest,
      h('div.sweep-row', h('button.chip', { type: 'button', onclick: () => { this.#knobs.push({ path: '', values: '', log: false }); this.#renderKnobs(); } }, '+ Knob')),
      h('div.sweep-row', h('span', 'Search: '), this.mode, this.draws, h('span', ' seed '), this.seed),
      h('div.sweep-row', h('span', 'Budget: '), this.epochs, h('span', ' epochs per trial, at most '), this.maxTrials, h('span', ' trials')),
      h('div.sweep-row', this.runButton, this.stopButton, this.continueButton, this.bestButton, this.clearButton),
      this.error, this.status,
      h('div.table-wrap', h('table.runs.sweep-table', this.thead, this.tbody)),
      this.canvas);
    this.#renderKnobs();
    this.#modeChanged();
    this.show(null);
  }

  // The selected run changed: its epochs as the default budget, its paths as suggestions.
  setBase(config) {
    this.epochs.placeholder = String(config.fit?.epochs ?? 1);
    replace(this.suggest, knobSuggestions(config).map((p) => h('option', { value: p })));
  }

  showError(text) { this.error.textContent = text ?? ''; }

  // What the form asks: {knobs: [{path, text, log}], random, seed, epochs, maxTrials} or {error}.
  #request() {
    const int = (el, what, { optional } = {}) => {
      const t = el.value.trim();
      if (!t && optional) return undefined;
      if (!/^\d+$/.test(t) || Number(t) < (what === 'seed' ? 0 : 1)) throw new Error(`${what} must be a whole number${what === 'seed' ? '' : ', 1 or more'}`);
      return Number(t);
    };
    const knobs = this.#knobs.filter((k) => k.path.trim() || k.values.trim());
    const random = this.mode.value === 'random' ? int(this.draws, 'random draws') : undefined;
    return { knobs, random, seed: int(this.seed, 'seed'), epochs: int(this.epochs, 'epochs per trial', { optional: true }), maxTrials: int(this.maxTrials, 'the trial budget') };
  }

  #run() {
    let request;
    try {
      request = this.#request();
    } catch (err) {
      return this.showError(err.message);
    }
    this.showError('');
    this.actions.runSweep(request);
  }

  #modeChanged() {
    const random = this.mode.value === 'random';
    this.draws.hidden = !random;
  }

  #renderKnobs() {
    replace(this.rows, this.#knobs.map((k, i) => h('div.sweep-row.sweep-knob',
      h('input', { type: 'text', value: k.path, list: 'sweep-paths', size: 24, 'aria-label': `knob ${i + 1} path`, placeholder: 'optimizer.learning_rate', oninput: (e) => { k.path = e.target.value; } }),
      h('input', { type: 'text', value: k.values, size: 22, 'aria-label': `knob ${i + 1} values`, placeholder: '0.001, 0.01 or 1e-4 : 1e-1', oninput: (e) => { k.values = e.target.value; } }),
      h('label.inline-label', h('input', { type: 'checkbox', checked: k.log, onchange: (e) => { k.log = e.target.checked; } }), ' log'),
      h('button.chip', { type: 'button', 'aria-label': `remove knob ${i + 1}`, onclick: () => { this.#knobs.splice(i, 1); this.#renderKnobs(); } }, '×'))));
  }

  // pool: the SweepPool (its sweep and whether it runs), or null.
  show(pool) {
    this.#pool = pool;
    const sweep = pool?.sweep;
    const running = Boolean(pool?.running);
    this.runButton.disabled = running;
    this.stopButton.disabled = !running;
    this.continueButton.hidden = running || !pool?.unfinished;
    this.continueButton.textContent = `Continue (${pool?.unfinished ?? 0} unfinished)`;
    this.clearButton.hidden = running || !sweep;
    const trials = sweep?.trials ?? [];
    const best = bestTrial(trials.map(flat));
    this.bestButton.disabled = !best;
    this.root.dataset.state = running ? 'running' : sweep ? 'idle' : 'empty';
    const done = trials.filter((t) => t.status === 'done' || t.status === 'error' || t.status === 'crashed').length;
    this.status.textContent = !sweep ? 'No sweep yet.'
      : `${done} of ${trials.length} trials finished${running ? `, ${trials.filter((t) => t.status === 'running').length} training on ${pool.workers} worker${pool.workers > 1 ? 's' : ''}` : ''}` +
        `${best ? `; best so far: trial ${best.trial}, val accuracy ${fmt.acc(best.best_val_accuracy)}` : ''}${!running && pool.unfinished ? `; ${pool.unfinished} not run yet: Continue runs them` : ''}.`;
    this.#renderTable(sweep);
    drawParallel(this.canvas, sweep);
  }

  #renderTable(sweep) {
    const knobs = sweep?.plan.knobs ?? [];
    const columns = [
      { key: 'trial', title: 'Trial', get: (t) => t.trial },
      ...knobs.map((p) => ({ key: `knob:${p}`, title: p, get: (t) => t.knobs[p] })),
      { key: 'status', title: 'Status', get: (t) => t.status, show: (v) => STATUS[v] ?? v },
      { key: 'best', title: 'Best val acc', get: (t) => t.result?.best_val_accuracy ?? bestOf(t.history), show: fmt.acc },
      { key: 'epoch', title: 'Best epoch', get: (t) => t.result?.best_epoch ?? null, show: (v) => (v === null ? '–' : String(v)) },
      { key: 'epochs', title: 'Epochs', get: (t) => t.result?.epochs ?? (t.history.length || null), show: (v) => (v === null ? '–' : String(v)) },
      { key: 'seconds', title: 'Time', get: (t) => t.result?.seconds ?? null, show: fmt.secs },
    ];
    const sortBy = (key) => () => {
      this.#sort = this.#sort.key === key ? { key, dir: -this.#sort.dir } : { key, dir: key === 'best' ? -1 : 1 };
      this.#renderTable(this.#pool?.sweep);
    };
    replace(this.thead, h('tr', columns.map((c) => h('th', { scope: 'col', 'aria-sort': this.#sort.key === c.key ? (this.#sort.dir > 0 ? 'ascending' : 'descending') : 'none' },
      h('button.sort', { type: 'button', onclick: sortBy(c.key) }, c.title, this.#sort.key === c.key ? (this.#sort.dir > 0 ? ' ▲' : ' ▼') : '')))));
    const col = columns.find((c) => c.key === this.#sort.key) ?? columns[0];
    const value = (t) => col.get(t);
    const rows = [...(sweep?.trials ?? [])].sort((a, b) => {
      const va = value(a);
      const vb = value(b);
      if (va === vb) return a.trial - b.trial;
      if (va === null || va === undefined) return 1;
      if (vb === null || vb === undefined) return -1;
      return (va < vb ? -1 : 1) * this.#sort.dir;
    });
    replace(this.tbody, rows.map((t) => h('tr', { dataset: { trial: String(t.trial), status: t.status }, title: t.result?.error ?? '' },
      columns.map((c) => h('td', c.show ? c.show(c.get(t)) : String(c.get(t)))))));
  }
}

const bestOf = (history) => (history.length ? Math.max(...history.map((m) => m.val_accuracy).filter(Number.isFinite)) : null);
// A trial as rankTrials sees it: its number and best validation accuracy.
const flat = (t) => ({ trial: t.trial, best_val_accuracy: t.status === 'done' ? t.result?.best_val_accuracy ?? null : null });

// The best finished trial of a sweep, or null.
export function bestOfSweep(sweep) {
  const best = bestTrial((sweep?.trials ?? []).map(flat));
  return best ? sweep.trials.find((t) => t.trial === best.trial) : null;
}
export const ranked = (sweep) => rankTrials((sweep?.trials ?? []).map(flat)).map((r) => sweep.trials.find((t) => t.trial === r.trial));

// Parallel coordinates on a canvas: an axis per knob (numbers on a log scale
// when they span a factor of 10 or more and are all positive; names evenly
// spaced) and a last axis for the best validation accuracy; a line per finished
// trial, darker the better.
function drawParallel(canvas, sweep) {
  const ctx = canvas.getContext('2d');
  const W = canvas.width;
  const H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const trials = (sweep?.trials ?? []).filter((t) => t.status === 'done' && Number.isFinite(t.result?.best_val_accuracy));
  canvas.hidden = !sweep;
  if (!sweep) return;
  const axes = [...sweep.plan.knobs.map((p) => axisFor(p, sweep.trials.map((t) => t.knobs[p]))),
    axisFor('best val accuracy', trials.map((t) => t.result.best_val_accuracy))];
  const top = 28;
  const bottom = H - 22;
  const x = (i) => 50 + (i * (W - 100)) / Math.max(1, axes.length - 1);
  ctx.font = '11px system-ui, sans-serif';
  axes.forEach((a, i) => {
    // The end axes' labels run inwards so that they stay on the canvas.
    ctx.textAlign = i === 0 && axes.length > 1 ? 'left' : i === axes.length - 1 && axes.length > 1 ? 'right' : 'center';
    const tx = x(i) + (ctx.textAlign === 'left' ? -40 : ctx.textAlign === 'right' ? 40 : 0);
    ctx.strokeStyle = '#94a3b8';
    ctx.beginPath();
    ctx.moveTo(x(i), top);
    ctx.lineTo(x(i), bottom);
    ctx.stroke();
    ctx.fillStyle = '#334155';
    ctx.fillText(a.name, tx, 12);
    ctx.fillText(a.label(a.max), tx, top - 4);
    ctx.fillText(a.label(a.min), tx, bottom + 14);
  });
  const accuracy = axes[axes.length - 1];
  for (const t of trials) {
    const shade = accuracy.max > accuracy.min ? (t.result.best_val_accuracy - accuracy.min) / (accuracy.max - accuracy.min) : 1;
    ctx.strokeStyle = `rgba(79, 70, 229, ${0.25 + 0.75 * shade})`;
    ctx.lineWidth = 1 + 2 * shade;
    ctx.beginPath();
    const values = [...sweep.plan.knobs.map((p) => t.knobs[p]), t.result.best_val_accuracy];
    values.forEach((v, i) => {
      const y = bottom - axes[i].position(v) * (bottom - top);
      if (i === 0) ctx.moveTo(x(i), y);
      else ctx.lineTo(x(i), y);
    });
    ctx.stroke();
  }
  ctx.lineWidth = 1;
}

function axisFor(name, values) {
  const numbers = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
  if (numbers.length && numbers.length === values.length) {
    const min = Math.min(...numbers);
    const max = Math.max(...numbers);
    const log = min > 0 && max / min >= 10;
    const f = log ? Math.log : (v) => v;
    const position = (v) => (max > min ? (f(v) - f(min)) / (f(max) - f(min)) : 0.5);
    return { name, min, max, position, label: (v) => fmt.num(v, 4) };
  }
  const names = [...new Set(values.map(String))];
  return { name, min: names[0], max: names[names.length - 1], position: (v) => (names.length > 1 ? names.indexOf(String(v)) / (names.length - 1) : 0.5), label: String };
}
