// schedule.js: the learning rate a configuration will use at each step,
// computed in JS before training so the student sees the schedule first.
// The formulas are Keras's (tf.keras.optimizers.schedules) and the engine's
// (engine/schedules.c); steps per epoch = ceil(train count / batch size).
import description from '../wasm/description.js';

export function stepsPerEpoch(config, trainTotal) {
  const count = config.data?.train?.count ?? trainTotal ?? 0;
  const batch = config.fit?.batch_size ?? 32;
  return Number.isFinite(count) && count > 0 && batch > 0 ? Math.ceil(count / batch) : 0;
}

const num = (v, fallback) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

// Returns the rate at a step (0-based, as Keras's optimizer.iterations), or NaN.
export function learningRateAt(config, step) {
  const s = config.schedule;
  const optimizer = description.optimizers[config.optimizer?.type ?? 'sgd'];
  const base = num(config.optimizer?.learning_rate, optimizer?.options.learning_rate.default ?? NaN);
  if (!s || !s.type || s.type === 'constant') return base;
  switch (s.type) {
    case 'exponential_decay': {
      let p = step / num(s.decay_steps, NaN);
      if (s.staircase) p = Math.floor(p);
      return num(s.initial_learning_rate, NaN) * num(s.decay_rate, NaN) ** p;
    }
    case 'piecewise_constant_decay': {
      const b = s.boundaries;
      const v = s.values;
      if (!Array.isArray(b) || !Array.isArray(v) || v.length !== b.length + 1) return NaN;
      for (let i = 0; i < b.length; i++) if (step <= b[i]) return v[i];
      return v[b.length];
    }
    case 'inverse_time_decay': {
      let p = step / num(s.decay_steps, NaN);
      if (s.staircase) p = Math.floor(p);
      return num(s.initial_learning_rate, NaN) / (1 + num(s.decay_rate, NaN) * p) ** num(s.power, 1);
    }
    case 'one_cycle': {
      const total = num(s.total_steps, NaN);
      const max = num(s.max_learning_rate, NaN);
      const start = num(s.start_learning_rate, max / 10);
      const last = num(s.last_learning_rate, start / 1000);
      const lerp = (i0, i1, r0, r1, it) => ((r1 - r0) * (it - i0)) / (i1 - i0) + r0;
      const lastIters = Math.floor(total / 10) + 1;
      const half = Math.max(1, Math.floor((total - lastIters) / 2));
      if (step < half) return lerp(0, half, start, max, step);
      if (step < 2 * half) return lerp(half, 2 * half, max, start, step);
      if (step >= total) return last;
      return lerp(2 * half, total, start, last, step);
    }
    default:
      return NaN;
  }
}

// Up to ~maxPoints samples of the whole run, x in epochs (step / steps per epoch).
export function schedulePreview(config, { trainTotal, maxPoints = 240 } = {}) {
  const perEpoch = stepsPerEpoch(config, trainTotal);
  const epochs = config.fit?.epochs ?? 1;
  const total = perEpoch * (Number.isInteger(epochs) && epochs > 0 ? epochs : 1);
  if (!total) return { points: [], stepsPerEpoch: 0, totalSteps: 0 };
  const stride = Math.max(1, Math.floor(total / maxPoints));
  const points = [];
  for (let step = 0; step < total; step += stride) points.push({ x: step / perEpoch, y: learningRateAt(config, step) });
  points.push({ x: total / perEpoch, y: learningRateAt(config, total - 1) });
  const valid = points.every((p) => Number.isFinite(p.y) && p.y >= 0);
  const plateau = (config.callbacks ?? []).some((c) => c?.type === 'reduce_lr_on_plateau');
  return { points: valid ? points : [], stepsPerEpoch: perEpoch, totalSteps: total, plateau, first: points[0]?.y, last: points[points.length - 1]?.y };
}
