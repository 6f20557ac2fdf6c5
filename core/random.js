// random.js: the host's seeded random numbers (the engine draws its own, engine/rng.c).
// One generator for the sweep's draws and the seeds of a run's later phases.

// A small seeded generator (mulberry32, public domain, Tommy Ettinger): the
// seed alone decides every draw, in the page and in Node alike.
export function randomGenerator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The fit seed (shuffling and dropout) of phase `phase` of a run whose seed is
// `seed`, phase k being the run's (k+1)-th model.fit (fitPhase below numbers
// them): phase 0 (the first fit) uses the run's seed; each later phase (a
// two-phase transfer's unfrozen fit, pruning's fine-tuning) gets its own, the
// phase-th draw of the run's generator, a whole number from 0 to 2^32 - 1. In
// Keras a second model.fit draws on from the global random state that
// keras.utils.set_random_seed seeded once, so its epochs are shuffled (and its
// dropout masks drawn) differently from the first fit's; reusing the run's
// seed would replay the first fit's orders epoch for epoch.
export function phaseSeed(seed, phase) {
  if (phase === 0) return seed;
  const next = randomGenerator(seed);
  let u = 0;
  for (let i = 0; i < phase; i++) u = next();
  return Math.floor(u * 4294967296);
}

// The phase number of each of a run's fits, in the order the run (core/run.js)
// and its Keras script call them: the first fit; a two-phase transfer's unfrozen
// fit; pruning's fine-tuning, the last, whether or not the run had an unfrozen
// phase before it. unfrozen: whether the run has a two-phase transfer.
export function fitPhase(purpose, { unfrozen = false } = {}) {
  switch (purpose) {
    case 'fit': return 0;
    case 'unfrozen': return 1;
    case 'fine-tune': return unfrozen ? 2 : 1;
    default: throw new Error(`no fit phase named ${purpose}`);
  }
}
