// run-compare.js: what the curve charts say about runs side by side: which
// runs' curves coincide (so one line hides another: "LeakyReLU: identical to
// ReLU") and each run's validation accuracy minus the first run's, per epoch.
// Runs are session records ({label, status, history: [{epoch, loss, ...}]}),
// in the order the page shows them (a plan's runs in plan order). No DOM here.
const KEYS = ['loss', 'accuracy', 'val_loss', 'val_accuracy'];

// Within float noise: the metrics are float32 sums over a batch order that is
// fixed, but the SIMD and scalar kernels round differently (docs/ARCHITECTURE.md),
// about 1e-7 relative; a tenfold margin on that, and one image of a 100,000-image
// validation split (1e-5) still counts as a difference.
const close = (a, b) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));

// Two runs coincide when every metric of every epoch both finished is equal
// within float noise, and neither ended while the other went on.
export function sameCurves(a, b) {
  const ha = a.history ?? [];
  const hb = b.history ?? [];
  const n = Math.min(ha.length, hb.length);
  if (!n) return false;
  if (ha.length !== hb.length && (ha.length < hb.length ? a : b).status !== 'training') return false;
  for (let i = 0; i < n; i++) {
    if (ha[i].epoch !== hb[i].epoch) return false;
    for (const k of KEYS) {
      const x = ha[i][k];
      const y = hb[i][k];
      if (Number.isFinite(x) !== Number.isFinite(y)) return false;
      if (Number.isFinite(x) && !close(x, y)) return false;
    }
  }
  return true;
}

// Each run whose curves coincide with an earlier run's: {record, same (the
// earliest such run, itself not labelled), epochs (how many were compared)}.
export function coincidingRuns(records) {
  const out = [];
  for (const [i, r] of records.entries()) {
    const same = records.slice(0, i).find((q) => !out.some((o) => o.record === q) && sameCurves(q, r));
    if (same) out.push({ record: r, same, epochs: Math.min(r.history.length, same.history.length) });
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
