// status-view.js: the engine badge, the threads notice, the train / pause /
// resume / stop buttons and the live progress of the running epoch. Progress
// events arrive every few tens of milliseconds; they are drawn once per frame.
import { h, replace, fmt } from './dom.js';

export class StatusView {
  #pending = null;
  #frame = 0;
  #speed = { step: null, t: 0, value: NaN };

  constructor({ badge, notice, controls }, actions) {
    this.badge = badge;
    this.notice = notice;
    this.actions = actions;
    this.trainAll = h('button.primary', { type: 'button', onclick: () => actions.train('all') }, 'Train');
    this.trainOne = h('button.secondary', { type: 'button', onclick: () => actions.train('selected') }, 'Train selected run');
    this.pauseBtn = h('button.secondary', { type: 'button', disabled: true, onclick: () => actions.pause() }, '⏸ Pause');
    this.resumeBtn = h('button.secondary', { type: 'button', disabled: true, hidden: true, onclick: () => actions.resume() }, '▶ Resume');
    this.stopBtn = h('button.secondary.danger', { type: 'button', disabled: true, onclick: () => actions.stop() }, '■ Stop');
    this.runLine = h('div.run-line', h('span.muted', 'Ready to train.'));
    this.bar = h('progress.epoch-progress', { max: 1, value: 0, 'aria-label': 'progress of the current epoch' });
    this.metrics = h('div.live-metrics', { 'aria-live': 'off' });
    this.problems = h('p.field-error.train-problems', { role: 'alert' });
    replace(controls,
      h('div.buttons', this.trainAll, this.trainOne, this.pauseBtn, this.resumeBtn, this.stopBtn),
      this.problems, this.runLine, this.bar, this.metrics);
  }

  engine(info) {
    const threads = info.variant === 'threads' ? `${info.threads} threads` : 'single thread';
    replace(this.badge, h('span.dot', { class: info.variant === 'threads' ? 'on' : 'off' }), `Engine ${info.version} · WebAssembly${info.simd ? ' SIMD' : ''} · ${threads}`);
    this.badge.title = info.variant === 'threads' ? 'SIMD + pthreads build: the page is cross-origin isolated' : 'SIMD-only build: no SharedArrayBuffer in this page';
    this.badge.dataset.variant = info.variant;
    this.badge.dataset.threads = String(info.threads);
  }

  isolation(isolated, { forcedSingle = false } = {}) {
    this.notice.hidden = isolated;
    if (isolated) return;
    replace(this.notice,
      h('strong', 'Single-threaded engine. '),
      forcedSingle
        ? 'You asked for it with ?threads=off in the address. Remove it to use every core.'
        : ['This page is not cross-origin isolated (crossOriginIsolated is false), so the browser withholds SharedArrayBuffer, which WebAssembly threads need. Training works, just slower. To enable threads, serve the site with the headers ',
          h('code', 'Cross-Origin-Opener-Policy: same-origin'), ' and ', h('code', 'Cross-Origin-Embedder-Policy: require-corp'),
          ' (npm start does), or keep coi-serviceworker.js at the site root: on HTTPS or localhost it adds them after one reload.'],
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
    this.#buttons();
    if (s.state === 'idle') {
      this.bar.value = 0;
      if (this.last) replace(this.runLine, h('span.muted', `Finished. ${this.last}`));
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
    this.pauseBtn.disabled = !busy || this.current.state === 'paused';
    this.pauseBtn.hidden = busy && this.current.state === 'paused';
    this.resumeBtn.hidden = !(busy && this.current.state === 'paused');
    this.resumeBtn.disabled = !busy;
    this.stopBtn.disabled = !busy;
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
    const epochs = record.config.fit?.epochs ?? 1;
    const epoch = Math.min(epochs, (p.epoch ?? 0) + (p.batch < p.batches ? 1 : 0)) || 1;
    this.bar.value = p.batches ? p.batch / p.batches : 0;
    replace(this.metrics,
      item('epoch', `${epoch} / ${epochs}`), item('batch', `${fmt.int(p.batch)} / ${fmt.int(p.batches)}`),
      item('loss', fmt.num(p.loss, 4)), item('accuracy', fmt.acc(p.accuracy)),
      item('learning rate', fmt.num(p.learning_rate, 5)), item('samples/s', fmt.int(sp.value)));
  }

  epoch(record, m) {
    this.last = `${record.label}: epoch ${m.epoch}, val accuracy ${fmt.acc(m.val_accuracy)}, ${fmt.int(m.samples_per_second)} samples/s`;
  }
}

const item = (label, value) => h('span.metric', h('span.metric-label', label), h('span.metric-value', value));
