// form.js: labelled controls with their explanation, Keras's default and a slot
// for the validation message. Each control carries the JSON path validateConfig
// uses (data-path / data-error-for), so messages land next to their control.
// Text that is not a number is passed on as text: validation then says so,
// nothing is silently dropped or rounded.
import { h } from './dom.js';

let uid = 0;
const nextId = () => `f${++uid}`;

export function kerasText(value) {
  if (value === undefined) return null;
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  return String(value);
}

// def: Keras's default for the field; kerasTitle: what the tag says instead when it is not a default.
function shell({ path, label, help, def, kerasTitle = 'the default in Keras', id, control, inline = false }) {
  const keras = typeof def === 'string' && def.startsWith('!') ? def.slice(1) : kerasText(def);
  const kerasTag = keras !== null ? h('span.keras', { title: kerasTitle }, `Keras: ${keras}`) : null;
  return h(`div.field${inline ? '.inline' : ''}`, { dataset: { path } },
    h('label', { for: id }, h('span.label-text', label)),
    control,
    help || kerasTag ? h('p.help', help ?? '', help && kerasTag ? ' ' : '', kerasTag) : null,
    h('p.field-error', { dataset: { errorFor: path }, 'aria-live': 'polite' }));
}

export function parseNumber(text) {
  const t = String(text).trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

export function numberField({ path, label, value, help, def, placeholder, onValue, step = 'any', min }) {
  const id = nextId();
  const input = h('input', {
    id, type: 'text', inputmode: 'decimal', autocomplete: 'off', spellcheck: 'false', value: value ?? '',
    placeholder: placeholder ?? (def !== undefined && def !== null ? String(def) : ''), dataset: { path, step: String(step), min: min ?? '' },
    oninput: () => onValue(path, parseNumber(input.value)),
  });
  return shell({ path, label, help, def, id, control: input });
}

export function selectField({ path, label, value, choices, help, def, kerasTitle, onValue, titles = {} }) {
  const id = nextId();
  const select = h('select', { id, dataset: { path }, onchange: () => onValue(path, select.value === '' ? undefined : select.value) },
    choices.map(([v, text]) => h('option', { value: v, selected: v === value, title: titles[v] ?? '' }, text)));
  if (value !== undefined && !choices.some(([v]) => v === value)) select.prepend(h('option', { value, selected: true }, `${value} (unknown)`));
  return shell({ path, label, help, def, kerasTitle, id, control: select });
}

export function checkField({ path, label, value, help, def, onValue }) {
  const id = nextId();
  const input = h('input', { id, type: 'checkbox', checked: Boolean(value), dataset: { path }, onchange: () => onValue(path, input.checked) });
  return shell({ path, label, help, def, id, control: input, inline: true });
}

// Comma-separated numbers (piecewise boundaries and values).
export function listField({ path, label, value, help, def, onValue }) {
  const id = nextId();
  const input = h('input', {
    id, type: 'text', autocomplete: 'off', spellcheck: 'false', value: Array.isArray(value) ? value.join(', ') : value ?? '', dataset: { path },
    oninput: () => {
      const t = input.value.trim();
      if (t === '') return onValue(path, undefined);
      const parts = t.split(/[\s,;]+/).filter(Boolean).map(parseNumber);
      onValue(path, parts.every((p) => typeof p === 'number') ? parts : t);
    },
  });
  return shell({ path, label, help, def, id, control: input });
}

// One control from an engine option descriptor (description.js).
export function optionField({ path, name, desc, value, help, label, onValue }) {
  const common = { path, label: label ?? name.replace(/_/g, ' '), value, help: help ?? desc.help, def: desc.default, onValue };
  if (desc.type === 'boolean') return checkField(common);
  if (desc.type === 'name') return selectField({ ...common, choices: desc.choices.map((c) => [c, c]) });
  if (desc.type === 'list') return listField(common);
  return numberField({ ...common, step: desc.type === 'integer' ? 1 : 'any' });
}

export function section(title, { open = true, id, help, badge } = {}, ...children) {
  return h('details.section', { open, id },
    h('summary', h('h2.section-title', title), badge ?? null),
    help ? h('p.section-help', help) : null,
    h('div.section-body', children));
}
