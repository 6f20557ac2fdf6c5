// schedule-steps.js: schedules meant relative to the run. Keras's schedules count
// optimizer steps (ExponentialDecay's decay_steps, PiecewiseConstantDecay's
// boundaries) and the book's OneCycleScheduler counts iterations, so a schedule
// written for 30 epochs of 938 steps silently stops fitting when the epochs, the
// images or the batch size change. A configuration may therefore give these
// options in epochs or as fractions of the run (the book computes them that way:
// `decay_steps = 20 * len(X_train) // 32`); config.js's resolveSchedule turns them
// into steps when training starts, and training, the preview, the Keras script
// and the results files all use its numbers. No DOM, no engine: plain data.

const form = (step, key, per, type, help) => ({ step, key, per, type, help });

// For each schedule: its step options and the run-relative forms they may be
// given in instead (exactly one form of each option). per: 'epoch' (x steps per
// epoch) or 'run' (x the run's steps).
export const RUN_FORMS = {
  exponential_decay: [form('decay_steps', 'decay_epochs', 'epoch', 'number', 'epochs per decay_rate factor (decay_steps = decay_epochs x steps per epoch)')],
  inverse_time_decay: [form('decay_steps', 'decay_epochs', 'epoch', 'number', 'epochs scale s (decay_steps = decay_epochs x steps per epoch)')],
  piecewise_constant_decay: [
    form('boundaries', 'boundaries_epochs', 'epoch', 'list', 'boundaries in epochs, increasing (each x steps per epoch)'),
    form('boundaries', 'boundaries_fraction', 'run', 'list', 'boundaries as fractions of the run, increasing, between 0 and 1 (each x the run\'s steps)'),
  ],
  one_cycle: [form('total_steps', 'total_epochs', 'epoch', 'number', 'epochs in the whole cycle')],
};

// Step options that may be left out altogether: they then mean the whole run.
export const WHOLE_RUN = { one_cycle: 'total_steps' };

const given = (v) => v !== undefined && v !== null;
const formsOf = (type, step) => (RUN_FORMS[type] ?? []).filter((f) => f.step === step);
const stepOptions = (type) => [...new Set((RUN_FORMS[type] ?? []).map((f) => f.step))];

// The keys of one option's forms, the step key first.
export const formKeys = (type, step) => [step, ...formsOf(type, step).map((f) => f.key)];

// Which form of the option `step` a schedule uses (its key), or null (none given).
export const formUsed = (schedule, step) => formKeys(schedule?.type, step).find((k) => given(schedule?.[k])) ?? null;

// Steps per epoch as the engine counts them: a last, partial batch is a step too
// (engine/trainer.c: batches_per_epoch = ceil(count / batch_size)).
export const stepsPerEpoch = (count, batchSize) => Math.max(1, Math.ceil(count / batchSize));

// The engine's schedule table with the run-relative forms added as options (not
// required: validation checks that exactly one form is given).
export function withRunForms(schedules) {
  const out = {};
  for (const [name, variant] of Object.entries(schedules)) {
    const options = { ...variant.options };
    for (const step of stepOptions(name)) options[step] = { ...options[step], required: false };
    for (const f of RUN_FORMS[name] ?? [])
      options[f.key] = f.type === 'list'
        ? { type: 'list', required: false, help: f.help, default: null }
        : { type: 'number', required: false, help: f.help, default: null, minimum: 1e-9, maximum: 1e12 };
    out[name] = { ...variant, options };
  }
  return out;
}

// Problems with the forms of a schedule's step options, as {path, message}:
// several forms of one option, none of a required one, lists that do not increase.
export function runFormErrors(schedule) {
  const errors = [];
  const type = schedule?.type;
  for (const step of stepOptions(type)) {
    const keys = formKeys(type, step).filter((k) => given(schedule[k]));
    if (keys.length > 1) errors.push({ path: `schedule.${keys[1]}`, message: `give only one of ${keys.join(' and ')}: they say the same thing in different units` });
    if (keys.length === 0 && WHOLE_RUN[type] !== step)
      errors.push({ path: `schedule.${step}`, message: `is required (in steps, or ${formsOf(type, step).map((f) => `${f.key} ${f.per === 'run' ? 'as fractions of the run' : 'in epochs'}`).join(', or ')})` });
  }
  for (const key of ['boundaries', 'boundaries_epochs', 'boundaries_fraction']) {
    const list = schedule?.[key];
    if (type !== 'piecewise_constant_decay' || !Array.isArray(list) || !list.every(Number.isFinite)) continue;
    if (list.some((v, i) => i > 0 && !(v > list[i - 1]))) errors.push({ path: `schedule.${key}`, message: 'must increase' });
    else if (key === 'boundaries_fraction' && list.some((v) => v <= 0 || v >= 1)) errors.push({ path: `schedule.${key}`, message: 'must be fractions between 0 and 1 (0.5 is the middle of the run)' });
    else if (list.some((v) => v < 0)) errors.push({ path: `schedule.${key}`, message: 'must be zero or more' });
  }
  return errors;
}

// Whether a schedule needs the run's length to be turned into steps.
export const needsRun = (schedule) => (RUN_FORMS[schedule?.type] ?? []).some((f) => given(schedule[f.key]))
  || (WHOLE_RUN[schedule?.type] !== undefined && !given(schedule[WHOLE_RUN[schedule.type]]));

// The schedule in the engine's steps. run: {stepsPerEpoch, totalSteps}.
// Returns {schedule, errors}; errors when rounding to whole steps merges boundaries.
export function scheduleInSteps(schedule, run) {
  if (!schedule || !needsRun(schedule)) return { schedule, errors: [] };
  const errors = [];
  const toSteps = (f, value) => {
    const unit = f.per === 'run' ? run.totalSteps : run.stepsPerEpoch;
    if (f.step === 'decay_steps') return value * unit; // any positive number, as in Keras
    if (f.step === 'total_steps') return Math.max(1, Math.round(value * unit));
    // Keras compares the step count with each boundary: whole steps.
    const steps = value.map((v) => Math.round(v * unit));
    if (steps.some((b, i) => i > 0 && b <= steps[i - 1]))
      errors.push({ path: `schedule.${f.key}`, message: `fall on the same step at ${unit} ${f.per === 'run' ? 'steps in the run' : 'steps per epoch'} (${steps.join(', ')}): space them further apart` });
    return steps;
  };
  // Each option in the place of its form, so the spec reads as it was written.
  const entries = Object.entries(schedule).filter(([, v]) => given(v)).map(([k, v]) => {
    const f = RUN_FORMS[schedule.type].find((x) => x.key === k);
    return f ? [f.step, toSteps(f, v)] : [k, v];
  });
  const out = Object.fromEntries(entries);
  const whole = WHOLE_RUN[schedule.type];
  if (whole && !given(out[whole])) out[whole] = run.totalSteps;
  return { schedule: out, errors };
}

const epochText = (step, spe) => `epoch ${Number((step / spe).toFixed(1))}`;

// What a step schedule does outside the run, said at the field the student
// edits: a 1cycle that ends before the run (the rest trains at its floor) or
// past it, boundaries or a staircase decay the run never reaches. given: the
// schedule as configured; steps: scheduleInSteps's; run: {stepsPerEpoch, totalSteps}.
// The engine uses schedule value at step t for the update t (0-based).
export function scheduleWarnings(configured, steps, { stepsPerEpoch: spe, totalSteps: total }) {
  const warnings = [];
  if (!steps || !configured || !Number.isFinite(total)) return warnings;
  const at = (step) => `schedule.${formUsed(configured, step) ?? step}`;
  const runText = `the run's ${total.toLocaleString('en-US')} steps (${epochText(total, spe).replace('epoch ', '')} epochs)`;
  switch (steps.type) {
    case 'one_cycle': {
      const n = steps.total_steps;
      if (n < total)
        warnings.push({ path: at('total_steps'), message: `The cycle ends at step ${n.toLocaleString('en-US')} (${epochText(n, spe)}), before ${runText}: after it the rate stays at its final, tiny value, and the last ${Number(((total - n) / spe).toFixed(1))} epochs learn almost nothing. Leave total_steps empty to cover the whole run.` });
      else if (n > total)
        warnings.push({ path: at('total_steps'), message: `The cycle (${n.toLocaleString('en-US')} steps) is longer than ${runText}: training stops before the cycle ends, so the rate never makes its final drop. Leave total_steps empty to cover the whole run.` });
      break;
    }
    case 'piecewise_constant_decay': {
      const b = steps.boundaries ?? [];
      // values[i + 1] starts at step boundaries[i] + 1; the last step is total - 1.
      const unused = b.map((x, i) => [x, i]).filter(([x]) => x >= total - 1);
      if (unused.length === b.length && b.length)
        warnings.push({ path: at('boundaries'), message: `No boundary is reached: the first is at step ${b[0].toLocaleString('en-US')} (${epochText(b[0], spe)}), after ${runText}. The rate stays ${steps.values?.[0]} throughout, as with a constant schedule.` });
      else if (unused.length)
        warnings.push({ path: at('boundaries'), message: `Boundar${unused.length > 1 ? 'ies' : 'y'} ${unused.map(([x]) => `${x.toLocaleString('en-US')} (${epochText(x, spe)})`).join(', ')} come${unused.length > 1 ? '' : 's'} after ${runText}: the rate${unused.length > 1 ? 's' : ''} ${unused.map(([, i]) => steps.values?.[i + 1]).join(', ')} ${unused.length > 1 ? 'are' : 'is'} never used.` });
      break;
    }
    case 'exponential_decay':
    case 'inverse_time_decay':
      if (steps.staircase && steps.decay_steps >= total)
        warnings.push({ path: at('decay_steps'), message: `With staircase the first decay comes at step ${Math.ceil(steps.decay_steps).toLocaleString('en-US')}, after ${runText}: the rate stays ${steps.initial_learning_rate} throughout, as with a constant schedule.` });
      break;
    default:
  }
  return warnings;
}

// The same option re-expressed in another form (the form's key, or the step
// key; for a WHOLE_RUN option, null = the whole run), for the form's unit menu.
// run: {stepsPerEpoch, totalSteps}.
export function convertForm(schedule, step, toKey, run) {
  const { schedule: steps } = scheduleInSteps(schedule, run);
  const out = { ...schedule };
  for (const k of formKeys(schedule.type, step)) delete out[k];
  if (toKey === null) return out;
  const value = steps[step] ?? (step === 'boundaries' ? [] : run.totalSteps);
  const f = formsOf(schedule.type, step).find((x) => x.key === toKey);
  const unit = !f ? 1 : f.per === 'run' ? run.totalSteps : run.stepsPerEpoch;
  const tidy = (v) => (f ? Number((v / unit).toPrecision(6)) : Math.round(v));
  out[toKey] = Array.isArray(value) ? value.map(tidy) : step === 'decay_steps' && !f ? value : tidy(value);
  return out;
}
