// files.js: tells which dataset file a student dropped is which: IDX images or
// labels (gzip'd or not) for the training or test split, or CIFAR-10 binary
// batches. Names decide first (train-images-idx3-ubyte.gz, t10k-labels...,
// data_batch_1.bin, test_batch.bin), then the IDX magic number.
const CIFAR_RECORD = 3073;

const isGzip = (u8) => u8.length >= 2 && u8[0] === 0x1f && u8[1] === 0x8b;

function idxKind(name, bytes) {
  if (/images|idx3/i.test(name)) return 'images';
  if (/labels|idx1/i.test(name)) return 'labels';
  if (!isGzip(bytes) && bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 8) {
    if (bytes[3] === 3) return 'images';
    if (bytes[3] === 1) return 'labels';
  }
  return null;
}

const isCifar = (name, bytes) => /data_batch_\d+|test_batch/i.test(name) || (/\.bin$/i.test(name) && !isGzip(bytes) && bytes.length % CIFAR_RECORD === 0);

// files: [{name, bytes: Uint8Array}] -> {dataset, files, names, summary} (names: the
// file names in the shape of files, for the worker's messages); throws Error with a readable message.
export function classifyFiles(files) {
  if (!files.length) throw new Error('no files were given');
  const cifar = files.filter((f) => isCifar(f.name, f.bytes));
  if (cifar.length) {
    const others = files.filter((f) => !cifar.includes(f));
    if (others.length) throw new Error(`mixing CIFAR-10 batches with other files (${others.map((f) => f.name).join(', ')}); load one dataset at a time`);
    const test = cifar.filter((f) => /test/i.test(f.name));
    let train = cifar.filter((f) => !test.includes(f));
    if (!train.length) throw new Error('only a CIFAR-10 test batch was given; add the training batches data_batch_1.bin ... data_batch_5.bin');
    train = train.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    return {
      dataset: 'cifar10',
      files: { train: train.map((f) => f.bytes.buffer), ...(test.length ? { test: test.map((f) => f.bytes.buffer) } : {}) },
      names: { train: train.map((f) => f.name), test: test.map((f) => f.name) },
      summary: `CIFAR-10: ${train.map((f) => f.name).join(', ')}${test.length ? ` + ${test.map((f) => f.name).join(', ')}` : ''}`,
    };
  }
  const slots = {};
  for (const f of files) {
    const kind = idxKind(f.name, f.bytes);
    if (!kind) throw new Error(`${f.name}: not recognized. Expected IDX files named like train-images-idx3-ubyte(.gz) and train-labels-idx1-ubyte(.gz), or CIFAR-10 batches (data_batch_1.bin ...)`);
    const split = /t10k|test/i.test(f.name) ? 'test' : 'train';
    const key = `${split}.${kind}`;
    if (slots[key]) throw new Error(`two ${split} ${kind} files: ${slots[key].name} and ${f.name}`);
    slots[key] = f;
  }
  const out = {};
  const names = {};
  for (const split of ['train', 'test']) {
    const images = slots[`${split}.images`];
    const labels = slots[`${split}.labels`];
    if (!images && !labels) continue;
    if (!images || !labels) throw new Error(`the ${split} split needs an images file and a labels file; only ${(images ?? labels).name} was given`);
    out[split] = { images: images.bytes.buffer, labels: labels.bytes.buffer };
    names[split] = { images: images.name, labels: labels.name };
  }
  if (!out.train) throw new Error('no training files: add train-images-idx3-ubyte(.gz) and train-labels-idx1-ubyte(.gz)');
  return { dataset: 'custom', files: out, names, summary: `IDX: ${files.map((f) => f.name).join(', ')}` };
}
