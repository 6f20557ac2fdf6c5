// state.js: the one state object of the page. It holds the whole configuration:
// a plan of runs (one run, or every variant of an experiment), each run a
// configuration in the JSON contract of core/config.js. It round-trips through
// the URL hash, so a link reproduces the setup (tensorflow/playground's idea).
import { PRESETS, findPreset } from '../../core/presets.js';
import { withEpochs } from '../../core/config.js';

const clone = (v) => structuredClone(v);

export function defaultConfig(name = 'my-net') {
  return {
    name,
    seed: 42,
    data: {
      dataset: 'fashion-mnist',
      train: { split: 'train', start: 0, count: 10000 },
      validation: { split: 'test', start: 0, count: 2000 },
    },
    model: [
      { type: 'dense', units: 100, activation: 'relu', kernel_initializer: 'he_normal' },
      { type: 'dense', units: 100, activation: 'relu', kernel_initializer: 'he_normal' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
    optimizer: { type: 'sgd', learning_rate: 0.01 },
    fit: { epochs: 5, batch_size: 32 },
  };
}

export function defaultPlan() {
  return {
    title: 'My network',
    description: 'Build a network layer by layer, pick an optimizer and train it. Or start from a preset.',
    preset: null,
    needs: null,
    runs: [{ id: 'my-net', label: 'my network', reference: {}, config: defaultConfig('my-net') }],
    selected: 0,
  };
}

// A preset id is an experiment (all its variants) or one variant ("exp04/elu").
export function planFromPreset(id) {
  const found = findPreset(id);
  if (!found) return null;
  const { experiment, runs } = found;
  const single = experiment.id !== id;
  return {
    title: single ? `${experiment.title}: ${runs[runs.length - 1].label}` : experiment.title,
    description: experiment.description,
    preset: id,
    needs: experiment.needs ?? null,
    analysis: Boolean(experiment.analysis),
    runs: runs.map((r) => ({ id: r.id, label: r.label, reference: clone(r.reference ?? {}), config: clone(r.config) })),
    selected: single ? runs.length - 1 : 0,
  };
}

export const presetList = () =>
  PRESETS.map((p) => ({ id: p.id, title: p.title, topic: p.topic, needs: p.needs ?? null, analysis: Boolean(p.analysis), runs: p.runs.map((r) => ({ id: r.id, label: r.label })) }));

// ---- paths in the JSON path syntax of validateConfig ("model[2].units")
export function parsePath(path) {
  const parts = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) parts.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return parts;
}

export function getPath(obj, path) {
  let cur = obj;
  for (const key of parsePath(path)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[key];
  }
  return cur;
}

// Sets (or, for undefined, deletes) a value, creating objects on the way.
export function setPath(obj, path, value) {
  const parts = parsePath(path);
  let cur = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    if (cur[parts[i]] === null || typeof cur[parts[i]] !== 'object') cur[parts[i]] = typeof parts[i + 1] === 'number' ? [] : {};
    cur = cur[parts[i]];
  }
  const last = parts[parts.length - 1];
  if (value === undefined) {
    if (Array.isArray(cur)) cur.splice(last, 1);
    else delete cur[last];
  } else cur[last] = value;
}

// ---- run names: unique in a plan, since the worker keeps trained models by name
export function uniqueName(plan, base) {
  const names = new Set(plan.runs.map((r) => r.config.name));
  if (!names.has(base)) return base;
  const stem = base.replace(/-\d+$/, '');
  for (let i = 2; ; i++) if (!names.has(`${stem}-${i}`)) return `${stem}-${i}`;
}

export function duplicateRun(plan, index) {
  const src = plan.runs[index];
  const name = uniqueName(plan, src.config.name);
  const copy = { id: name, label: `${src.label} (copy)`, reference: {}, config: { ...clone(src.config), name } };
  plan.runs.splice(index + 1, 0, copy);
  plan.selected = index + 1;
  plan.preset = null;
}

export function removeRun(plan, index) {
  if (plan.runs.length <= 1) return;
  plan.runs.splice(index, 1);
  plan.selected = Math.min(plan.selected, plan.runs.length - 1);
  plan.preset = null;
}

// "Quick try": shrink every run of the plan (a student's laptop is not a GPU).
export function applyToAll(plan, { epochs, trainCount }) {
  for (const run of plan.runs) {
    const c = run.config;
    if (epochs) Object.assign(c, withEpochs(c, epochs));
    if (trainCount && c.data?.train) c.data.train.count = trainCount;
  }
}

// ---- URL hash: "#preset=exp04" while a preset is untouched, else "#plan=<base64url JSON>"
const toBase64Url = (text) => {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};
const fromBase64Url = (s) => {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
};

const comparable = (plan) => JSON.stringify({ runs: plan.runs, title: plan.title });

export function encodePlan(plan) {
  if (!plan.preset && comparable(plan) === comparable(defaultPlan())) return '';
  if (plan.preset) {
    const pristine = planFromPreset(plan.preset);
    if (pristine && comparable(pristine) === comparable(plan)) return `preset=${encodeURIComponent(plan.preset)}${plan.selected ? `&run=${plan.selected}` : ''}`;
  }
  const { title, description, preset, needs, analysis, runs, selected } = plan;
  return `plan=${toBase64Url(JSON.stringify({ title, description, preset, needs, analysis, runs, selected }))}`;
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const MAX_RUNS = 64; // the largest preset has 7; a link is typed by people, not generated

// The structure the page's forms are built on: the sections they open must be
// objects and lists. Values inside are the validator's business (validateConfig
// reports them next to their controls); a wrong structure cannot be shown at all.
// Returns the first problem, in words, or null.
export function configShapeProblem(config, at) {
  if (!isObject(config)) return `${at} is not a configuration (a JSON object)`;
  if (!isObject(config.data)) return `${at}.data is missing (the dataset and the images to train on)`;
  for (const k of ['train', 'validation', 'test'])
    if (config.data[k] !== undefined && !isObject(config.data[k])) return `${at}.data.${k} is not an object like {"split": "train", "start": 0, "count": 1000}`;
  if (!isObject(config.data.train)) return `${at}.data.train is missing`;
  if (!Array.isArray(config.model) || !config.model.length) return `${at}.model is not a list of layers`;
  const bad = config.model.findIndex((l) => !isObject(l) || typeof l.type !== 'string');
  if (bad >= 0) return `${at}.model[${bad}] is not a layer (an object with a "type")`;
  for (const k of ['optimizer', 'schedule', 'fit', 'transfer', 'prune', 'stats', 'analysis'])
    if (config[k] !== undefined && config[k] !== null && !isObject(config[k])) return `${at}.${k} is not an object`;
  for (const k of ['optimizer', 'schedule']) if (isObject(config[k]) && typeof config[k].type !== 'string') return `${at}.${k}.type is missing`;
  if (config.callbacks !== undefined && (!Array.isArray(config.callbacks) || !config.callbacks.every((c) => isObject(c) && typeof c.type === 'string')))
    return `${at}.callbacks is not a list of callbacks (objects with a "type")`;
  return null;
}

// A plan read from a link, checked field by field; returns {plan} or {problem}.
function planFromJson(json) {
  if (!isObject(json)) return { problem: 'it is not a plan (a JSON object)' };
  if (!Array.isArray(json.runs) || !json.runs.length) return { problem: 'it has no runs' };
  if (json.runs.length > MAX_RUNS) return { problem: `it has ${json.runs.length} runs (at most ${MAX_RUNS})` };
  const runs = [];
  for (const [i, r] of json.runs.entries()) {
    const problem = configShapeProblem(isObject(r) ? r.config : undefined, `runs[${i}].config`);
    if (problem) return { problem };
    const name = typeof r.config.name === 'string' ? r.config.name : null;
    runs.push({
      id: typeof r.id === 'string' ? r.id : name ?? `run-${i + 1}`,
      label: typeof r.label === 'string' ? r.label : name ?? `run ${i + 1}`,
      reference: isObject(r.reference) ? r.reference : {},
      config: r.config,
    });
  }
  const text = (v, fallback) => (typeof v === 'string' ? v : fallback);
  return {
    plan: {
      title: text(json.title, 'Shared setup'),
      description: text(json.description, null),
      preset: text(json.preset, null),
      needs: text(json.needs, null),
      analysis: json.analysis === true,
      runs,
      // An out-of-range choice opens the plan on its first run.
      selected: Number.isInteger(json.selected) && json.selected >= 0 && json.selected < runs.length ? json.selected : 0,
    },
  };
}

// Any hash gives a plan the page can show: {plan} or, for a link that cannot
// be opened, {plan: the default plan, error: what is wrong with it}. An empty
// hash gives the default plan.
export function decodePlan(hash) {
  const params = new URLSearchParams(String(hash ?? '').replace(/^#/, ''));
  if (params.has('preset')) {
    const plan = planFromPreset(params.get('preset'));
    if (!plan) return { plan: defaultPlan(), error: `This link names an unknown preset "${params.get('preset').slice(0, 60)}". The default setup is shown instead.` };
    const run = Number(params.get('run') ?? 0);
    if (Number.isInteger(run) && run >= 0 && run < plan.runs.length) plan.selected = run;
    return { plan };
  }
  if (params.has('plan')) {
    let json;
    try {
      json = JSON.parse(fromBase64Url(params.get('plan')));
    } catch (err) {
      console.warn('unreadable plan in the link', err);
      return { plan: defaultPlan(), error: 'The configuration in this link is damaged or incomplete (was the whole link copied?). The default setup is shown instead.' };
    }
    const { plan, problem } = planFromJson(json);
    if (plan) return { plan };
    return { plan: defaultPlan(), error: `The configuration in this link cannot be opened: ${problem}. The default setup is shown instead.` };
  }
  return { plan: defaultPlan() };
}

export const selectedRun = (state) => state.plan.runs[state.plan.selected];
