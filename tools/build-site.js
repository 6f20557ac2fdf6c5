// build-site.js: assembles the static site in dist/site, ready for any static
// host. The site is the repository's own layout, so every import resolves the
// same way in the source tree and on the site: index.html, the page (web/), the
// domain code (core/), the engine's JS side (wasm/*.js), the browser's dataset
// modules (datasets/browser.js, files.js, limits.js), both engine builds (browser
// flavour, build/wasm-{mt,st}/web/) and Chart.js (node_modules/chart.js/dist/).
// Added beside them: Fashion-MNIST (data/) and the coi-serviceworker fallback,
// which must sit at the site root to control the page.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, process.argv[2] ?? 'dist/site');
const FASHION = process.env.FASHION_MNIST_DIR || '/usr/share/datasets/fashion-mnist';

function copy(src, dest) {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(src, dest);
}
function copyDir(src, dest, filter = () => true) {
  for (const entry of fs.readdirSync(src, { withFileTypes: true })) {
    const s = path.join(src, entry.name);
    const d = path.join(dest, entry.name);
    if (entry.isDirectory()) copyDir(s, d, filter);
    else if (filter(entry.name)) copy(s, d);
  }
}
function need(file, hint) {
  if (!fs.existsSync(file)) {
    console.error(`build-site: ${file} is missing; ${hint}`);
    process.exit(1);
  }
}

fs.rmSync(out, { recursive: true, force: true });
const same = (relative) => copy(path.join(root, relative), path.join(out, relative));
same('index.html');
copyDir(path.join(root, 'web'), path.join(out, 'web'), (n) => !n.endsWith('.md'));
copyDir(path.join(root, 'core'), path.join(out, 'core'), (n) => n.endsWith('.js') || n.endsWith('.json'));
for (const f of ['engine.js', 'arguments.js', 'test-trap.js', 'features.js', 'threads.js']) same(`wasm/${f}`);
for (const f of ['browser.js', 'files.js', 'limits.js']) same(`datasets/${f}`);
for (const [variant, files] of [['mt', ['engine.mjs', 'engine.wasm', 'engine.worker.js']], ['st', ['engine.mjs', 'engine.wasm']]]) {
  // web: plain SIMD; web-relaxed: relaxed SIMD (the worker picks).
  for (const dir of ['web', 'web-relaxed']) {
    for (const f of files) {
      need(path.join(root, `build/wasm-${variant}/${dir}`, f), 'run "npm run build" first');
      same(`build/wasm-${variant}/${dir}/${f}`);
    }
  }
}
for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
  need(path.join(FASHION, f), 'apt-get install dataset-fashion-mnist');
  copy(path.join(FASHION, f), path.join(out, 'data/fashion-mnist', f));
}
same('node_modules/chart.js/dist/chart.umd.min.js');
// GitHub Pages runs Jekyll unless told not to, and Jekyll leaves out node_modules/.
fs.writeFileSync(path.join(out, '.nojekyll'), '');
copy(path.join(root, 'node_modules/coi-serviceworker/coi-serviceworker.min.js'), path.join(out, 'coi-serviceworker.js'));
console.log(`site written to ${path.relative(root, out)}/`);
