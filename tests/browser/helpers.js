// helpers.js: shared set-up of the browser tests: a fresh build of the static
// site, the dev server on a free port, headless Chromium (the system one, via
// playwright-core; never a downloaded browser) and small page utilities.
import { spawnSync } from 'node:child_process';
import { before, after } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createServer } from '../../tools/serve.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const shotsDir = path.join(root, 'test-results');
const SITE = 'dist/browser-test-site';

let built = false;
export function buildSite() {
  if (built) return path.join(root, SITE);
  const r = spawnSync(process.execPath, [path.join(root, 'tools/build-site.js'), SITE], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build-site failed:\n${r.stdout}\n${r.stderr}`);
  built = true;
  fs.mkdirSync(shotsDir, { recursive: true });
  return path.join(root, SITE);
}

export async function startServer({ isolation = true } = {}) {
  const server = createServer({ dir: buildSite(), isolation });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}/` };
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
}

// A page that records its errors, its Content-Security-Policy violations, the long tasks of its UI thread (for the
// browser benchmark: timing is never asserted in tests) and every WebAssembly
// module the UI thread itself compiles (the engine must only run in the worker).
export async function openPage(context, url) {
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !/favicon|Failed to load resource/.test(m.text())) page.errors.push(m.text()); });
  await page.addInitScript(() => {
    // The page runs under a strict Content-Security-Policy: anything it blocks is a bug.
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(`${e.violatedDirective}: ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`));
    window.__longTasks = [];
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask', buffered: true });
    } catch { /* no longtask API */ }
    window.__wasmOnUiThread = 0;
    for (const name of ['instantiate', 'instantiateStreaming', 'compile', 'compileStreaming']) {
      const original = WebAssembly[name];
      if (original) WebAssembly[name] = function (...args) { window.__wasmOnUiThread++; return original.apply(this, args); };
    }
  });
  if (url) await page.goto(url);
  return page;
}

// One playground for a test file: the site served, Chromium, a page opened at
// `hash` ('#preset=exp04', '#plan=...') and, unless `ready` is null, waited on
// until its data is in. The test's after hook closes `browser` and `server`.
export async function openPlayground({ hash = '', isolation = true, viewport = { width: 1366, height: 900 }, contextOptions = {}, ready = 'data', timeout = 60000 } = {}) {
  const { server, url } = await startServer({ isolation });
  const browser = await launch();
  const context = await browser.newContext({ viewport, ...contextOptions });
  const page = await openPage(context, url + hash);
  if (ready) await waitReady(page, ready, timeout);
  return { server, url, browser, context, page };
}

// A describe block's playground: opened before its tests (onOpen gets what
// openPlayground returns: keep the page, load a plan), closed after them.
export function usePlayground(onOpen = () => {}, options) {
  let opened;
  before(async () => {
    opened = await openPlayground(options);
    await onOpen(opened);
  });
  after(async () => {
    await opened?.browser?.close();
    opened?.server?.close();
  });
}

// Loads a run, or a plan (an array of runs), through the Share panel's configuration box.
export async function loadConfiguration(page, config) {
  await page.fill('#share-view textarea.config-text', JSON.stringify(config));
  await page.click('#share-view button:has-text("Load configuration")');
}

// Presses Train and waits until the page says it trains.
export async function startTraining(page) {
  await page.click('[data-action="train"]');
  await page.waitForFunction(() => document.querySelector('#train-controls').dataset.state !== 'idle');
}

// Presses Train and waits until the whole plan has finished.
export async function trainAll(page, timeout = 60000) {
  await startTraining(page);
  await waitIdle(page, timeout);
}

// data-ready on <html>: 'engine' once the worker answered, 'data' once Fashion-MNIST is in.
export const waitReady = (page, what = 'data', timeout = 30000) =>
  page.waitForFunction((w) => document.documentElement.dataset.ready === w, what, { timeout });

export const waitIdle = (page, timeout = 60000) =>
  page.waitForFunction(() => document.querySelector('#train-controls')?.dataset.state === 'idle' && !document.querySelector('[data-action="train"]').disabled, null, { timeout });

// Screenshots for people to look at (test-results/ is not committed).
export async function shot(page, name, { top = true } = {}) {
  if (top) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(shotsDir, `${name}.png`) });
}

// The points of each dataset of a chart (found by its box class: acc, loss, lr).
export const chartData = (page, box) => page.evaluate((b) => {
  const chart = globalThis.Chart.getChart(document.querySelector(`.chart-box.${b} canvas`));
  return chart.data.datasets.map((d) => ({ label: d.label, points: d.data.length }));
}, box);

export const tableRows = (page) => page.$$eval('#table-view tbody tr', (rows) => rows.map((r) => ({
  run: r.dataset.run, text: r.innerText.replace(/\s+/g, ' ').trim(),
})));

export async function quickTry(page, epochs, count) {
  await page.fill('.quick input >> nth=0', String(epochs));
  await page.fill('.quick input >> nth=1', String(count));
  await page.click('.quick button');
}

// axe-core in the page (evaluated over the DevTools protocol, which a
// Content-Security-Policy does not restrict), WCAG 2.1 A and AA rules only.
const WCAG21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
let axeSource = null;
export async function axeViolations(page) {
  axeSource ??= fs.readFileSync(path.join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(axeSource);
  const result = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }), WCAG21_AA);
  return result.violations.map((v) => `${v.id} (${v.impact}, ${v.nodes.length}): ${v.help}\n${v.nodes.slice(0, 8)
    .map((n) => `    ${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`).join('\n')}`);
}
