// Hostile text in the Keras script (issue 10, item 2): names full of quotes,
// backslashes, triple quotes, comment signs, bidirectional overrides and
// emoji, and labels and titles with line breaks and control characters, must
// stay text. Python's own parser (ast, tokenize) checks every generated script:
// its top-level statements are exactly those of the same script with plain
// names, the payload appears only inside string literals and comments, and each
// name reads back from its literal unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { kerasScript, pythonString, modelFileName } from '../../core/keras-script.js';
import { ConfigError } from '../../core/config.js';
import { smallConfig } from './helpers.js';

const PYTHON = process.env.PYTHON || 'python3';

// Reads {scripts: [text], literals: [text]} as JSON on stdin; answers per script
// its top-level statements, the kinds of the tokens holding MARKER, its string
// constants and docstring, and per literal the value Python reads from it.
const CHECKER = String.raw`
import ast, io, json, sys, tokenize
MARKER = "PWNED"
job = json.load(sys.stdin)
def dotted(node):
    if isinstance(node, ast.Name): return node.id
    if isinstance(node, ast.Attribute): return dotted(node.value) + "." + node.attr
    if isinstance(node, ast.Call): return dotted(node.func) + "()"
    return type(node).__name__
def summary(stmt):
    kind = type(stmt).__name__
    if isinstance(stmt, ast.Assign): return kind + " " + ",".join(ast.unparse(t) for t in stmt.targets)
    if isinstance(stmt, ast.Expr): return kind + " " + (dotted(stmt.value) if isinstance(stmt.value, ast.Call) else type(stmt.value).__name__)
    if isinstance(stmt, (ast.Import, ast.ImportFrom)): return kind + " " + ",".join(a.name for a in stmt.names)
    if isinstance(stmt, (ast.FunctionDef, ast.ClassDef)): return kind + " " + stmt.name
    return kind
out = {"scripts": [], "literals": []}
for text in job["scripts"]:
    tree = ast.parse(text)
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    marked = sorted({tokenize.tok_name[t.type] for t in tokens if MARKER in t.string})
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    out["scripts"].append({"statements": [summary(s) for s in tree.body], "marked": marked, "strings": strings, "doc": ast.get_docstring(tree, clean=False)})
for literal in job["literals"]:
    out["literals"].append(ast.literal_eval(literal))
sys.stdout.write(json.dumps(out))
`;

function python(job) {
  const r = spawnSync(PYTHON, ['-c', CHECKER], { input: JSON.stringify(job), encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `python failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

const PAYLOAD = 'import os; os.system("PWNED")';
// Valid names (validateConfig refuses control characters in them) that are hostile to a writer.
const RUN = `x"; ${PAYLOAD} #\\ '''"""\\n{PWNED}/\u202eevil é🎉 \\`;
const LAYER = `h"); ${PAYLOAD}; ("\\x\u2066\ufeff`;
const BASE = `base\\" + __import__("os").system("PWNED") + "\u200f`;
// Free text the caller passes (a page label, an experiment title): anything at all.
const LABEL = `label\n${PAYLOAD}\r\n"""\u0000\u0085\u2028${PAYLOAD}\u2029\t\\`;
const TITLE = `title\n${PAYLOAD}  #\u000b\u000c\u001b[31m\ud800`;

function configWith({ run, layer, base }) {
  return smallConfig({
    name: run,
    model: [
      { type: 'dense', units: 32, activation: 'relu', name: layer },
      { type: 'dense', units: 16, activation: 'relu', name: `${layer}2` },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
    transfer: { from: base, layers: 1, trainable: false },
    callbacks: [{ type: 'model_checkpoint', monitor: 'val_accuracy' }],
    stats: { every_epoch: true, samples: 100 },
  });
}

test('hostile names and labels stay inside string literals and comments of the Keras script', () => {
  const plain = kerasScript(configWith({ run: 'run', layer: 'layer', base: 'base' }), { label: 'label', title: 'title' });
  const hostile = kerasScript(configWith({ run: RUN, layer: LAYER, base: BASE }), { label: LABEL, title: TITLE });
  assert.doesNotMatch(hostile, /[^\P{Cc}\n]|[\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u, 'no raw control, format or separator character besides the line ends');
  const [p, h] = python({ scripts: [plain, hostile], literals: [] }).scripts;
  assert.deepEqual(h.statements, p.statements, 'the same top-level statements as with plain names');
  assert.ok(h.statements.includes('Assign model') && h.statements.includes('Expr model.save()'));
  assert.deepEqual(h.marked, ['COMMENT', 'STRING'], 'the payload is only ever text');
  assert.ok(h.strings.includes(LAYER) && h.strings.includes(`${LAYER}2`), 'layer names read back unchanged');
  assert.ok(h.doc.startsWith(`${RUN}: ${LABEL}\n\n`), 'the docstring heading reads back unchanged');
  assert.match(modelFileName(RUN), /^[A-Za-z0-9_.-]+$/);
  assert.ok(h.strings.includes(modelFileName(RUN)) && h.strings.includes(modelFileName(BASE)), 'saved files get safe names');
});

test('a name with a line break is refused, never written', () => {
  for (const [field, config] of [
    ['name', configWith({ run: `a\n${PAYLOAD}`, layer: 'l', base: 'b' })],
    ['model[0].name', configWith({ run: 'a', layer: `l\u2028${PAYLOAD}`, base: 'b' })],
    ['transfer.from', configWith({ run: 'a', layer: 'l', base: `base\n${PAYLOAD}  #` })],
  ]) {
    assert.throws(() => kerasScript(config), (err) => err instanceof ConfigError && err.errors.some((e) => e.path === field && /line break or control character/.test(e.message)), field);
  }
});

test('pythonString writes every character so that Python reads it back unchanged', () => {
  const texts = [];
  for (let start = 0; start < 0x3000; start += 0x100) texts.push(String.fromCodePoint(...Array.from({ length: 0x100 }, (_, k) => start + k)));
  texts.push('\ud800', '\udfff', 'a\ud83d', '\u{1f389}\u{10ffff}\u{e0001}', '"""', "'''", '\\', '\\"', '');
  const literals = texts.map(pythonString);
  for (const l of literals) assert.doesNotMatch(l, /[\p{Cc}\p{Zl}\p{Zp}\p{Cf}\p{Cs}]/u, 'no raw control, format or separator character');
  assert.deepEqual(python({ scripts: [], literals }).literals, texts);
});
