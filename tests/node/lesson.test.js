// What a set of runs showed (issue 12, item 4; core/lesson.js): the Δ from the
// book and its band, the ranking by the experiment's metric (ties, runs that
// did not end normally never win), epochs and seconds to a validation accuracy
// ("not reached", "not measured"), and the takeaway line for fixed histories.
// The CLI's lesson event and line come from the same module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { root } from './helpers.js';
import { lesson, takeaway, bookDelta, bookReference, reach, lessonMetric, statusOf, shorterThanBook } from '../../core/lesson.js';
import { findPreset } from '../../core/presets.js';

// A history of validation accuracies, 3 s an epoch.
const history = (vals, secs = 3) => vals.map((v, i) => ({ epoch: i + 1, val_accuracy: v, accuracy: v + 0.02, loss: 1 - v, seconds: secs }));
const run = (label, vals, extra = {}) => ({ label, status: 'done', history: history(vals, extra.secs), reference: {}, ...extra });

test('the book number is the reference\'s first kind; Δ is measured minus book, in band within ±1.5 points', () => {
  assert.deepEqual(bookReference({ val_accuracy: 0.849, accuracy: 0.867 }), { kind: 'val_accuracy', value: 0.849 });
  assert.deepEqual(bookReference({ test_accuracy: 0.9022, best_val_accuracy: 0.9048 }), { kind: 'best_val_accuracy', value: 0.9048 });
  assert.equal(bookReference({ saturated: [0.69] }), null);
  assert.equal(bookReference(undefined), null);

  const inBand = bookDelta(run('ELU', [0.80, 0.86, 0.84], { reference: { val_accuracy: 0.854 } }));
  assert.equal(inBand.kind, 'val_accuracy');
  assert.ok(Math.abs(inBand.delta - (0.84 - 0.854)) < 1e-12, 'the final epoch, not the best, against a "val" reference');
  assert.equal(inBand.inBand, true);
  assert.equal(inBand.final, true);
  const best = bookDelta(run('Adam', [0.80, 0.86, 0.84], { reference: { best_val_accuracy: 0.87 } }));
  assert.ok(Math.abs(best.delta - (0.86 - 0.87)) < 1e-12, 'the best epoch against a "best val" reference');
  const out = bookDelta(run('SGD', [0.60, 0.70], { reference: { val_accuracy: 0.85 } }));
  assert.equal(out.inBand, false);
  assert.equal(bookDelta(run('x', [0.8], { reference: { test_accuracy: 0.9 } })).delta, null, 'no test accuracy measured: no Δ');
  assert.equal(bookDelta(run('x', [0.8])), null, 'no reference: no Δ');
  const partial = bookDelta(run('live', [0.7], { status: 'training', reference: { val_accuracy: 0.85 } }));
  assert.equal(partial.final, false, 'a run still training is not held against the book yet');
  // The result's own numbers win over the history (restore_best_weights evaluates the restored model).
  assert.equal(bookDelta({ label: 'r', result: { final_val_accuracy: 0.9, history: history([0.8]) }, reference: { val_accuracy: 0.9 } }).delta, 0);
});

test('a preset run shorter than the book\'s (Quick try, --epochs) is not held against the book\'s band', () => {
  const he = findPreset('exp03/he').runs[0];
  const quick = { ...he.config, fit: { ...he.config.fit, epochs: 3 }, data: { ...he.config.data, train: { ...he.config.data.train, count: 1000 } } };
  assert.equal(shorterThanBook({ config: he.config }), null, 'the preset as it is');
  assert.equal(shorterThanBook({ config: quick }), '3 of the book\'s 10 epochs, 1000 of its 20000 training images');
  assert.equal(shorterThanBook({ config: { ...quick, name: 'my-net' } }), null, 'not a preset run: nothing to say');
  const r = run('He normal + ReLU', [0.2, 0.3], { config: quick, reference: he.reference });
  assert.equal(bookDelta(r).shorter, shorterThanBook(r));
  assert.equal(takeaway(lesson([r])), 'He normal + ReLU: 30 % val acc (book 85 % from a longer run; this one had 3 of the book\'s 10 epochs, 1000 of its 20000 training images); none reached 85 % val acc.');
});

test('epochs and seconds to the target: the first epoch at or above it, "not reached", or not measured', () => {
  // The seconds are the history's own per-epoch figures added up (a fixture, no clock).
  const a = run('a', [0.80, 0.84, 0.85, 0.87]);
  const firstThree = a.history.slice(0, 3).reduce((sum, m) => sum + m.seconds, 0);
  assert.deepEqual(reach(a, 0.85), { reached: true, epoch: 3, seconds: firstThree });
  assert.deepEqual(reach(run('b', [0.80, 0.84]), 0.85), { reached: false });
  assert.equal(reach({ label: 'analysis', history: [{ epoch: 1, accuracy: 0.9, seconds: 1 }] }, 0.85), null, 'no validation accuracy: nothing to say');
  assert.deepEqual(reach(run('c', [0.84999996]), 0.85), { reached: true, epoch: 1, seconds: 3 }, '1700/2000 through float32 counts');
});

test('ranking: higher is better, equal to 0.1 point share a rank, runs that did not end normally never win', () => {
  const runs = [
    run('SGD', [0.80, 0.83]),
    run('ReLU', [0.84, 0.8512]),
    run('LeakyReLU', [0.84, 0.8508]),
    run('diverged', [0.95], { status: 'diverged' }),
    run('stopped', [0.96], { status: 'stopped' }),
    run('crashed', [0.97], { status: 'crashed' }),
    run('live', [0.98], { status: 'training' }),
    run('ELU', [0.86, 0.861]),
  ];
  const l = lesson(runs);
  assert.equal(l.metric, 'val_accuracy');
  assert.deepEqual(l.ranked.map((r) => [r.run.label, r.rank]), [['ELU', 1], ['ReLU', 2], ['LeakyReLU', 2], ['SGD', 4]]);
  assert.deepEqual(l.unranked.map((u) => [u.run.label, u.why]), [['diverged', 'diverged'], ['stopped', 'stopped before the end'], ['crashed', 'engine crashed'], ['live', 'still training']]);
  assert.equal(l.rankOf.get(runs[7]), 1);
  assert.equal(l.rankOf.get(runs[3]), undefined);
});

test('the metric follows the book: best val where the references report it, final val otherwise or when they disagree', () => {
  assert.equal(lessonMetric([run('a', [0.8], { reference: { best_val_accuracy: 0.87 } }), run('b', [0.8], { reference: { best_val_accuracy: 0.86 } })]), 'best_val_accuracy');
  assert.equal(lessonMetric([run('a', [0.8], { reference: { best_val_accuracy: 0.87 } }), run('b', [0.8], { reference: { val_accuracy: 0.86 } })]), 'val_accuracy');
  assert.equal(lessonMetric([run('a', [0.8]), run('b', [0.8])]), 'val_accuracy');
  // Ranked by best val: the run whose last epoch fell back still wins on its best one.
  const l = lesson([run('Nadam', [0.85, 0.88, 0.86], { reference: { best_val_accuracy: 0.864 } }), run('SGD', [0.80, 0.87], { reference: { best_val_accuracy: 0.8575 } })]);
  assert.equal(l.ranked[0].run.label, 'Nadam');
});

test('the takeaway for fixed histories names the first-ranked run and states only what was measured', () => {
  const nadam = run('Nadam', [0.82, 0.84, 0.852, 0.86, 0.865], { reference: { best_val_accuracy: 0.864 } });
  const sgd = run('SGD', [0.70, 0.78, 0.81, 0.83, 0.84, 0.845, 0.848, 0.849, 0.851], { reference: { best_val_accuracy: 0.8575 } });
  const adam = run('Adam', [0.83, 0.84, 0.845], { reference: { best_val_accuracy: 0.87 } });
  const rms = run('RMSprop', [0.5], { status: 'diverged', reference: { best_val_accuracy: 0.862 } });
  assert.equal(takeaway(lesson([nadam, sgd, adam, rms])),
    'Best: Nadam with 86.5 % best val acc (book 86.4 % ±1.5: in band); 85 % val acc reached by Nadam in 3 epochs (9.0 s), then SGD in 9; not by Adam; not ranked: RMSprop (diverged).');
  assert.equal(takeaway(lesson([nadam, sgd], { target: 0.9 })),
    'Best: Nadam with 86.5 % best val acc (book 86.4 % ±1.5: in band); none reached 90 % val acc.');
  // Out of band, in words and points.
  assert.equal(takeaway(lesson([run('SELU', [0.80, 0.82], { reference: { val_accuracy: 0.8515 } }), run('ELU', [0.80, 0.81], { reference: { val_accuracy: 0.854 } })], { target: 0.95 })),
    'Best: SELU with 82 % val acc (book 85.2 % ±1.5: out of band, −3.2 points); none reached 95 % val acc.');
});

test('the takeaway with ties, one run, runs still training and no finished run', () => {
  const relu = run('ReLU', [0.84, 0.849], { reference: { val_accuracy: 0.849 } });
  const leaky = run('LeakyReLU', [0.84, 0.849], { reference: { val_accuracy: 0.849 } });
  const bn = run('BN', [0.86, 0.881], { reference: { val_accuracy: 0.857 } });
  assert.equal(takeaway(lesson([relu, leaky], { target: 0.9 })), 'Best: ReLU and LeakyReLU, tied at 84.9 % val acc; none reached 90 % val acc.');
  assert.equal(takeaway(lesson([relu, leaky, bn])),
    'Best: BN with 88.1 % val acc (book 85.7 % ±1.5: out of band, +2.4 points); ReLU and LeakyReLU tied at 84.9 %; 85 % val acc reached by BN in 1 epoch (3.0 s); not by ReLU and LeakyReLU.');
  assert.equal(takeaway(lesson([bn])), 'BN: 88.1 % val acc (book 85.7 % ±1.5: out of band, +2.4 points); 85 % val acc reached by BN in 1 epoch (3.0 s).');
  const live = run('Adam', [0.9], { status: 'training' });
  assert.equal(takeaway(lesson([bn, live])), 'Best: BN with 88.1 % val acc (book 85.7 % ±1.5: out of band, +2.4 points); 85 % val acc reached by BN in 1 epoch (3.0 s); not ranked: Adam (still training).',
    'a run still training, ahead so far, does not win');
  assert.equal(takeaway(lesson([live])), 'No run has finished yet; not ranked: Adam (still training).');
  assert.equal(takeaway(lesson([run('x', [0.1], { status: 'diverged' }), run('y', [0.2], { status: 'crashed' })])), 'No run to rank; not ranked: x (diverged) and y (engine crashed).');
  assert.equal(takeaway(lesson([])), 'No runs to compare yet.');
  assert.equal(takeaway(lesson([{ label: 'imported', status: 'done', history: [], result: {} }, { label: 'sigmoid', status: 'done', config: { analysis: { type: 'layer_stats' } }, result: {} }])),
    'No run to rank; not ranked: imported (no final validation accuracy measured) and sigmoid (an analysis, not trained).');
});

test('the status of a CLI run comes from its result', () => {
  assert.equal(statusOf({ history: [] }), 'done');
  assert.equal(statusOf({ diverged: true, error: 'x' }), 'diverged');
  assert.equal(statusOf({ error: 'x' }), 'error');
  assert.equal(statusOf({ stopped_by_user: true }), 'stopped');
});

test('the CLI ends a multi-run preset with the takeaway: a lesson event in --json, the same line in its log', () => {
  const cli = (args) => spawnSync(process.execPath, [path.join(root, 'tools/train.js'), 'ex01', '--epochs', '1', '--threads', '1', '--target', '50', ...args], { encoding: 'utf8', cwd: root });
  const json = cli(['--json']);
  assert.equal(json.status, 0, json.stderr);
  const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const event = lines[lines.length - 1];
  assert.equal(event.event, 'lesson');
  assert.equal(event.experiment, 'ex01');
  assert.equal(event.metric, 'val_accuracy');
  assert.equal(event.target, 0.5);
  const done = lines.filter((l) => l.event === 'done');
  const top = done.reduce((a, b) => (b.final_val_accuracy > a.final_val_accuracy ? b : a));
  assert.equal(event.ranked[0].run, top.run, 'ranked first: the highest final validation accuracy');
  const labels = { 'ex01/constant': 'constant 0.01', 'ex01/he': 'He normal' };
  assert.match(event.takeaway, new RegExp(`^Best: ${labels[top.run]} with `));
  const bad = cli(['--target', '0']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--target must be a percentage above 0 and at most 100/);
  const log = cli([]);
  assert.equal(log.status, 0, log.stderr);
  assert.match(log.stdout, /\nTakeaway: Best: (constant 0\.01|He normal) with [\d.]+ % val acc.*\.\n$/);
  const words = (t) => t.replace(/\(\d+(\.\d)? s\)/g, '(… s)'); // the seconds differ from run to run
  assert.equal(words(log.stdout.trimEnd().split('\n').pop()), words(`Takeaway: ${event.takeaway}`), 'the log and the JSON say the same words');
});
