/* test_numerics.c: non-finite values are divergence even when the loss stays
 * finite (a ReLU turns NaN into 0: issue 10 item 6), BatchNormalization's fixed
 * gamma/beta stay out of the optimizer (Keras creates no such variables), and
 * input standardization follows keras.layers.Normalization for constant features. */
#include "testlib.h"
#include "nn.h"

#include <float.h>
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

/* ------------------------------------------------ the SGD kernel's finite flag */

static void test_sgd_kernel_flag(void) {
  const size_t n = 40003; /* several chunks on two threads, and a scalar tail */
  float *w = malloc(n * sizeof(float)), *g = malloc(n * sizeof(float)), *v = calloc(n, sizeof(float));
  for (int threads = 1; threads <= 2; threads++) {
    eng_set_threads(threads);
    for (int momentum = 0; momentum <= 1; momentum++) {
      const size_t planted[] = {20000, n - 1}; /* SIMD body, scalar tail */
      for (int k = -1; k < 2; k++) {
        for (size_t i = 0; i < n; i++) w[i] = 0.01f * (float)(i % 17), g[i] = 0.5f, v[i] = 0;
        if (k >= 0) g[planted[k]] = k == 0 ? NAN : INFINITY;
        /* Two tensors of one step, the second from 30000 on: the value planted
         * at 20000 is in the first, the one at n - 1 in the second. */
        sgd_segment seg[2] = {{w, v, g, 30000}, {w + 30000, v + 30000, g + 30000, n - 30000}};
        int bad = sgd_update_f32(seg, 2, 0.1f, momentum ? 0.9f : 0.0f, momentum != 0);
        CHECK(bad == k);
      }
    }
  }
  eng_set_threads(1);
  free(w), free(g), free(v);
}

/* ------------------------------- every optimizer reports a non-finite gradient */

static void test_optimizers_report_nonfinite(void) {
  static const char *const optimizers[] = {
      "sgd", "sgd momentum=0.9 nesterov=1", "sgd clipvalue=0.5", "sgd global_clipnorm=1",
      "adagrad", "rmsprop", "rmsprop momentum=0.5 centered=1", "adam clipnorm=1", "adamw",
      "nadam", "adamax"};
  static const char *const layers[] = {"dense units=8 activation=relu",
                                       "dense units=3 activation=softmax"};
  for (size_t oi = 0; oi < ENG_COUNT_OF(optimizers); oi++)
    for (int planted = 0; planted < 3; planted++)
      for (int record = 0; record <= 1; record++) {
        eng_model *m = build("model", layers, 2, optimizers[oi], 4);
        if (!m) return;
        for (size_t i = 0; i < m->n_grads; i++) m->grads[i] = 0.01f * (float)(i % 7) - 0.03f;
        /* tensors: 0 kernel, 1 bias of layer 0; 2 kernel, 3 bias of layer 1 */
        if (planted == 1) m->tensors[2].grad[5] = NAN;
        if (planted == 2) m->tensors[2].grad[5] = -INFINITY;
        int got = optimizer_apply(m, 0.01, 0, record != 0);
        int want = planted ? 2 : -1;
        if (got != want)
          fprintf(stderr, "optimizer %s (record %d, planted %d): got tensor %d, expected %d\n",
                  optimizers[oi], record, planted, got, want);
        CHECK(got == want);
        eng_model_free(m);
      }
}

/* ------------------------------------- a ReLU net whose activations overflow */

/* The first layer whose pre-activations overflow float32, in double precision
 * from the same weights and batch (an independent forward pass); -1 if none. */
static int first_overflowing_layer(const eng_model *m, const eng_dataset *ds, int n) {
  uint32_t width = F;
  double *x = malloc((size_t)n * 256 * sizeof(double)), *z = malloc((size_t)n * 256 * sizeof(double));
  for (int i = 0; i < n; i++)
    for (uint32_t j = 0; j < F; j++) x[(size_t)i * 256 + j] = (float)ds->pixels[(size_t)i * F + j] * (float)(1.0 / 255.0);
  int found = -1;
  for (uint32_t li = 0; li < m->n_layers && found < 0; li++) {
    const layer *l = &m->layers[li];
    for (int i = 0; i < n; i++)
      for (uint32_t k = 0; k < l->out; k++) {
        double s = l->bias ? l->bias[k] : 0;
        for (uint32_t j = 0; j < width; j++) s += x[(size_t)i * 256 + j] * l->kernel[(size_t)j * l->out + k];
        z[(size_t)i * 256 + k] = s;
        if (fabs(s) > FLT_MAX) found = (int)li;
      }
    for (int i = 0; i < n; i++)
      for (uint32_t k = 0; k < l->out; k++) x[(size_t)i * 256 + k] = z[(size_t)i * 256 + k] > 0 ? z[(size_t)i * 256 + k] : 0;
    width = l->out;
  }
  free(x), free(z);
  return found;
}

static void test_relu_hides_overflow(void) {
  /* RandomNormal(stddev=10) in 30 ReLU layers: each layer multiplies the signal
   * by about 10 sqrt(units / 2) = 40, so it overflows float32 around layer 20.
   * The next layer computes inf - inf = NaN and ReLU turns NaN into 0: the loss
   * stays at ln 3 while layers hold Infinity. That is divergence. */
  const char *layers[31];
  for (int i = 0; i < 30; i++) layers[i] = "dense units=32 activation=relu kernel_initializer=random_normal kernel_stddev=10";
  layers[30] = "dense units=3 activation=softmax";
  eng_dataset *ds = make_dataset(96);
  for (int threads = 1; threads <= 2; threads++) {
    eng_set_threads(threads);
    eng_model *m = build("model seed=5", layers, 31, "sgd momentum=0.9", 16);
    if (!m) break;
    float *initial = malloc(m->n_params * sizeof(float));
    memcpy(initial, m->params, m->n_params * sizeof(float));
    int overflowing = first_overflowing_layer(m, ds, 16);
    CHECK(overflowing > 5 && overflowing < 29);
    eng_trainer *t = NULL;
    CHECK_OK(eng_trainer_create(m, ds, NULL, "fit epochs=2 batch_size=16 shuffle=0", &t));
    if (!t) break;
    int event = 0;
    eng_status st = eng_trainer_run(t, 1000, &event);
    printf("30 ReLU layers, stddev 10, %d thread(s): %s\n", threads, eng_last_error());
    CHECK(st == ENG_ERR_DIVERGED);
    CHECK(event == ENG_EVENT_DONE);
    char want[128];
    snprintf(want, sizeof want, "training diverged at epoch 1 step 1 (layer %d (dense) produced Infinity); ", overflowing);
    if (strncmp(eng_last_error(), want, strlen(want)) != 0) fprintf(stderr, "expected: %s\n", want);
    CHECK(strncmp(eng_last_error(), want, strlen(want)) == 0);
    CHECK(strstr(eng_last_error(), "kernel_initializer") != NULL);
    CHECK(strstr(eng_last_error(), "The weights from the end of epoch 0 were kept.") != NULL);
    /* The last good weights, exactly, and an optimizer that starts afresh. */
    CHECK(memcmp(m->params, initial, m->n_params * sizeof(float)) == 0);
    size_t dirty = 0;
    for (size_t i = 0; i < 3 * m->n_grads; i++) dirty += m->slots[i] != 0;
    CHECK(dirty == 0);
    CHECK_FAILS(eng_trainer_run(t, 10, &event), ENG_ERR_STATE, "diverged");
    eng_trainer_free(t);
    free(initial);
    eng_model_free(m);
  }
  eng_set_threads(1);
  eng_dataset_free(ds);
}

/* A step that diverges later than the first: the message advises a lower rate,
 * and the weights kept are those of the end of the previous epoch. */
static void test_later_divergence_keeps_epoch_weights(void) {
  static const char *const layers[] = {"dense units=32 activation=relu", "dense units=32 activation=relu",
                                       "dense units=32 activation=relu", "dense units=3 activation=softmax"};
  eng_dataset *ds = make_dataset(64);
  eng_model *m = build("model seed=2", layers, 4, "sgd learning_rate=0.01", 16);
  if (!m) return;
  eng_trainer *t = NULL;
  CHECK_OK(eng_trainer_create(m, ds, NULL, "fit epochs=3 batch_size=16", &t));
  int event = 0;
  CHECK_OK(eng_trainer_run(t, 1000, &event)); /* epoch 1 */
  CHECK(event == ENG_EVENT_EPOCH);
  float *after_epoch1 = malloc(m->n_params * sizeof(float));
  memcpy(after_epoch1, m->params, m->n_params * sizeof(float));
  CHECK_OK(eng_trainer_run(t, 2, &event)); /* two steps of epoch 2 */
  /* Huge weights: units 0 and 1 of layer 1 overflow to +Infinity, and every unit
   * of layer 2 computes Infinity - Infinity = NaN, which its ReLU turns into 0:
   * the loss stays finite. */
  layer *l1 = &m->layers[1], *l2 = &m->layers[2];
  for (uint32_t j = 0; j < l1->in; j++) l1->kernel[j * l1->out] = l1->kernel[j * l1->out + 1] = 3e38f;
  for (uint32_t k = 0; k < l2->out; k++) l2->kernel[k] = 1, l2->kernel[l2->out + k] = -1;
  eng_status st = eng_trainer_run(t, 1000, &event);
  printf("planted overflow: %s\n", eng_last_error());
  CHECK(st == ENG_ERR_DIVERGED);
  CHECK(strncmp(eng_last_error(), "training diverged at epoch 2 step 3 (layer 1 (dense) produced Infinity); try a lower learning rate. The weights from the end of epoch 1 were kept.", 200) == 0);
  CHECK(memcmp(m->params, after_epoch1, m->n_params * sizeof(float)) == 0);
  free(after_epoch1);
  eng_trainer_free(t);
  eng_model_free(m);
  eng_dataset_free(ds);
}

/* model_describe_nonfinite names the first layer, or else the gradient. */
static void test_describe_nonfinite(void) {
  static const char *const layers[] = {"dense units=8 activation=relu", "batch_normalization",
                                       "dense units=8 activation=relu", "dense units=3 activation=softmax"};
  eng_dataset *ds = make_dataset(8);
  eng_model *m = build("model", layers, 4, "sgd", 8);
  if (!m) return;
  /* tensors: 0-1 dense 0; 2-5 batch normalization 1; 6-7 dense 2; 8-9 dense 3 */
  char msg[160];
  model_load_batch(m, ds, NULL, 0, 8);
  model_forward(m, 8, true, false);
  model_describe_nonfinite(m, 8, 6, msg, sizeof msg);
  CHECK(strcmp(msg, "the update of layer 2 (dense) kernel overflowed") == 0);
  m->tensors[6].grad[3] = INFINITY;
  model_describe_nonfinite(m, 8, 6, msg, sizeof msg);
  CHECK(strcmp(msg, "the kernel gradient of layer 2 (dense) became Infinity") == 0);
  m->layers[2].z[7 * 8 + 1] = NAN; /* what its ReLU output hides */
  model_describe_nonfinite(m, 8, 6, msg, sizeof msg);
  CHECK(strcmp(msg, "layer 2 (dense) produced NaN") == 0);
  m->layers[1].y[3] = -INFINITY;
  model_describe_nonfinite(m, 8, 6, msg, sizeof msg);
  CHECK(strcmp(msg, "layer 1 (batch_normalization) produced -Infinity") == 0);
  eng_model_free(m);
  eng_dataset_free(ds);
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
  test_sgd_kernel_flag();
  test_optimizers_report_nonfinite();
  test_relu_hides_overflow();
  test_later_divergence_keeps_epoch_weights();
  test_describe_nonfinite();
  test_batchnorm_fixed_gamma_beta();
  test_standardize_constant_feature();
  eng_pool_stop();
  return test_report("test_numerics");
}
