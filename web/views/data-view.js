// data-view.js: the Data panel: load Fashion-MNIST from the site or your own
// files (picker or drag and drop), a progress bar while it downloads and
// parses, and a gallery of sample images with their class names.
import { h, replace, imageCanvas, fmt } from './dom.js';

const NAMES = { 'fashion-mnist': 'Fashion-MNIST', cifar10: 'CIFAR-10', custom: 'your IDX files', files: 'your files' };

// One progress event of a dataset load, in words (also shown by the train bar while Train waits).
export function loadingText(e) {
  if (e.phase === 'download') return `Downloading ${e.file} (${(e.loaded / 1e6).toFixed(1)}${e.total ? ` of ${(e.total / 1e6).toFixed(1)}` : ''} MB)`;
  if (e.phase === 'parse') return `Decompressing and checking the ${e.file} images…`;
  return '';
}

export class DataView {
  #files = new Map(); // download progress per file
  #before = null; // the status shown before a load began, back if the load fails

  constructor(root, actions) {
    this.root = root;
    this.actions = actions;
    this.status = h('p.data-status', { role: 'status' }, 'Waiting for the engine…');
    this.bar = h('progress.data-progress', { max: 1, value: 0, hidden: true, 'aria-label': 'dataset loading progress' });
    this.error = h('p.field-error.data-error', { role: 'alert' });
    this.gallery = h('div.gallery', { role: 'group', 'aria-label': 'sample images' });
    this.picker = h('input', { type: 'file', multiple: true, hidden: true, accept: '.gz,.bin,.idx,.ubyte,application/octet-stream,*/*', onchange: () => this.#pick(this.picker.files) });
    // Named by its own visible words (WCAG 2.5.3, label in name): no aria-label.
    this.drop = h('div.dropzone', { tabindex: '0', role: 'button', onclick: () => this.picker.click(), onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); this.picker.click(); } } },
      h('strong', 'Your own data: drop files here or click to choose'),
      h('span', 'IDX images + labels (.gz or not), e.g. train-images-idx3-ubyte.gz, or CIFAR-10 binary batches data_batch_1..5.bin + test_batch.bin'));
    for (const type of ['dragenter', 'dragover']) this.drop.addEventListener(type, (e) => { e.preventDefault(); this.drop.classList.add('over'); });
    for (const type of ['dragleave', 'drop']) this.drop.addEventListener(type, () => this.drop.classList.remove('over'));
    this.drop.addEventListener('drop', (e) => { e.preventDefault(); this.#pick(e.dataTransfer.files); });
    // A file dropped anywhere else would make the browser open it in place of the page.
    const files = (e) => [...(e.dataTransfer?.types ?? [])].includes('Files');
    window.addEventListener('dragover', (e) => {
      if (!files(e) || e.defaultPrevented) return; // the drop zone took it
      e.preventDefault();
      e.dataTransfer.dropEffect = 'none'; // the "cannot drop here" cursor
    });
    window.addEventListener('drop', (e) => {
      if (e.defaultPrevented || !files(e)) return;
      e.preventDefault();
      this.error.textContent = 'To load your own data, drop the files on the drop zone of the Data panel ("Your own data"); the files dropped elsewhere were not opened.';
    });
    this.loadButton = h('button.secondary', { type: 'button', onclick: () => actions.loadFashion() }, 'Load Fashion-MNIST');
    replace(root,
      h('div.data-row', this.loadButton, h('span.muted.small', '30 MB from this site: 70,000 photos of clothing, 10 classes')),
      this.bar, this.status, this.error, this.gallery, this.drop, this.picker);
  }

  #pick(list) {
    const files = [...(list ?? [])];
    this.picker.value = '';
    if (files.length) this.actions.loadFiles(files);
  }

  loading(name) {
    this.#before ??= [...this.status.childNodes];
    this.#files.clear();
    this.error.textContent = '';
    this.bar.hidden = false;
    this.bar.removeAttribute('value');
    this.status.textContent = `Loading ${NAMES[name] ?? name}…`;
    this.loadButton.disabled = true;
  }

  progress(e) {
    if (e.phase === 'download') {
      this.#files.set(e.file, e);
      const all = [...this.#files.values()];
      const loaded = all.reduce((s, f) => s + f.loaded, 0);
      const total = all.reduce((s, f) => s + (f.total || 0), 0);
      // Four files arrive one after another; the two image files are most of the bytes.
      const expected = Math.max(total, 30.1e6);
      this.bar.value = Math.min(1, loaded / expected);
    }
    if (e.phase === 'download' || e.phase === 'parse') this.status.textContent = loadingText(e);
  }

  loaded({ name, result, classNames }) {
    this.#before = null;
    this.bar.hidden = true;
    this.loadButton.disabled = false;
    const tr = result.splits.train;
    const te = result.splits.test;
    const shape = `${tr.rows}×${tr.cols}${tr.channels > 1 ? `×${tr.channels}` : ''}`;
    replace(this.status, h('span.ok', '✓ '), h('strong', NAMES[name] ?? name), `: ${fmt.int(tr.count)} training${te ? ` + ${fmt.int(te.count)} test` : ''} images, ${shape}, ${tr.classes} classes`);
    replace(this.gallery, result.samples.slice(0, 14).map((s) => h('figure.sample',
      imageCanvas(s.pixels, tr.rows, tr.cols, tr.channels, tr.rows > 28 ? 1.3 : 1.4),
      h('figcaption', classNames[s.label] ?? `class ${s.label}`))));
  }

  // What was loaded before is still there: its status stays.
  failed(name, message) {
    this.bar.hidden = true;
    this.loadButton.disabled = false;
    replace(this.status, this.#before ?? []);
    this.#before = null;
    this.error.textContent = `Could not load ${NAMES[name] ?? 'the files'}: ${message}`;
  }

  ready(info) {
    if (!this.gallery.childElementCount) this.status.textContent = `Engine ready (${info.variant === 'threads' ? `${info.threads} threads` : 'single thread'}).`;
  }
}
