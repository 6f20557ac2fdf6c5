// errors-view.js: puts each validation message next to its control, using the
// JSON path validateConfig reports ("model[2].units"). A path with no control
// of its own goes to the nearest enclosing one ("model[2].activation.alpha" ->
// "model[2].activation" -> "model[2]"); what finds no place is returned.
import { $$ } from './dom.js';
import { parsePath } from '../app/state.js';

function parents(path) {
  const parts = parsePath(path);
  const out = [];
  for (let n = parts.length; n > 0; n--)
    out.push(parts.slice(0, n).reduce((p, k) => (typeof k === 'number' ? `${p}[${k}]` : p ? `${p}.${k}` : k), ''));
  return out;
}

export function placeErrors(root, errors) {
  for (const slot of $$('[data-error-for]', root)) if (!slot.closest('.data-panel')) slot.textContent = '';
  for (const el of $$('.invalid', root)) el.classList.remove('invalid');
  const unplaced = [];
  const messages = new Map();
  for (const e of errors) {
    const slot = parents(e.path).map((p) => root.querySelector(`[data-error-for="${CSS.escape(p)}"]`)).find(Boolean);
    if (!slot) {
      unplaced.push(e);
      continue;
    }
    const own = slot.dataset.errorFor === e.path;
    const text = own ? e.message : `${e.path.slice(slot.dataset.errorFor.length).replace(/^\./, '')} ${e.message}`;
    messages.set(slot, [...(messages.get(slot) ?? []), text]);
    slot.closest('.field')?.classList.add('invalid');
    // Open the collapsed section or layer card that hides it.
    for (let d = slot.closest('details'); d; d = d.parentElement?.closest('details')) d.open = true;
  }
  for (const [slot, texts] of messages) slot.textContent = texts.join('; ');
  return unplaced;
}
