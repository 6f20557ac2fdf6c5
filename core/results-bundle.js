// results-bundle.js: a finished run as files to keep or share: the per-epoch
// metrics as CSV (one row per epoch, the engine's metric names as columns) and
// a JSON document with the same history plus what is needed to reproduce and
// compare it: the configuration, the seed, the engine version and variant
// (threads / SIMD), the run's summary numbers, and the learning-rate schedule
// in the steps training used (a schedule given in epochs resolved by
// config.js resolveSchedule, as runConfig records it), and the run's warnings
// in words (run-warnings.js: a run that learned nothing).
import { METRIC_NAMES } from '../wasm/engine.js';

export const BUNDLE_FORMAT = 'chapter11-playground-results';
export const BUNDLE_VERSION = 1;

// Summary fields of a runConfig result, in the order they are written.
const SUMMARY_KEYS = [
  'epochs', 'best_epoch', 'best_val_accuracy', 'final_accuracy', 'final_val_loss', 'final_val_accuracy', 'overfit_gap',
  'test_loss', 'test_accuracy', 'stopped_early', 'stop_epoch', 'restored_epoch', 'restored_checkpoint', 'stopped_by_user', 'diverged',
  'unfrozen_after_epoch', 'pruned_fraction', 'sparsity', 'params', 'trainable_params', 'train_seconds', 'inference_seconds', 'inference_samples', 'seconds',
];

// One CSV field. A number in its shortest round-trip form, empty when not
// finite (val_loss is NaN without a validation set). Text quoted when it holds
// a comma, a double quote or a line break, quotes doubled (RFC 4180, section 2);
// text a spreadsheet would run as a formula (a run named "=HYPERLINK(...)":
// first character =, +, -, @, tab or carriage return) gets a leading
// apostrophe, as OWASP's "CSV Injection" page advises.
export function csvField(value) {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
// A number as JSON writes it: null when not finite.
const jsonValue = (v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);

export function historyCsv(history) {
  const rows = [METRIC_NAMES.map(csvField).join(',')];
  for (const m of history) rows.push(METRIC_NAMES.map((k) => csvField(m[k])).join(','));
  return rows.join('\n') + '\n';
}

// result: what runConfig returns; engineInfo: engine.info ({version, variant,
// simd, relaxed, threads, host}); config: the run configuration.
// options.created: a date to record (left out by default, so equal runs give equal files).
// Returns { csv, json } (strings).
export function resultsBundle(result, engineInfo = {}, config = null, { created } = {}) {
  const history = (result.history ?? []).map((m) => Object.fromEntries(METRIC_NAMES.map((k) => [k, jsonValue(m[k] ?? null)])));
  const summary = {};
  for (const k of SUMMARY_KEYS) if (result[k] !== undefined) summary[k] = jsonValue(result[k]);
  const doc = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    run: result.run ?? config?.name ?? null,
    ...(created !== undefined && created !== null ? { created: new Date(created).toISOString() } : {}),
    seed: result.seed ?? config?.seed ?? 42,
    engine: {
      version: engineInfo.version ?? result.engine_version ?? null,
      variant: engineInfo.variant ?? result.variant ?? null,
      simd: engineInfo.simd ?? null,
      relaxed: engineInfo.relaxed ?? null, // fused multiply-add: last bits differ from the plain build
      threads: engineInfo.threads ?? result.threads ?? null,
      host: engineInfo.host ?? null,
    },
    config,
    ...(result.steps_per_epoch ? {
      resolved: { train_images: result.train_images, steps_per_epoch: result.steps_per_epoch, total_steps: result.total_steps, schedule: result.schedule ?? null },
    } : {}),
    summary,
    columns: METRIC_NAMES,
    history,
    ...(result.layer_stats ? { layer_stats: result.layer_stats } : {}),
    ...(result.error ? { error: result.error } : {}),
    ...(result.warnings?.length ? { warnings: result.warnings } : {}),
  };
  return { csv: historyCsv(result.history ?? []), json: JSON.stringify(doc, (k, v) => jsonValue(v), 2) + '\n' };
}
