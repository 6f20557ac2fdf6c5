// The dev server (tools/serve.js): no path leaves the served folder, and a taken
// port is one clear line, not a stack trace (issue 10, item 8).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createServer } from '../../tools/serve.js';
import { root } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-'));
const site = path.join(tmp, 'site');
fs.mkdirSync(site);
fs.writeFileSync(path.join(site, 'index.html'), '<p>playground</p>');
fs.mkdirSync(path.join(tmp, 'site-secret'));
fs.writeFileSync(path.join(tmp, 'site-secret', 'key.txt'), 'SECRET');
fs.writeFileSync(path.join(tmp, 'outside.txt'), 'SECRET');

const server = createServer({ dir: site });
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
after(() => {
  server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

// A raw request: the path goes out exactly as written (fetch would normalize it).
function get(rawPath) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: rawPath }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    }).on('error', reject);
  });
}

test('paths that decode to a place outside the served folder are refused', async () => {
  assert.equal((await get('/')).body, '<p>playground</p>');
  for (const p of ['/..%2Fsite-secret%2Fkey.txt', '/..%2foutside.txt', '/%2e%2e%2Foutside.txt', '/..%5Coutside.txt',
    '/../outside.txt', '/index.html%00.txt', '/%2E%2E/site-secret/key.txt', '/%E0%A4%A']) {
    const { status, body } = await get(p);
    assert.ok(status >= 400 && status < 500, `${p}: status ${status}`);
    assert.doesNotMatch(body, /SECRET/, p);
  }
});

test('a taken port is reported in one line with a way out, exit code 1', async () => {
  const { code, stderr } = await new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, 'tools/serve.js'), '--port', String(port), '--dir', site], { timeout: 30000 },
      (err, stdout, stderr) => resolve({ code: err?.code, stderr }));
  });
  assert.equal(code, 1);
  assert.equal(stderr, `error: port ${port} is in use; try PORT=${port + 1} npm start\n`);
});
