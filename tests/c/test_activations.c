/* test_activations.c: the newer activations and initializers of chapter 11
 * against independent references: Mish's values against libm
 * (z tanh(log1p(e^z)), keras.activations.mish), PReLU's forward pass (Keras's
 * relu(x) - alpha relu(-x), zeros start), RReLU's slopes (uniform in [lower,
 * upper] in training, exactly (lower + upper) / 2 at inference; Xu et al. 2015),
 * drawn reproducibly and bit-identically with 1 and 2 threads, and
 * keras.initializers.VarianceScaling's statistics in every mode and distribution
 * (the truncation constant derived here from the normal density). Their gradients
 * are checked by finite differences in test_gradients.c. */
#include "testlib.h"
#include "nn.h"

#include <string.h>

static uint64_t test_state = 0x51A7E5EEDull;
static double uniform_pm1(void) { return 2.0 * ((double)(test_splitmix(&test_state) >> 11) / 9007199254740992.0) - 1.0; }

static void test_mish_values(void) {
  const float z[8] = {-30.0f, -3.0f, -1.0f, -0.25f, 0.0f, 1.0f, 4.0f, 25.0f};
  float y[8];
  activation_forward(ACT_MISH, 0, z, y, 2, 4);
  for (int i = 0; i < 8; i++) CHECK_NEAR(y[i], z[i] * tanh(log1p(exp(z[i]))), 2e-6 * fmax(1, fabs(z[i])));
  CHECK_NEAR(y[5], 0.8650983882673103, 1e-6); /* mish(1) = tanh(log(1 + e)) */
  CHECK(y[4] == 0.0f);
  /* Non-monotonic: its minimum is about -0.3088 near z = -1.19 (Misra 2019). */
  const float zm[1] = {-1.1924f};
  activation_forward(ACT_MISH, 0, zm, y, 1, 1);
  CHECK_NEAR(y[0], -0.30884, 1e-4);
}

/* [activation linear, layer, dense softmax] with batch rows of `features` inputs. */
static eng_model *probe(uint32_t features, const char *layer_spec, uint32_t batch, const char *model_spec) {
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(features, model_spec, &m));
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

static void test_prelu_values(void) {
  const float x[8] = {-2.0f, -0.5f, 0.0f, 3.0f, 1.5f, -4.0f, -1.0f, 0.25f};
  /* Keras's default alpha_initializer is zeros: a fresh PReLU is a ReLU. */
  eng_model *m = probe(4, "prelu", 2, "model seed=1");
  if (!m) return;
  CHECK(m->layers[1].slopes != NULL && eng_model_param_count(m, 1) == 4 + 4 * 2 + 2);
  for (int j = 0; j < 4; j++) CHECK(m->layers[1].slopes[j] == 0.0f);
  memcpy(m->input, x, sizeof x);
  model_forward(m, 2, false, false);
  for (int i = 0; i < 8; i++) CHECK(m->layers[1].y[i] == (x[i] > 0 ? x[i] : 0.0f));
  /* One slope per unit: y = relu(x) - alpha relu(-x). */
  const float alpha[4] = {0.25f, -0.5f, 1.0f, 0.1f};
  memcpy(m->layers[1].slopes, alpha, sizeof alpha);
  model_forward(m, 2, true, false);
  for (int i = 0; i < 8; i++)
    CHECK_NEAR(m->layers[1].y[i], fmax(x[i], 0) - alpha[i % 4] * fmax(-x[i], 0), 1e-7);
  eng_model_free(m);
  /* alpha_initializer constant (He et al. 2015 start at 0.25). */
  m = probe(4, "prelu alpha_initializer=constant alpha_value=0.25", 2, "model seed=1");
  if (m) CHECK(m->layers[1].slopes[0] == 0.25f && m->layers[1].slopes[3] == 0.25f);
  eng_model_free(m);
}

/* A training forward pass of an RReLU over n x f inputs: its slopes. */
static void rrelu_slopes(const char *spec, int threads, float *out, int n, int f) {
  eng_set_threads(threads);
  eng_model *m = probe((uint32_t)f, spec, (uint32_t)n, "model seed=5");
  if (!m) return;
  for (int i = 0; i < n * f; i++) m->input[i] = (float)uniform_pm1();
  model_forward(m, n, true, true);
  const layer *l = &m->layers[1];
  for (int i = 0; i < n * f; i++) {
    out[i] = l->aux[i];
    /* y = x for x >= 0, slope x otherwise (torch.nn.RReLU). */
    float want = m->input[i] >= 0 ? m->input[i] : l->aux[i] * m->input[i];
    if (l->y[i] != want) {
      CHECK(l->y[i] == want);
      break;
    }
  }
  /* Inference: the mean slope, the same for every element. */
  model_forward(m, n, false, false);
  float mean = (float)((l->lower + l->upper) / 2);
  for (int i = 0; i < n * f; i++)
    if (l->aux[i] != mean || l->y[i] != (m->input[i] >= 0 ? m->input[i] : mean * m->input[i])) {
      CHECK(!"rrelu inference uses the mean slope");
      break;
    }
  eng_model_free(m);
  eng_set_threads(1);
}

static void test_rrelu(void) {
  enum { N = 100, F = 200 }; /* 20000 slopes: several parallel chunks */
  static float a[N * F], b[N * F];
  rrelu_slopes("rrelu", 1, a, N, F);
  double s = 0, s2 = 0, lo = 1, hi = 0;
  for (int i = 0; i < N * F; i++) s += a[i], s2 += (double)a[i] * a[i], lo = fmin(lo, a[i]), hi = fmax(hi, a[i]);
  double mean = s / (N * F), sd = sqrt(s2 / (N * F) - mean * mean);
  /* Uniform on [1/8, 1/3]: mean 11/48, stddev (1/3 - 1/8) / sqrt 12; 20000 draws
   * put the sample mean within 3 sigma = 0.0013 of it. */
  printf("rrelu slopes: mean %.5f (11/48 = %.5f), std %.5f (%.5f), range [%.5f, %.5f]\n", mean,
         11.0 / 48, sd, (1.0 / 3 - 0.125) / sqrt(12), lo, hi);
  CHECK(lo >= 0.125 && hi <= 1.0 / 3.0);
  CHECK(lo < 0.126 && hi > 0.332);
  CHECK_NEAR(mean, 11.0 / 48, 0.0015);
  CHECK_NEAR(sd, (1.0 / 3 - 0.125) / sqrt(12), 0.002);
  /* The same draw with 2 threads, bit for bit. */
  rrelu_slopes("rrelu", 2, b, N, F);
  CHECK(memcmp(a, b, sizeof a) == 0);
  rrelu_slopes("rrelu lower=0.3 upper=0.3", 2, b, N, F);
  CHECK(b[0] == 0.3f && b[N * F - 1] == 0.3f);
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(4, "model", &m));
  if (m) CHECK_FAILS(eng_model_add(m, "rrelu lower=0.5 upper=0.2"), ENG_ERR_INVALID, "lower (0.5) must not be above upper (0.2)");
  eng_model_free(m);
}

/* A trained model with an RReLU ends with the same weights with 1 and 2 threads
 * (its slopes come from the training generator, seeded by the run). */
static void train_rrelu(int threads, float **weights, size_t *n) {
  eng_set_threads(threads);
  uint64_t state = 99;
  eng_dataset *ds = test_band_dataset(&state, 600, 4, 0);
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(TEST_BAND_FEATURES, "model seed=9", &m));
  CHECK_OK(eng_model_add(m, "dense units=160"));
  CHECK_OK(eng_model_add(m, "rrelu"));
  CHECK_OK(eng_model_add(m, "dense units=64"));
  CHECK_OK(eng_model_add(m, "prelu"));
  CHECK_OK(eng_model_add(m, "dense units=4 activation=softmax"));
  CHECK_OK(eng_model_build(m, 100));
  CHECK_OK(eng_model_set_optimizer(m, "adamw learning_rate=0.01"));
  eng_trainer *t = NULL;
  CHECK_OK(eng_trainer_create(m, ds, NULL, "fit epochs=2 batch_size=100 seed=3", &t));
  int event = 0;
  while (t && event != ENG_EVENT_DONE)
    if (eng_trainer_run(t, 1000, &event) != ENG_OK) break;
  eng_trainer_free(t);
  *n = m->n_params;
  *weights = malloc(*n * sizeof(float));
  memcpy(*weights, m->params, *n * sizeof(float));
  /* The PReLU slopes left their zeros start: they were trained (and decayed). */
  bool moved = false;
  for (uint32_t j = 0; j < m->layers[3].out; j++) moved |= m->layers[3].slopes[j] != 0.0f;
  CHECK(moved);
  eng_model_free(m);
  eng_dataset_free(ds);
  eng_set_threads(1);
}

static void test_training_threads(void) {
  float *a = NULL, *b = NULL;
  size_t na = 0, nb = 0;
  train_rrelu(1, &a, &na);
  train_rrelu(2, &b, &nb);
  CHECK(na == nb && a && b && memcmp(a, b, na * sizeof(float)) == 0);
  free(a), free(b);
}

/* AdamW decays PReLU's slopes as Keras decays every trainable variable
 * (optimizer.exclude_from_weight_decay is empty by default): on inputs that are
 * never negative (pixels / 255) the slopes get no gradient, so Adam's step is 0
 * and only the decay acts: alpha_k = alpha_0 (1 - lr wd)^k. */
static void test_prelu_weight_decay(void) {
  uint64_t state = 5;
  eng_dataset *ds = test_band_dataset(&state, 320, 4, 0);
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(TEST_BAND_FEATURES, "model seed=2", &m));
  CHECK_OK(eng_model_add(m, "prelu alpha_initializer=constant alpha_value=0.5"));
  CHECK_OK(eng_model_add(m, "dense units=4 activation=softmax"));
  CHECK_OK(eng_model_build(m, 32));
  CHECK_OK(eng_model_set_optimizer(m, "adamw learning_rate=0.01 weight_decay=0.5"));
  eng_trainer *t = NULL;
  CHECK_OK(eng_trainer_create(m, ds, NULL, "fit epochs=1 batch_size=32", &t));
  int event = 0;
  while (t && event != ENG_EVENT_DONE)
    if (eng_trainer_run(t, 1000, &event) != ENG_OK) break;
  eng_trainer_free(t);
  /* 10 steps of (1 - 0.005), in float as the engine multiplies. */
  float want = 0.5f;
  for (int k = 0; k < 10; k++) want -= want * 0.005f;
  for (uint32_t j = 0; j < TEST_BAND_FEATURES; j++)
    if (m->layers[0].slopes[j] != want) {
      CHECK_NEAR(m->layers[0].slopes[j], want, 0);
      break;
    }
  eng_model_free(m);
  eng_dataset_free(ds);
}

/* keras.initializers.VarianceScaling on a 784 x 300 kernel. */
typedef struct { double mean, std, min, max; } stats;
static stats kernel_stats(const char *initializer, float **keep) {
  eng_model *m = NULL;
  char spec[256];
  snprintf(spec, sizeof spec, "dense units=300 %s", initializer);
  stats s = {NAN, NAN, NAN, NAN};
  CHECK_OK(eng_model_create(784, "model seed=7", &m));
  if (!m) return s;
  CHECK_OK(eng_model_add(m, spec));
  CHECK_OK(eng_model_add(m, "dense units=10 activation=softmax"));
  if (eng_model_build(m, 1) != ENG_OK) {
    eng_model_free(m);
    return s;
  }
  const float *w = m->layers[0].kernel;
  size_t n = 784 * 300;
  double s1 = 0, s2 = 0;
  s.min = INFINITY, s.max = -INFINITY;
  for (size_t i = 0; i < n; i++) s1 += w[i], s2 += (double)w[i] * w[i], s.min = fmin(s.min, w[i]), s.max = fmax(s.max, w[i]);
  s.mean = s1 / n, s.std = sqrt(s2 / n - s.mean * s.mean);
  if (keep) *keep = malloc(n * sizeof(float)), memcpy(*keep, w, n * sizeof(float));
  eng_model_free(m);
  return s;
}

static void test_variance_scaling(void) {
  /* The stddev of N(0, 1) truncated to [-2, 2]: sqrt(1 - 2 a phi(a) / (2 Phi(a) - 1))
   * at a = 2, with 2 Phi(2) - 1 = erf(sqrt 2). Keras divides by its value. */
  double phi2 = exp(-2.0) / sqrt(2 * M_PI);
  double trunc = sqrt(1 - 4 * phi2 / erf(sqrt(2.0)));
  CHECK_NEAR(trunc, 0.87962566103423978, 1e-15);
  CHECK(TRUNCATED_NORMAL_STDDEV == 0.87962566103423978);
  const double in = 784, out = 300, avg = (784 + 300) / 2.0;
  struct {
    const char *spec;
    double std, bound; /* expected stddev; no value beyond bound */
  } cases[] = {
      /* fan_avg, both distributions (Glorot's n) */
      {"kernel_initializer=variance_scaling kernel_mode=fan_avg", sqrt(1 / avg), 2 * sqrt(1 / avg) / trunc},
      {"kernel_initializer=variance_scaling kernel_mode=fan_avg kernel_distribution=uniform", sqrt(1 / avg), sqrt(3 / avg)},
      {"kernel_initializer=variance_scaling kernel_mode=fan_avg kernel_scale=3 kernel_distribution=untruncated_normal",
       sqrt(3 / avg), 6 * sqrt(3 / avg)},
      /* the other modes and scales */
      {"kernel_initializer=variance_scaling kernel_scale=2", sqrt(2 / in), 2 * sqrt(2 / in) / trunc},
      {"kernel_initializer=variance_scaling kernel_mode=fan_out kernel_scale=0.5", sqrt(0.5 / out), 2 * sqrt(0.5 / out) / trunc},
      {"kernel_initializer=variance_scaling kernel_mode=fan_out kernel_distribution=uniform kernel_scale=2", sqrt(2 / out), sqrt(6 / out)},
  };
  for (size_t k = 0; k < ENG_COUNT_OF(cases); k++) {
    stats s = kernel_stats(cases[k].spec, NULL);
    printf("%-100s std %.6f (expected %.6f), range [%.5f, %.5f] (bound %.5f)\n", cases[k].spec, s.std,
           cases[k].std, s.min, s.max, cases[k].bound);
    /* 235200 draws: the sample stddev is within ~0.3% at 3 sigma. */
    CHECK(fabs(s.std / cases[k].std - 1) < 0.01);
    CHECK(fabs(s.mean) < 0.01 * cases[k].std);
    CHECK(s.max <= cases[k].bound && s.min >= -cases[k].bound);
    CHECK(s.max > 0.97 * cases[k].bound || strstr(cases[k].spec, "untruncated"));
  }
  /* Glorot normal/uniform are VarianceScaling(1, fan_avg, truncated_normal/uniform),
   * and the defaults (1, fan_in, truncated_normal) are LeCun normal: the same draws. */
  const char *same[][2] = {
      {"kernel_initializer=glorot_normal", "kernel_initializer=variance_scaling kernel_mode=fan_avg"},
      {"kernel_initializer=glorot_uniform", "kernel_initializer=variance_scaling kernel_mode=fan_avg kernel_distribution=uniform"},
      {"kernel_initializer=lecun_normal", "kernel_initializer=variance_scaling"},
      {"kernel_initializer=he_uniform", "kernel_initializer=variance_scaling kernel_scale=2 kernel_distribution=uniform"},
  };
  for (size_t k = 0; k < ENG_COUNT_OF(same); k++) {
    float *a = NULL, *b = NULL;
    kernel_stats(same[k][0], &a);
    kernel_stats(same[k][1], &b);
    CHECK(a && b && memcmp(a, b, 784 * 300 * sizeof(float)) == 0);
    free(a), free(b);
  }
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(4, "model", &m));
  if (m) CHECK_FAILS(eng_model_add(m, "dense units=2 kernel_initializer=variance_scaling kernel_mode=fan_sum"),
                     ENG_ERR_INVALID, "fan_avg");
  eng_model_free(m);
}

int main(void) {
  test_mish_values();
  test_prelu_values();
  test_rrelu();
  test_training_threads();
  test_prelu_weight_decay();
  test_variance_scaling();
  return test_report("test_activations");
}
