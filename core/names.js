// names.js: what a name (of a run, a layer, a transfer's base run) and a title
// may hold. They are written into file names, Python scripts, CSV and JSON
// files, and the page; a line break or another control character there can end
// a comment and start code (issue 10: a base run named "base\nimport os; ..."
// put that statement at the top level of the Keras script). So these are
// refused: C0 and C1 controls, DEL, and the Unicode line and paragraph
// separators (U+2028, U+2029). The writers escape whatever else a name holds.
export const CONTROL_CHARACTERS = '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029'; // a regex class body
const CONTROL_CHARACTER = new RegExp(`[${CONTROL_CHARACTERS}]`);
export const NAME_MAX_LENGTH = 100;
export const TITLE_MAX_LENGTH = 300;

// Returns a message, or null for a good name. layer: a Keras layer name, which
// Keras 3 refuses with a "/" (keras/src/ops/operation.py, Operation.__init__).
export function nameProblem(value, { maxLength = NAME_MAX_LENGTH, layer = false } = {}) {
  if (typeof value !== 'string') return 'must be text in quotes (a string)';
  if (value.length === 0) return 'must not be empty';
  if (value.length > maxLength) return `is ${value.length} characters long; at most ${maxLength}`;
  const bad = CONTROL_CHARACTER.exec(value);
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return `contains a line break or control character (U+${code}) at character ${bad.index + 1}; names and titles must be one line of visible text`;
  }
  if (layer && value.includes('/')) return 'cannot contain "/" (Keras layer names cannot)';
  return null;
}

// A name as an exported Keras/TF.js layer or model name: letters, digits, "_",
// "." and "-" kept, every other character "_". (File names: file-names.js.)
export const kerasName = (text) => String(text).replace(/[^A-Za-z0-9_.-]/g, '_');
