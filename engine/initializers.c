/* initializers.c: keras.initializers. VarianceScaling (and Glorot, He, LeCun,
 * which Keras defines as VarianceScaling with fixed arguments) follows Keras:
 * n is fan_in, fan_out or their mean (at least 1); uniform draws from
 * [-limit, limit] with limit = sqrt(3 * scale / n); truncated_normal draws from
 * a normal truncated at two standard deviations whose stddev is sqrt(scale / n)
 * divided by 0.87962566103423978 (the stddev of a unit normal truncated to
 * [-2, 2]), so the draw's stddev is sqrt(scale / n); untruncated_normal draws
 * from a normal of stddev sqrt(scale / n).
 * Source: keras/src/initializers/random_initializers.py (Keras 3). */
#include "nn.h"

#include <math.h>

const char *const initializer_names[INIT_COUNT + 1] = {
    "zeros",         "ones",          "constant",       "random_normal", "random_uniform",
    "truncated_normal", "glorot_uniform", "glorot_normal", "he_uniform",    "he_normal",
    "lecun_uniform", "lecun_normal",  "variance_scaling", NULL};
ENG_TABLE_CHECK(initializer_names, INIT_COUNT + 1);

const char *const initializer_params[INIT_COUNT] = {
    [INIT_CONSTANT] = "value",
    [INIT_RANDOM_NORMAL] = "mean stddev",
    [INIT_RANDOM_UNIFORM] = "minval maxval",
    [INIT_TRUNCATED_NORMAL] = "mean stddev",
    [INIT_VARIANCE_SCALING] = "scale mode distribution",
};

const char *const variance_scaling_modes[FAN_COUNT + 1] = {"fan_in", "fan_out", "fan_avg", NULL};
ENG_TABLE_CHECK(variance_scaling_modes, FAN_COUNT + 1);
const char *const variance_scaling_distributions[DIST_COUNT + 1] = {
    "truncated_normal", "untruncated_normal", "uniform", NULL};
ENG_TABLE_CHECK(variance_scaling_distributions, DIST_COUNT + 1);

/* keras.initializers.GlorotUniform is VarianceScaling(1.0, "fan_avg", "uniform"), and so on. */
const variance_scaling_args initializer_variance_scaling[INIT_COUNT] = {
    [INIT_GLOROT_UNIFORM] = {1.0, FAN_AVG, DIST_UNIFORM},
    [INIT_GLOROT_NORMAL] = {1.0, FAN_AVG, DIST_TRUNCATED_NORMAL},
    [INIT_HE_UNIFORM] = {2.0, FAN_IN, DIST_UNIFORM},
    [INIT_HE_NORMAL] = {2.0, FAN_IN, DIST_TRUNCATED_NORMAL},
    [INIT_LECUN_UNIFORM] = {1.0, FAN_IN, DIST_UNIFORM},
    [INIT_LECUN_NORMAL] = {1.0, FAN_IN, DIST_TRUNCATED_NORMAL},
};

static double truncated(eng_rng *rng) {
  for (;;) {
    double x = eng_rng_normal(rng);
    if (x >= -2.0 && x <= 2.0) return x;
  }
}

static void variance_scaling_fill(const variance_scaling_args *a, uint32_t fan_in, uint32_t fan_out,
                                  float *w, size_t n, eng_rng *rng) {
  double fan = a->mode == FAN_IN ? fan_in : a->mode == FAN_OUT ? fan_out : (fan_in + fan_out) / 2.0;
  if (fan < 1) fan = 1;
  if (a->distribution == DIST_UNIFORM) {
    double limit = sqrt(3.0 * a->scale / fan);
    for (size_t i = 0; i < n; i++) w[i] = (float)(limit * (2.0 * eng_rng_uniform(rng) - 1.0));
  } else if (a->distribution == DIST_UNTRUNCATED_NORMAL) {
    double stddev = sqrt(a->scale / fan);
    for (size_t i = 0; i < n; i++) w[i] = (float)(stddev * eng_rng_normal(rng));
  } else {
    double stddev = sqrt(a->scale / fan) / TRUNCATED_NORMAL_STDDEV;
    for (size_t i = 0; i < n; i++) w[i] = (float)(stddev * truncated(rng));
  }
}

void initializer_fill(int init, const init_params *p, uint32_t fan_in, uint32_t fan_out,
                      float *w, size_t n, eng_rng *rng) {
  switch (init) {
  case INIT_ZEROS:
    for (size_t i = 0; i < n; i++) w[i] = 0.0f;
    return;
  case INIT_ONES:
    for (size_t i = 0; i < n; i++) w[i] = 1.0f;
    return;
  case INIT_CONSTANT:
    for (size_t i = 0; i < n; i++) w[i] = (float)p->value;
    return;
  case INIT_RANDOM_NORMAL:
    for (size_t i = 0; i < n; i++) w[i] = (float)(p->mean + p->stddev * eng_rng_normal(rng));
    return;
  case INIT_RANDOM_UNIFORM:
    for (size_t i = 0; i < n; i++)
      w[i] = (float)(p->minval + (p->maxval - p->minval) * eng_rng_uniform(rng));
    return;
  case INIT_TRUNCATED_NORMAL:
    for (size_t i = 0; i < n; i++) w[i] = (float)(p->mean + p->stddev * truncated(rng));
    return;
  case INIT_VARIANCE_SCALING:
    variance_scaling_fill(&p->vs, fan_in, fan_out, w, n, rng);
    return;
  default:
    variance_scaling_fill(&initializer_variance_scaling[init], fan_in, fan_out, w, n, rng);
  }
}
