// export.js: results as files a student can keep or load into a notebook:
// CSV (one row per run and epoch) and JSON (configs, seeds, engine, histories).
import { METRIC_NAMES } from '../wasm/engine.js';

const csvCell = (v) => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(v) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function runsToCsv(runs) {
  const head = ['run', 'label', 'experiment', 'seed', 'engine_version', 'variant', 'threads', ...METRIC_NAMES];
  const lines = [head.join(',')];
  for (const r of runs)
    for (const m of r.history ?? [])
      lines.push([r.id, r.label, r.experiment, r.config?.seed ?? 42, r.engine?.version, r.engine?.variant, r.engine?.threads, ...METRIC_NAMES.map((k) => m[k])].map(csvCell).join(','));
  return `${lines.join('\n')}\n`;
}

export function runsToJson(runs, engineInfo) {
  return JSON.stringify({
    exported_at: new Date().toISOString(),
    engine: engineInfo ?? null,
    runs: runs.map((r) => ({
      id: r.id, label: r.label, experiment: r.experiment, status: r.status, seed: r.config?.seed ?? 42, engine: r.engine,
      config: r.config, reference: r.reference, result: r.result, error: r.error, history: r.history, layer_stats: r.layerStats,
      started_at: r.startedAt ? new Date(r.startedAt).toISOString() : null,
    })),
  }, null, 2);
}

export const fileStem = (text) => String(text ?? 'run').replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '') || 'run';
