// schedule.js: the learning rate a configuration will use along training,
// shown before training. The page does not repeat the schedule formulas: the
// worker's 'schedule-preview' command runs the engine's own schedule code
// (engine/schedules.c), so the preview is what training will use. Requests are
// debounced while the student types, and a stale reply never replaces a newer one.
// No DOM here: onPreview / onError hand the results to the views.
import { transferPhases } from '../../core/config.js';

// Only these sections decide the rate at each step; the model is left out so
// that a half-edited layer elsewhere does not stop the preview.
const SECTIONS = ['optimizer', 'schedule', 'fit'];
const RELEVANT = /^(optimizer|schedule|fit|data\.train|data\.dataset|transfer)\b/;

export function previewRequest(config, trainTotal) {
  const request = { name: config.name, seed: config.seed, data: { dataset: config.data?.dataset, train: { ...(config.data?.train ?? {}) } }, model: [] };
  for (const k of SECTIONS) if (config[k] !== undefined) request[k] = structuredClone(config[k]);
  // The student's own files: the worker knows the built-in splits' sizes only.
  const train = request.data.train;
  if ((train.count === undefined || train.count === null) && Number.isFinite(trainTotal)) train.count = Math.max(1, trainTotal - (train.start ?? 0));
  return request;
}

export class SchedulePreviewer {
  #client = null;
  #timer = 0;
  #seq = 0;
  #pending = null;

  // onPreview({points: [{x: epoch, y: rate, step}], stepsPerEpoch, totalSteps, first, last, plateau,
  //   schedule (in steps), warnings: [{path, message}] (config.js resolveSchedule)}, label)
  // onError(message or null: null clears it)
  constructor({ onPreview, onError, points = 240, delay = 250 }) {
    this.onPreview = onPreview;
    this.onError = onError;
    this.points = points;
    this.delay = delay;
    this.last = null; // { request, reply } of the preview shown
  }

  // The engine is up: previews can be computed (the one asked for meanwhile first).
  start(client) {
    this.#client = client;
    const pending = this.#pending;
    this.#pending = null;
    if (pending) this.request(...pending, { immediate: true });
  }

  // errors: validateConfig's list for this configuration; with a problem in a
  // section the rate depends on, the last preview stays and the problem is said.
  request(config, { trainTotal, label, errors = [] } = {}, { immediate = false } = {}) {
    clearTimeout(this.#timer);
    const blocking = errors.filter((e) => RELEVANT.test(e.path));
    if (blocking.length) {
      this.#seq++; // a reply still on its way is for an older configuration
      this.onError(`Preview not updated: ${blocking.map((e) => `${e.path} ${e.message}`).join('; ')}.`);
      return;
    }
    const args = [previewRequest(config, trainTotal), label, (config.callbacks ?? []).some((c) => c?.type === 'reduce_lr_on_plateau'), transferPhases(config)];
    if (!this.#client) {
      this.#pending = [config, { trainTotal, label, errors }];
      return;
    }
    this.#timer = setTimeout(() => this.#send(...args), immediate ? 0 : this.delay);
  }

  async #send(request, label, plateau, phases) {
    const seq = ++this.#seq;
    let reply;
    try {
      reply = await this.#client.call('schedule-preview', { config: request, points: this.points });
    } catch (err) {
      if (seq === this.#seq && !err.crashed) this.onError(`The schedule cannot be previewed: ${err.message}`);
      return;
    }
    if (seq !== this.#seq) return;
    // A two-phase transfer run: after the switch, the new optimizer's constant rate (core/run.js).
    const unfrozenAt = phases ? phases.freezeEpochs * reply.stepsPerEpoch : Infinity;
    const points = reply.points.map((p) => ({ x: p.epoch, y: p.step >= unfrozenAt ? phases.fineTuneLearningRate : p.learning_rate, step: p.step }));
    this.last = { request, reply };
    this.onError(null);
    this.onPreview({
      points, stepsPerEpoch: reply.stepsPerEpoch, totalSteps: reply.totalSteps, first: points[0]?.y, last: points[points.length - 1]?.y, plateau,
      schedule: reply.schedule, warnings: reply.warnings ?? [],
    }, label);
  }
}
