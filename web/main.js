// main.js: starts the page. It waits until cross-origin isolation is settled
// (coi-serviceworker may reload the page once), then wires the state object,
// the session (worker + history) and the views together. It does not touch the
// DOM itself: the views under views/ do.
import '../node_modules/chart.js/dist/chart.umd.min.js';
import { validateConfig } from '../core/config.js';
import { addBaseRun } from './app/transfer.js';
import { decodePlan, encodePlan, planFromPreset, defaultPlan, selectedRun, setPath, getPath, parsePath, duplicateRun, removeRun, applyToAll } from './app/state.js';
import { EngineClient } from './app/client.js';
import { RunStore } from './app/store.js';
import { Session } from './app/session.js';
import { Bus } from './app/bus.js';
import { SchedulePreviewer } from './app/schedule.js';
import { classifyFiles } from './app/files.js';
import { runsToCsv, runsToJson, runFiles, kerasFile, fileStem } from './app/export.js';
import { readConfigText } from './app/config-import.js';
import { modelJsonText, INPUT_NOTE } from '../core/tfjs-format.js';
import { createViews } from './views/app-view.js';
import { SweepPool, poolSize } from './app/sweep-pool.js';
import { planSweep, parseGrid, parseRange, SweepError } from '../core/sweep.js';
import { bestOfSweep } from './views/sweep-view.js';
import { withLearningRate, roundRate } from '../core/lr-finder.js';

const params = new URLSearchParams(location.search);
const forceSingle = params.get('threads') === 'off';
const forcePlainSimd = params.get('simd') === 'plain'; // what Safari runs, for comparison

// coi-serviceworker (first script in <head>) registers itself on the first
// visit and reloads the page once. Nothing starts before that is settled.
async function settleIsolation() {
  if (self.crossOriginIsolated) return true;
  const sw = navigator.serviceWorker;
  if (!window.isSecureContext || !sw || sw.controller) return false;
  const registered = await Promise.race([sw.getRegistration().catch(() => null), sleep(300)]);
  if (!registered) await sleep(300); // registration may still be starting
  const registration = registered ?? (await sw.getRegistration().catch(() => null));
  if (registration) await Promise.race([sw.ready.then(() => sleep(2000)), sleep(3000)]); // the reload comes now
  return self.crossOriginIsolated === true;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const bus = new Bus();
const state = { plan: defaultPlan() };
let views;
let session;
let client;
let sweepPool;
let lastHash = '';
// The learning-rate preview, computed by the engine in the worker.
const previewer = new SchedulePreviewer({
  onPreview: (preview, label) => {
    views.training.showPreview(preview);
    views.charts.schedulePreview(preview.points, label);
  },
  onError: (text) => views.training.showPreviewError(text),
});

// ---- the configuration: edits, validation, URL
const config = () => selectedRun(state).config;

function pruneEmpty(cfg, path) {
  const parts = parsePath(path);
  for (let n = parts.length - 1; n > 0; n--) {
    const parentPath = parts.slice(0, n).reduce((p, k) => (typeof k === 'number' ? `${p}[${k}]` : p ? `${p}.${k}` : k), '');
    const parent = getPath(cfg, parentPath);
    if (parent && typeof parent === 'object' && !Array.isArray(parent) && Object.keys(parent).length === 0 && /kernel_regularizer|kernel_constraint|schedule|stats|prune/.test(parentPath)) setPath(cfg, parentPath, undefined);
    else break;
  }
}

function validateAll() {
  return state.plan.runs.map((r) => validateConfig(r.config));
}

function changed({ rerender = false } = {}) {
  if (rerender) views.renderForms(state, session);
  const all = validateAll();
  const errors = all[state.plan.selected];
  const unplaced = views.showErrors(errors);
  const problems = all.map((e) => e.length);
  views.plan.updateProblems?.(problems);
  const others = problems.map((n, i) => (n && i !== state.plan.selected ? state.plan.runs[i].label : null)).filter(Boolean);
  views.showProblems(unplaced, others);
  const blocked = errors.length ? `Fix the ${errors.length === 1 ? 'problem' : `${errors.length} problems`} marked in red before training.` : others.length ? `Run "${others[0]}" has problems: select it to see them.` : '';
  views.status.planChanged(state.plan, blocked);
  const trainTotal = session?.datasets.get(config().data?.dataset)?.splits?.train?.count;
  previewer.request(config(), { trainTotal, label: selectedRun(state).label, errors }, { immediate: rerender });
  if (session) views.charts.setPlanBands(state.plan, session.runs);
  views.sweep.setBase(config());
  writeHash();
}

let hashTimer = 0;
function writeHash() {
  clearTimeout(hashTimer);
  hashTimer = setTimeout(() => {
    const encoded = encodePlan(state.plan);
    lastHash = encoded ? `#${encoded}` : '';
    if (location.hash !== lastHash) history.replaceState(null, '', lastHash || `${location.pathname}${location.search}`);
    views.share.link(location.href);
  }, 150);
}

function loadPlan(plan) {
  state.plan = plan;
  views.presets.mark(plan.preset?.split('/')[0] ?? null);
  changed({ rerender: true });
}

// A plan from the URL: whatever it holds, the page opens (decodePlan checks
// what the forms are built on; should a form still fail, the default plan opens).
function openLink({ plan, error }) {
  try {
    loadPlan(plan);
  } catch (err) {
    console.error(err);
    loadPlan(defaultPlan());
    error = `This link could not be shown (${err.message}). The default setup is shown instead.`;
  }
  if (error) views.messages.show({ level: 'error', text: error });
}

const actions = {
  set(path, value) {
    setPath(config(), path, value);
    if (value === undefined) pruneEmpty(config(), path);
    changed();
  },
  mutate(fn, { rerender = true } = {}) {
    fn(config());
    changed({ rerender });
  },
  selectRun(i) { state.plan.selected = i; changed({ rerender: true }); },
  setLabel(text) { selectedRun(state).label = text; writeHash(); },
  duplicateRun() { duplicateRun(state.plan, state.plan.selected); changed({ rerender: true }); },
  addBaseRun() {
    const name = addBaseRun(state.plan, state.plan.selected);
    views.presets.mark(null);
    changed({ rerender: true });
    views.messages.show({ level: 'info', text: `Added the base run "${name}" before this run, which now reuses its layers. Training this run trains the base run first.` });
  },
  removeRun() { removeRun(state.plan, state.plan.selected); changed({ rerender: true }); },
  applyToAll(opts) { applyToAll(state.plan, opts); changed({ rerender: true }); },
  loadPreset(id) {
    const plan = planFromPreset(id);
    if (plan) loadPlan(plan);
    views.reveal('sec-plan');
  },
  newPlan() { loadPlan(defaultPlan()); },

  loadFashion: () => session.loadDataset('fashion-mnist').catch(() => {}),
  async loadFiles(files) {
    let picked;
    views.data.loading('files');
    try {
      const read = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
      picked = classifyFiles(read);
    } catch (err) {
      views.data.failed('files', err.message);
      return;
    }
    try {
      const result = await session.loadDataset(picked.dataset, picked.files, picked.names);
      adoptDataset(picked.dataset, result);
    } catch { /* shown by the data view */ }
  },

  async train(which) {
    const indices = which === 'selected' ? [state.plan.selected] : state.plan.runs.map((_, i) => i);
    try {
      await session.trainPlan(state.plan, which === 'selected' ? dependencies(indices) : indices);
    } catch (err) {
      report(err);
    }
  },
  resumeInterrupted: () => session.resumeInterrupted().catch(report),
  discardInterrupted: () => session.discardInterrupted().catch(report),
  pause: () => session.pause().catch(report),
  resume: () => session.resume().catch(report),
  stop: () => session.stop().catch(report),


  setVisible: (key, v) => session.setVisible(key, v),
  showAll(v) { for (const r of session.runs) session.setVisible(r.key, v); },
  clearHistory: () => session.clearHistory(),
  deleteRun: (key) => session.deleteRun(key),
  inspect(key) { views.inspect.select(key); views.reveal('sec-inspect'); },
  inspectCall: (kind, key, options) => session.inspect(kind, key, options),
  mcDropout: (key, onProgress) => session.mcDropout(key, onProgress),
  // The learning-rate range test of the selected plan entry, and its suggestion into the form.
  async findLearningRate() {
    if (!session) throw new Error('the engine is still loading');
    const run = selectedRun(state);
    return { name: run.config.name, ...(await session.findLearningRate(run.config)) };
  },
  useLearningRate(rate) {
    actions.mutate((c) => {
      const next = withLearningRate(c, roundRate(rate));
      c.optimizer = next.optimizer;
      if (next.schedule) c.schedule = next.schedule;
    });
  },
  classNames(dataset, classes) {
    const names = session.classNames(dataset ?? 'fashion-mnist');
    return classes ? classes.map((c) => names[c] ?? `class ${c}`) : names;
  },
  // One run's files, from the ⬇ menu of its row.
  async download(key, kind) {
    const r = session.byKey(key);
    if (!r) return;
    const stem = fileStem(r.id);
    try {
      if (kind === 'model') {
        const { bytes } = await session.exportModel(key);
        views.share.save(`${stem}.bin`, bytes, 'application/octet-stream');
      } else if (kind === 'tfjs') {
        // Two files; model.json names the weights file it needs, so they are
        // saved under names that go together.
        const weightsFile = `${stem}-weights.bin`;
        const { modelJson, weights } = await session.exportTfjs(key, weightsFile);
        views.share.save(`${stem}-model.json`, modelJsonText(modelJson), 'application/json');
        views.share.save(weightsFile, weights, 'application/octet-stream');
        views.messages.show({ level: 'info', text: `Saved ${stem}-model.json and ${weightsFile}. Keep both in one folder and load them with tf.loadLayersModel('${stem}-model.json'); ${INPUT_NOTE}.` });
      } else if (kind === 'keras') {
        const { name, text } = kerasFile(r);
        views.share.save(name, text, 'text/x-python');
      } else if (kind === 'csv' || kind === 'json') {
        const file = runFiles(r)[kind];
        views.share.save(file.name, file.text, kind === 'csv' ? 'text/csv' : 'application/json');
      }
    } catch (err) {
      const what = { model: 'the model', tfjs: 'a TF.js model', keras: 'a Keras script', csv: 'CSV', json: 'JSON' }[kind] ?? kind;
      views.messages.show({ level: 'error', text: `Could not save "${r.label}" as ${what}: ${err.message}` });
    }
  },
  // An engine .bin file, or a TF.js model.json picked with its weights file(s).
  async importModel(files) {
    const json = files.find((f) => /\.json$/i.test(f.name));
    const bins = files.filter((f) => f !== json);
    const name = json?.name ?? files[0].name;
    try {
      let record;
      if (json) {
        if (!bins.length) throw new Error('pick the model.json file together with its weights file (weights.bin), both at once');
        const buffers = await Promise.all(bins.map((f) => f.arrayBuffer()));
        // One weights file is used whatever the browser renamed it to; several are matched by the names in the manifest.
        const weights = buffers.length === 1 ? buffers[0] : Object.fromEntries(bins.map((f, i) => [f.name, buffers[i]]));
        record = await session.importTfjs(await json.text(), weights, json.name);
      } else {
        if (files.length > 1) throw new Error('pick one .bin model file (or a TF.js model.json with its weights)');
        record = await session.importModel(await files[0].arrayBuffer(), files[0].name);
      }
      const warnings = record.warnings?.length ? ` Note: ${record.warnings.join('; ')}.` : '';
      views.messages.show({ level: 'info', text: `Loaded ${name}: ${record.label}. Look inside it below.${warnings}` });
      views.inspect.select(record.key);
    } catch (err) {
      views.messages.show({ level: 'error', text: `Could not load ${name}: ${err.message}` });
    }
  },
  // A pasted or opened configuration: one becomes the selected run, a list the plan.
  importConfig(text, source) {
    if (!String(text ?? '').trim()) return views.share.configResult({ errors: [{ path: '(root)', message: 'is empty: paste a configuration first' }] });
    const read = readConfigText(text);
    if (read.errors) return views.share.configResult({ errors: read.errors });
    if (read.single) {
      // Run names identify runs (transfer.from, the worker's kept models): keep them distinct in the plan.
      const run = read.runs[0];
      const taken = new Set(state.plan.runs.filter((_, i) => i !== state.plan.selected).map((r) => r.config.name));
      const base = run.config.name;
      for (let n = 2; taken.has(run.config.name); n++) run.config.name = run.id = `${base}-${n}`;
      state.plan.runs[state.plan.selected] = run;
      state.plan.preset = null;
      views.presets.mark(null);
      changed({ rerender: true });
      views.share.configResult({ note: `Loaded ${source}: it is now the selected run, "${run.label}".` });
    } else {
      loadPlan({ title: read.title ?? 'Imported plan', description: read.description ?? `Runs loaded from ${source}.`, preset: null, needs: null, runs: read.runs, selected: 0 });
      views.share.configResult({ note: `Loaded ${source}: a plan of ${read.runs.length} run${read.runs.length === 1 ? '' : 's'}.` });
    }
    views.reveal('sec-plan');
  },
  // ---- the sweep (core/sweep.js plans it, app/sweep-pool.js runs it)
  runSweep({ knobs, random, seed, epochs, maxTrials }) {
    let plan;
    const base = structuredClone(config());
    try {
      const parsed = knobs.map((k) => {
        const path = k.path.trim();
        const values = k.values.replace(/\s+/g, '');
        if (!path) throw new SweepError(`a knob needs a configuration path (like optimizer.learning_rate) for its values ${k.values}`);
        return values.includes(':') ? parseRange(`${path}=${values}${k.log ? ':log' : ''}`) : parseGrid(`${path}=${values}`);
      });
      if (base.data?.dataset !== 'fashion-mnist') throw new SweepError('a sweep trains on Fashion-MNIST only for now: its workers cannot see your own files or CIFAR-10');
      plan = planSweep(base, parsed, { random, seed, maxTrials, epochs });
    } catch (err) {
      if (!(err instanceof SweepError)) console.error(err);
      return views.sweep.showError(err.message);
    }
    sweepPool.start(plan, { base, random }).catch((err) => views.sweep.showError(err.message));
  },
  stopSweep: () => sweepPool.stop(),
  continueSweep: () => sweepPool.run().catch((err) => views.sweep.showError(err.message)),
  clearSweep: () => sweepPool.clear(),
  useBestTrial() {
    const best = bestOfSweep(sweepPool.sweep);
    if (!best) return views.sweep.showError('no trial has finished with a validation accuracy yet');
    const knobs = Object.entries(best.knobs).map(([p, v]) => `${p}=${v}`).join(', ');
    loadPlan({
      title: `Best trial of the sweep (trial ${best.trial})`, description: `${knobs}: best validation accuracy ${best.result.best_val_accuracy.toFixed(4)} in the sweep.`,
      preset: null, needs: null, selected: 0,
      runs: [{ id: best.config.name, label: `trial ${best.trial}: ${knobs}`, reference: {}, config: structuredClone(best.config) }],
    });
    views.messages.show({ level: 'info', text: `The best trial (${knobs}) is now the plan: train it on more epochs or images, or change it further.` });
    views.reveal('sec-plan');
  },
  exportResults(kind) {
    const shown = session.runs.filter((r) => r.visible);
    const runs = shown.length ? shown : session.runs;
    if (!runs.length) return views.messages.show({ level: 'info', text: 'Nothing to export yet: train a run first.' });
    const stem = `chapter11-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}`;
    if (kind === 'csv') views.share.save(`${stem}.csv`, runsToCsv(runs), 'text/csv');
    else views.share.save(`${stem}.json`, runsToJson(runs), 'application/json');
  },
};

// Training one run of a plan also trains the runs it builds on (transfer).
function dependencies(indices) {
  const names = state.plan.runs.map((r) => r.config.name);
  const out = new Set();
  const visit = (i) => {
    const from = state.plan.runs[i].config.transfer?.from;
    const j = names.indexOf(from);
    if (j >= 0 && !out.has(j) && !session.runs.some((r) => r.id === from && r.inWorker)) visit(j);
    out.add(i);
  };
  indices.forEach(visit);
  return [...out].sort((a, b) => a - b);
}

// After loading their own files, the plan's runs train on them.
function adoptDataset(name, result) {
  const train = result.splits.train;
  const test = result.splits.test;
  for (const run of state.plan.runs) {
    const c = run.config;
    c.data.dataset = name;
    if (c.data.train.count > train.count || name === 'custom') c.data.train = { split: 'train', start: 0, count: Math.min(c.data.train.count ?? train.count, test ? train.count : Math.floor(train.count * 0.9)) };
    if (c.data.validation) {
      if (test) c.data.validation = { split: 'test', start: 0, count: Math.min(c.data.validation.count ?? 2000, test.count) };
      else c.data.validation = { split: 'train', start: c.data.train.count, count: Math.min(2000, train.count - c.data.train.count) };
    }
    if (c.data.test && !test) delete c.data.test;
    else if (c.data.test) c.data.test = { split: 'test', start: 0, count: Math.min(c.data.test.count ?? test.count, test.count) };
    const last = [...c.model].reverse().find((l) => l.type === 'dense');
    if (last && !c.data.train.classes) last.units = train.classes;
  }
  views.messages.show({ level: 'info', text: `Your data is loaded (${train.count} training images, ${train.classes} classes): the runs of the plan now train on it.` });
  changed({ rerender: true });
}

// A crashed engine is reported once, by onCrash below.
function report(err) {
  if (err.crashed) return;
  views.messages.show({ level: 'error', text: err.message ?? String(err) });
}

// ---- events from the session to the views
function wire() {
  bus.on('data:loading', ({ name }) => views.data.loading(name));
  bus.on('data:progress', (e) => { views.data.progress(e); views.status.dataProgress(e); });
  bus.on('data:loaded', (e) => { views.data.loaded(e); changed({ rerender: true }); });
  bus.on('data:failed', ({ name, error }) => views.data.failed(name, error.message));
  bus.on('runs:changed', () => views.runsChanged(session));
  bus.on('runs:visibility', () => views.runsChanged(session));
  bus.on('run:started', () => views.runsChanged(session));
  bus.on('run:progress', ({ record, progress }) => views.status.progress(record, progress));
  bus.on('run:epoch', ({ record, metrics }) => {
    views.charts.epoch(record, metrics, session.runs);
    views.slice.epoch(record, metrics, session.runs);
    views.status.epoch(record, metrics);
    views.table.render(session.runs, null);
  });
  bus.on('run:stats', ({ record, entry }) => {
    views.health.stats(record, entry, session.runs);
    if (entry.source !== 'batch') views.inspect.refresh(record.key);
  });
  bus.on('run:finished', (record) => {
    if (record.config?.analysis && record.layerStats?.length) views.status.analysed(record);
    views.runsChanged(session);
    views.inspect.refresh(record.key);
  });
  bus.on('train:state', (s) => views.status.state(s));
  bus.on('train:interrupted', (pending) => views.resume.show(pending));
  bus.on('train:invalid', ({ index, run, errors }) => {
    if (index !== undefined && index !== state.plan.selected) { state.plan.selected = index; changed({ rerender: true }); }
    views.showErrors(errors);
    views.messages.show({ level: 'error', text: `"${run.label}" cannot train yet: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}` });
  });
  bus.on('message', (m) => views.messages.show(m));
  bus.on('sweep:changed', (pool) => views.sweep.show(pool));
  bus.on('sweep:trial', ({ sweep: pool }) => views.sweep.show(pool));
  bus.on('sweep:crash', ({ message }) => views.messages.show({ level: 'error', text: `A sweep worker stopped working: ${message}. Its trial is marked crashed and a new worker takes the next one; the sweep goes on.` }));
}

async function main() {
  views = createViews(actions);
  const isolated = await settleIsolation();
  const decoded = decodePlan(location.hash);
  state.plan = decoded.plan;
  wire();
  openLink(decoded);
  // Leaving while a run trains asks first; if the student leaves anyway, the
  // run resumes from its last epoch's checkpoint on the next visit.
  window.addEventListener('beforeunload', (e) => {
    if (!session?.training && !sweepPool?.running) return;
    e.preventDefault();
    e.returnValue = '';
  });
  window.addEventListener('hashchange', () => {
    if (location.hash !== lastHash) openLink(decodePlan(location.hash));
  });

  const store = await new RunStore().open();
  client = new EngineClient(new URL('./worker.js', import.meta.url), {
    initOptions: { ...(forceSingle ? { variant: 'single' } : {}), ...(forcePlainSimd ? { simd: 'plain' } : {}) },
    onLog: (text) => console.warn('worker:', text),
    onCrash: ({ message, restarted }) => {
      const hadFashion = session.datasets.has('fashion-mnist');
      session.onCrash();
      views.messages.show({ level: 'error', text: `The training engine stopped working: ${message}. A new engine is starting; your finished runs are kept, but models must be trained again.` });
      restarted.then((info) => {
        views.status.engine(info);
        if (hadFashion) actions.loadFashion();
      }, (err) => views.messages.show({ level: 'error', text: err.message }));
    },
  });
  session = new Session({ client, store, bus });
  sweepPool = new SweepPool({ workerUrl: new URL('./worker.js', import.meta.url), store, bus, size: poolSize(navigator.hardwareConcurrency) });
  window.playground = { state, session, client, bus, schedule: previewer, sweep: sweepPool };
  await session.restore();
  await sweepPool.restore();
  if (!store.persistent) views.messages.show({ level: 'warn', text: 'This browser does not allow IndexedDB here: runs will not survive a reload (export them as JSON).' });
  views.status.isolation(isolated && !forceSingle, { forcedSingle: forceSingle && isolated });
  try {
    const info = await client.start();
    views.status.engine(info);
    views.data.ready(info);
    previewer.start(client);
    if (info.variant !== 'threads') views.status.isolation(false, { forcedSingle: forceSingle && isolated });
  } catch (err) {
    views.messages.show({ level: 'error', text: `The engine could not start: ${err.message}` });
    return;
  }
  views.setReady('engine');
  await actions.loadFashion();
  views.setReady('data');
}

main().catch((err) => {
  console.error(err);
  views?.messages.show({ level: 'error', text: `The page failed to start: ${err.message}` });
});
