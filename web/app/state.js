// state.js: the one state object of the page. It holds the whole configuration:
// a plan of runs (one run, or every variant of an experiment), each run a
// configuration in the JSON contract of wasm/config.js. It round-trips through
// the URL hash, so a link reproduces the setup (tensorflow/playground's idea).
import { PRESETS, findPreset } from '../wasm/presets.js';

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
    if (epochs) c.fit = { ...(c.fit ?? {}), epochs };
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

// Returns {plan} or {error}; an empty hash gives the default plan.
export function decodePlan(hash) {
  const params = new URLSearchParams(String(hash ?? '').replace(/^#/, ''));
  if (params.has('preset')) {
    const plan = planFromPreset(params.get('preset'));
    if (!plan) return { plan: defaultPlan(), error: `This link names an unknown preset "${params.get('preset')}". The default setup is shown instead.` };
    const run = Number(params.get('run') ?? 0);
    if (Number.isInteger(run) && run >= 0 && run < plan.runs.length) plan.selected = run;
    return { plan };
  }
  if (params.has('plan')) {
    try {
      const plan = JSON.parse(fromBase64Url(params.get('plan')));
      if (!plan || !Array.isArray(plan.runs) || plan.runs.length === 0 || !plan.runs.every((r) => r && typeof r.config === 'object'))
        throw new Error('no runs in it');
      plan.runs = plan.runs.map((r, i) => ({ id: r.id ?? r.config.name ?? `run-${i + 1}`, label: r.label ?? r.config.name ?? `run ${i + 1}`, reference: r.reference ?? {}, config: r.config }));
      plan.selected = Number.isInteger(plan.selected) && plan.selected < plan.runs.length ? plan.selected : 0;
      plan.title ??= 'Shared setup';
      return { plan };
    } catch (err) {
      console.warn('unreadable plan in the link', err);
      return { plan: defaultPlan(), error: 'The configuration in this link is damaged or incomplete (was the whole link copied?). The default setup is shown instead.' };
    }
  }
  return { plan: defaultPlan() };
}

export const selectedRun = (state) => state.plan.runs[state.plan.selected];
