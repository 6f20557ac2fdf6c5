// share-view.js: keep and share: a link that reproduces the setup, the
// results as CSV and JSON, trained models (the engine's .bin, or a TF.js
// model.json + weights.bin) to load back, a configuration to paste or open
// from a file, and the message area where errors are explained.
import { h, replace, download } from './dom.js';

export class ShareView {
  constructor(root, actions) {
    this.linkInput = h('input.share-link', { type: 'text', readonly: true, 'aria-label': 'link to this setup', onfocus: (e) => e.target.select() });
    this.copyNote = h('span.muted', { 'aria-live': 'polite' });
    const modelPicker = h('input.model-picker', { type: 'file', accept: '.bin,.json,application/octet-stream,application/json', multiple: true, hidden: true,
      onchange: () => { const files = [...modelPicker.files]; modelPicker.value = ''; if (files.length) actions.importModel(files); } });
    this.configText = h('textarea.config-text', { rows: 6, spellcheck: 'false', autocomplete: 'off', 'aria-label': 'configuration (JSON)',
      placeholder: '{ "name": "my-net", "data": { ... }, "model": [ ... ], "optimizer": { ... }, "fit": { ... } }' });
    // aria-live, not role=alert: a role on the <ul> would take its list semantics away.
    this.configErrors = h('ul.config-errors', { 'aria-live': 'assertive' });
    this.configNote = h('p.help.config-note', { 'aria-live': 'polite' });
    const configPicker = h('input.config-picker', { type: 'file', accept: '.json,application/json', hidden: true,
      onchange: async () => {
        const f = configPicker.files[0];
        configPicker.value = '';
        if (!f) return;
        this.configText.value = await f.text();
        actions.importConfig(this.configText.value, f.name);
      } });
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
        h('button.secondary', { type: 'button', onclick: () => modelPicker.click() }, 'Load a model'), modelPicker),
      h('p.help', 'CSV and JSON: the runs shown in the charts (all runs if none is shown), in the files ', h('code', 'npm run train'),
        ' writes (history.csv columns, results.json documents). Each run\'s own files, its model (.bin to load here again, or TF.js), and its Keras script are in the ⬇ menu of its row in the table. ',
        'Load a model: a .bin file from this page, or a TF.js model.json picked together with its weights .bin file.'),
      h('h3.subhead', 'Load a configuration'),
      h('p.help', 'Paste a run configuration (JSON, as in config.schema.json or a results.json), or a list of them for a plan of runs, or open a .json file.'),
      this.configText,
      h('div.buttons',
        h('button.secondary', { type: 'button', onclick: () => actions.importConfig(this.configText.value, 'the pasted text') }, 'Load configuration'),
        h('button.secondary', { type: 'button', onclick: () => configPicker.click() }, 'Open a file…'), configPicker),
      this.configErrors, this.configNote);
  }

  // The outcome of loading a configuration: its problems ({path, message}), or a note.
  configResult({ errors = [], note = '' }) {
    replace(this.configErrors, errors.map((e) => h('li', h('code', e.path), ' ', e.message)));
    this.configText.classList.toggle('invalid', errors.length > 0);
    this.configNote.textContent = note;
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
