// accessibility.test.js: the page for keyboard, screen-reader and phone users,
// in headless Chromium: a skip link and the Alt+T shortcut, real headings, a
// table view of every chart, the phone layout (Stop, the live numbers and the
// curves on screen while a run trains; every control at least 44x44 px), and
// axe-core's WCAG 2.1 A/AA rules run inside the page, at laptop and phone size.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, waitReady, waitIdle, shot, quickTry, axeViolations, trainAll } from './helpers.js';

const LAPTOP = { viewport: { width: 1366, height: 768 } };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

const state = (page) => page.evaluate(() => document.querySelector('#train-controls').dataset.state);
const waitTraining = (page) => page.waitForFunction(() => /batch/i.test(document.querySelector('.live-metrics').textContent)
  && document.querySelector('#train-controls').dataset.state === 'training', null, { timeout: 30000 });

// Box (CSS px, relative to the viewport) of an element.
const box = (page, selector) => page.evaluate((s) => {
  const r = document.querySelector(s).getBoundingClientRect();
  return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, vw: innerWidth, vh: innerHeight };
}, selector);
const inViewport = (b) => b.bottom > b.top && b.right > b.left && b.top >= 0 && b.left >= 0 && b.bottom <= b.vh && b.right <= b.vw;

describe('accessibility', () => {
  let server; let url; let browser;

  before(async () => {
    ({ server, url } = await startServer({ isolation: true }));
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  describe('at laptop size (1366x768)', () => {
    let context; let page;
    before(async () => {
      context = await browser.newContext(LAPTOP);
      page = await openPage(context, `${url}#preset=exp03`);
      await waitReady(page, 'data');
    });
    after(() => context?.close());

    it('offers a skip link first, which leads the next Tab to Train', async () => {
      await page.keyboard.press('Tab');
      const first = await page.evaluate(() => ({ tag: document.activeElement.tagName, text: document.activeElement.textContent, href: document.activeElement.getAttribute('href') }));
      assert.deepEqual(first, { tag: 'A', text: 'Skip to training controls', href: '#train-controls' });
      const b = await box(page, '.skip-link');
      assert.ok(inViewport(b), `the focused skip link is on screen: ${JSON.stringify(b)}`);
      const hash = await page.evaluate(() => location.hash);
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'train-controls');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.dataset.action), 'train');
      assert.equal(await page.evaluate(() => location.hash), hash, 'the address (which holds the plan) is untouched');
      assert.match(await page.textContent('.plan-title'), /Initialization impact/);
    });

    it('starts and stops training with Alt+T, but not while typing in a field', async () => {
      await quickTry(page, 30, 20000);
      await page.focus('.quick input');
      await page.keyboard.press('Alt+T');
      assert.equal(await state(page), 'idle', 'Alt+T in a text field types, it does not train');
      assert.equal(await page.evaluate(() => window.playground.session.training), null);
      await page.evaluate(() => document.activeElement.blur());
      await page.keyboard.press('Alt+T');
      await waitTraining(page);
      await page.keyboard.press('Alt+T');
      await waitIdle(page);
      const runs = await page.evaluate(() => window.playground.session.runs.map((r) => ({ status: r.status, epochs: r.history.length })));
      assert.equal(runs.length, 1, `the second run of the plan never started: ${JSON.stringify(runs)}`);
      assert.equal(runs[0].status, 'stopped', JSON.stringify(runs));
      assert.ok(runs[0].epochs < 30, JSON.stringify(runs));
    });

    it('names its sections with headings, in order', async () => {
      const headings = await page.$$eval('h1, h2, h3, h4, h5, h6', (hs) => hs.map((x) => ({ level: Number(x.tagName[1]), text: x.textContent.trim() })));
      assert.equal(headings[0].level, 1);
      for (let i = 1; i < headings.length; i++)
        assert.ok(headings[i].level <= headings[i - 1].level + 1, `no level skipped: ${JSON.stringify(headings[i - 1])} then ${JSON.stringify(headings[i])}`);
      const level = (t) => headings.find((x) => x.text === t)?.level;
      for (const t of ['1 · Data', '2 · Presets from the chapter', '3 · Runs to compare', '4 · Model of the selected run', 'Optimizer', 'Learning-rate schedule', 'Training', 'Training curves', 'Comparison & history', 'Look inside', 'Keep & share'])
        assert.equal(level(t), 2, `"${t}" is a level-2 heading`);
      for (const t of ['Accuracy', 'Loss (cross-entropy)', 'Learning rate', 'Experiments', 'Exercises'])
        assert.equal(level(t), 3, `"${t}" is a level-3 heading`);
    });

    it('shows each chart as a table, a row per epoch, kept in step while training', async () => {
      await page.click('button:has-text("Clear history")');
      for (const kind of ['acc', 'loss', 'lr']) {
        await page.click(`.chart-box.${kind} .chart-toggle`);
        assert.equal(await page.getAttribute(`.chart-box.${kind} .chart-toggle`, 'aria-pressed'), 'true');
        assert.ok(await page.isVisible(`.chart-box.${kind} .chart-table`));
        assert.ok(await page.isHidden(`.chart-box.${kind} canvas`));
      }
      await quickTry(page, 3, 600);
      await trainAll(page);
      for (const kind of ['acc', 'loss', 'lr']) {
        const { rows, headers, chart } = await page.evaluate((k) => {
          const c = globalThis.Chart.getChart(document.querySelector(`.chart-box.${k} canvas`));
          const table = document.querySelector(`.chart-box.${k} .chart-table table`);
          return {
            rows: [...table.tBodies[0].rows].map((r) => [...r.cells].map((x) => x.textContent)),
            headers: [...table.tHead.rows[0].cells].map((x) => x.textContent),
            chart: c.data.datasets.filter((d) => !/^preview/.test(d.label) && d.data.length).map((d) => d.data.map((p) => [p.x, p.y])),
          };
        }, kind);
        assert.deepEqual(rows.map((r) => r[0]), ['1', '2', '3'], `${kind}: a row per epoch`);
        assert.equal(headers.length, chart.length + 1, `${kind}: a column per curve: ${headers}`);
        chart.forEach((points, column) => points.forEach(([x, y]) =>
          assert.equal(rows[x - 1][column + 1], Number(y).toPrecision(4), `${kind}: ${headers[column + 1]} at epoch ${x}`)));
      }
      assert.ok((await page.textContent('.chart-box.acc .chart-table thead')).includes('He normal + ReLU (validation)'));
      await shot(page, 'a11y-laptop-tables');
      for (const kind of ['acc', 'loss', 'lr']) await page.click(`.chart-box.${kind} .chart-toggle`);
      await page.locator('.chart-box.acc canvas').waitFor({ state: 'visible' });
      assert.ok(await page.isHidden('.chart-box.acc .chart-table'));
    });

    it('has no WCAG 2.1 A/AA violations (axe-core) after a short training', async () => {
      let violations = await axeViolations(page);
      assert.deepEqual(violations, [], violations.join('\n'));
      await shot(page, 'a11y-laptop');
      // And with more of the page showing: a layer's options, a chart's table, the confusion
      // matrix, a configuration's problems and a run with a problem.
      await page.click('details.layer >> nth=0 >> summary');
      await page.click('.chart-box.acc .chart-toggle');
      await page.click('button[data-tab="confusion"]');
      await page.locator('table.confusion').waitFor();
      await page.click('button:has-text("Load configuration")');
      await page.locator('.config-errors li').first().waitFor();
      await page.fill('input[data-path="optimizer.learning_rate"]', 'abc');
      await page.locator('.run-chip .badge.err').first().waitFor();
      violations = await axeViolations(page);
      assert.deepEqual(violations, [], violations.join('\n'));
      await page.fill('input[data-path="optimizer.learning_rate"]', '0.01');
      assert.deepEqual(page.errors, []);
    });
  });

  describe('on a phone (390x844)', () => {
    let context; let page;
    before(async () => {
      context = await browser.newContext(PHONE);
      page = await openPage(context, `${url}#preset=exp03`);
      await waitReady(page, 'data');
    });
    after(() => context?.close());

    // A phone widens its layout viewport to whatever overflows: then nothing fits.
    const noOverflow = async (when) => {
      const overflow = await page.evaluate(() => ({ width: window.innerWidth, wide: [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > 391 && e.checkVisibility()).slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${e.className}`) }));
      assert.equal(overflow.width, 390, `no horizontal overflow ${when}: ${overflow.wide.join(', ')}`);
    };

    it('keeps Stop, the live numbers and the charts on screen while training', async () => {
      await noOverflow('before training');
      await quickTry(page, 3, 8000);
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.click('[data-action="train"]');
      await waitTraining(page);
      assert.equal(await page.evaluate(() => window.scrollY), 0, 'nothing scrolled');
      const train = await box(page, '[data-action="train"]');
      for (const s of ['[data-action="stop"]', '.live-metrics', '.run-line'])
        assert.ok(inViewport(await box(page, s)), `${s} is on screen without scrolling: ${JSON.stringify(await box(page, s))}`);
      const charts = await box(page, '#charts');
      assert.ok(charts.top - train.top < train.vh, `the charts follow the controls: Train at ${train.top}, charts at ${charts.top}`);
      await shot(page, 'a11y-phone-training', { top: false });
      // Further down, in the setup, Stop and the numbers stay pinned at the top.
      await page.evaluate(() => document.querySelector('#sec-model').scrollIntoView());
      for (const s of ['[data-action="stop"]', '.live-metrics'])
        assert.ok(inViewport(await box(page, s)), `${s} stays on screen in the setup: ${JSON.stringify(await box(page, s))}`);
      await shot(page, 'a11y-phone-setup', { top: false });
      // A short training: one epoch, then Stop.
      await page.waitForFunction(() => window.playground.session.runs.some((r) => r.history.length), null, { timeout: 120000 });
      await page.click('[data-action="stop"]');
      await waitIdle(page);
      await noOverflow('after training');
    });

    it('makes every visible control at least 44x44 px', async () => {
      await page.click('details.layer >> nth=0 >> summary');
      await page.click('#sec-callbacks > summary');
      const small = await page.evaluate(() => {
        const controls = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex]:not([tabindex="-1"]), [role="button"], [role="tab"]';
        const out = [];
        for (const el of document.querySelectorAll(controls)) {
          if (!el.checkVisibility({ visibilityProperty: true })) continue;
          const r = el.getBoundingClientRect();
          if (!r.width || !r.height) continue;
          let { left, top, right, bottom } = r;
          // A checkbox's target includes its label: a tap on either toggles it.
          if (el.matches('input[type="checkbox"], input[type="radio"]'))
            for (const l of el.labels ?? []) {
              const b = l.getBoundingClientRect();
              left = Math.min(left, b.left); top = Math.min(top, b.top); right = Math.max(right, b.right); bottom = Math.max(bottom, b.bottom);
            }
          const w = Math.round(right - left);
          const hgt = Math.round(bottom - top);
          if (w < 44 || hgt < 44) out.push(`${el.tagName.toLowerCase()}${el.className ? `.${[...el.classList].join('.')}` : ''} "${(el.getAttribute('aria-label') ?? el.textContent).trim().slice(0, 30)}" ${w}x${hgt}`);
        }
        return out;
      });
      assert.deepEqual(small, [], `controls under 44x44 px:\n${small.join('\n')}`);
    });

    it('has no WCAG 2.1 A/AA violations (axe-core) after a short training', async () => {
      await shot(page, 'a11y-phone-top');
      const violations = await axeViolations(page);
      assert.deepEqual(violations, [], violations.join('\n'));
      assert.deepEqual(page.errors, []);
    });
  });
});
