// results-table.js: writes docs/results.md from the JSON lines that
// tools/reproduce.sh keeps in docs/results/<experiment>.jsonl, next to the
// numbers the reference Keras notebook reported (core/presets.js).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRESETS } from '../core/presets.js';
import { bookReference } from '../core/lesson.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'docs/results');
const pct = (v) => (Number.isFinite(v) ? (100 * v).toFixed(2) : '–');
const sec = (v) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : '–');

const KIND_WORDS = { val_accuracy: 'val', best_val_accuracy: 'best val', test_accuracy: 'test' };
function refValue(ref) {
  const book = bookReference(ref);
  return book ? [book.value, KIND_WORDS[book.kind]] : [null, ''];
}

const lines = [
  '# Reproduction of the chapter 11 experiments',
  '',
  'Every experiment of `shared/spec/chapter11-experiments.md` run headless in full with the WASM',
  'engine (`bash tools/reproduce.sh`, which runs `npm run train -- expNN --json` for each and then',
  'this table). "Ours" is the number of the same kind as the reference: the final-epoch validation',
  'accuracy where the reference reports "val", the best epoch\'s where it reports "best val", the',
  'test accuracy where it reports "test". The reference numbers are single Keras runs (about ±1.5',
  'points of noise). Δ = ours − reference, in accuracy points. Times are wall-clock for the whole',
  'run (training + validation every epoch) on this 2-core machine, one engine thread.',
  '',
];

for (const exp of PRESETS.filter((p) => /^exp(0\d|1[0-3])$/.test(p.id))) {
  const file = path.join(dir, `${exp.id}.jsonl`);
  lines.push(`## ${exp.id}: ${exp.title}`, '', `Command: \`npm run train -- ${exp.id}\``, '');
  if (!fs.existsSync(file)) {
    lines.push('_Not run yet._', '');
    continue;
  }
  const events = fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const done = new Map(events.filter((e) => e.event === 'done').map((e) => [e.run, e]));
  if (exp.analysis) {
    for (const run of exp.runs) {
      const d = done.get(run.id);
      if (!d?.layers) continue;
      // Deep nets: every few layers keep the table readable.
      const step = d.layers.length > 12 ? Math.ceil((d.layers.length - 1) / 8) : 1;
      const hidden = d.layers.slice(0, -1).map((l, i) => ({ ...l, n: i + 1 })).filter((l) => (l.n - 1) % step === 0 || l.n === d.layers.length - 1);
      lines.push(`**${run.label}** (untrained, ${run.config.analysis.samples} training images)`, '');
      lines.push(`| layer | ${hidden.map((l) => l.n).join(' | ')} |`, `|---|${hidden.map(() => '---').join('|')}|`);
      lines.push(`| activation mean | ${hidden.map((l) => l.mean.toPrecision(3)).join(' | ')} |`);
      lines.push(`| activation std | ${hidden.map((l) => l.std.toPrecision(3)).join(' | ')} |`);
      if (exp.id === 'exp01') {
        lines.push(`| saturated % (ours) | ${hidden.map((l) => (100 * l.saturated).toFixed(1)).join(' | ')} |`);
        lines.push(`| saturated % (reference) | ${run.reference.saturated.map((s) => (100 * s).toFixed(1)).join(' | ')} |`);
      }
      lines.push(`| gradient std | ${hidden.map((l) => l.grad_std.toPrecision(3)).join(' | ')} |`, '');
    }
    continue;
  }
  lines.push('| run | reference | ours | Δ | best val (epoch) | final train acc | test acc | epochs | time s |', '|---|---|---|---|---|---|---|---|---|');
  for (const run of exp.runs) {
    const d = done.get(run.id);
    const [ref, kind] = refValue(run.reference);
    if (!d) {
      lines.push(`| ${run.label} | ${pct(ref)} ${kind} | not run | | | | | | |`);
      continue;
    }
    const epochs = events.filter((e) => e.event === 'epoch' && e.run === run.id);
    const last = epochs[epochs.length - 1];
    const ours = kind === 'best val' ? d.best_val_accuracy : kind === 'test' ? d.test_accuracy : last?.val_accuracy;
    const delta = Number.isFinite(ref) && Number.isFinite(ours) ? ((ours - ref) * 100).toFixed(2) : '–';
    lines.push(`| ${run.label} | ${pct(ref)} ${kind} | ${pct(ours)}${d.error ? ` (${d.error})` : ''} | ${delta} | ${pct(d.best_val_accuracy)} (${d.best_epoch ?? '–'}) | ${pct(last?.accuracy)} | ${pct(d.test_accuracy)} | ${d.epochs}${d.stop_epoch ? ` (early stop)` : ''} | ${sec(d.seconds)} |`);
  }
  lines.push('');
}

// Hand-written sections after the tables: the chapter's tools measured on
// experiment 13's model (mc-lr.md, with the commands that produced them), then the notes.
for (const name of ['mc-lr.md', 'notes.md']) {
  const file = path.join(dir, name);
  if (fs.existsSync(file)) lines.push(fs.readFileSync(file, 'utf8').trim(), '');
}
fs.writeFileSync(path.join(root, 'docs/results.md'), lines.join('\n'));
console.log('wrote docs/results.md');
