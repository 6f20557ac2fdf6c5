// lesson.js: what a set of runs showed, from the numbers they measured and
// nothing else (issue 12, item 4): each run's difference from the book (the
// reference Keras notebook's number of the same kind, core/presets.js
// `reference`), the ranking by the metric the experiment is about, the epochs
// and seconds each run took to reach a chosen validation accuracy, and a
// one-line takeaway. No DOM: the comparison table (web/views/table-view.js)
// and the CLI (tools/train.js) say the same words.
//
// A run here is { label, status?, history?, result?, reference?, config? }: a
// page record, or the CLI's run with its runConfig result (statusOf gives its status).
import { PRESETS } from './presets.js';

// The reference numbers are single Keras runs: "expect noise of about ±1.5
// accuracy points" (shared/spec/chapter11-experiments.md). Within it is in band.
export const BOOK_BAND = 0.015;
export const DEFAULT_TARGET = 0.85;

// The kinds of number a reference reports, in the order one is picked when it
// has several (experiment 13 reports best val and test: its band is best val).
const KINDS = ['val_accuracy', 'best_val_accuracy', 'test_accuracy'];
export const METRIC_SHORT = { val_accuracy: 'val acc', best_val_accuracy: 'best val acc', test_accuracy: 'test acc' };
export const METRIC_NAMES = { val_accuracy: 'final validation accuracy', best_val_accuracy: 'best validation accuracy', test_accuracy: 'test accuracy' };

// Ties: equal to the 0.1 point the takeaway shows (a validation set of 2000
// images moves in steps of 0.05 points), so "tied" means the numbers read the same.
const TIE_STEP = 0.001;
// The engine's accuracies pass through float32: 1700/2000 may read 0.84999996.
const REACH_SLACK = 1e-6;

const finite = (v) => (Number.isFinite(v) ? v : null);
const historyOf = (run) => run.history ?? run.result?.history ?? [];
const statusOfRun = (run) => run.status ?? 'done';

export const percent = (v) => `${+(100 * v).toFixed(1)} %`;
export const points = (d) => `${d >= 0 ? '+' : '−'}${Math.abs(100 * d).toFixed(1)}`;
export const seconds = (s) => `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;

// The status of a CLI run from its runConfig result (the page keeps its own).
export function statusOf(result) {
  if (result.diverged) return 'diverged';
  if (result.error) return 'error';
  if (result.stopped_by_user || result.checkpoint) return 'stopped';
  return 'done';
}

// {kind, value} of the book's number a run is compared with, or null.
export function bookReference(reference) {
  const kind = KINDS.find((k) => Number.isFinite(reference?.[k]));
  return kind ? { kind, value: reference[kind] } : null;
}

// The run's own number of that kind, or null where it was not measured. While
// a run trains, its final validation accuracy is that of its latest epoch.
export function measured(run, kind) {
  const res = run.result ?? {};
  const vals = historyOf(run).map((m) => m.val_accuracy).filter(Number.isFinite);
  if (kind === 'val_accuracy') return finite(res.final_val_accuracy) ?? (vals.length ? vals[vals.length - 1] : null);
  if (kind === 'best_val_accuracy') return finite(res.best_val_accuracy) ?? (vals.length ? Math.max(...vals) : null);
  if (kind === 'test_accuracy') return finite(res.test_accuracy);
  return null;
}

const PRESET_RUNS = new Map(PRESETS.flatMap((p) => p.runs.map((r) => [r.config.name, r.config])));

// How a preset's run was made shorter than the book's (Quick try, --epochs), in
// words, or null: its number then answers a different question than the book's.
export function shorterThanBook(run) {
  const book = PRESET_RUNS.get(run.config?.name);
  if (!book) return null;
  const words = [];
  const [epochs, bookEpochs] = [run.config.fit?.epochs, book.fit?.epochs];
  if (epochs < bookEpochs) words.push(`${epochs} of the book's ${bookEpochs} epochs`);
  const [images, bookImages] = [run.config.data?.train?.count, book.data?.train?.count];
  if (images < bookImages) words.push(`${images} of its ${bookImages} training images`);
  return words.length ? words.join(', ') : null;
}

// Δ from the book: {kind, book, value, delta, inBand, final, shorter}; null
// without a reference; value and delta null when the run did not measure that
// number. final: the run ended normally; shorter: shorterThanBook. Only a final
// run as long as the book's is held against the book's band.
export function bookDelta(run) {
  const ref = bookReference(run.reference);
  if (!ref) return null;
  const value = measured(run, ref.kind);
  const delta = value === null ? null : value - ref.value;
  return {
    kind: ref.kind, book: ref.value, value, delta, inBand: delta === null ? null : Math.abs(delta) <= BOOK_BAND + 1e-9,
    final: statusOfRun(run) === 'done', shorter: shorterThanBook(run),
  };
}

// The first epoch whose validation accuracy reached target, with the training
// seconds up to its end: {reached: true, epoch, seconds}; {reached: false} when
// none did; null when the run measured no validation accuracy at all.
export function reach(run, target = DEFAULT_TARGET) {
  let total = 0;
  let measuredAny = false;
  for (const m of historyOf(run)) {
    total += m.seconds || 0;
    if (!Number.isFinite(m.val_accuracy)) continue;
    measuredAny = true;
    if (m.val_accuracy >= target - REACH_SLACK) return { reached: true, epoch: m.epoch, seconds: total };
  }
  return measuredAny ? { reached: false } : null;
}

// The metric the runs are about: the kind of the book's numbers when the runs
// that carry one agree on it (experiments 8 and 9 report the best epoch's),
// else the final validation accuracy.
export function lessonMetric(runs) {
  const kinds = new Set(runs.map((r) => bookReference(r.reference)?.kind).filter(Boolean));
  return kinds.size === 1 ? [...kinds][0] : 'val_accuracy';
}

const WHY = { training: 'still training', queued: 'queued', interrupted: 'interrupted', stopped: 'stopped before the end', diverged: 'diverged', error: 'failed', crashed: 'engine crashed' };

// Ranks the runs that ended normally by the metric (higher is better; equal
// to 0.1 point share a rank: 1, 2, 2, 4); the others are listed with why.
// Returns {runs, metric, target, ranked: [{run, value, rank, reach}] (best
// first, table order among equals), unranked: [{run, why}], rankOf: Map(run -> rank)}.
export function lesson(runs, { target = DEFAULT_TARGET } = {}) {
  const metric = lessonMetric(runs);
  const ranked = [];
  const unranked = [];
  for (const run of runs) {
    const status = statusOfRun(run);
    const value = measured(run, metric);
    if (run.config?.analysis) unranked.push({ run, why: 'an analysis, not trained' });
    else if (status !== 'done') unranked.push({ run, why: WHY[status] ?? status });
    else if (value === null) unranked.push({ run, why: `no ${METRIC_NAMES[metric]} measured` });
    else ranked.push({ run, value, key: Math.round(value / TIE_STEP), reach: reach(run, target) });
  }
  ranked.sort((a, b) => b.key - a.key); // stable: equal runs keep the table's order
  for (const r of ranked) r.rank = 1 + ranked.filter((o) => o.key > r.key).length;
  return { runs, metric, target, ranked, unranked, rankOf: new Map(ranked.map((r) => [r.run, r.rank])) };
}

const names = (list) => (list.length <= 1 ? list.join('') : `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`);
const someNames = (list, most = 3) => (list.length <= most ? names(list) : `${list.slice(0, most).join(', ')} and ${list.length - most} more`);
const epochs = (n) => `${n} epoch${n === 1 ? '' : 's'}`;

// The one line: the run ranked first (all of them when tied) with its number
// and the book's, other ties, who reached the target and how fast, and the
// runs not ranked with why. Only what the runs measured. l: lesson(runs).
export function takeaway(l) {
  const runs = l.runs;
  const short = METRIC_SHORT[l.metric];
  const parts = [];
  if (!runs.length) return 'No runs to compare yet.';
  const first = l.ranked.filter((r) => r.rank === 1);
  if (!first.length) {
    parts.push(l.unranked.some((u) => u.why === 'still training' || u.why === 'queued') ? 'No run has finished yet' : 'No run to rank');
  } else {
    const value = percent(first[0].value);
    if (runs.length === 1) parts.push(`${first[0].run.label}: ${value} ${short}`);
    else if (first.length > 1) parts.push(`Best: ${names(first.map((r) => r.run.label))}, tied at ${value} ${short}`);
    else parts.push(`Best: ${first[0].run.label} with ${value} ${short}`);
    const d = first.length === 1 ? bookDelta(first[0].run) : null;
    if (d && d.kind === l.metric && d.delta !== null) {
      parts[0] += d.shorter ? ` (book ${percent(d.book)} from a longer run; this one had ${d.shorter})`
        : ` (book ${percent(d.book)} ±${100 * BOOK_BAND}: ${d.inBand ? 'in band' : `out of band, ${points(d.delta)} points`})`;
    }
    for (const key of new Set(l.ranked.filter((r) => r.rank > 1).map((r) => r.key))) {
      const tied = l.ranked.filter((r) => r.key === key);
      if (tied.length > 1) parts.push(`${names(tied.map((r) => r.run.label))} tied at ${percent(tied[0].value)}`);
    }
    parts.push(...reachWords(l));
  }
  if (l.unranked.length) parts.push(`not ranked: ${someNames(l.unranked.map((u) => `${u.run.label} (${u.why})`), 4)}`);
  return `${parts.join('; ')}.`;
}

// "85 % val acc reached by Nadam in 3 epochs (9.2 s), then Adam in 4, SGD in 9;
// not by RMSprop": fastest first (epochs, then seconds).
function reachWords(l) {
  const measuredRuns = l.ranked.filter((r) => r.reach);
  if (!measuredRuns.length) return [];
  const target = `${percent(l.target)} val acc`;
  const reached = measuredRuns.filter((r) => r.reach.reached).sort((a, b) => a.reach.epoch - b.reach.epoch || a.reach.seconds - b.reach.seconds);
  const missed = measuredRuns.filter((r) => !r.reach.reached).map((r) => r.run.label);
  if (!reached.length) return [`none reached ${target}`];
  const [fast, ...rest] = reached;
  let words = `${target} reached by ${fast.run.label} in ${epochs(fast.reach.epoch)} (${seconds(fast.reach.seconds)})`;
  if (rest.length > 3) words += `, last by ${rest[rest.length - 1].run.label} in ${rest[rest.length - 1].reach.epoch}`;
  else if (rest.length) words += `, then ${rest.map((r) => `${r.run.label} in ${r.reach.epoch}`).join(', ')}`;
  if (missed.length) words += `; not by ${someNames(missed)}`;
  return [words];
}
