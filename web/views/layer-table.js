// layer-table.js: the per-layer statistics of a run as a table, with the book's
// numbers beside them where the preset carries some (experiment 1's saturation per
// layer, the mean and std ranges). "Look inside" and the layer-health panel both
// show it; the statistics are engine/layer_stats.c's (dead = units that output 0
// for every image measured).
import { h, fmt } from './dom.js';
import { layerSummary } from './model-view.js';
import { layerEntries } from '../app/session.js';

// A table wider than a phone scrolls sideways: the keyboard must reach it (WCAG 2.1.1).
const scroller = (label, table) => h('div.table-wrap', { tabindex: '0', role: 'region', 'aria-label': label }, table);

// A [low, high] range the book reported (exp01: mean 0.48-0.58), as text.
const range = (r) => (Array.isArray(r) ? (r[0] === r[1] ? fmt.num(r[0]) : `${fmt.num(r[0])}–${fmt.num(r[1])}`) : null);

// One run's table: a row per layer.
export function layerTable(record, entry) {
  const book = record.reference?.saturated;
  const layers = record.config?.model ?? [];
  const head = ['#', 'layer', 'mean', 'std', 'saturated', book ? 'book' : null, 'dead units', 'grad norm', 'grad std', 'update ratio'].filter(Boolean);
  const rows = entry.layers.map((l, i) => h('tr',
    h('td', String(i + 1)), h('td.layer-name', layerSummary(layers[i])),
    h('td.num', fmt.num(l.mean)), h('td.num', fmt.num(l.std)), h('td.num', fmt.pct(l.saturated)),
    book ? h('td.num', book[i] !== undefined ? fmt.pct(book[i]) : '–') : null,
    h('td.num', fmt.pct(l.dead)), h('td.num', fmt.num(l.grad_norm)), h('td.num', fmt.num(l.grad_std)), h('td.num', fmt.num(l.update_ratio))));
  const ranges = [['mean', record.reference?.mean], ['std', record.reference?.std]].filter(([, r]) => range(r));
  return [
    scroller(`${record.label}: statistics per layer`, h('table.runs.compact.layer-table', { dataset: { run: record.key } },
      h('caption.sr-only', `${record.label}: statistics per layer`),
      h('thead', h('tr', head.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', rows))),
    ranges.length ? h('p.help', `Book: ${ranges.map(([k, r]) => `${k} ${range(r)}`).join(', ')} in every layer.`) : null,
  ];
}

// Several runs side by side (experiment 2's four initializers): a row per layer,
// the activation and gradient std of each run.
export function layerComparison(records) {
  const entries = records.map((r) => layerEntries(r).at(-1));
  const n = Math.max(...entries.map((e) => e.layers.length));
  // Runs that differ in a layer's initializer (experiment 2) or activation (experiment 3):
  // the layer without its initializer, each variant once.
  const name = (i) => {
    const names = [...new Set(records.map((r) => layerSummary(r.config?.model?.[i])))];
    return names.length === 1 ? names[0] : [...new Set(names.map((n) => n.split(' · ')[0]))].join(' / ');
  };
  return scroller('statistics per layer, per run', h('table.runs.compact.layer-table',
    h('caption.sr-only', 'Activation and gradient std per layer, per run'),
    h('thead',
      h('tr', h('th', { scope: 'col', rowspan: '2' }, '#'), h('th', { scope: 'col', rowspan: '2' }, 'layer'),
        records.map((r) => h('th.run-head', { scope: 'colgroup', colspan: '2' }, h('span.swatch', { style: { background: r.color } }), r.label))),
      h('tr', records.map(() => [h('th.num', { scope: 'col' }, 'std'), h('th.num', { scope: 'col' }, 'grad std')]))),
    h('tbody', Array.from({ length: n }, (_, i) => h('tr', h('td', String(i + 1)), h('td.layer-name', name(i)),
      entries.map((e) => [h('td.num', fmt.num(e.layers[i]?.std)), h('td.num', fmt.num(e.layers[i]?.grad_std))]))))));
}
