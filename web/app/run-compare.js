// run-compare.js: what the curve charts say about runs side by side: which
// runs' curves coincide, so that one line hides another ("copy: identical to
// ReLU", or "LeakyReLU(0.01): overlaps ReLU" when they differ by less than a
// line's width), and each run's validation accuracy minus the first run's, per epoch.
// Runs are session records ({label, status, history: [{epoch, loss, ...}]}),
// in the order the page shows them (a plan's runs in plan order). No DOM here.
const KEYS = ['loss', 'accuracy', 'val_loss', 'val_accuracy'];

// Identical: equal within float noise. The metrics are float32 sums in a fixed
// order, but the SIMD and scalar kernels round differently (docs/DECISIONS.md),
// about 1e-7 relative: a tenfold margin on that. One image of a 100,000-image
// validation split (1e-5) is a difference.
const NOISE = 1e-6;
// Overlapping: apart by less than the charts can show. Accuracy within half a
// point and loss within 1 % are a pixel or two at the charts' scale, so one line
// covers the other (ReLU and LeakyReLU(0.01) in experiment 4).
const OVERLAP = { accuracy: 0.005, loss: 0.01 };

// How two runs' curves compare: 'identical', 'overlapping' or null, over every
// epoch both finished, and never when one run ended while the other went on.
// With the largest gaps seen: accuracy in points, loss relative.
export function compareCurves(a, b) {
  const ha = a.history ?? [];
  const hb = b.history ?? [];
  const n = Math.min(ha.length, hb.length);
  if (!n) return null;
  if (ha.length !== hb.length && (ha.length < hb.length ? a : b).status !== 'training') return null;
  let identical = true;
  let accuracy = 0;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    if (ha[i].epoch !== hb[i].epoch) return null;
    for (const k of KEYS) {
      const x = ha[i][k];
      const y = hb[i][k];
      if (Number.isFinite(x) !== Number.isFinite(y)) return null;
      if (!Number.isFinite(x)) continue;
      const scale = Math.max(1, Math.abs(x), Math.abs(y));
      if (Math.abs(x - y) > NOISE * scale) identical = false;
      const gap = Math.abs(x - y);
      if (k.endsWith('loss')) loss = Math.max(loss, gap && gap / Math.max(Math.abs(x), Math.abs(y)));
      else accuracy = Math.max(accuracy, gap);
    }
  }
  if (identical) return { kind: 'identical', epochs: n };
  if (accuracy <= OVERLAP.accuracy && loss <= OVERLAP.loss) return { kind: 'overlapping', epochs: n, accuracy: accuracy * 100, loss };
  return null;
}

export const sameCurves = (a, b) => compareCurves(a, b)?.kind === 'identical';

// Each run whose curves coincide with an earlier run's: {record, same (the
// earliest such run, itself not labelled), kind, epochs, and the gaps}. An
// identical run is preferred to an overlapping one.
export function coincidingRuns(records) {
  const out = [];
  for (const [i, r] of records.entries()) {
    const found = records.slice(0, i).filter((q) => !out.some((o) => o.record === q)).map((q) => ({ same: q, ...compareCurves(q, r) })).filter((x) => x.kind);
    const pick = found.find((x) => x.kind === 'identical') ?? found[0];
    if (pick) out.push({ record: r, ...pick });
  }
  return out;
}

// Δ validation accuracy of each later run against the first run that has one,
// in percentage points, at the epochs both finished.
export function differenceFromFirst(records) {
  const withVal = (r) => (r.history ?? []).filter((m) => Number.isFinite(m.val_accuracy));
  const [first, ...rest] = records.filter((r) => withVal(r).length);
  if (!first) return { first: null, series: [] };
  const base = new Map(withVal(first).map((m) => [m.epoch, m.val_accuracy]));
  return {
    first,
    series: rest.map((record) => ({ record, points: withVal(record).filter((m) => base.has(m.epoch)).map((m) => ({ x: m.epoch, y: (m.val_accuracy - base.get(m.epoch)) * 100 })) })),
  };
}
