// run-colors.test.js: a run's look (web/app/run-colors.js) and what the charts
// compare between runs (web/app/run-compare.js). The palette is checked against
// an independent reference: the WCAG 2.1 relative-luminance contrast ratio, and
// CIE76 ΔE in CIELAB for normal vision and for the Machado, Oliveira & Fernandes
// (2009) severity-1.0 simulations of protanopia, deuteranopia and tritanopia.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { importPageModule } from './helpers.js';

const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
const linear = (c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
// https://www.w3.org/TR/WCAG21/#dfn-relative-luminance and #dfn-contrast-ratio
const luminance = (hex) => { const [r, g, b] = rgb(hex).map(linear); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
const contrast = (a, b) => { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
const MACHADO = {
  protanopia: [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
  deuteranopia: [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
  tritanopia: [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
};
function lab(hex, matrix) {
  let v = rgb(hex).map(linear);
  if (matrix) v = matrix.map((row) => Math.min(1, Math.max(0, row[0] * v[0] + row[1] * v[1] + row[2] * v[2])));
  const [r, g, b] = v;
  const f = (t) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const [fx, fy, fz] = [f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047), f(0.2126 * r + 0.7152 * g + 0.0722 * b), f((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883)];
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

describe('run colours', () => {
  let colors;
  before(async () => { colors = await importPageModule('app/run-colors.js'); });

  it('keeps 3:1 against the cards and the selected table row (WCAG 1.4.11)', () => {
    for (const c of colors.RUN_COLORS)
      for (const bg of ['#ffffff', '#eef2ff', '#fafaff']) assert.ok(contrast(c, bg) >= 3, `${c} on ${bg}: ${contrast(c, bg).toFixed(2)}`);
  });

  it('keeps the colours apart for normal vision and the three colour-blindnesses (ΔE ≥ 20)', () => {
    for (const [vision, matrix] of [['normal', null], ...Object.entries(MACHADO)]) {
      const labs = colors.RUN_COLORS.map((c) => lab(c, matrix));
      for (let i = 0; i < labs.length; i++) for (let j = i + 1; j < labs.length; j++) {
        const d = Math.hypot(...labs[i].map((x, k) => x - labs[j][k]));
        assert.ok(d >= 20, `${vision}: ${colors.RUN_COLORS[i]} and ${colors.RUN_COLORS[j]} are ΔE ${d.toFixed(1)} apart`);
      }
    }
  });

  it('gives every run of a plan of up to 32 its own colour, shape and dash combination', () => {
    const n = colors.RUN_COLORS.length;
    const looks = Array.from({ length: 4 * n }, (_, i) => `${colors.runColor(i)} ${colors.runPoint(i)} ${colors.runDash(i).join(',')}`);
    assert.equal(new Set(looks).size, 4 * n);
    assert.deepEqual(colors.runDash(0), []);
    assert.notDeepEqual(colors.runDash(n), [], 'past the palette the line is dashed');
    assert.equal(colors.runColor(n), colors.runColor(0));
    assert.notEqual(colors.runPoint(1), colors.runPoint(0));
    assert.equal(colors.runColor(undefined), colors.runColor(0), 'a run without an index still gets a colour');
  });
});

describe('runs compared', () => {
  let compare;
  before(async () => { compare = await importPageModule('app/run-compare.js'); });
  const run = (label, rows, status = 'done') => ({ label, status, history: rows.map(([loss, acc, vl, va], i) => ({ epoch: i + 1, loss, accuracy: acc, val_loss: vl, val_accuracy: va })) });

  it('finds runs whose curves coincide within float noise, and no others', () => {
    const a = run('ReLU', [[0.7, 0.75, 0.6, 0.8], [0.5, 0.82, 0.5, 0.84]]);
    const b = run('LeakyReLU', [[0.7 * (1 + 1e-7), 0.75, 0.6, 0.8], [0.5, 0.82, 0.5 - 1e-7, 0.84]]);
    const c = run('ELU', [[0.7, 0.75, 0.6, 0.8], [0.5, 0.82, 0.5, 0.8402]]); // one image of 5,000
    const d = run('copy', [[0.7, 0.75, 0.6, 0.8], [0.5, 0.82, 0.5, 0.84]]);
    assert.equal(compare.sameCurves(a, c), false);
    const found = compare.coincidingRuns([a, b, d]).map((x) => [x.record.label, x.kind, x.same.label, x.epochs]);
    assert.deepEqual(found, [['LeakyReLU', 'identical', 'ReLU', 2], ['copy', 'identical', 'ReLU', 2]]);
  });

  it('says when runs differ by less than the charts can show, with the largest gaps', () => {
    const a = run('ReLU', [[0.887, 0.704, 0.730, 0.7315], [0.6, 0.8, 0.55, 0.81]]);
    const b = run('LeakyReLU(0.01)', [[0.887 * 1.001, 0.705, 0.729, 0.733], [0.6, 0.8, 0.55, 0.81]]);
    const [x] = compare.coincidingRuns([a, b]);
    assert.equal(x.kind, 'overlapping');
    assert.ok(Math.abs(x.accuracy - 0.15) < 1e-9 && Math.abs(x.loss - 0.001 / 0.730) < 1e-9 && x.epochs === 2, JSON.stringify(x));
    assert.equal(compare.sameCurves(a, b), false, 'not identical');
    const far = run('far', [[0.887, 0.704, 0.730, 0.7415], [0.6, 0.8, 0.55, 0.81]]); // a point apart
    assert.deepEqual(compare.coincidingRuns([a, far]), []);
    const copy = run('copy', a.history.map((m) => [m.loss, m.accuracy, m.val_loss, m.val_accuracy]));
    assert.deepEqual(compare.coincidingRuns([a, b, copy]).map((o) => [o.record.label, o.kind, o.same.label]),
      [['LeakyReLU(0.01)', 'overlapping', 'ReLU'], ['copy', 'identical', 'ReLU']]);
  });

  it('compares a run still training over its finished epochs, but not a run that ended sooner', () => {
    const a = run('a', [[0.7, 0.75, 0.6, 0.8], [0.5, 0.82, 0.5, 0.84]]);
    assert.deepEqual(compare.coincidingRuns([a, run('b', [[0.7, 0.75, 0.6, 0.8]], 'training')]).map((x) => x.epochs), [1]);
    assert.deepEqual(compare.coincidingRuns([a, run('b', [[0.7, 0.75, 0.6, 0.8]], 'stopped')]), []);
    assert.deepEqual(compare.coincidingRuns([a, run('b', [], 'queued')]), []);
    assert.equal(compare.sameCurves(run('x', [[0.7, 0.75, NaN, NaN]]), run('y', [[0.7, 0.75, 0.6, 0.8]])), false, 'with and without validation');
  });

  it('gives each later run its validation accuracy minus the first run\'s, in points', () => {
    const a = run('a', [[1, 0.7, 1, 0.80], [1, 0.8, 1, 0.84], [1, 0.8, 1, 0.85]]);
    const b = run('b', [[1, 0.7, 1, 0.81], [1, 0.8, 1, 0.83]], 'training');
    const { first, series } = compare.differenceFromFirst([run('none', [[1, 0.5, NaN, NaN]]), a, b]);
    assert.equal(first, a, 'the first run with a validation accuracy');
    assert.equal(series.length, 1);
    assert.deepEqual(series[0].points.map((p) => p.x), [1, 2]);
    series[0].points.forEach((p, i) => assert.ok(Math.abs(p.y - [1, -1][i]) < 1e-9, `epoch ${p.x}: ${p.y}`));
    assert.deepEqual(compare.differenceFromFirst([]), { first: null, series: [] });
  });
});
