// file-names.js: the file or folder name of a run, for downloads in the page and
// export folders of the CLI (`--export DIR` writes DIR/<stem>/). Whatever the
// run's name ("..", "a/../../b", control characters, an object from a hand-edited
// configuration), the stem is one plain path segment: letters, digits, _ . -,
// not starting with a dot, at most 100 characters.
export const fileStem = (text) =>
  String(text ?? 'run').replace(/[^\w.-]+/g, '_').replace(/^[._]+|_+$/g, '').slice(0, 100) || 'run';
