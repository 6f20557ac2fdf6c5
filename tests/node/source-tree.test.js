// source-tree.test.js: the repository is laid out as the site is (web/README.md),
// so every module the page and its worker import, statically or by URL, is a
// file of the source tree at the path the import names: a reader (or a tool)
// follows the page into the code it runs. Build outputs (build/) are checked
// only for their place, not their presence.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { root } from './helpers.js';

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g;

function importsOf(file) {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2]).filter((s) => s.startsWith('.'));
}

it('every import reachable from index.html resolves to a file in the source tree', () => {
  const html = fs.readFileSync(path.join(root, 'index.html'), 'utf8');
  const entry = html.match(/<script type="module" src="([^"]+)"/)[1];
  const styles = html.match(/<link rel="stylesheet" href="([^"]+)"/)[1];
  assert.ok(fs.existsSync(path.join(root, styles)), `index.html links ${styles}, which is not in the source tree`);
  const seen = new Set();
  const todo = [path.join(root, entry), path.join(root, 'web/worker.js')];
  const missing = [];
  while (todo.length) {
    const file = todo.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    if (!fs.existsSync(file)) { missing.push(path.relative(root, file)); continue; }
    for (const spec of importsOf(file)) todo.push(path.resolve(path.dirname(file), spec));
  }
  assert.deepEqual(missing, [], 'imports that name no file of the source tree');
  assert.ok(seen.size > 30, `only ${seen.size} modules reached`);
  assert.ok(seen.has(path.join(root, 'core/config.js')) && seen.has(path.join(root, 'wasm/engine.js')));
});

it('the worker loads the engine build and the data from where the build and the site put them', () => {
  const worker = fs.readFileSync(path.join(root, 'web/worker.js'), 'utf8');
  // The URL is a template with two holes: the build (mt/st) and the SIMD kind (web/web-relaxed).
  const parts = worker.match(/new URL\(`([^`]+engine\.mjs)`/)[1].split(/\$\{[^}]+\}/);
  assert.equal(parts.length, 3, `the engine URL's holes: ${parts.join(' | ')}`);
  for (const variant of ['mt', 'st']) {
    for (const kind of ['web', 'web-relaxed']) {
      const url = `${parts[0]}${variant}${parts[1]}${kind}${parts[2]}`;
      const file = path.resolve(root, 'web', url);
      assert.equal(path.relative(root, file), `build/wasm-${variant}/${kind}/engine.mjs`);
      assert.ok(fs.existsSync(file), `${path.relative(root, file)} is built`);
    }
  }
});
