// The CLI with hostile configuration files (issue 10, items 2 and 8): each is
// refused before any training with the JSON path of the problem and exit code 2,
// never with a raw JavaScript error, and nothing is written.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, smallConfig } from './helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-hostile-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function cli(name, text, args = []) {
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, text);
  return spawnSync(process.execPath, [path.join(root, 'tools/train.js'), file, ...args], { encoding: 'utf8', cwd: root });
}

function refused(r, message) {
  assert.equal(r.status, 2, `exit code 2 (stderr: ${r.stderr})`);
  assert.ok(r.stderr.includes(message), r.stderr);
  assert.doesNotMatch(r.stderr, /TypeError|RangeError|Maximum call stack|\n\s+at /, 'no raw JavaScript error');
  assert.doesNotMatch(r.stdout, /Epoch|import/, 'no training and no script');
}

test('a root that is not an object is refused in words', () => {
  for (const [name, text] of [['null', 'null'], ['list', '[]'], ['number', '3']])
    refused(cli(name, text), '(root): the configuration must be a JSON object');
});

test('a deeply nested reference is refused before training', () => {
  const depth = 20000;
  const text = JSON.stringify(smallConfig({ reference: { first_epoch: '@' } })).replace('"@"', '{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
  refused(cli('deep', text, ['--json']), 'reference.first_epoch.a: must be a number');
});

test('a name that is not text is refused before --export writes anything', () => {
  const out = path.join(dir, 'export');
  refused(cli('object-name', JSON.stringify(smallConfig({ name: {} })), ['--export', out]), 'name: must be text in quotes (a string)');
  assert.equal(fs.existsSync(out), false);
});

test('a transfer base name with a line break cannot become Python code in --keras-script', () => {
  const config = smallConfig({ name: 'b', transfer: { from: 'base\nimport os; os.system("echo pwned")  #', layers: 1 } });
  const r = cli('inject', JSON.stringify(config), ['--keras-script']);
  refused(r, 'transfer.from: contains a line break or control character (U+000A)');
  assert.equal(r.stdout, '');
});
