/* test_mc_lr.c: Monte Carlo Dropout (eng_model_mc_predict) and the
 * learning-rate range test (eng_model_find_lr): MC is the plain prediction,
 * bit for bit, without dropout; one pass is a forward with that pass's mask
 * (checked against a hand computation); nothing of the model changes (weights,
 * BN statistics, dropout generator: the saved file is identical); the finder's
 * curve is fastai's smoothing of the batch losses and the model file is byte
 * for byte the same before and after. */
#include "testlib.h"
#include "nn.h"

#include <string.h>

static uint64_t test_state = 0x5EED0F3C0FFEEull;
#define F TEST_BAND_FEATURES
#define CLASSES 3

static eng_model *make_model(const char *const *layers, const char *optimizer, uint32_t max_batch) {
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(F, "model seed=7", &m));
  for (int i = 0; layers[i]; i++) CHECK_OK(eng_model_add(m, layers[i]));
  CHECK_OK(eng_model_set_optimizer(m, optimizer));
  CHECK_OK(eng_model_build(m, max_batch));
  return m;
}

static void train(eng_model *m, const eng_dataset *ds, int epochs) {
  char spec[64];
  snprintf(spec, sizeof spec, "fit epochs=%d batch_size=16 seed=3", epochs);
  eng_trainer *t = NULL;
  CHECK_OK(eng_trainer_create(m, ds, NULL, spec, &t));
  int event = ENG_EVENT_NONE;
  while (t && event != ENG_EVENT_DONE) CHECK_OK(eng_trainer_run(t, 1000, &event));
  eng_trainer_free(t);
}

static uint8_t *save(const eng_model *m, size_t *len) {
  uint8_t *blob = NULL;
  CHECK_OK(eng_model_save(m, "meta", &blob, len));
  return blob;
}

static void test_no_dropout_is_plain_prediction(const eng_dataset *ds) {
  const char *layers[] = {"dense units=16 activation=relu", "batch_normalization",
                          "dense units=3 activation=softmax", NULL};
  eng_model *m = make_model(layers, "adam learning_rate=0.01", 32);
  train(m, ds, 1);
  CHECK(!eng_model_has_dropout(m));
  uint32_t n = 70, c = CLASSES; /* three batches, the last one partial */
  float *plain = malloc(n * c * sizeof(float)), *mean = malloc(n * c * sizeof(float)),
        *std = malloc(n * c * sizeof(float));
  CHECK_OK(eng_model_predict(m, ds, 5, n, plain));
  double accuracy = -1, mean_std = -1;
  CHECK_OK(eng_model_mc_predict(m, ds, 5, n, 10, 99, mean, std, &accuracy, &mean_std));
  CHECK(memcmp(plain, mean, n * c * sizeof(float)) == 0);
  bool zero = true;
  for (uint32_t i = 0; i < n * c; i++) zero &= std[i] == 0.0f;
  CHECK(zero);
  CHECK(mean_std == 0.0);
  /* The accuracy is the plain prediction's. */
  int right = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t best = 0;
    for (uint32_t k = 1; k < c; k++) if (plain[i * c + k] > plain[i * c + best]) best = k;
    right += best == ds->labels[5 + i];
  }
  CHECK_NEAR(accuracy, (double)right / n, 1e-12);
  free(plain), free(mean), free(std);
  eng_model_free(m);
}

/* One pass (N = 1) over one batch: by hand, with the mask drawn as the dropout
 * layer draws it (draw i of the MC stream: kept when its 32 bits are at least
 * rate * 2^32), and as one training-mode forward with that generator. */
static void test_one_pass_by_hand(const eng_dataset *ds) {
  const char *layers[] = {"dense units=8 activation=relu", "dropout rate=0.5",
                          "dense units=3 activation=softmax", NULL};
  eng_model *m = make_model(layers, "sgd learning_rate=0.05", 32);
  train(m, ds, 2);
  CHECK(eng_model_has_dropout(m));
  const uint32_t n = 20, H = 8, c = CLASSES;
  const uint64_t seed = 1234;
  float mean[20 * CLASSES], std[20 * CLASSES];
  CHECK_OK(eng_model_mc_predict(m, ds, 0, n, 1, seed, mean, std, NULL, NULL));
  eng_rng r;
  eng_rng_seed(&r, seed, ENG_STREAM_MC_DROPOUT);
  const layer *d1 = &m->layers[0], *d2 = &m->layers[2];
  uint32_t threshold = (uint32_t)(0.5 * 4294967296.0);
  double worst = 0;
  int zero_std = 1;
  for (uint32_t i = 0; i < n; i++) {
    double h[8], z[CLASSES], total = 0, zmax = -1e300;
    for (uint32_t j = 0; j < H; j++) {
      double s = d1->bias[j];
      for (uint32_t k = 0; k < F; k++) s += ds->pixels[i * F + k] * (1.0 / 255.0) * d1->kernel[k * H + j];
      h[j] = s > 0 ? s : 0;
    }
    for (uint32_t j = 0; j < H; j++) h[j] *= eng_rng_u32(&r) >= threshold ? 2.0 : 0.0;
    for (uint32_t k = 0; k < c; k++) {
      double s = d2->bias[k];
      for (uint32_t j = 0; j < H; j++) s += h[j] * d2->kernel[j * c + k];
      z[k] = s;
      if (s > zmax) zmax = s;
    }
    for (uint32_t k = 0; k < c; k++) total += exp(z[k] - zmax);
    for (uint32_t k = 0; k < c; k++) {
      double p = exp(z[k] - zmax) / total, e = fabs(p - mean[i * c + k]);
      if (e > worst) worst = e;
      zero_std &= std[i * c + k] == 0.0f;
    }
  }
  CHECK_NEAR(worst, 0, 1e-5);
  CHECK(zero_std);
  /* The same numbers as a training-mode forward drawing from that stream. */
  dropout_streams saved = m->dropout;
  uint32_t scheme = m->seed_scheme;
  m->seed_scheme = ENG_SEED_SHARED; /* MC draws every layer's masks from its one stream */
  eng_rng_seed(&m->dropout.layer[0], seed, ENG_STREAM_MC_DROPOUT);
  model_load_batch(m, ds, NULL, 0, (int)n);
  const float *p = model_forward(m, (int)n, true, false);
  CHECK(memcmp(p, mean, sizeof mean) == 0);
  m->dropout = saved, m->seed_scheme = scheme;
  eng_model_free(m);
}

/* With BatchNormalization, Dropout and AlphaDropout: the model file (weights,
 * moving statistics, optimizer state, dropout generator) is the same after MC,
 * the numbers do not depend on the thread count or on how the samples are split
 * into calls, and the seed (not the training generator) decides the masks. */
static void test_state_unchanged_and_reproducible(const eng_dataset *ds) {
  const char *layers[] = {"dense units=16 activation=selu", "alpha_dropout rate=0.2",
                          "dense units=16 activation=relu", "batch_normalization",
                          "dropout rate=0.3", "dense units=3 activation=softmax", NULL};
  eng_model *m = make_model(layers, "adam learning_rate=0.01", 32);
  train(m, ds, 1);
  size_t len0, len1;
  uint8_t *before = save(m, &len0);
  const uint32_t n = 96, c = CLASSES, N = 25;
  float *a = malloc(n * c * sizeof(float)), *b = malloc(n * c * sizeof(float));
  float *sa = malloc(n * c * sizeof(float)), *sb = malloc(n * c * sizeof(float));
  double acc_a, std_a, acc_b, std_b;
  eng_set_threads(1);
  CHECK_OK(eng_model_mc_predict(m, ds, 0, n, N, 5, a, sa, &acc_a, &std_a));
  uint8_t *after = save(m, &len1);
  CHECK(len0 == len1 && memcmp(before, after, len0) == 0);
  CHECK(std_a > 0 && acc_a > 0.5);
  /* Two threads, and the samples in two calls split at the model's batch. */
  eng_set_threads(2);
  CHECK_OK(eng_model_mc_predict(m, ds, 0, 64, N, 5, b, sb, &acc_b, &std_b));
  CHECK_OK(eng_model_mc_predict(m, ds, 64, n - 64, N, 5, b + 64 * c, sb + 64 * c, NULL, NULL));
  eng_set_threads(1);
  CHECK(memcmp(a, b, n * c * sizeof(float)) == 0 && memcmp(sa, sb, n * c * sizeof(float)) == 0);
  /* Another seed, other masks; the plain prediction differs from the mean. */
  CHECK_OK(eng_model_mc_predict(m, ds, 0, n, N, 6, b, sb, NULL, NULL));
  CHECK(memcmp(a, b, n * c * sizeof(float)) != 0);
  CHECK_OK(eng_model_predict(m, ds, 0, n, b));
  CHECK(memcmp(a, b, n * c * sizeof(float)) != 0);
  CHECK_FAILS(eng_model_mc_predict(m, ds, 0, n, 0, 5, a, NULL, NULL, NULL), ENG_ERR_INVALID, "1 to 100000 passes");
  CHECK_FAILS(eng_model_mc_predict(m, ds, 350, n, 1, 5, a, NULL, NULL, NULL), ENG_ERR_INVALID, "outside the dataset");
  free(before), free(after), free(a), free(b), free(sa), free(sb);
  eng_model_free(m);
}

static const char *const finder_layers[] = {"dense units=16 activation=relu", "batch_normalization",
                                            "dropout rate=0.2", "dense units=3 activation=softmax", NULL};

static void test_lr_finder(const eng_dataset *ds) {
  eng_model *m = make_model(finder_layers, "adam learning_rate=0.001", 32);
  train(m, ds, 1); /* optimizer slots and iterations that must come back */
  size_t len0, len1;
  uint8_t *before = save(m, &len0);
  enum { STEPS = 200 };
  double rates[STEPS], losses[STEPS], raw_rates[STEPS], raw[STEPS], suggested, raw_suggested;
  uint32_t count = 0, raw_count = 0;
  CHECK_OK(eng_model_find_lr(m, ds, "lr_finder steps=200 min_learning_rate=1e-5 max_learning_rate=100 batch_size=16",
                             STEPS, rates, losses, &count, &suggested));
  uint8_t *after = save(m, &len1);
  CHECK(len0 == len1 && memcmp(before, after, len0) == 0);
  free(after);
  /* It stopped on its own: the loss passed 4x its minimum before rate 100. */
  CHECK(count > 10 && count < STEPS);
  CHECK_NEAR(rates[0], 1e-5, 1e-18);
  double best = INFINITY, best_rate = 0, factor = pow(1e7, 1.0 / (STEPS - 1));
  for (uint32_t i = 0; i < count; i++) {
    if (i) CHECK_NEAR(rates[i] / rates[i - 1], factor, 1e-9);
    if (losses[i] < best) best = losses[i], best_rate = rates[i];
    /* The stop rule: only the last point is above 4x the minimum so far. */
    CHECK((losses[i] > 4 * best) == (i == count - 1));
  }
  CHECK_NEAR(suggested, best_rate / 10, 1e-15);
  /* The same batches with smoothing=0: each batch's own loss. fastai's smoothed
   * curve by hand: avg = 0.98 avg + 0.02 loss, divided by 1 - 0.98^(i+1). */
  CHECK_OK(eng_model_find_lr(m, ds, "lr_finder steps=200 min_learning_rate=1e-5 max_learning_rate=100 batch_size=16 smoothing=0",
                             STEPS, raw_rates, raw, &raw_count, &raw_suggested));
  double avg = 0, worst = 0;
  uint32_t common = count < raw_count ? count : raw_count;
  for (uint32_t i = 0; i < common; i++) {
    avg = 0.98 * avg + 0.02 * raw[i];
    double e = fabs(avg / (1 - pow(0.98, i + 1)) - losses[i]) / losses[i];
    if (e > worst) worst = e;
  }
  CHECK(common > 10);
  CHECK_NEAR(worst, 0, 1e-9);
  after = save(m, &len1);
  CHECK(len0 == len1 && memcmp(before, after, len0) == 0);
  CHECK_FAILS(eng_model_find_lr(m, ds, "lr_finder steps=300", STEPS, rates, losses, &count, &suggested),
              ENG_ERR_INVALID, "room for 200 points");
  CHECK_FAILS(eng_model_find_lr(m, ds, "lr_finder steps=200 batch_size=64", STEPS, rates, losses, &count, &suggested),
              ENG_ERR_INVALID, "batch_size 64 is above the model's 32");
  CHECK_FAILS(eng_model_find_lr(m, ds, "lr_finder min_learning_rate=1 max_learning_rate=0.1", STEPS, rates, losses,
                                &count, &suggested), ENG_ERR_INVALID, "must be above");
  free(before), free(after);
  eng_model_free(m);
}

int main(void) {
  eng_dataset *ds = test_band_dataset(&test_state, 400, CLASSES, 0);
  test_no_dropout_is_plain_prediction(ds);
  test_one_pass_by_hand(ds);
  test_state_unchanged_and_reproducible(ds);
  test_lr_finder(ds);
  eng_dataset_free(ds);
  return test_report("test_mc_lr");
}
