/* mc_dropout.c: Monte Carlo Dropout (Gal & Ghahramani 2016, "Dropout as a
 * Bayesian Approximation"; Geron, Hands-On ML 3rd ed., ch. 11): average many
 * forward passes with dropout active to get better-calibrated probabilities and
 * a measure of the model's uncertainty (their standard deviation). */
#include "nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int eng_model_has_dropout(const eng_model *m) {
  for (uint32_t li = 0; li < m->n_layers; li++)
    if (ops_of(&m->layers[li])->drops_units && m->layers[li].rate > 0) return 1;
  return 0;
}

eng_status eng_model_mc_predict(eng_model *m, const eng_dataset *ds, uint32_t start,
                                uint32_t count, uint32_t samples, uint64_t seed, float *mean,
                                float *std, double *accuracy, double *mean_std) {
  eng_status st = model_check_dataset(m, ds);
  if (st != ENG_OK) return st;
  if (start > ds->count || count > ds->count - start || count == 0)
    return eng_fail(ENG_ERR_INVALID, "samples %u..%u are outside the dataset (%u samples)", start,
                    start + count, ds->count);
  if (samples < 1 || samples > 100000)
    return eng_fail(ENG_ERR_INVALID, "Monte Carlo Dropout needs 1 to 100000 passes, got %u", samples);
  uint32_t c = eng_model_output_size(m);
  /* Sums and sums of squares of one batch's probabilities, in double. */
  double *sum = malloc(2 * (size_t)m->max_batch * c * sizeof(double));
  if (!sum) return eng_fail(ENG_ERR_NOMEM, "out of memory for Monte Carlo Dropout");
  double *sum_sq = sum + (size_t)m->max_batch * c;
  /* Without dropout every pass gives the same probabilities: one is enough. */
  uint32_t passes = eng_model_has_dropout(m) ? samples : 1;
  /* Every dropout layer draws from the one MC stream, in layer order (the
   * shared seed scheme, nn.h), whatever the model's scheme for training. */
  dropout_streams saved = m->dropout;
  uint32_t scheme = m->seed_scheme;
  m->seed_scheme = ENG_SEED_SHARED;
  m->mc_dropout = true;
  long right = 0;
  double std_total = 0;
  for (uint32_t s = 0; s < count; s += m->max_batch) {
    int n = (int)(count - s < m->max_batch ? count - s : m->max_batch);
    size_t cells = (size_t)n * c;
    model_load_batch(m, ds, NULL, start + s, n);
    /* This batch's masks: the MC stream jumped 2^32 draws per sample index, so
     * they depend on the seed and the batch's first sample only. */
    eng_rng_seed(&m->dropout.layer[0], seed, ENG_STREAM_MC_DROPOUT);
    eng_rng_advance(&m->dropout.layer[0], (uint64_t)(start + s) << 32);
    memset(sum, 0, cells * sizeof(double));
    memset(sum_sq, 0, cells * sizeof(double));
    for (uint32_t p = 0; p < passes; p++) {
      /* Inference mode (BatchNormalization's moving statistics, nothing
       * updated); the dropout layers draw masks because of m->mc_dropout. */
      const float *probs = model_forward(m, n, false, false);
      for (size_t k = 0; k < cells; k++) sum[k] += probs[k], sum_sq[k] += (double)probs[k] * probs[k];
    }
    for (int i = 0; i < n; i++) {
      float *row = mean + (size_t)(s + i) * c;
      uint32_t best = 0;
      float best_sd = 0;
      for (uint32_t k = 0; k < c; k++) {
        size_t cell = (size_t)i * c + k;
        double mu = sum[cell] / passes, var = sum_sq[cell] / passes - mu * mu;
        float sd = var > 0 ? (float)sqrt(var) : 0.0f;
        row[k] = (float)mu;
        if (std) std[(size_t)(s + i) * c + k] = sd;
        if (k == 0 || row[k] > row[best]) best = k, best_sd = sd; /* the first on ties */
      }
      std_total += best_sd;
      right += best == ds->labels[start + s + i];
    }
  }
  m->mc_dropout = false;
  m->dropout = saved, m->seed_scheme = scheme;
  free(sum);
  if (accuracy) *accuracy = (double)right / count;
  if (mean_std) *mean_std = std_total / count;
  return ENG_OK;
}
