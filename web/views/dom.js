// dom.js: the small DOM toolkit the view modules share.
// h('div.card', {onclick}, child, ...) builds an element; strings become text.
export function h(tag, attrs = {}, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = {};
  }
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = [el.className, v].filter(Boolean).join(' ');
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function download(name, data, type = 'application/octet-stream') {
  const blob = data instanceof Blob ? data : new Blob([data], { type });
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, style: { display: 'none' } });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}

// Draws a uint8 image (grayscale, or CIFAR's channel-major RGB) on a canvas.
export function imageCanvas(pixels, rows, cols, channels = 1, scale = 2) {
  const canvas = h('canvas', { width: cols, height: rows, class: 'sample-img' });
  canvas.style.width = `${cols * scale}px`;
  canvas.style.height = `${rows * scale}px`;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(cols, rows);
  const n = rows * cols;
  for (let i = 0; i < n; i++) {
    const r = channels === 3 ? pixels[i] : pixels[i];
    const g = channels === 3 ? pixels[n + i] : pixels[i];
    const b = channels === 3 ? pixels[2 * n + i] : pixels[i];
    img.data.set(channels === 3 ? [r, g, b, 255] : [255 - r, 255 - g, 255 - b, 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}

export const fmt = {
  pct: (v, digits = 1) => (Number.isFinite(v) ? `${(v * 100).toFixed(digits)}%` : '–'),
  acc: (v) => (Number.isFinite(v) ? v.toFixed(4) : '–'),
  num: (v, digits = 3) => (Number.isFinite(v) ? (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : Number(v.toFixed(digits)).toString()) : '–'),
  int: (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–'),
  secs: (v) => (Number.isFinite(v) ? (v < 10 ? `${v.toFixed(1)} s` : v < 120 ? `${Math.round(v)} s` : `${Math.floor(v / 60)} min ${Math.round(v % 60)} s`) : '–'),
};

// Log-axis ticks: only the powers of ten, written 1e-6 ... 1e19.
export function powerOfTen(value) {
  const exponent = Math.log10(value);
  return Math.abs(exponent - Math.round(exponent)) < 1e-9 ? (Math.abs(exponent) < 4 ? String(value) : `1e${Math.round(exponent)}`) : '';
}
