/* test_numerics.c: BatchNormalization's fixed gamma/beta stay out of the
 * optimizer (Keras creates no such variables), and input standardization
 * follows keras.layers.Normalization for constant features. */
#include "testlib.h"
#include "nn.h"

#include <string.h>

#define F 64
/* count samples of F pixels in 3 classes; each class lights its own band. */
static eng_dataset *make_dataset(uint32_t count) {
  eng_dataset *ds = malloc(sizeof *ds);
  ds->count = count, ds->rows = 8, ds->cols = 8, ds->channels = 1, ds->features = F;
  ds->num_classes = 3;
  ds->pixels = malloc((size_t)count * F);
  ds->labels = malloc(count);
  eng_rng rng;
  eng_rng_seed(&rng, 7, 11);
  for (uint32_t i = 0; i < count; i++) {
    uint32_t c = eng_rng_below(&rng, 3);
    for (uint32_t j = 0; j < F; j++)
      ds->pixels[(size_t)i * F + j] = (uint8_t)((j * 3 / F == c ? 150 : 30) + eng_rng_below(&rng, 100));
    ds->labels[i] = (uint8_t)c;
  }
  return ds;
}

static eng_model *build(const char *model_spec, const char *const *layers, int n_layers,
                        const char *optimizer, uint32_t batch) {
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(F, model_spec, &m));
  if (!m) return NULL;
  for (int i = 0; i < n_layers; i++) CHECK_OK(eng_model_add(m, layers[i]));
  CHECK_OK(eng_model_set_optimizer(m, optimizer));
  if (eng_model_build(m, batch) != ENG_OK) {
    CHECK(0);
    eng_model_free(m);
    return NULL;
  }
  return m;
}

/* ---------------------------------- BatchNormalization without gamma or beta */

static void test_batchnorm_fixed_gamma_beta(void) {
  static const char *const optimizers[] = {"adamw", "sgd weight_decay=0.01", "adam weight_decay=0.004"};
  eng_dataset *ds = make_dataset(64);
  for (size_t oi = 0; oi < ENG_COUNT_OF(optimizers); oi++)
    for (int learned = 0; learned <= 1; learned++) {
      const char *layers[] = {"dense units=16 activation=relu",
                              learned ? "batch_normalization" : "batch_normalization scale=0 center=0",
                              "dense units=3 activation=softmax"};
      eng_model *m = build("model", layers, 3, optimizers[oi], 16);
      if (!m) return;
      eng_trainer *t = NULL;
      CHECK_OK(eng_trainer_create(m, ds, NULL, "fit epochs=3 batch_size=16", &t));
      int event = 0;
      while (event != ENG_EVENT_DONE) CHECK_OK(eng_trainer_run(t, 1000, &event));
      const layer *bn = &m->layers[1];
      int ones = 0, zeros = 0;
      for (uint32_t j = 0; j < bn->out; j++) ones += bn->gamma[j] == 1.0f, zeros += bn->beta[j] == 0.0f;
      if (learned) {
        CHECK(ones < 16 && zeros < 16); /* learned (and decayed) as before */
      } else {
        if (ones != 16 || zeros != 16)
          fprintf(stderr, "%s: gamma[0] = %.9g, beta[0] = %.9g\n", optimizers[oi], bn->gamma[0], bn->beta[0]);
        CHECK(ones == 16 && zeros == 16);
        /* Keras counts: Dense 64*16+16, BN moving mean and variance 2*16, Dense 16*3+3. */
        CHECK(eng_model_param_count(m, 0) == 1040 + 32 + 51);
        CHECK(eng_model_param_count(m, 1) == 1040 + 51);
      }
      eng_trainer_free(t);
      eng_model_free(m);
    }
  eng_dataset_free(ds);
}

/* -------------------------------------------- standardizing a constant feature */

static void test_standardize_constant_feature(void) {
  /* keras.layers.Normalization: (x - mean) / max(sqrt(variance), 1e-7). Pixel 7
   * times the default scale 1/255 rounds differently in double and in float: the
   * mean must be the float the batch loader computes, or the 1e7 factor turns
   * a rounding difference into a large input. */
  eng_dataset *ds = make_dataset(40);
  for (uint32_t i = 0; i < ds->count; i++) ds->pixels[(size_t)i * F + 9] = 7;
  static const char *const layers[] = {"dense units=3 activation=softmax"};
  eng_model *m = build("model standardize=1", layers, 1, "sgd", 8);
  if (!m) return;
  CHECK_OK(eng_model_adapt(m, ds));
  CHECK(m->input_inv_std[9] == (float)1e7);
  model_load_batch(m, ds, NULL, 0, 8);
  int nonzero = 0;
  for (int i = 0; i < 8; i++) nonzero += m->input[(size_t)i * F + 9] != 0.0f;
  CHECK(nonzero == 0);
  /* A sample where the feature differs: (x - mean) * 1e7, as Keras computes it. */
  ds->pixels[9] = 8;
  model_load_batch(m, ds, NULL, 0, 1);
  CHECK_NEAR(m->input[9], (8.0 - 7.0) / 255.0 * 1e7, 1.0);
  eng_model_free(m);
  eng_dataset_free(ds);
}

int main(void) {
  test_batchnorm_fixed_gamma_beta();
  test_standardize_constant_feature();
  eng_pool_stop();
  return test_report("test_numerics");
}
