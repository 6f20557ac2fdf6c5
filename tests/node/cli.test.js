// The experiment CLI: --json lines carry every documented field; --list; errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, smallConfig } from './helpers.js';

const cli = (args) => spawnSync(process.execPath, [path.join(root, 'tools/train.js'), ...args], { encoding: 'utf8', cwd: root });

test('--json prints epoch and done events with every field', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-'));
  const file = path.join(dir, 'small.json');
  const config = smallConfig({ name: 'small' });
  config.data.test = { split: 'test', start: 5000, count: 1000 };
  fs.writeFileSync(file, JSON.stringify(config));
  const r = cli([file, '--json', '--epochs', '2', '--threads', '1']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const epochs = lines.filter((l) => l.event === 'epoch');
  assert.equal(epochs.length, 2);
  for (const e of epochs) {
    for (const k of ['run', 'epoch', 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'learning_rate', 'seconds']) assert.ok(k in e, `epoch event has ${k}`);
    assert.equal(e.run, 'small');
    assert.ok(e.loss > 0 && e.accuracy > 0.1 && e.val_accuracy > 0.1 && e.learning_rate === 0.01 && e.seconds > 0);
    // The loss slice: the path from the initial weights (alpha 0) to the epoch's.
    assert.deepEqual(e.loss_slice.alpha, [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5]);
    assert.ok(e.loss_slice.loss.every(Number.isFinite) && e.loss_slice.loss[0] > e.loss_slice.loss[4]);
  }
  const done = lines.find((l) => l.event === 'done');
  for (const k of ['run', 'epochs', 'best_val_accuracy', 'test_accuracy']) assert.ok(k in done, `done event has ${k}`);
  assert.equal(done.epochs, 2);
  assert.ok(done.test_accuracy > 0.5 && done.best_val_accuracy > 0.5);
  fs.rmSync(dir, { recursive: true });
});

// --epochs changes the run's length; experiment 9's piecewise boundaries are
// fractions of the run (a third, two thirds), so they follow it.
test('exp09/piecewise --epochs 4 steps the rate down within those 4 epochs', () => {
  const r = cli(['exp09/piecewise', '--epochs', '4', '--json', '--threads', '1']);
  assert.equal(r.status, 0, r.stderr);
  const rates = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.event === 'epoch').map((e) => e.learning_rate);
  // 938 steps per epoch, boundaries at steps 1251 and 2501 of 3752: the rate at each epoch's end.
  assert.deepEqual(rates, [0.01, 0.005, 0.001, 0.001]);
});

test('experiment 1 prints the per-layer saturation table', () => {
  const r = cli(['exp01', '--json', '--threads', '1']);
  assert.equal(r.status, 0, r.stderr);
  const done = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((l) => l.event === 'done');
  assert.equal(done.layers.length, 6);
  for (const layer of done.layers.slice(0, 5)) assert.ok(layer.saturated > 0.35 && layer.saturated < 0.85, `saturated ${layer.saturated}`);
  const text = cli(['exp01', '--threads', '1']);
  assert.match(text.stdout, /saturated/);
});

test('--list lists every preset and variants; bad input exits with a message', () => {
  const list = cli(['--list']);
  assert.equal(list.status, 0);
  for (const id of ['exp01', 'exp13', 'exp04/elu', 'exp08/adam']) assert.match(list.stdout, new RegExp(id.replace('/', '\\/')));
  const unknown = cli(['exp99']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown preset "exp99"/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-'));
  const file = path.join(dir, 'bad.json');
  fs.writeFileSync(file, JSON.stringify({ ...smallConfig(), fit: { epochs: -1 } }));
  const bad = cli([file]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /fit\.epochs: must be/);
  fs.rmSync(dir, { recursive: true });
});

test('--export writes each run into a folder inside DIR, whatever the run is named', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-export-'));
  const dir = path.join(tmp, 'exports');
  const tiny = (name) => {
    const file = path.join(tmp, 'config.json');
    fs.writeFileSync(file, JSON.stringify(smallConfig({ name, data: { dataset: 'fashion-mnist', train: { split: 'train', count: 64 } }, fit: { epochs: 1, batch_size: 32 } })));
    return cli([file, '--json', '--variant', 'single', '--export', dir]);
  };
  const dots = tiny('..');
  assert.equal(dots.status, 0, dots.stderr);
  assert.deepEqual(fs.readdirSync(tmp).sort(), ['config.json', 'exports'], 'nothing is written next to DIR');
  assert.deepEqual(fs.readdirSync(dir), ['run']);
  assert.ok(fs.existsSync(path.join(dir, 'run', 'model.bin')));
  const climb = tiny('a/../../b');
  assert.equal(climb.status, 0, climb.stderr);
  assert.ok(fs.existsSync(path.join(dir, 'a_.._.._b', 'model.bin')));
  // A name that is not a string: refused by validation or exported under the
  // file's name, never a raw JavaScript error.
  const object = tiny({});
  assert.doesNotMatch(object.stderr, /TypeError|is not a function|\n\s+at /);
  assert.deepEqual(fs.readdirSync(tmp).sort(), ['config.json', 'exports']);
  for (const d of fs.readdirSync(dir)) assert.ok(fs.statSync(path.join(dir, d)).isDirectory());
  fs.rmSync(tmp, { recursive: true });
});

test('a run that learned nothing exits 0 but says so, in the log and in the done line', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-lr-'));
  const file = path.join(tmp, 'lr.json');
  fs.writeFileSync(file, JSON.stringify(smallConfig({ name: 'lr', data: { dataset: 'fashion-mnist', train: { split: 'train', count: 600 }, validation: { split: 'test', count: 300 } }, optimizer: { type: 'adam', learning_rate: 1e9 } })));
  const json = cli([file, '--json', '--variant', 'single']);
  assert.equal(json.status, 0, json.stderr);
  const done = json.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((l) => l.event === 'done');
  assert.equal(done.warnings.length, 1);
  assert.match(done.warnings[0], /learned nothing.*the learning rate 1e9 is probably far too high/);
  const log = cli([file, '--variant', 'single']);
  assert.equal(log.status, 0, log.stderr);
  assert.match(log.stdout, /\nwarning: the run learned nothing: /);
  fs.rmSync(tmp, { recursive: true });
});
