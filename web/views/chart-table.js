// chart-table.js: a chart's Table button and the region it shows in the
// chart's place (keyboard and screen-reader access to the numbers), one home
// for the curve charts, the layer-health charts and the loss slice.
import { h } from './dom.js';

// plot: the chart's .chart-plot element; name: what the table shows, for its
// label ("loss slice"); onShow: renders the table when it opens.
export function chartTable({ id, plot, name, onShow }) {
  const table = h('div.chart-table', { id, hidden: true, tabindex: '0', role: 'region', 'aria-label': `${name}: table` });
  const toggle = h('button.chip.chart-toggle', { type: 'button', 'aria-pressed': 'false', 'aria-controls': id, onclick: () => {
    const show = table.hidden;
    table.hidden = !show;
    plot.hidden = show;
    toggle.setAttribute('aria-pressed', String(show));
    if (show) onShow();
  } }, 'Table', h('span.sr-only', ` of ${name.toLowerCase()}`));
  return { table, toggle };
}
