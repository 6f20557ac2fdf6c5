// config-import.js: a configuration the student brings as a file or pasted
// JSON. Accepted: one run configuration (core/config.schema.json), a list of
// them (a plan), a plan object as the #plan= link holds it ({title, runs:
// [{id, label, config}]}), and the results files of the page and the CLI
// (results.json, or the page's list of them), whose configurations are
// reused. Every configuration is checked with validateConfig; problems come
// back as {path, message} like everywhere else, the path prefixed with the
// run's place in a list ("[1].model[0].units"). No DOM here.
import { validateConfig, checkReference } from '../../core/config.js';

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

// A results document carries its configuration; a plan run wraps it.
const configOf = (item) => (isObject(item) && isObject(item.config) && !Array.isArray(item.model) ? item.config : item);

// Returns {errors} or {single: true, runs: [run]} / {single: false, title, description, runs}.
export function readConfigText(text) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { errors: [{ path: '(root)', message: `is not valid JSON (${err.message})` }] };
  }
  let items;
  let prefix;
  let single = false;
  let title = null;
  let description = null;
  if (Array.isArray(doc)) {
    items = doc;
    prefix = (i) => `[${i}]`;
  } else if (isObject(doc) && Array.isArray(doc.runs)) {
    items = doc.runs;
    prefix = (i) => `runs[${i}]${isObject(doc.runs[i]?.config) ? '.config' : ''}`;
    title = typeof doc.title === 'string' ? doc.title : null;
    description = typeof doc.description === 'string' ? doc.description : null;
  } else {
    items = [doc];
    prefix = () => (isObject(doc) && isObject(doc.config) && !Array.isArray(doc.model) ? 'config' : '');
    single = true;
  }
  if (!items.length) return { errors: [{ path: '(root)', message: 'is an empty list: give one configuration or a list of them' }] };
  const errors = [];
  const join = (p, path) => (p ? (path === '(root)' ? p : `${p}${path.startsWith('[') ? '' : '.'}${path}`) : path);
  const runs = items.map((item, i) => {
    const config = configOf(item);
    for (const e of validateConfig(config)) errors.push({ path: join(prefix(i), e.path), message: e.message });
    // A wrapper's own reference numbers (a plan run's) are checked as the configuration's are.
    if (item !== config) {
      const own = [];
      checkReference(own, 'reference', item.reference);
      for (const e of own) errors.push({ path: join(prefix(i).replace(/\.config$/, ''), e.path), message: e.message });
    }
    return { item, config };
  });
  if (errors.length) return { errors };
  const used = new Set();
  return {
    single, title, description,
    runs: runs.map(({ item, config }, i) => {
      const copy = structuredClone(config);
      let name = copy.name ?? (single ? 'imported' : `run-${i + 1}`);
      while (used.has(name)) name = `${name}-${i + 1}`;
      used.add(name);
      copy.name = name;
      const label = (isObject(item) && typeof item.label === 'string' && item.label) || copy.title || name;
      const reference = isObject(item?.reference) ? item.reference : isObject(copy.reference) ? copy.reference : {};
      return { id: name, label, reference: structuredClone(reference), config: copy };
    }),
  };
}
