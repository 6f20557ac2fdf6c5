// run-warnings.js: honest warnings about a run that finished without an error
// but learned nothing (a learning rate of 1e9 ends at chance with a finite loss).
// Each warning needs evidence that a short smoke run of a working setup never
// shows, so tests and quick tries stay quiet:
// - at chance and the loss far above ln(classes): the loss of a net that guesses
//   every class equally is ln(classes) (2.30 for 10), which is where a fresh
//   net starts (Keras' sparse categorical cross-entropy); ending at twice that
//   means training pushed the weights the wrong way: steps far too large.
// - at chance and the training loss flat over 3 or more epochs: steps too small
//   to move, or no gradient getting through.
const MARGIN = 0.05; // accuracy within 5 points of chance counts as chance
const MIN_FLAT_EPOCHS = 3;

// Three significant digits: a loss of 2.3229287355779306e17 reads 2.32e17.
const num = (v) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? (+v.toPrecision(3)).toExponential().replace('e+', 'e') : String(+v.toPrecision(3)));
const percent = (v) => `${+(100 * v).toFixed(1)} %`;

// result: runConfig's result (history, error); classes: classes in the training
// data; outputs: units of the last layer.
export function runWarnings(result, { classes, outputs }) {
  const h = result.history;
  if (result.error || result.stopped_by_user || !h?.length || !(classes > 1)) return [];
  const last = h[h.length - 1];
  const accuracy = Number.isFinite(last.val_accuracy) ? last.val_accuracy : last.accuracy;
  const chance = 1 / classes;
  if (!(accuracy <= chance + MARGIN)) return [];
  const guess = Math.log(outputs);
  const lr = h[0].learning_rate;
  const start = `the run learned nothing: ${Number.isFinite(last.val_accuracy) ? 'validation ' : ''}accuracy stayed at chance (${percent(accuracy)}, chance is ${percent(chance)})`;
  if (last.loss > 2 * guess) {
    return [`${start} and the loss ended at ${num(last.loss)}, far above ${guess.toFixed(2)}, the loss of guessing every class equally; ` +
      (lr >= 1 ? `the learning rate ${num(lr)} is probably far too high` : `the learning rate ${num(lr)} may be too high, or the initial weights too large`)];
  }
  if (h.length >= MIN_FLAT_EPOCHS && last.loss >= 0.99 * h[0].loss) {
    return [`${start} and the loss did not fall in ${h.length} epochs; the learning rate ${num(lr)} may be too low, or the gradients do not get through (check the activations and the initializer)`];
  }
  return [];
}
