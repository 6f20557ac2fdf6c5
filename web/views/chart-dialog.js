// chart-dialog.js: one chart at full width, in a modal <dialog>: the browser
// moves focus into it, keeps it there and closes it on Escape; Close does too,
// and focus goes back to the button that opened it. The chart's own box (its
// canvas, Table button and table) moves into the dialog with the chart options
// and back on close, so Chart.js keeps its one chart (its ResizeObserver
// resizes it) and the table view follows the full-width view.
import { h } from './dom.js';

export class ChartDialog {
  #moved = []; // [element, the comment that holds its place]
  #opener = null;

  constructor(parent, tools) {
    this.tools = tools;
    this.closeButton = h('button.secondary.dialog-close', { type: 'button', onclick: () => this.dialog.close() }, 'Close', h('span.sr-only', ' full-width view'));
    this.head = h('div.dialog-head', this.closeButton);
    this.dialog = h('dialog.chart-dialog', { onclose: () => this.#restore() }, this.head);
    parent.append(this.dialog);
  }

  get box() { return this.#moved.find(([el]) => el !== this.tools)?.[0] ?? null; }

  open(box, opener) {
    if (this.dialog.open) this.dialog.close();
    this.#opener = opener;
    this.#moved = [this.tools, box].map((el) => {
      const mark = document.createComment('full-width view');
      el.before(mark);
      return [el, mark];
    });
    this.head.prepend(this.tools);
    this.dialog.append(box);
    this.dialog.setAttribute('aria-labelledby', box.getAttribute('aria-labelledby'));
    this.dialog.showModal();
    this.closeButton.focus();
  }

  #restore() {
    for (const [el, mark] of this.#moved) mark.replaceWith(el);
    this.#moved = [];
    this.#opener?.focus();
    this.#opener = null;
  }
}
