// Run names in the CSV files (issue 10, item 2): quoted per RFC 4180 so that a
// comma, quote or line break cannot add a column or a row, and defused when a
// spreadsheet would run them as a formula (OWASP "CSV Injection").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvField, historyCsv } from '../../core/results-bundle.js';
import { METRIC_NAMES } from '../../wasm/engine.js';
import { importPageModule } from './helpers.js';

const { runsToCsv } = await importPageModule('app/export.js');

// An RFC 4180 reader, independent of the writer: rows of fields.
function readCsv(text) {
  const rows = [[]];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') field += c, i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') rows.at(-1).push(field), field = '';
    else if (c === '\n') rows.at(-1).push(field), field = '', rows.push([]);
    else field += c;
  }
  assert.equal(quoted, false, 'every quote is closed');
  if (field !== '' || rows.at(-1).length) rows.at(-1).push(field);
  else rows.pop();
  return rows;
}

const NAMES = ['plain', 'exp04/elu', '=HYPERLINK("http://evil.example","click")', '+1+cmd|calc', '-2', '@SUM(A1:A9)', '\tindent', '\rcr',
  'a,b', 'say "hi"', 'two\nlines', 'crlf\r\nrow', 'é🎉'];
const DEFUSED = (name) => (/^[=+\-@\t\r]/.test(name) ? `'${name}` : name);

test('run names in the runs CSV stay one field each and never start a formula', () => {
  const history = [{ epoch: 1, loss: 0.5, accuracy: 0.8, val_loss: NaN }, { epoch: 2, loss: 0.4, accuracy: 0.85 }];
  const rows = readCsv(runsToCsv(NAMES.map((id) => ({ id, history }))));
  assert.deepEqual(rows[0], ['run', ...METRIC_NAMES]);
  assert.equal(rows.length, 1 + 2 * NAMES.length, 'no name adds a row');
  rows.slice(1).forEach((row, i) => {
    assert.equal(row.length, 1 + METRIC_NAMES.length, `row ${i + 1} has every column and no more`);
    assert.equal(row[0], DEFUSED(NAMES[Math.floor(i / 2)]));
  });
  assert.equal(rows[1][1 + METRIC_NAMES.indexOf('loss')], '0.5');
  assert.equal(rows[1][1 + METRIC_NAMES.indexOf('val_loss')], '', 'NaN is an empty field');
});

test('csvField: numbers as numbers (negative ones too), text quoted and defused', () => {
  assert.equal(csvField(-0.25), '-0.25');
  assert.equal(csvField(Infinity), '');
  assert.equal(csvField(null), '');
  assert.equal(csvField('=1+1'), "'=1+1");
  assert.equal(csvField('-x,y'), '"\'-x,y"');
  assert.equal(csvField('a"b'), '"a""b"');
  assert.equal(historyCsv([]), `${METRIC_NAMES.join(',')}\n`);
});
