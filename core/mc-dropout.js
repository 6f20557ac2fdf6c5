// mc-dropout.js: Monte Carlo Dropout as the page and the CLI report it (Gal &
// Ghahramani 2016; Hands-On ML ch. 11): accuracy of the average of N stochastic
// passes against the plain (inference) prediction, the images the model is
// least sure about, and reliability curves. The passes themselves are the
// engine's (Model.mcPredict: dropout active, BatchNormalization in inference
// mode, seeded apart from training).
import description from './description.js';
import { layerKind } from './layers/index.js';

// The passes the page compares with plain inference.
export const MC_SAMPLES = [1, 10, 100];

// Whether a configuration has a Dropout or AlphaDropout layer with rate > 0:
// without one every pass is the plain prediction and MC Dropout is pointless.
export function hasDropout(config) {
  return (config?.model ?? []).some((l) => layerKind(l?.type)?.dropsUnits &&
    (l.rate ?? description.layers[l.type].options.rate.default) > 0);
}

export const NO_DROPOUT_REASON = 'Monte Carlo Dropout averages predictions over random dropout masks; this model has no Dropout or AlphaDropout layer with rate > 0, so every pass gives the plain prediction: there is nothing to average. Add a dropout layer and train again to try it.';

// The index of each row's most probable class (the first on ties, as the engine).
function predicted(probs, classes, i) {
  let best = 0;
  for (let k = 1; k < classes; k++) if (probs[i * classes + k] > probs[i * classes + best]) best = k;
  return best;
}

// The reliability diagram (Guo et al. 2017, "On Calibration of Modern Neural
// Networks"): images grouped by the confidence of their predicted class into
// `bins` equal bins; per non-empty bin its mean confidence, accuracy and count.
export function reliabilityCurve(probs, labels, classes, bins = 10) {
  const sum = new Float64Array(bins), right = new Float64Array(bins), count = new Float64Array(bins);
  for (let i = 0; i < labels.length; i++) {
    const best = predicted(probs, classes, i);
    const p = probs[i * classes + best];
    const b = Math.min(bins - 1, Math.floor(p * bins));
    sum[b] += p, count[b] += 1, right[b] += best === labels[i] ? 1 : 0;
  }
  const out = [];
  for (let b = 0; b < bins; b++) if (count[b]) out.push({ confidence: sum[b] / count[b], accuracy: right[b] / count[b], count: count[b] });
  return out;
}

// The CLI's summary: N passes over the whole dataset.
export function mcDropoutSummary(model, ds, samples, seed) {
  const r = model.mcPredict(ds, 0, ds.count, samples, seed);
  return { samples, accuracy: r.accuracy, mean_std: r.meanStd };
}

// The page's report over ds: plain accuracy, then each N of `samples`, done
// `chunk` images at a time (onProgress({done, total}) and `pause` awaited in
// between so the host can answer its watchdog). The largest N also gives the
// least certain images (by the standard deviation of the predicted class over
// the passes) and the MC reliability curve.
export async function mcDropoutReport(model, ds, { samples = MC_SAMPLES, seed = 42, chunk = 1024, uncertain = 12, onProgress, pause } = {}) {
  const n = ds.count, c = model.outputSize;
  const labels = ds.labels();
  const plain = model.predict(ds, 0, n);
  let right = 0;
  for (let i = 0; i < n; i++) right += predicted(plain, c, i) === labels[i] ? 1 : 0;
  const total = samples.reduce((s, k) => s + k, 0) * n;
  let done = 0;
  const passes = [];
  let last = null;
  for (const k of samples) {
    const mean = new Float32Array(n * c), std = new Float32Array(n * c);
    let correct = 0, stdSum = 0;
    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      const r = model.mcPredict(ds, start, count, k, seed);
      mean.set(r.mean, start * c), std.set(r.std, start * c);
      correct += r.accuracy * count, stdSum += r.meanStd * count;
      done += k * count;
      onProgress?.({ done, total });
      await pause?.();
    }
    passes.push({ samples: k, accuracy: correct / n, mean_std: stdSum / n });
    last = { mean, std };
  }
  const ranked = Array.from({ length: n }, (_, i) => {
    const best = predicted(last.mean, c, i);
    return { index: i, label: labels[i], predicted: best, probability: last.mean[i * c + best], std: last.std[i * c + best] };
  }).sort((a, b) => b.std - a.std || a.index - b.index);
  return {
    images: n, seed, plain: { accuracy: right / n }, passes,
    uncertain: ranked.slice(0, uncertain),
    reliability: { plain: reliabilityCurve(plain, labels, c), mc: reliabilityCurve(last.mean, labels, c), samples: samples[samples.length - 1] },
  };
}
