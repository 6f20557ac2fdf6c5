// single-thread.test.js: a host without COOP/COEP headers. With no service
// worker the page stays unisolated: it says why it runs single-threaded and
// still trains. With coi-serviceworker allowed it reloads once and gets threads.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, waitReady, shot, tableRows, quickTry, trainAll } from './helpers.js';

describe('playground page without cross-origin isolation', () => {
  let server; let url; let browser;

  before(async () => {
    ({ server, url } = await startServer({ isolation: false }));
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  it('trains with the single-threaded engine and explains how to get threads', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, serviceWorkers: 'block' });
    const page = await openPage(context, url);
    await waitReady(page, 'data');
    assert.equal(await page.evaluate(() => crossOriginIsolated), false);
    assert.match(await page.textContent('#engine-badge'), /single thread/);
    // Chromium has relaxed SIMD: the worker picked that build and the badge says so.
    assert.match(await page.textContent('#engine-badge'), /relaxed SIMD/);
    assert.equal(await page.getAttribute('#engine-badge', 'data-simd'), 'relaxed');
    const notice = page.locator('#isolation-notice');
    assert.ok(await notice.isVisible());
    const text = await notice.textContent();
    assert.match(text, /Single-threaded engine/);
    assert.match(text, /Cross-Origin-Opener-Policy: same-origin/);
    assert.match(text, /coi-serviceworker/);
    await quickTry(page, 1, 1000);
    await trainAll(page);
    const rows = await tableRows(page);
    assert.equal(rows.length, 1);
    assert.match(rows[0].text, /0\.\d{4} @1/);
    await shot(page, 'laptop-single-thread');
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], 'nothing blocked by the Content-Security-Policy');
    // coi-serviceworker throws on its own when registration is blocked; nothing else may fail.
    assert.deepEqual(page.errors.filter((e) => !/scope/.test(e)), []);
    await context.close();
  });

  it('gets threads through coi-serviceworker after one reload', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await openPage(context);
    // The service worker reloads the page once: wait for the data, not for the first load event.
    await page.goto(url, { waitUntil: 'commit' });
    await waitReady(page, 'data', 60000);
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    assert.match(await page.textContent('#engine-badge'), /threads/);
    assert.equal(await page.isVisible('#isolation-notice'), false);
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('loads and trains with the plain SIMD build (what Safari gets) when asked', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, serviceWorkers: 'block' });
    const page = await openPage(context, url + (url.includes('?') ? '&' : '?') + 'simd=plain');
    await waitReady(page, 'data');
    assert.equal(await page.getAttribute('#engine-badge', 'data-simd'), 'plain');
    assert.doesNotMatch(await page.textContent('#engine-badge'), /relaxed/);
    await quickTry(page, 1, 1000);
    await trainAll(page);
    assert.match((await tableRows(page))[0].text, /0\.\d{4} @1/);
    assert.deepEqual(page.errors.filter((e) => !/scope/.test(e)), []);
    await context.close();
  });
});
