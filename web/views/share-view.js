// share-view.js: keep and share: a link that reproduces the setup, the
// results as CSV and JSON, trained models as .bin files (download and load),
// and the message area where errors are explained.
import { h, replace, download } from './dom.js';

export class ShareView {
  constructor(root, actions) {
    this.linkInput = h('input.share-link', { type: 'text', readonly: true, 'aria-label': 'link to this setup', onfocus: (e) => e.target.select() });
    this.copyNote = h('span.muted', { 'aria-live': 'polite' });
    const picker = h('input', { type: 'file', accept: '.bin,application/octet-stream', hidden: true, onchange: () => { const f = picker.files[0]; picker.value = ''; if (f) actions.importModel(f); } });
    replace(root,
      h('div.share-row', this.linkInput, h('button.secondary', { type: 'button', onclick: async () => {
        try {
          await navigator.clipboard.writeText(this.linkInput.value);
          this.copyNote.textContent = 'Copied.';
        } catch {
          this.linkInput.select();
          this.copyNote.textContent = 'Press Ctrl+C to copy.';
        }
      } }, 'Copy link'), this.copyNote),
      h('p.help', 'The link holds the whole configuration (every run of the plan), so whoever opens it gets the same setup and, with the same seed, the same numbers.'),
      h('div.buttons',
        h('button.secondary', { type: 'button', onclick: () => actions.exportResults('csv') }, 'Export CSV'),
        h('button.secondary', { type: 'button', onclick: () => actions.exportResults('json') }, 'Export JSON'),
        h('button.secondary', { type: 'button', onclick: () => picker.click() }, 'Load a model (.bin)'), picker),
      h('p.help', 'CSV: one row per run and epoch. JSON: configurations, seeds, engine version and variant, per-epoch metrics and results of the runs shown in the charts (all runs if none is shown). Download a trained model with ⬇ in the table.'));
  }

  link(url) { this.linkInput.value = url; }

  save(name, text, type) { download(name, text, type); }
}

export class MessagesView {
  constructor(root) { this.root = root; }

  show({ level = 'info', text, sticky = level === 'error' }) {
    const el = h(`div.message.${level}`, { role: level === 'error' ? 'alert' : 'status' },
      h('span.message-text', text), h('button.icon', { type: 'button', 'aria-label': 'dismiss', onclick: () => el.remove() }, '✕'));
    this.root.append(el);
    while (this.root.childElementCount > 4) this.root.firstChild.remove();
    if (!sticky) setTimeout(() => el.remove(), 8000);
    return el;
  }
}
