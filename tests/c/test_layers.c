/* test_layers.c: layer and kernel behaviour against documented values:
 * initializer statistics (keras.initializers: variance scaling with a normal
 * truncated at two standard deviations, whose own stddev is 0.87962566103423978 of
 * the untruncated one), BatchNormalization in training and inference (Ioffe &
 * Szegedy 2015; Keras momentum 0.99, epsilon 1e-3, biased batch variance),
 * Dropout / AlphaDropout (Keras layers), activation values (SELU constants of
 * Klambauer et al. 2017, LeakyReLU's layer default 0.3, exact-erf GELU), the MaxNorm
 * constraint, magnitude pruning, and gemm_f32 bit for bit against its scalar
 * reference (and within rounding of a double-precision product). */
#define _POSIX_C_SOURCE 200809L /* alarm() for the deadlock watchdog */
#include "testlib.h"
#include "nn.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#define TRUNC_STD 0.87962566103423978 /* stddev of N(0,1) truncated to [-2, 2] */

static uint64_t test_state = 0x2545F4914F6CDD1Dull;
static uint64_t splitmix(void) {
  uint64_t z = (test_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static double uniform_pm1(void) { return 2.0 * ((double)(splitmix() >> 11) / 9007199254740992.0) - 1.0; }

typedef struct {
  double mean, std, min, max;
} stats;

static stats stats_of(const float *w, size_t n) {
  stats s = {0, 0, INFINITY, -INFINITY};
  double s1 = 0, s2 = 0;
  for (size_t i = 0; i < n; i++) {
    s1 += w[i], s2 += (double)w[i] * w[i];
    s.min = fmin(s.min, w[i]), s.max = fmax(s.max, w[i]);
  }
  s.mean = s1 / n;
  s.std = sqrt(s2 / n - s.mean * s.mean);
  return s;
}

/* A built 784 -> 300 dense layer with the given initializer; its kernel statistics. */
static stats kernel_stats(const char *initializer, eng_model **keep) {
  eng_model *m = NULL;
  char spec[256];
  snprintf(spec, sizeof spec, "dense units=300 %s", initializer);
  CHECK_OK(eng_model_create(784, "model seed=7", &m));
  stats s = {NAN, NAN, NAN, NAN};
  if (!m) return s;
  CHECK_OK(eng_model_add(m, spec));
  CHECK_OK(eng_model_add(m, "dense units=10 activation=softmax"));
  CHECK_OK(eng_model_build(m, 1));
  uint32_t layer, rows, cols;
  const char *name;
  float *data = NULL;
  CHECK_OK(eng_model_tensor_info(m, 0, &layer, &name, &rows, &cols, &data));
  CHECK(layer == 0 && strcmp(name, "kernel") == 0 && rows == 784 && cols == 300);
  if (data) s = stats_of(data, (size_t)rows * cols);
  if (keep) *keep = m;
  else eng_model_free(m);
  return s;
}

static void test_initializers(void) {
  /* 235200 samples: the sample stddev is within ~0.3% of the true one (1/sqrt(2n)
   * relative at 3 sigma); 2% tolerances are loose yet catch any wrong fan. */
  const double fan_in = 784, fan_out = 300;
  struct {
    const char *spec;
    double std;   /* expected standard deviation */
    double bound; /* no value beyond this (truncation or uniform limit) */
  } cases[] = {
      /* he_normal: stddev sqrt(2 / fan_in), drawn as truncated_normal(stddev / 0.8796) */
      {"kernel_initializer=he_normal", sqrt(2 / fan_in), 2 * sqrt(2 / fan_in) / TRUNC_STD},
      /* glorot_normal: sqrt(2 / (fan_in + fan_out)) */
      {"kernel_initializer=glorot_normal", sqrt(2 / (fan_in + fan_out)),
       2 * sqrt(2 / (fan_in + fan_out)) / TRUNC_STD},
      /* lecun_normal: sqrt(1 / fan_in) */
      {"kernel_initializer=lecun_normal", sqrt(1 / fan_in), 2 * sqrt(1 / fan_in) / TRUNC_STD},
      /* glorot_uniform: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)), std = limit/sqrt 3 */
      {"kernel_initializer=glorot_uniform", sqrt(6 / (fan_in + fan_out)) / sqrt(3),
       sqrt(6 / (fan_in + fan_out))},
      /* he_uniform: limit sqrt(6 / fan_in) */
      {"kernel_initializer=he_uniform", sqrt(6 / fan_in) / sqrt(3), sqrt(6 / fan_in)},
      /* lecun_uniform: limit sqrt(3 / fan_in) */
      {"kernel_initializer=lecun_uniform", sqrt(3 / fan_in) / sqrt(3), sqrt(3 / fan_in)},
      /* random_normal(stddev): untruncated; 235200 draws stay within ~5.2 sigma */
      {"kernel_initializer=random_normal kernel_stddev=0.2", 0.2, 0.2 * 6},
      /* truncated_normal(stddev): N(0, stddev) cut at 2 stddev, so its std is 0.8796 stddev */
      {"kernel_initializer=truncated_normal kernel_stddev=0.1", 0.1 * TRUNC_STD, 0.2},
      /* random_uniform(minval, maxval) defaults -0.05, 0.05 */
      {"kernel_initializer=random_uniform", 0.05 / sqrt(3), 0.05},
  };
  for (size_t k = 0; k < ENG_COUNT_OF(cases); k++) {
    stats s = kernel_stats(cases[k].spec, NULL);
    printf("%-55s std %.6f (expected %.6f), range [%.5f, %.5f] (bound %.5f)\n", cases[k].spec,
           s.std, cases[k].std, s.min, s.max, cases[k].bound);
    CHECK(fabs(s.std / cases[k].std - 1) < 0.02);
    CHECK(fabs(s.mean) < 0.02 * cases[k].std);
    CHECK(s.max <= cases[k].bound && s.min >= -cases[k].bound);
    /* The bound is reached (the distribution has the right shape, not just spread). */
    CHECK(s.max > 0.97 * cases[k].bound || strstr(cases[k].spec, "random_normal"));
  }
  /* Default kernel initializer: glorot_uniform, as in Keras. */
  stats d = kernel_stats("", NULL);
  CHECK(fabs(d.std / (sqrt(6 / (fan_in + fan_out)) / sqrt(3)) - 1) < 0.02);
  /* random_normal mean option. */
  stats mn = kernel_stats("kernel_initializer=random_normal kernel_mean=1.5 kernel_stddev=0.01", NULL);
  CHECK(fabs(mn.mean - 1.5) < 1e-3 && fabs(mn.std - 0.01) < 2e-4);
  /* random_uniform bounds. */
  stats un = kernel_stats("kernel_initializer=random_uniform kernel_minval=2 kernel_maxval=3", NULL);
  CHECK(un.min >= 2 && un.max < 3 && fabs(un.mean - 2.5) < 0.01);

  /* constant, zeros and ones: every weight equal; bias initializers likewise. */
  eng_model *m = NULL;
  stats c = kernel_stats("kernel_initializer=constant kernel_value=0.25 bias_initializer=constant bias_value=-0.5", &m);
  CHECK(c.min == 0.25f && c.max == 0.25f);
  if (m) {
    CHECK(m->layers[0].bias[0] == -0.5f && m->layers[0].bias[299] == -0.5f);
    /* The next layer's default bias is zeros. */
    CHECK(m->layers[1].bias[0] == 0.0f && m->layers[1].bias[9] == 0.0f);
    eng_model_free(m);
  }
  stats z = kernel_stats("kernel_initializer=zeros bias_initializer=ones", &m);
  CHECK(z.min == 0 && z.max == 0);
  if (m) {
    CHECK(m->layers[0].bias[0] == 1.0f && m->layers[0].bias[299] == 1.0f);
    eng_model_free(m);
  }
  stats o = kernel_stats("kernel_initializer=ones", NULL);
  CHECK(o.min == 1 && o.max == 1);

  /* Same seed, same weights; another seed, others. */
  eng_model *a = NULL, *b = NULL;
  kernel_stats("kernel_initializer=he_normal", &a);
  kernel_stats("kernel_initializer=he_normal", &b);
  if (a && b) CHECK(memcmp(a->params, b->params, a->n_params * sizeof(float)) == 0);
  eng_model_free(a), eng_model_free(b);
}

/* A model that exposes one layer on its input: [activation linear, L, dense softmax]. */
static eng_model *probe_model(uint32_t features, const char *layer_spec, uint32_t batch) {
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(features, "model seed=3", &m));
  if (!m) return NULL;
  CHECK_OK(eng_model_add(m, "activation activation=linear"));
  CHECK_OK(eng_model_add(m, layer_spec));
  CHECK_OK(eng_model_add(m, "dense units=2 activation=softmax"));
  if (eng_model_build(m, batch) != ENG_OK) {
    CHECK(0);
    eng_model_free(m);
    return NULL;
  }
  return m;
}

static void test_batch_norm(void) {
  const int n = 6, f = 3;
  eng_model *m = probe_model(f, "batch_normalization", n);
  if (!m) return;
  layer *bn = &m->layers[1];
  /* Keras defaults: momentum 0.99, epsilon 1e-3; gamma 1, beta 0, moving 0 / 1. */
  CHECK_NEAR(bn->momentum, 0.99, 0);
  CHECK_NEAR(bn->epsilon, 1e-3, 0);
  CHECK(bn->gamma[0] == 1 && bn->beta[0] == 0 && bn->moving_mean[0] == 0 && bn->moving_var[0] == 1);
  const float gamma[3] = {1.5f, 0.5f, -1.0f}, beta[3] = {0.1f, -0.2f, 0.3f};
  memcpy(bn->gamma, gamma, sizeof gamma);
  memcpy(bn->beta, beta, sizeof beta);
  for (int i = 0; i < n * f; i++) m->input[i] = (float)(3.0 * uniform_pm1() + (i % f));
  /* Training: y = gamma (x - mean_B) / sqrt(var_B + eps) + beta, var_B biased (/ n);
   * moving = moving * momentum + batch * (1 - momentum). */
  double mean[3] = {0}, var[3] = {0};
  for (int j = 0; j < f; j++) {
    for (int i = 0; i < n; i++) mean[j] += m->input[i * f + j] / (double)n;
    for (int i = 0; i < n; i++) var[j] += pow(m->input[i * f + j] - mean[j], 2) / n;
  }
  model_forward(m, n, true, true);
  double worst = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < f; j++) {
      double want = gamma[j] * (m->input[i * f + j] - mean[j]) / sqrt(var[j] + 1e-3) + beta[j];
      worst = fmax(worst, fabs(bn->y[i * f + j] - want));
    }
  CHECK(worst < 1e-5);
  for (int j = 0; j < f; j++) {
    CHECK_NEAR(bn->moving_mean[j], 0.01 * mean[j], 1e-6);
    CHECK_NEAR(bn->moving_var[j], 0.99 + 0.01 * var[j], 1e-6);
  }
  /* A second update compounds: moving = 0.99 * moving + 0.01 * batch. */
  float mm1 = bn->moving_mean[0], mv1 = bn->moving_var[0];
  model_forward(m, n, true, true);
  CHECK_NEAR(bn->moving_mean[0], 0.99 * mm1 + 0.01 * mean[0], 1e-6);
  CHECK_NEAR(bn->moving_var[0], 0.99 * mv1 + 0.01 * var[0], 1e-6);
  /* update_state = false: the batch statistics are used, the moving ones stay. */
  float mm2 = bn->moving_mean[1], mv2 = bn->moving_var[1];
  model_forward(m, n, true, false);
  CHECK(bn->moving_mean[1] == mm2 && bn->moving_var[1] == mv2);
  /* Inference: y = gamma (x - moving_mean) / sqrt(moving_var + eps) + beta. */
  model_forward(m, n, false, false);
  worst = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < f; j++) {
      double want = gamma[j] * (m->input[i * f + j] - bn->moving_mean[j]) /
                        sqrt(bn->moving_var[j] + 1e-3) + beta[j];
      worst = fmax(worst, fabs(bn->y[i * f + j] - want));
    }
  CHECK(worst < 1e-5);
  CHECK(bn->moving_mean[1] == mm2 && bn->moving_var[1] == mv2);
  eng_model_free(m);

  /* Options: momentum and epsilon reach the formulas; trainable=false runs in
   * inference mode even in training, as Keras's BatchNormalization does. */
  m = probe_model(f, "batch_normalization momentum=0.5 epsilon=0.1", n);
  if (!m) return;
  bn = &m->layers[1];
  for (int i = 0; i < n * f; i++) m->input[i] = (float)(i % 5);
  double mean0 = 0, var0 = 0;
  for (int i = 0; i < n; i++) mean0 += m->input[i * f] / (double)n;
  for (int i = 0; i < n; i++) var0 += pow(m->input[i * f] - mean0, 2) / n;
  model_forward(m, n, true, true);
  CHECK_NEAR(bn->moving_mean[0], 0.5 * mean0, 1e-6);
  CHECK_NEAR(bn->moving_var[0], 0.5 + 0.5 * var0, 1e-6);
  CHECK_NEAR(bn->y[0], (m->input[0] - mean0) / sqrt(var0 + 0.1), 1e-5);
  eng_model_free(m);

  m = probe_model(f, "batch_normalization trainable=0", n);
  if (!m) return;
  bn = &m->layers[1];
  for (int i = 0; i < n * f; i++) m->input[i] = (float)(i % 7) - 2.0f;
  model_forward(m, n, true, true);
  CHECK(bn->moving_mean[0] == 0 && bn->moving_var[0] == 1);
  CHECK_NEAR(bn->y[4], m->input[4] / sqrt(1.0 + 1e-3), 1e-6);
  eng_model_free(m);
}

static void test_dropout(void) {
  const int n = 100, f = 100;
  eng_model *m = probe_model(f, "dropout rate=0.3", n);
  if (!m) return;
  layer *d = &m->layers[1];
  for (int i = 0; i < n * f; i++) m->input[i] = (float)(1.0 + uniform_pm1());
  /* Inference: identity. */
  model_forward(m, n, false, false);
  CHECK(memcmp(d->y, m->input, (size_t)n * f * sizeof(float)) == 0);
  /* Training: each input kept with probability 0.7 and scaled by 1 / 0.7. With
   * 10000 draws the kept fraction is 0.7 +- 0.014 at 3 sigma. */
  model_forward(m, n, true, true);
  int kept = 0, wrong = 0;
  for (int i = 0; i < n * f; i++) {
    if (d->y[i] == 0.0f) continue;
    kept++;
    wrong += fabsf(d->y[i] - m->input[i] / 0.7f) > 1e-6f * fabsf(d->y[i]);
  }
  CHECK(wrong == 0);
  CHECK(fabs(kept / (double)(n * f) - 0.7) < 0.015);
  /* The mean is preserved in expectation: E[y] = E[x]. */
  double sx = 0, sy = 0;
  for (int i = 0; i < n * f; i++) sx += m->input[i], sy += d->y[i];
  CHECK(fabs(sy / sx - 1) < 0.03);
  /* A new draw each batch. */
  float first[64];
  memcpy(first, d->y, sizeof first);
  model_forward(m, n, true, true);
  CHECK(memcmp(first, d->y, sizeof first) != 0);
  eng_model_free(m);

  /* AlphaDropout (Keras): alpha_p = -SELU_ALPHA * SELU_SCALE,
   * a = ((1 - rate)(1 + rate alpha_p^2))^-1/2, b = -a alpha_p rate;
   * y = a (x keep + alpha_p (1 - keep)) + b; identity at inference. */
  m = probe_model(f, "alpha_dropout rate=0.2", n);
  if (!m) return;
  d = &m->layers[1];
  for (int i = 0; i < n * f; i++) m->input[i] = (float)(2.0 * uniform_pm1());
  model_forward(m, n, false, false);
  CHECK(memcmp(d->y, m->input, (size_t)n * f * sizeof(float)) == 0);
  model_forward(m, n, true, true);
  double alpha_p = -SELU_ALPHA * SELU_SCALE, rate = 0.2;
  double a = pow((1 - rate) * (1 + rate * alpha_p * alpha_p), -0.5), b = -a * alpha_p * rate;
  int dropped = 0;
  wrong = 0;
  for (int i = 0; i < n * f; i++) {
    double as_kept = a * m->input[i] + b, as_dropped = a * alpha_p + b;
    if (fabs(d->y[i] - as_dropped) < 1e-5) dropped++;
    else wrong += fabs(d->y[i] - as_kept) > 1e-5;
  }
  CHECK(wrong == 0);
  CHECK(fabs(dropped / (double)(n * f) - 0.2) < 0.015);
  /* Worked constants for rate 0.2: alpha_p = -1.7581, a = (0.8 * 1.6182)^-1/2 = 0.87890,
   * and a dropped unit outputs a alpha_p + b = a alpha_p (1 - rate) = -1.23616. */
  CHECK_NEAR(a, 0.87890, 1e-5);
  CHECK_NEAR(a * alpha_p + b, -1.23616, 1e-5);
  eng_model_free(m);
}

static void test_activation_values(void) {
  const float z[6] = {-3.0f, -1.0f, -0.5f, 0.0f, 1.0f, 2.5f};
  float y[6];
  /* SELU (Klambauer et al. 2017; keras.activations.selu): scale = 1.05070098,
   * alpha = 1.67326324; selu(z) = scale z for z > 0, scale alpha (e^z - 1) otherwise. */
  CHECK_NEAR(SELU_SCALE, 1.0507009873554805, 1e-15);
  CHECK_NEAR(SELU_ALPHA, 1.6732632423543772, 1e-15);
  activation_forward(ACT_SELU, 0, z, y, 1, 6);
  for (int i = 0; i < 6; i++) {
    double want = z[i] > 0 ? 1.0507009873554805 * z[i]
                           : 1.0507009873554805 * 1.6732632423543772 * (exp(z[i]) - 1);
    CHECK_NEAR(y[i], want, 2e-6);
  }
  CHECK_NEAR(y[1], -1.1113307378125628, 2e-6); /* selu(-1) */
  /* LeakyReLU: keras.layers.LeakyReLU(negative_slope=0.3) is the default of the
   * engine's leaky_relu; ELU: alpha 1. */
  CHECK_NEAR(activation_default_alpha(ACT_LEAKY_RELU), 0.3, 0);
  CHECK_NEAR(activation_default_alpha(ACT_ELU), 1.0, 0);
  eng_model *m = probe_model(6, "activation activation=leaky_relu", 1);
  if (m) {
    CHECK_NEAR(m->layers[1].alpha, 0.3f, 0);
    memcpy(m->input, z, sizeof z);
    model_forward(m, 1, false, false);
    CHECK_NEAR(m->layers[1].y[0], -0.9f, 1e-7);
    CHECK_NEAR(m->layers[1].y[5], 2.5f, 0);
    eng_model_free(m);
  }
  m = probe_model(6, "dense units=6 activation=leaky_relu", 1);
  if (m) CHECK_NEAR(m->layers[1].alpha, 0.3f, 0);
  eng_model_free(m);
  m = probe_model(6, "activation activation=leaky_relu alpha=0.01", 1);
  if (m) {
    memcpy(m->input, z, sizeof z);
    model_forward(m, 1, false, false);
    CHECK_NEAR(m->layers[1].y[0], -0.03f, 1e-8);
    eng_model_free(m);
  }
  activation_forward(ACT_ELU, 1.0f, z, y, 1, 6);
  CHECK_NEAR(y[1], exp(-1.0) - 1, 1e-6);
  CHECK_NEAR(y[4], 1.0, 0);
  /* GELU, exact: z Phi(z) = z/2 (1 + erf(z / sqrt 2)). */
  activation_forward(ACT_GELU, 0, z, y, 1, 6);
  for (int i = 0; i < 6; i++) CHECK_NEAR(y[i], 0.5 * z[i] * (1 + erf(z[i] / sqrt(2.0))), 1e-6);
  CHECK_NEAR(y[4], 0.8413447460685429, 1e-6);
  /* Swish (keras.activations.silu): z sigmoid(z); silu(1) = 0.7310585786300049 in Keras. */
  activation_forward(ACT_SWISH, 0, z, y, 1, 6);
  for (int i = 0; i < 6; i++) CHECK_NEAR(y[i], z[i] / (1 + exp(-z[i])), 1e-6);
  CHECK_NEAR(y[4], 0.7310585786300049, 1e-6);
  /* sigmoid, tanh, relu, softmax against libm. */
  activation_forward(ACT_SIGMOID, 0, z, y, 1, 6);
  for (int i = 0; i < 6; i++) CHECK_NEAR(y[i], 1 / (1 + exp(-z[i])), 1e-7);
  activation_forward(ACT_TANH, 0, z, y, 1, 6);
  for (int i = 0; i < 6; i++) CHECK_NEAR(y[i], tanh(z[i]), 1e-6);
  activation_forward(ACT_RELU, 0, z, y, 1, 6);
  CHECK(y[0] == 0 && y[3] == 0 && y[5] == 2.5f);
  activation_forward(ACT_SOFTMAX, 0, z, y, 2, 3);
  for (int r = 0; r < 2; r++) {
    double s = 0;
    for (int k = 0; k < 3; k++) s += exp(z[r * 3 + k]);
    for (int k = 0; k < 3; k++) CHECK_NEAR(y[r * 3 + k], exp(z[r * 3 + k]) / s, 1e-7);
  }
  /* Extreme logits stay finite (max subtracted first). */
  const float big[3] = {1000.0f, 999.0f, -1000.0f};
  activation_forward(ACT_SOFTMAX, 0, big, y, 1, 3);
  CHECK_NEAR(y[0], 1 / (1 + exp(-1.0)), 1e-6);
  CHECK(y[2] == 0.0f && isfinite(y[1]));
  activation_forward(ACT_SIGMOID, 0, big, y, 1, 3);
  CHECK(y[0] == 1.0f && y[2] == 0.0f);
}

/* A small dataset in memory: count samples of f features, labels k % classes, pixels
 * correlated with the label so that training moves the weights. */
static eng_dataset *make_dataset(uint32_t count, uint32_t f, uint32_t classes) {
  eng_dataset *ds = malloc(sizeof *ds);
  ds->count = count, ds->rows = 1, ds->cols = f, ds->channels = 1, ds->features = f;
  ds->num_classes = classes;
  ds->pixels = malloc((size_t)count * f);
  ds->labels = malloc(count);
  for (uint32_t i = 0; i < count; i++) {
    ds->labels[i] = (uint8_t)(i % classes);
    for (uint32_t j = 0; j < f; j++)
      ds->pixels[(size_t)i * f + j] =
          (uint8_t)((j % classes == ds->labels[i] ? 180 : 40) + (splitmix() % 60));
  }
  return ds;
}

static void train(eng_model *m, const eng_dataset *ds, const char *fit) {
  eng_trainer *t = NULL;
  CHECK_OK(eng_trainer_create(m, ds, NULL, fit, &t));
  if (!t) return;
  int event = 0;
  while (event != ENG_EVENT_DONE) {
    eng_status st = eng_trainer_run(t, 1000, &event);
    CHECK_OK(st);
    if (st != ENG_OK) break;
  }
  eng_trainer_free(t);
}

static void test_max_norm(void) {
  eng_dataset *ds = make_dataset(64, 20, 3);
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(20, "model seed=9", &m));
  if (!m) return;
  CHECK_OK(eng_model_add(m, "dense units=8 activation=relu kernel_initializer=random_normal kernel_stddev=1 max_norm=0.5"));
  CHECK_OK(eng_model_add(m, "dense units=3 activation=softmax max_norm=2"));
  CHECK_OK(eng_model_set_optimizer(m, "sgd learning_rate=0.5"));
  CHECK_OK(eng_model_build(m, 16));
  /* keras.constraints.MaxNorm(max_value, axis=0): each unit's incoming weights
   * (a kernel column) have norm <= max_value after every update. */
  double before = 0;
  for (int i = 0; i < 20; i++) before += m->layers[0].kernel[i * 8] * m->layers[0].kernel[i * 8];
  CHECK(sqrt(before) > 1.0); /* the constraint has work to do */
  train(m, ds, "fit epochs=1 batch_size=16");
  for (int li = 0; li < 2; li++) {
    const layer *l = &m->layers[li];
    double limit = li == 0 ? 0.5 : 2.0, largest = 0;
    for (uint32_t j = 0; j < l->out; j++) {
      double s = 0;
      for (uint32_t i = 0; i < l->in; i++) s += (double)l->kernel[i * l->out + j] * l->kernel[i * l->out + j];
      largest = fmax(largest, sqrt(s));
    }
    CHECK(largest <= limit * (1 + 1e-6));
    if (li == 0) CHECK(largest > 0.49); /* clipped to the limit, not far below */
  }
  eng_model_free(m);
  eng_dataset_free(ds);
}

static void test_pruning(void) {
  eng_dataset *ds = make_dataset(64, 20, 3);
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(20, "model seed=10", &m));
  if (!m) return;
  CHECK_OK(eng_model_add(m, "dense units=10 activation=relu kernel_initializer=he_normal"));
  CHECK_OK(eng_model_add(m, "dense units=3 activation=softmax"));
  CHECK_OK(eng_model_set_optimizer(m, "sgd learning_rate=0.1 momentum=0.9"));
  CHECK_OK(eng_model_build(m, 16));
  CHECK_NEAR(eng_model_sparsity(m), 0, 0);
  CHECK_FAILS(eng_model_prune(m, 1.0), ENG_ERR_INVALID, "prune fraction");
  CHECK_FAILS(eng_model_prune(m, -0.1), ENG_ERR_INVALID, "prune fraction");
  /* The smallest half (by magnitude) of each kernel goes: 100 of 200, 15 of 30. */
  float k0[200];
  memcpy(k0, m->layers[0].kernel, sizeof k0);
  CHECK_OK(eng_model_prune(m, 0.5));
  CHECK_NEAR(eng_model_sparsity(m), 0.5, 0);
  float kept_min = INFINITY, cut_max = 0;
  for (int i = 0; i < 200; i++) {
    if (m->layers[0].kernel[i] == 0) cut_max = fmaxf(cut_max, fabsf(k0[i]));
    else {
      kept_min = fminf(kept_min, fabsf(k0[i]));
      CHECK(m->layers[0].kernel[i] == k0[i]);
    }
  }
  CHECK(cut_max <= kept_min);
  int zero[230];
  for (int i = 0; i < 200; i++) zero[i] = m->layers[0].kernel[i] == 0;
  for (int i = 0; i < 30; i++) zero[200 + i] = m->layers[1].kernel[i] == 0;
  /* Training (with momentum, which would otherwise revive them) keeps them at zero. */
  float k1[200];
  memcpy(k1, m->layers[0].kernel, sizeof k1);
  train(m, ds, "fit epochs=2 batch_size=16");
  int revived = 0, moved = 0;
  for (int i = 0; i < 200; i++) {
    if (zero[i]) revived += m->layers[0].kernel[i] != 0;
    else moved += m->layers[0].kernel[i] != k1[i];
  }
  for (int i = 0; i < 30; i++) if (zero[200 + i]) revived += m->layers[1].kernel[i] != 0;
  CHECK(revived == 0);
  CHECK(moved > 50);
  CHECK_NEAR(eng_model_sparsity(m), 0.5, 1e-9);
  /* prune(0) clears the masks: training revives the weights. */
  CHECK_OK(eng_model_prune(m, 0));
  train(m, ds, "fit epochs=1 batch_size=16");
  /* (Weights into ReLU units that are dead on every sample get no gradient and stay 0.) */
  CHECK(eng_model_sparsity(m) < 0.3);
  eng_model_free(m);
  eng_dataset_free(ds);
}

/* gemm_f32 vs gemm_f32_reference, bit for bit, and both vs a double product. */
static void check_gemm(int M, int N, int K, bool transposed_a, bool accumulate, int threads) {
  eng_set_threads(threads);
  int ldc = N + 3; /* padding columns must stay untouched */
  size_t na = (size_t)M * K, nb = (size_t)K * N, nc = (size_t)M * ldc;
  float *a = malloc((na ? na : 1) * sizeof(float)), *b = malloc((nb ? nb : 1) * sizeof(float));
  float *c1 = malloc(nc * sizeof(float)), *c2 = malloc(nc * sizeof(float));
  for (size_t i = 0; i < na; i++) a[i] = (float)uniform_pm1();
  for (size_t i = 0; i < nb; i++) b[i] = (float)uniform_pm1();
  for (size_t i = 0; i < nc; i++) c1[i] = c2[i] = (float)uniform_pm1();
  /* A(m, k) = a[m * a_rs + k * a_cs]: row-major M x K, or read transposed from K x M. */
  int a_rs = transposed_a ? 1 : K, a_cs = transposed_a ? M : 1;
  double worst = 0;
  {
    float *c0 = malloc(nc * sizeof(float));
    memcpy(c0, c1, nc * sizeof(float));
    gemm_f32(M, N, K, a, a_rs, a_cs, b, N, c1, ldc, accumulate);
    gemm_f32_reference(M, N, K, a, a_rs, a_cs, b, N, c2, ldc, accumulate);
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) {
        double s = accumulate ? c0[i * ldc + j] : 0;
        for (int k = 0; k < K; k++) s += (double)a[i * a_rs + k * a_cs] * b[k * N + j];
        worst = fmax(worst, fabs(c1[i * ldc + j] - s));
      }
    int padding_changed = 0;
    for (int i = 0; i < M; i++)
      for (int j = N; j < ldc; j++) padding_changed += c1[i * ldc + j] != c0[i * ldc + j];
    CHECK(padding_changed == 0);
    free(c0);
  }
  bool same = memcmp(c1, c2, nc * sizeof(float)) == 0;
  if (!same)
    fprintf(stderr, "gemm %dx%dx%d%s accumulate=%d threads=%d differs from the reference\n", M, N,
            K, transposed_a ? " (A transposed)" : "", accumulate, threads);
  CHECK(same);
  /* Float sums of K products of values in [-1, 1]: error <= K * 2^-24 * K roughly;
   * 1e-6 * (K + 1) is a generous bound that still catches a wrong index. */
  CHECK(worst <= 1e-6 * (K + 1) + 1e-6);
  free(a), free(b), free(c1), free(c2);
}

static void test_gemm(void) {
  const int shapes[][3] = {{5, 13, 7}, {32, 300, 784}, {784, 300, 32}, {33, 17, 1},
                           {1, 1, 1},  {4, 8, 3},      {7, 9, 0},      {64, 100, 64},
                           {3, 300, 784}};
  for (size_t s = 0; s < ENG_COUNT_OF(shapes); s++)
    for (int acc = 0; acc <= 1; acc++)
      for (int threads = 1; threads <= 2; threads++)
        for (int tr = 0; tr <= 1; tr++)
          check_gemm(shapes[s][0], shapes[s][1], shapes[s][2], tr, acc, threads);
  /* 1 vs 2 threads give the same bits on a threaded-size product. */
  const int M = 32, N = 300, K = 784;
  float *a = malloc((size_t)M * K * sizeof(float)), *b = malloc((size_t)K * N * sizeof(float));
  float *c1 = calloc((size_t)M * N, sizeof(float)), *c2 = calloc((size_t)M * N, sizeof(float));
  for (int i = 0; i < M * K; i++) a[i] = (float)uniform_pm1();
  for (int i = 0; i < K * N; i++) b[i] = (float)uniform_pm1();
  CHECK(eng_set_threads(1) == 1);
  gemm_f32(M, N, K, a, K, 1, b, N, c1, N, false);
  CHECK(eng_set_threads(2) == 2);
  CHECK(eng_get_threads() == 2);
  gemm_f32(M, N, K, a, K, 1, b, N, c2, N, false);
  CHECK(memcmp(c1, c2, (size_t)M * N * sizeof(float)) == 0);
  eng_set_threads(1);
  free(a), free(b), free(c1), free(c2);
}

/* penalty_f32 (keras.regularizers.L1L2: l1 sum|w| + l2 sum w^2, gradient
 * l1 sign(w) + 2 l2 w added to grad) against its scalar reference, bit for bit,
 * and against a double-precision sum. */
static void check_penalty(size_t n, float l1, float l2, int threads) {
  eng_set_threads(threads);
  float *w = malloc(n * sizeof(float)), *g1 = malloc(n * sizeof(float)), *g2 = malloc(n * sizeof(float));
  for (size_t i = 0; i < n; i++) {
    w[i] = i % 11 == 5 ? 0.0f : (float)uniform_pm1();
    g1[i] = g2[i] = (float)(0.1 * uniform_pm1());
  }
  double want_abs = 0, want_sq = 0;
  for (size_t i = 0; i < n; i++) want_abs += fabs(w[i]), want_sq += (double)w[i] * w[i];
  double want = (double)l1 * want_abs + (double)l2 * want_sq;
  double v1 = penalty_f32(w, g1, n, l1, l2), v2 = penalty_f32_reference(w, g2, n, l1, l2);
  double v0 = penalty_f32(w, NULL, n, l1, l2);
  CHECK(v1 == v2 && v0 == v1);
  /* Float lane sums of up to 2048 terms each: relative error well under 1e-5. */
  CHECK(fabs(v1 - want) <= 1e-5 * want);
  CHECK(memcmp(g1, g2, n * sizeof(float)) == 0);
  /* The gradient it adds, on a zero start: l1 sign(w) + 2 l2 w. */
  float *g3 = calloc(n, sizeof(float));
  penalty_f32(w, g3, n, l1, l2);
  int wrong = 0;
  for (size_t i = 0; i < n; i++) {
    double inc = 2.0 * l2 * w[i] + (w[i] > 0 ? l1 : (w[i] < 0 ? -l1 : 0));
    wrong += fabs(g3[i] - inc) > 1e-6;
  }
  CHECK(wrong == 0);
  free(w), free(g1), free(g2), free(g3);
}

/* sgd_update_f32 (keras sgd.py) against its scalar reference, bit for bit, and the
 * double formula: v = momentum v - lr g; w += v (Nesterov: w += momentum v - lr g).
 * The array is passed as three uneven tensors (segments) of one step. */
static void check_sgd_kernel(size_t n, float momentum, bool nesterov, int threads) {
  eng_set_threads(threads);
  const float lr = 0.05f;
  float *w1 = malloc(n * sizeof(float)), *w2 = malloc(n * sizeof(float)), *g = malloc(n * sizeof(float));
  float *v1 = malloc(n * sizeof(float)), *v2 = malloc(n * sizeof(float));
  double *wd = malloc(n * sizeof(double)), *vd = malloc(n * sizeof(double));
  for (size_t i = 0; i < n; i++) {
    w1[i] = w2[i] = (float)uniform_pm1(), v1[i] = v2[i] = (float)(0.1 * uniform_pm1());
    wd[i] = w1[i], vd[i] = v1[i];
  }
  for (int step = 0; step < 2; step++) {
    for (size_t i = 0; i < n; i++) g[i] = (float)uniform_pm1();
    size_t a = n / 3 + 1, b = n > a + 5 ? 5 : 0;
    sgd_segment seg[3] = {{w1, v1, g, a}, {w1 + a, v1 + a, g + a, b}, {w1 + a + b, v1 + a + b, g + a + b, n - a - b}};
    CHECK(sgd_update_f32(seg, 3, lr, momentum, nesterov) == -1);
    sgd_update_f32_reference(w2, g, v2, n, lr, momentum, nesterov);
    for (size_t i = 0; i < n; i++) {
      if (momentum == 0) {
        wd[i] -= (double)lr * g[i];
        continue;
      }
      vd[i] = (double)momentum * vd[i] - (double)lr * g[i];
      wd[i] += nesterov ? (double)momentum * vd[i] - (double)lr * g[i] : vd[i];
    }
  }
  CHECK(memcmp(w1, w2, n * sizeof(float)) == 0 && memcmp(v1, v2, n * sizeof(float)) == 0);
  double worst = 0;
  for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs(w1[i] - wd[i]));
  CHECK(worst < 1e-6);
  free(w1), free(w2), free(g), free(v1), free(v2), free(wd), free(vd);
}

static void test_elementwise_kernels(int threads) {
  const size_t sizes[] = {1, 3, 4, 7, 8192, 8193, 16384 * 2 + 3, 100003};
  for (size_t k = 0; k < ENG_COUNT_OF(sizes); k++) {
    check_penalty(sizes[k], 0.01f, 0.0f, threads);
    check_penalty(sizes[k], 0.0f, 0.003f, threads);
    check_penalty(sizes[k], 0.02f, 0.5f, threads);
    check_sgd_kernel(sizes[k], 0.0f, false, threads);
    check_sgd_kernel(sizes[k], 0.9f, false, threads);
    check_sgd_kernel(sizes[k], 0.9f, true, threads);
  }
  eng_set_threads(1);
}

/* A thread-pool deadlock would hang ctest: a watchdog turns it into a failure
 * that names the stage. */
static const char *volatile stage = "start";
static volatile int pool_round = -1;
static void on_watchdog(int sig) {
  (void)sig;
  char msg[256];
  int n = snprintf(msg, sizeof msg,
                   "test_layers: DEADLOCK: still running after 30 s in %s (round %d); the "
                   "caller waits for a pool job that no worker runs\n", stage, pool_round);
  ssize_t w = write(2, msg, (size_t)n);
  (void)w;
  _exit(1);
}

/* Restarting the pool and giving it a job at once: a freshly created worker must
 * take part in the first job published after eng_set_threads returns. */
static void test_pool_restart(void) {
  const int M = 32, N = 300, K = 784; /* 15 MFLOP: split across the threads */
  float *a = malloc((size_t)M * K * sizeof(float)), *b = malloc((size_t)K * N * sizeof(float));
  float *c = malloc((size_t)M * N * sizeof(float)), *want = malloc((size_t)M * N * sizeof(float));
  for (int i = 0; i < M * K; i++) a[i] = (float)uniform_pm1();
  for (int i = 0; i < K * N; i++) b[i] = (float)uniform_pm1();
  gemm_f32_reference(M, N, K, a, K, 1, b, N, want, N, false);
  int wrong = 0;
  for (pool_round = 0; pool_round < 100; pool_round++) {
    CHECK(eng_set_threads(2) == 2);
    gemm_f32(M, N, K, a, K, 1, b, N, c, N, false);
    wrong += memcmp(c, want, (size_t)M * N * sizeof(float)) != 0;
    eng_set_threads(1);
  }
  CHECK(wrong == 0);
  free(a), free(b), free(c), free(want);
}

/* SIMD ReLU against its definition, bit for bit, on odd lengths (SIMD body +
 * scalar tail), including -0, NaN, denormals and infinities. */
static void test_relu_kernels(void) {
  eng_rng rng;
  eng_rng_seed(&rng, 5, 5);
  enum { N = 1031 };
  float z[N], dy[N], y[N], dz[N];
  for (int i = 0; i < N; i++) z[i] = (float)(eng_rng_uniform(&rng) * 4 - 2), dy[i] = (float)(eng_rng_uniform(&rng) - 0.5);
  z[3] = -0.0f, z[4] = 0.0f, z[5] = NAN, z[6] = INFINITY, z[7] = -INFINITY, z[8] = 1e-40f, z[9] = -1e-40f;
  int wrong = 0;
  for (int n = 1; n <= N; n += 257) {
    relu_forward_f32(z, y, (size_t)n);
    relu_backward_f32(z, dy, dz, (size_t)n);
    for (int i = 0; i < n; i++) {
      float want_y = z[i] > 0 ? z[i] : 0.0f, want_dz = z[i] > 0 ? dy[i] : 0.0f;
      wrong += memcmp(&y[i], &want_y, 4) != 0 || memcmp(&dz[i], &want_dz, 4) != 0;
    }
  }
  CHECK(wrong == 0);
}

/* Jumping the PCG stream ahead by k equals k draws (dropout masks are drawn in
 * chunks that jump to their start). */
static void test_rng_advance(void) {
  const uint64_t jumps[] = {0, 1, 2, 7, 4096, 9600, 123457};
  for (size_t t = 0; t < sizeof jumps / sizeof jumps[0]; t++) {
    eng_rng a, b;
    eng_rng_seed(&a, 42, ENG_STREAM_DROPOUT);
    b = a;
    for (uint64_t i = 0; i < jumps[t]; i++) eng_rng_u32(&a);
    eng_rng_advance(&b, jumps[t]);
    CHECK(a.state == b.state && eng_rng_u32(&a) == eng_rng_u32(&b));
  }
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0); /* keep the log if the watchdog fires */
  signal(SIGALRM, on_watchdog);
  alarm(30);
  stage = "initializers", test_initializers();
  stage = "batch normalization", test_batch_norm();
  stage = "dropout", test_dropout();
  stage = "activation values", test_activation_values();
  stage = "relu kernels", test_relu_kernels();
  stage = "rng advance", test_rng_advance();
  stage = "max_norm", test_max_norm();
  stage = "pruning", test_pruning();
  stage = "penalty and SGD kernels (1 thread)", test_elementwise_kernels(1);
  stage = "gemm (1 and 2 threads)", test_gemm();
  stage = "penalty and SGD kernels (2 threads)", test_elementwise_kernels(2);
  stage = "gemm right after eng_set_threads(2)", test_pool_restart();
  stage = "eng_pool_stop", eng_pool_stop();
  alarm(0);
  return test_report("test_layers");
}
