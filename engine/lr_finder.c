/* lr_finder.c: the learning-rate range test (Smith 2017, "Cyclical Learning
 * Rates", section 3.3; Geron, Hands-On ML 3rd ed., ch. 10 and 11): train with a
 * rate that grows exponentially from tiny to huge, one step per batch, and look
 * for where the loss stops falling and shoots up. The model is put back as it
 * was afterwards, so the test costs nothing to the run that follows. */
#include "nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const eng_opt_desc lr_finder_opts[] = {
    {"min_learning_rate", OPT_FLOAT, 1e-5, 1e-12, 1e6, NULL, NULL, false, "the first batch's rate (the book: 1e-5)"},
    {"max_learning_rate", OPT_FLOAT, 10, 1e-12, 1e6, NULL, NULL, false, "the last batch's rate (the book: 10)"},
    {"steps", OPT_INT, 500, 2, 100000, NULL, NULL, false, "batches from the first rate to the last (the book: 500)"},
    {"batch_size", OPT_INT, 32, 1, 65536, NULL, NULL, false, "images per batch"},
    {"seed", OPT_INT, 42, 0, 4294967295.0, NULL, NULL, false, "seed of the batches' order"},
    {"stop_factor", OPT_FLOAT, 4, 1, 1e9, NULL, NULL, false, "stop once the smoothed loss exceeds this many times its minimum"},
    {"smoothing", OPT_FLOAT, 0.98, 0, 0.9999, NULL, NULL, false,
     "weight of the loss's moving average (fastai's 0.98; 0: each batch's own loss)"},
};
const eng_variant_desc lr_finder_table[1] = {
    {"lr_finder", "", lr_finder_opts, ENG_COUNT_OF(lr_finder_opts),
     "the learning-rate range test: the loss as the rate grows exponentially batch by batch"}};

/* Everything a training step changes that the model's file keeps. */
typedef struct {
  float *params, *slots;
  optimizer_state optimizer;
  int64_t iterations;
  dropout_streams dropout;
} saved_state;

static eng_status save_state(const eng_model *m, saved_state *s) {
  size_t n_slots = 3 * m->n_grads + 1;
  s->params = NULL;
  s->slots = malloc(n_slots * sizeof(float));
  if (!s->slots || model_snapshot(m, &s->params) != ENG_OK) {
    free(s->slots);
    return eng_fail(ENG_ERR_NOMEM, "out of memory keeping a copy of the model for the learning-rate finder");
  }
  memcpy(s->slots, m->slots, n_slots * sizeof(float));
  s->optimizer = m->optimizer, s->iterations = m->iterations, s->dropout = m->dropout;
  return ENG_OK;
}

static void restore_state(eng_model *m, saved_state *s) {
  model_restore(m, s->params);
  memcpy(m->slots, s->slots, (3 * m->n_grads + 1) * sizeof(float));
  m->optimizer = s->optimizer, m->iterations = s->iterations, m->dropout = s->dropout;
  free(s->params), free(s->slots);
}

static void shuffle(uint32_t *order, uint32_t n, eng_rng *rng) {
  for (uint32_t i = n - 1; i > 0; i--) { /* Fisher-Yates, as the trainer shuffles */
    uint32_t j = eng_rng_below(rng, i + 1), tmp = order[i];
    order[i] = order[j], order[j] = tmp;
  }
}

eng_status eng_model_find_lr(eng_model *m, const eng_dataset *train, const char *spec,
                             uint32_t capacity, double *rates, double *losses, uint32_t *count,
                             double *suggested) {
  *count = 0, *suggested = NAN;
  eng_options o;
  eng_status st = eng_parse_spec(spec && *spec ? spec : "lr_finder", "learning-rate finder",
                                 lr_finder_table, 1, &o);
  if (st != ENG_OK) return st;
  double min_lr = eng_opt_num(&o, lr_finder_table, "min_learning_rate");
  double max_lr = eng_opt_num(&o, lr_finder_table, "max_learning_rate");
  uint32_t steps = (uint32_t)eng_opt_num(&o, lr_finder_table, "steps");
  uint32_t batch = (uint32_t)eng_opt_num(&o, lr_finder_table, "batch_size");
  double stop_factor = eng_opt_num(&o, lr_finder_table, "stop_factor");
  double beta = eng_opt_num(&o, lr_finder_table, "smoothing");
  if (!(max_lr > min_lr))
    return eng_fail(ENG_ERR_INVALID, "learning-rate finder: max_learning_rate (%g) must be above min_learning_rate (%g)",
                    max_lr, min_lr);
  if (capacity < steps)
    return eng_fail(ENG_ERR_INVALID, "learning-rate finder: room for %u points, %u steps asked", capacity, steps);
  if ((st = model_check_dataset(m, train)) != ENG_OK) return st;
  if (train->count == 0) return eng_fail(ENG_ERR_INVALID, "learning-rate finder: no training images");
  if (batch > m->max_batch)
    return eng_fail(ENG_ERR_INVALID, "learning-rate finder: batch_size %u is above the model's %u", batch, m->max_batch);
  if (m->standardize && !m->adapted && (st = eng_model_adapt(m, train)) != ENG_OK) return st;
  uint32_t *order = malloc((size_t)train->count * sizeof(uint32_t));
  if (!order) return eng_fail(ENG_ERR_NOMEM, "out of memory for the learning-rate finder");
  saved_state saved;
  if ((st = save_state(m, &saved)) != ENG_OK) {
    free(order);
    return st;
  }
  for (uint32_t i = 0; i < train->count; i++) order[i] = i;
  eng_rng rng;
  eng_rng_seed(&rng, (uint64_t)eng_opt_num(&o, lr_finder_table, "seed"), ENG_STREAM_SHUFFLE);
  double average = 0, best = INFINITY, best_rate = min_lr;
  uint32_t position = train->count; /* shuffle before the first batch */
  for (uint32_t i = 0; i < steps; i++) {
    if (position >= train->count) shuffle(order, train->count, &rng), position = 0;
    int n = (int)(train->count - position < batch ? train->count - position : batch);
    /* rate_i = min * (max/min)^(i/(steps-1)): the book multiplies by a constant
     * factor each batch; computed from i, not by repeated products, so it ends
     * exactly at max. */
    double rate = min_lr * pow(max_lr / min_lr, (double)i / (steps - 1));
    int correct, nonfinite;
    double loss = model_train_step(m, train, order, position, n, rate, false, NULL, &correct, &nonfinite);
    position += (uint32_t)n;
    if (!isfinite(loss)) break; /* the loss exploded: the curve ends here */
    /* fastai's smoothing: an exponential moving average, divided by
     * 1 - beta^(i+1) so that the first points are not biased towards 0. */
    average = beta * average + (1 - beta) * loss;
    double smoothed = beta > 0 ? average / (1 - pow(beta, i + 1)) : loss;
    rates[*count] = rate, losses[*count] = smoothed, (*count)++;
    if (smoothed < best) best = smoothed, best_rate = rate;
    if (nonfinite >= 0 || smoothed > stop_factor * best) break;
  }
  restore_state(m, &saved);
  free(order);
  if (*count == 0)
    return eng_fail(ENG_ERR_DIVERGED, "learning-rate finder: the loss was not finite from the first batch at rate %g; "
                    "try a smaller kernel_initializer or min_learning_rate", min_lr);
  *suggested = best_rate / 10;
  return ENG_OK;
}
