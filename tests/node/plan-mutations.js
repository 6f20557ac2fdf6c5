// plan-mutations.js: hostile share links for the decoder's fuzz tests (the
// Node one, tests/node/plan-link.test.js, and the page's, tests/browser/trust.test.js):
// a seeded generator and one random change of a JSON tree at a time.
// A seeded generator (the sweep's mulberry32), so a failure is reproducible from its seed.
export { randomGenerator as rng } from '../../core/sweep.js';

export const toBase64Url = (text) => Buffer.from(text, 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

function randomValue(r, depth = 0) {
  const pick = Math.floor(r() * 14);
  switch (pick) {
    case 0: return null;
    case 1: return -1;
    case 2: return Math.floor(r() * 2 ** 32) - 2 ** 31;
    case 3: return r() * 1e9;
    case 4: return '';
    case 5: return 'x'.repeat(Math.floor(r() * 40));
    case 6: return '<img src=x onerror=alert(1)>';
    case 7: return true;
    case 8: return [];
    case 9: return {};
    case 10: return depth < 3 ? [randomValue(r, depth + 1), randomValue(r, depth + 1)] : 0;
    case 11: return depth < 3 ? { type: randomValue(r, depth + 1), units: randomValue(r, depth + 1) } : 1;
    case 12: return '__proto__';
    default: return 0.5;
  }
}

// Replaces, deletes or adds one value somewhere in a JSON tree.
export function mutate(value, r) {
  const paths = [];
  const walk = (v, p) => {
    paths.push(p);
    if (v && typeof v === 'object') for (const k of Object.keys(v)) walk(v[k], [...p, k]);
  };
  walk(value, []);
  const target = paths[Math.floor(r() * paths.length)];
  if (!target.length) return r() < 0.5 ? randomValue(r) : value;
  const parent = target.slice(0, -1).reduce((v, k) => v[k], value);
  const key = target[target.length - 1];
  const op = r();
  if (op < 0.6) parent[key] = randomValue(r);
  else if (op < 0.8) Array.isArray(parent) ? parent.splice(Number(key), 1) : delete parent[key];
  else parent[r() < 0.5 ? 'extra' : key] = randomValue(r);
  return value;
}

