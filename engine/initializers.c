/* initializers.c: keras.initializers. Variance-scaling ones (Glorot, He, LeCun)
 * follow Keras: uniform limit sqrt(3 * scale / n); normal ones draw from a normal
 * truncated at two standard deviations whose stddev is sqrt(scale / n) divided by
 * 0.87962566103423978 (the stddev of a unit normal truncated to [-2, 2]). */
#include "nn.h"

#include <math.h>

const char *const initializer_names[INIT_COUNT + 1] = {
    "zeros",         "ones",          "constant",       "random_normal", "random_uniform",
    "truncated_normal", "glorot_uniform", "glorot_normal", "he_uniform",    "he_normal",
    "lecun_uniform", "lecun_normal",  NULL};

const char *const initializer_params[INIT_COUNT] = {
    [INIT_CONSTANT] = "value",
    [INIT_RANDOM_NORMAL] = "mean stddev",
    [INIT_RANDOM_UNIFORM] = "minval maxval",
    [INIT_TRUNCATED_NORMAL] = "mean stddev",
};

static double truncated(eng_rng *rng) {
  for (;;) {
    double x = eng_rng_normal(rng);
    if (x >= -2.0 && x <= 2.0) return x;
  }
}

void initializer_fill(int init, const init_params *p, uint32_t fan_in, uint32_t fan_out,
                      float *w, size_t n, eng_rng *rng) {
  double scale = 0, fan = 1;
  bool uniform = false;
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
  case INIT_GLOROT_UNIFORM: uniform = true; /* fall through */
  case INIT_GLOROT_NORMAL: scale = 1.0; fan = (fan_in + fan_out) / 2.0; break;
  case INIT_HE_UNIFORM: uniform = true; /* fall through */
  case INIT_HE_NORMAL: scale = 2.0; fan = fan_in; break;
  case INIT_LECUN_UNIFORM: uniform = true; /* fall through */
  case INIT_LECUN_NORMAL: scale = 1.0; fan = fan_in; break;
  }
  if (fan < 1) fan = 1;
  if (uniform) {
    double limit = sqrt(3.0 * scale / fan);
    for (size_t i = 0; i < n; i++) w[i] = (float)(limit * (2.0 * eng_rng_uniform(rng) - 1.0));
  } else {
    double stddev = sqrt(scale / fan) / 0.87962566103423978;
    for (size_t i = 0; i < n; i++) w[i] = (float)(stddev * truncated(rng));
  }
}
