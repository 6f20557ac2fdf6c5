// export.js: runs as files a student can keep, share or open elsewhere. The
// results files are core/results-bundle.js's, the same the CLI writes
// (tools/train.js: history.csv, results.json), so a run trained in the page
// and one trained with `npm run train` give files of the same shape. The
// Keras script is core/keras-script.js's, also the CLI's.
import { resultsBundle, csvField } from '../../core/results-bundle.js';
import { kerasScript, scriptFileName } from '../../core/keras-script.js';
import { fileStem } from '../../core/file-names.js';
import { layerEntries } from './session.js';

export { fileStem };

// A page run record as the runConfig result the CLI hands to resultsBundle.
function bundleOf(record) {
  const result = { ...(record.result ?? {}), run: record.id, history: record.history ?? [] };
  const entries = layerEntries(record);
  if (!result.layer_stats && entries.length) result.layer_stats = entries.at(-1).layers;
  if (record.error && !result.error) result.error = record.error;
  return resultsBundle(result, record.engine ?? {}, record.config ?? null);
}

// One run: exactly the CLI's history.csv and results.json.
export function runFiles(record) {
  const stem = fileStem(record.id);
  const { csv, json } = bundleOf(record);
  return { csv: { name: `${stem}-history.csv`, text: csv }, json: { name: `${stem}-results.json`, text: json } };
}

// Several runs in one file each. CSV: the CLI's history.csv columns with a
// leading "run" column; JSON: a list of the CLI's results.json documents.
export function runsToCsv(records) {
  const lines = [];
  for (const r of records) {
    const [head, ...rows] = bundleOf(r).csv.trimEnd().split('\n');
    if (!lines.length) lines.push(`run,${head}`);
    const id = csvField(String(r.id));
    for (const row of rows) lines.push(`${id},${row}`);
  }
  return `${lines.join('\n')}\n`;
}

export function runsToJson(records) {
  return `[\n${records.map((r) => bundleOf(r).json.trimEnd()).join(',\n')}\n]\n`;
}

// The run as a Keras script (Python); throws with the reason when the
// configuration cannot be written as one.
export function kerasFile(record) {
  if (!record.config) throw new Error(`"${record.label}" has no configuration to write as Keras code`);
  return { name: scriptFileName(record.id), text: kerasScript(record.config, { id: record.id, label: record.label, title: record.experiment ?? undefined, trainCount: record.result?.train_images }) };
}
