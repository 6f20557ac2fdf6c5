// checkpoint-meta.js: the metadata of a training checkpoint (core/run.js writes
// it after every epoch, readCheckpoint reads it back) as JSON: the configuration,
// the phase, the history and the layer statistics so far, what a resumed run
// needs to go on and to show again what it had shown (curves, layer health).
// Metrics and statistics may be NaN or infinite: kept as strings through JSON.
const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);
const toJson = (v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);
const fromJson = (v) => (NON_FINITE.has(v) ? Number(v) : v);
const mapValues = (row, f) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, f(v)]));

// The layer statistics are most of a long run's metadata (a layer-stats event
// every 200 batches: ten an epoch on the full training set), so a checkpoint
// keeps them bounded: numbers to 6 significant digits (the page shows 3: charts,
// their tables, percentages to 0.1 point; the per-layer table up to 3 decimals),
// the in-epoch samples only with what the page draws over training
// (web/views/health-view.js OVER_TIME), every statistic of the epoch ends (the
// per-layer charts and table show the last one), and each row as a list of
// numbers under the names written once. Measured in docs/ARCHITECTURE.md (Checkpoints).
export const SAMPLED_STATS = ['grad_norm', 'saturated', 'dead'];
const STATS_DIGITS = 6;

// What a checkpoint keeps of one onLayerStats call (rows, epoch, source): {epoch, source, layers}.
export function keptLayerStats(rows, epoch, source) {
  const round = (v) => (Number.isFinite(v) ? Number(v.toPrecision(STATS_DIGITS)) : v);
  const names = (row) => (source === 'batch' ? SAMPLED_STATS.filter((k) => k in row) : Object.keys(row));
  return { epoch, source, layers: rows.map((row) => Object.fromEntries(names(row).map((k) => [k, round(row[k])]))) };
}

// Kept entries as {fields: {source: names}, entries: [[epoch, source, [[numbers of a layer], ...]]]},
// JSON-safe; the page's IndexedDB checkpoint record keeps them so too.
export function packLayerHistory(history) {
  const fields = {}; // source -> the statistics' names, in the order of each row's numbers
  const entries = history.map(({ epoch, source, layers }) => {
    const names = (fields[source] ??= Object.keys(layers[0] ?? {}));
    return [epoch, source, layers.map((row) => names.map((k) => toJson(row[k])))];
  });
  return { fields, entries };
}

// Back to [{epoch, source, layers}] (nothing packed, as in checkpoints written
// before the layer statistics were kept: none). A damaged record loses only
// the entries it cannot read: the run still resumes, with fewer health points.
export function unpackLayerHistory(packed) {
  const fields = packed?.fields ?? {}, entries = packed?.entries;
  if (!Array.isArray(entries)) return [];
  const readable = ([epoch, source, layers] = []) => Array.isArray(fields[source]) && Array.isArray(layers) && layers.every(Array.isArray) && Number.isFinite(epoch);
  return entries.filter((e) => Array.isArray(e) && readable(e)).map(([epoch, source, layers]) => ({
    epoch, source, layers: layers.map((values) => Object.fromEntries(fields[source].map((k, i) => [k, fromJson(values[i])]))),
  }));
}

// meta: {kind: 'checkpoint', run, config, phase, offset, history, layer_history: [keptLayerStats(...)]}.
export function checkpointJson(meta) {
  return JSON.stringify({ ...meta, history: meta.history.map((m) => mapValues(m, toJson)), layer_history: packLayerHistory(meta.layer_history) });
}

// The metadata back, as checkpointJson was given it.
export function parseCheckpointMeta(text) {
  const meta = JSON.parse(text);
  meta.history = meta.history.map((m) => mapValues(m, fromJson));
  meta.layer_history = unpackLayerHistory(meta.layer_history);
  return meta;
}
