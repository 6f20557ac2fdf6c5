// serve.js: a small static server for dist/site. By default it sends the
// COOP/COEP headers that make the page cross-origin isolated (threads on).
//   node tools/serve.js [--port 8080] [--host 127.0.0.1] [--no-isolation] [--dir dist/site]
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml',
  '.gz': 'application/octet-stream', '.bin': 'application/octet-stream', '.ico': 'image/x-icon', '.map': 'application/json',
};

export function createServer({ dir, isolation = true }) {
  const rootDir = path.resolve(dir);
  return http.createServer((req, res) => {
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    let file = path.join(rootDir, pathname);
    if (!file.startsWith(rootDir)) return res.writeHead(403).end('forbidden');
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) return res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      const headers = { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' };
      if (isolation) {
        headers['Cross-Origin-Opener-Policy'] = 'same-origin';
        headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      }
      res.writeHead(200, headers).end(body);
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, def) => (args.includes(name) ? args[args.indexOf(name) + 1] : def);
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const dir = opt('--dir', path.join(root, 'dist/site'));
  const port = Number(opt('--port', process.env.PORT ?? 8080));
  const host = opt('--host', '127.0.0.1');
  const isolation = !args.includes('--no-isolation');
  createServer({ dir, isolation }).listen(port, host, () => {
    console.log(`Playground: http://localhost:${port}/  (serving ${path.relative(process.cwd(), dir) || dir}, ${isolation ? 'COOP/COEP on: threads enabled' : 'no COOP/COEP: single-threaded engine'})`);
  });
}
