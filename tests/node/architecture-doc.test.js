// architecture-doc.test.js: docs/ARCHITECTURE.md stays current (DEVELOPERS.md:
// "the modules, the data flow ... and the worker message protocol"): its module
// table names every source file (or its folder) and nothing that is gone, its
// protocol section names every command the worker handles and every event it
// posts, and the repository's Markdown links point at files and headings that exist.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { root } from './helpers.js';

const read = (file) => fs.readFileSync(path.join(root, file), 'utf8');
const doc = read('docs/ARCHITECTURE.md');
const section = (heading) => {
  const start = doc.indexOf(`\n## ${heading}`);
  assert.ok(start >= 0, `docs/ARCHITECTURE.md has a "## ${heading}" section`);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
};
const ticked = (text) => [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);

// The module table's first column: each row's paths, a bare name relative to the
// folder of the path before it (`engine/kernels.c`, `simd.h`).
function tablePaths() {
  const rows = section('Modules').split('\n').filter((l) => l.startsWith('| `'));
  return rows.flatMap((row) => {
    let dir = '';
    return ticked(row.split(' | ')[0]).map((name) => {
      if (name.includes('/')) dir = name.endsWith('/') ? name : path.posix.dirname(name) + '/';
      return name.includes('/') ? name : dir + name;
    });
  });
}

const exists = (p) => {
  if (!p.includes('*')) return fs.existsSync(path.join(root, p));
  const dir = path.join(root, path.posix.dirname(p));
  const pattern = new RegExp(`^${path.posix.basename(p).replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`);
  return fs.existsSync(dir) && fs.readdirSync(dir).some((f) => pattern.test(f));
};

it('the module table names only paths that exist', () => {
  const paths = tablePaths();
  assert.ok(paths.length > 40, `only ${paths.length} paths in the module table`);
  assert.deepEqual(paths.filter((p) => !exists(p)), [], 'module table paths that are not in the repository');
});

it('the module table names every source file, or a folder above it', () => {
  const paths = tablePaths();
  const covered = (file) => paths.some((p) => p === file || (p.endsWith('/') && file.startsWith(p))
    || (p.includes('*') && path.posix.dirname(p) === path.posix.dirname(file)
      && new RegExp(`^${path.posix.basename(p).replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`).test(path.posix.basename(file))));
  const files = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (e.name !== 'README.md') files.push(p);
    }
  };
  for (const dir of ['engine', 'wasm', 'core', 'datasets', 'web', 'tools']) walk(dir);
  files.push('index.html');
  assert.deepEqual(files.filter((f) => !covered(f)), [], 'source files the module table does not name');
});

it('the protocol section names every command the worker handles and every event it posts', () => {
  const worker = read('web/worker.js');
  const handlers = worker.slice(worker.indexOf('const handlers = {'), worker.indexOf('\n};', worker.indexOf('const handlers = {')));
  const commands = [...handlers.matchAll(/^ {2}(?:'([\w-]+)'|(\w+))(?::|,|\()/gm)].map((m) => m[1] ?? m[2]);
  assert.ok(commands.length > 15 && commands.includes('train') && commands.includes('find-lr'), `commands found: ${commands}`);
  const events = [...worker.matchAll(/event\('([\w-]+)'/g)].map((m) => m[1]);
  const types = [...worker.matchAll(/type: '([\w-]+)'/g)].map((m) => m[1]);
  assert.ok(events.includes('epoch') && types.includes('reply'), `events found: ${events}, ${types}`);
  const protocol = ticked(section('Worker message protocol')).join(' ');
  const named = (name) => new RegExp(`(^|[^\\w-])${name}([^\\w-]|$)`).test(protocol);
  assert.deepEqual([...new Set([...commands, ...events, ...types, 'ping', 'pong'])].filter((n) => !named(n)), [],
    'worker commands and messages the protocol section does not name');
});

// GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
const slug = (heading) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');

it('Markdown links between the repository\'s documents resolve, anchors included', () => {
  const docs = ['README.md', 'web/README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const broken = [];
  for (const file of docs) {
    for (const [, target] of read(file).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue; // http:, https:, mailto:
      const [rel, anchor] = target.split('#');
      const dest = rel ? path.posix.join(path.posix.dirname(file), rel) : file;
      if (!fs.existsSync(path.join(root, dest))) { broken.push(`${file}: ${target}`); continue; }
      if (anchor && dest.endsWith('.md')) {
        const anchors = [...read(dest).matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1]));
        if (!anchors.includes(anchor)) broken.push(`${file}: ${target} (no such heading)`);
      }
    }
  }
  assert.deepEqual(broken, [], 'links that point nowhere');
});
