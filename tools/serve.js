// serve.js: a small static server for dist/site. By default it sends the
// COOP/COEP headers that make the page cross-origin isolated (threads on).
// Every response carries the site's Content-Security-Policy, read from the
// <meta> of its index.html (one policy, one home), and nosniff.
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

// The file that a request path names inside rootDir, or null when the path
// could leave it. Checked after decoding: "/..%2Fsecret" decodes to "/../secret",
// which startsWith(rootDir) would have let through to a sibling folder.
export function fileInside(rootDir, url) {
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(url, 'http://x').pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.split(/[\\/]/).includes('..')) return null;
  const file = path.join(rootDir, pathname);
  const relative = path.relative(rootDir, file);
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return null;
  return file;
}

// The policy of the <meta http-equiv="Content-Security-Policy"> in index.html, or null.
export function sitePolicy(rootDir) {
  let html = '';
  try {
    html = fs.readFileSync(path.join(rootDir, 'index.html'), 'utf8');
  } catch {
    return null;
  }
  return html.match(/<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i)?.[1] ?? null;
}

export function createServer({ dir, isolation = true }) {
  const rootDir = path.resolve(dir);
  const policy = sitePolicy(rootDir);
  return http.createServer((req, res) => {
    let file = fileInside(rootDir, req.url);
    if (!file) return res.writeHead(403, { 'Content-Type': 'text/plain' }).end('forbidden');
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) return res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      const headers = { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
      if (policy) headers['Content-Security-Policy'] = policy;
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
  const server = createServer({ dir, isolation });
  // A taken port is a user's situation, not a crash: one line and exit 1.
  server.on('error', (err) => {
    const why = err.code === 'EADDRINUSE' ? `port ${port} is in use; try PORT=${port + 1} npm start`
      : err.code === 'EACCES' ? `port ${port} needs special permission; try PORT=8080 npm start`
        : `cannot serve on ${host}:${port}: ${err.message}`;
    process.stderr.write(`error: ${why}\n`);
    process.exit(1);
  });
  server.listen(port, host, () => {
    console.log(`Playground: http://localhost:${port}/  (serving ${path.relative(process.cwd(), dir) || dir}, ${isolation ? 'COOP/COEP on: threads enabled' : 'no COOP/COEP: single-threaded engine'})`);
  });
}
