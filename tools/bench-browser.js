// bench-browser.js: time from opening the page to its first training epoch in
// headless Chromium (served with COOP/COEP, threads on): engine start, dataset
// download + gunzip + parse, then Train on experiment 4's ReLU run (20,000
// images). Also counts UI-thread long tasks (> 50 ms) while training and reports
// the longest: a timing figure, measured here and never asserted in a test.
import { startServer, launch, openPage, waitReady } from '../tests/browser/helpers.js';

const { server, url } = await startServer();
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await openPage(context);
  await page.addInitScript(() => {
    window.__marks = {};
    const poll = () => {
      const r = document.documentElement?.dataset.ready;
      if (r && !window.__marks[r]) window.__marks[r] = performance.now();
      if (!window.__marks.data) setTimeout(poll, 5);
    };
    poll();
  });
  await page.goto(`${url}#preset=exp04`);
  await waitReady(page, 'data', 60000);
  const clicked = await page.evaluate(() => performance.now());
  await page.evaluate(() => {
    window.__firstEpoch = null;
    window.__trainStart = performance.now();
    window.playground.bus.on('run:epoch', () => { if (!window.__firstEpoch) window.__firstEpoch = performance.now(); });
    window.playground.bus.on('run:progress', () => { if (!window.__firstProgress) window.__firstProgress = performance.now(); });
  });
  await page.click('[data-action="train"]');
  await page.waitForFunction(() => window.__firstEpoch, null, { timeout: 120000 });
  const r = await page.evaluate(() => ({
    engine: window.__marks.engine, data: window.__marks.data, progress: window.__firstProgress, epoch: window.__firstEpoch,
    start: window.__trainStart, longTasks: window.__longTasks.filter((t) => t.start > window.__trainStart && t.duration > 50).length,
    longestTask: Math.max(0, ...window.__longTasks.filter((t) => t.start > window.__trainStart).map((t) => t.duration)),
    variant: (document.querySelector('header')?.innerText.match(/(\d+) threads?|single thread/)?.[0] ?? '') +
      (document.querySelector('#engine-badge')?.dataset.simd ? `, ${document.querySelector('#engine-badge').dataset.simd} SIMD` : ''),
  }));
  await page.click('[data-action="stop"]').catch(() => {});
  console.log(JSON.stringify({
    engine_ready_ms: Math.round(r.engine), data_ready_ms: Math.round(r.data),
    first_progress_ms: Math.round(r.progress), first_epoch_end_ms: Math.round(r.epoch),
    training_start_after_click_ms: Math.round(r.progress - r.start), long_tasks_while_training: r.longTasks, longest_ui_task_while_training_ms: Math.round(r.longestTask), clicked_at_ms: Math.round(clicked), threads: r.variant,
  }));
} finally {
  await browser.close();
  server.close();
}
