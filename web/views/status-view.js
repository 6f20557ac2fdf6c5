// status-view.js: the engine badge, the threads notice, the train / pause /
// resume / stop buttons and the live progress of the running epoch. Progress
// events arrive every few tens of milliseconds; they are drawn once per frame.
import { h, replace, fmt } from './dom.js';
import { loadingText } from './data-view.js';

// What the run line says once training is over, by how it ended (session.js).
const ENDED = {
  stopped: 'Stopped.', crashed: 'The engine stopped working: see the message above.', error: 'Ended with an error: see the message above.',
  cancelled: 'Training cancelled.', done: 'Finished.', diverged: 'Finished (a run diverged).',
};

export class StatusView {
  #pending = null;
  #frame = 0;
  #speed = { step: null, t: 0, value: NaN };

  constructor({ badge, notice, controls }, actions) {
    this.badge = badge;
    this.notice = notice;
    this.controls = controls;
    controls.dataset.state = 'idle';
    this.actions = actions;
    this.trainAll = h('button.primary', { type: 'button', dataset: { action: 'train' }, onclick: () => actions.train('all') }, 'Train');
    this.trainOne = h('button.secondary', { type: 'button', dataset: { action: 'train-selected' }, onclick: () => actions.train('selected') }, 'Train selected');
    this.pauseBtn = h('button.secondary', { type: 'button', dataset: { action: 'pause' }, disabled: true, onclick: () => actions.pause() }, '‖ Pause');
    this.resumeBtn = h('button.secondary', { type: 'button', dataset: { action: 'resume' }, disabled: true, hidden: true, onclick: () => actions.resume() }, '▶ Resume');
    this.stopBtn = h('button.secondary.danger', { type: 'button', dataset: { action: 'stop' }, disabled: true, onclick: () => actions.stop() }, '■ Stop');
    this.runLine = h('div.run-line', h('span.muted', 'Ready to train. ', h('kbd', SHORTCUT), ' starts and stops training.'));
    this.bar = h('progress.epoch-progress', { max: 1, value: 0, 'aria-label': 'progress of the current epoch' });
    this.metrics = h('div.live-metrics', { 'aria-live': 'off' });
    this.problems = h('p.field-error.train-problems', { role: 'alert' });
    for (const b of [this.trainAll, this.stopBtn]) { b.setAttribute('aria-keyshortcuts', SHORTCUT); b.title = `${SHORTCUT} starts or stops training`; }
    replace(controls,
      h('h2.sr-only', 'Training'),
      h('div.train-row', h('div.buttons', this.trainAll, this.trainOne, this.pauseBtn, this.resumeBtn, this.stopBtn), this.runLine),
      this.problems, this.bar, this.metrics);
    document.addEventListener('keydown', (e) => this.#shortcut(e));
  }

  // Alt+T starts the plan or stops the training, from anywhere but a place
  // where the student types (there Alt+T can be a character, e.g. † on a Mac).
  // A Train that cannot start brings focus to the bar, where the reason is shown.
  #shortcut(e) {
    const t = e.code === 'KeyT' || e.key?.toLowerCase() === 't';
    if (!t || !e.altKey || e.ctrlKey || e.metaKey || e.shiftKey || e.repeat || typesText(e.target)) return;
    e.preventDefault();
    const busy = this.current && this.current.state !== 'idle';
    const button = busy ? this.stopBtn : this.trainAll;
    if (button.disabled) this.controls.focus();
    else button.click();
  }

  engine(info) {
    const threads = info.variant === 'threads' ? `${info.threads} threads` : 'single thread';
    replace(this.badge, h('span.dot', { class: info.variant === 'threads' ? 'on' : 'off' }), `Engine ${info.version} · WebAssembly${info.relaxed ? ' relaxed SIMD' : info.simd ? ' SIMD' : ''} · ${threads}`);
    this.badge.title = (info.variant === 'threads' ? 'SIMD + pthreads build: the page is cross-origin isolated' : 'SIMD-only build: no SharedArrayBuffer in this page') +
      (info.relaxed ? '; relaxed SIMD: fused multiply-add (this browser has it)' : '; plain SIMD (this browser has no relaxed SIMD, or it was turned off)');
    this.badge.dataset.simd = info.relaxed ? 'relaxed' : 'plain';
    this.badge.dataset.variant = info.variant;
    this.badge.dataset.threads = String(info.threads);
  }

  isolation(isolated, { forcedSingle = false } = {}) {
    this.notice.hidden = isolated;
    if (isolated) return;
    replace(this.notice,
      h('div.notice-text', h('strong', 'Single-threaded engine. '),
        forcedSingle
          ? 'You asked for it with ?threads=off in the address. Remove it to use every core.'
          : ['This page is not cross-origin isolated (crossOriginIsolated is false), so the browser withholds SharedArrayBuffer, which WebAssembly threads need. Training works, just slower. To enable threads, serve the site with the headers ',
            h('code', 'Cross-Origin-Opener-Policy: same-origin'), ' and ', h('code', 'Cross-Origin-Embedder-Policy: require-corp'),
            ' (npm start does), or keep coi-serviceworker.js at the site root: on HTTPS or localhost it adds them after one reload.']),
      h('button.icon', { type: 'button', 'aria-label': 'dismiss', onclick: () => { this.notice.hidden = true; } }, '✕'));
  }

  planChanged(plan, problemText) {
    const n = plan.runs.length;
    this.trainAll.textContent = n > 1 ? `▶ Train all ${n} runs` : '▶ Train';
    this.trainOne.hidden = n <= 1;
    this.problems.textContent = problemText ?? '';
    this.canTrain = !problemText;
    this.#buttons();
  }

  state(s) {
    this.current = s;
    this.controls.dataset.state = s.state;
    this.#buttons();
    if (s.state === 'idle') {
      // The numbers of the last batch drawn would read as still running.
      this.#pending = null;
      this.bar.value = 0;
      replace(this.metrics);
      if (this.started) replace(this.runLine, h('span.muted', `${ENDED[s.outcome] ?? 'Finished.'} ${this.last ?? ''}`));
      this.last = null;
      return;
    }
    this.started = true;
    if (s.state === 'waiting') {
      this.waitingFor = h('span.muted.waiting-progress', this.lastLoad ? loadingText(this.lastLoad) : '');
      replace(this.runLine, h('strong', `Waiting for ${s.dataset === 'fashion-mnist' ? 'Fashion-MNIST' : s.dataset} to load before training. `), this.waitingFor);
      return;
    }
    const r = s.record;
    if (r) replace(this.runLine, h('span.swatch', { style: { background: r.color } }), h('strong', r.label),
      s.count > 1 ? h('span.muted', ` · run ${s.index + 1} of ${s.count}`) : null,
      s.state === 'paused' ? h('span.tag.warn', 'paused') : null);
  }

  #buttons() {
    const busy = this.current && this.current.state !== 'idle';
    this.trainAll.disabled = busy || this.canTrain === false;
    this.trainOne.disabled = busy || this.canTrain === false;
    this.pauseBtn.disabled = !busy || this.current.state !== 'training';
    this.pauseBtn.hidden = busy && this.current.state === 'paused';
    this.resumeBtn.hidden = !(busy && this.current.state === 'paused');
    this.resumeBtn.disabled = !busy;
    this.stopBtn.disabled = !busy;
  }

  // Download progress while Train waits for the data.
  dataProgress(e) {
    this.lastLoad = e;
    if (this.current?.state === 'waiting' && this.waitingFor) this.waitingFor.textContent = loadingText(e);
  }

  progress(record, p) {
    this.#pending = { record, p };
    if (!this.#frame) this.#frame = requestAnimationFrame(() => this.#draw());
  }

  #draw() {
    this.#frame = 0;
    const { record, p } = this.#pending ?? {};
    if (!p) return;
    const now = performance.now();
    const batch = record.config.fit?.batch_size ?? 32;
    const sp = this.#speed;
    if (sp.step !== null && p.step > sp.step && now - sp.t > 250) {
      const v = ((p.step - sp.step) * batch * 1000) / (now - sp.t);
      sp.value = Number.isFinite(sp.value) ? 0.7 * sp.value + 0.3 * v : v;
      sp.step = p.step; sp.t = now;
    } else if (sp.step === null || p.step < sp.step) { sp.step = p.step; sp.t = now; }
    // The engine counts epochs from 1; pruning's fine-tuning counts again after the main epochs.
    const main = record.config.fit?.epochs ?? 1;
    const fineTune = record.config.prune?.fine_tune_epochs ?? 0;
    const tuning = fineTune > 0 && record.history.length >= main;
    const epochs = main + fineTune;
    const epoch = (p.epoch || 1) + (tuning ? main : 0);
    this.bar.value = p.batches ? p.batch / p.batches : 0;
    replace(this.metrics,
      item(tuning ? 'fine-tune epoch' : 'epoch', `${epoch} / ${epochs}`), item('batch', `${fmt.int(p.batch)} / ${fmt.int(p.batches)}`),
      item('loss', fmt.num(p.loss, 4)), item('accuracy', fmt.acc(p.accuracy)),
      item('learning rate', fmt.num(p.learning_rate, 5)), item('samples/s', fmt.int(sp.value)));
  }

  epoch(record, m) {
    // The engine's own measure of the epoch is steadier than the live estimate.
    if (Number.isFinite(m.samples_per_second)) this.#speed.value = m.samples_per_second;
    this.last = `${record.label}: epoch ${m.epoch}, val accuracy ${fmt.acc(m.val_accuracy)}, ${fmt.int(m.samples_per_second)} samples/s`;
  }

  // An analysis run (experiments 1 and 2) ends with no epoch: say where its result is.
  analysed(record) {
    this.last = `${record.label}: the per-layer statistics are under Layer health.`;
  }
}

const SHORTCUT = 'Alt+T';

function typesText(el) {
  if (!(el instanceof Element)) return false;
  if (el.isContentEditable || el.matches('textarea, select')) return true;
  return el.matches('input') && !['checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'range', 'color'].includes(el.type);
}

const item = (label, value) => h('span.metric', h('span.metric-label', label), ' ', h('span.metric-value', value));
