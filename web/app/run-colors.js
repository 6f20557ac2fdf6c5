// run-colors.js: the one home of a run's look, the same in every chart, the
// comparison table's swatch and the live bar. A run's index is its place in its
// plan (session.js), so run 1 of a preset is always the same blue. No DOM here.
//
// Eight colours, each at least 3.3:1 against the cards (#fff) and the selected
// table row (#eef2ff): WCAG 2.1 SC 1.4.11 asks 3:1 of graphical objects. They were
// picked to stay apart (CIE76 ΔE ≥ 20) for normal vision and under the Machado,
// Oliveira & Fernandes (2009) simulations of protanopia, deuteranopia and
// tritanopia; tests/node/run-colors.test.js checks both. Colour is never the only
// cue (SC 1.4.1): each colour has its own point shape, and past the palette the
// line's dash pattern changes too.
export const RUN_COLORS = ['#0077bb', '#dd4400', '#8833ff', '#778855', '#990077', '#664444', '#bb6688', '#991100'];

const POINTS = ['circle', 'rect', 'triangle', 'rectRot', 'star', 'crossRot', 'rectRounded', 'cross'];
// Solid for the first eight runs, then long dashes, dots, dash-dot (Chart.js borderDash, px).
const DASHES = [[], [10, 4], [2, 3], [10, 3, 2, 3]];

const at = (list, i) => list[((Math.trunc(i) || 0) % list.length + list.length) % list.length];

export const runColor = (index) => at(RUN_COLORS, index);
export const runPoint = (index) => at(POINTS, index);
export const runDash = (index) => at(DASHES, Math.floor((Math.trunc(index) || 0) / RUN_COLORS.length));
