/* test_loss_slice.c: eng_trainer_loss_slice, the loss along the line from the
 * weights training started from to the current ones. References: the engine's
 * own evaluation of the current model (alpha 1) and of a twin never trained
 * (alpha 0), a model whose weights the test interpolates itself (alpha 0.5),
 * training without the slice (same bits: the slice changes nothing), and a
 * run never stopped (a resumed run's slice is the same). */
#include "testlib.h"
#include "trainer.h"

#include <string.h>

static uint64_t test_state = 0x51CE51CE51CE51CEull;
#define F TEST_BAND_FEATURES
#define FIT "fit epochs=3 batch_size=16 slice_samples=40"
static const double alphas[] = {0, 0.25, 0.5, 1, 1.5};
#define NA 5

/* Dense + dropout + L2 (the penalty is part of the loss at every point); with_bn
 * adds BatchNormalization (its moving statistics stay the current ones). */
static eng_model *build(bool with_bn) {
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(F, "model seed=3", &m));
  if (!m) return NULL;
  CHECK_OK(eng_model_add(m, "dense units=24 activation=relu kernel_initializer=he_normal kernel_l2=0.001"));
  if (with_bn) CHECK_OK(eng_model_add(m, "batch_normalization"));
  CHECK_OK(eng_model_add(m, "dropout rate=0.3"));
  CHECK_OK(eng_model_add(m, "dense units=3 activation=softmax"));
  CHECK_OK(eng_model_set_optimizer(m, "sgd learning_rate=0.05 momentum=0.9"));
  CHECK_OK(eng_model_build(m, 32));
  return m;
}

/* Runs to the end; with slice, takes the slice after every epoch and in the
 * middle of one (into last[]). */
static void run(eng_trainer *t, bool slice, double *loss, double *acc) {
  int event = ENG_EVENT_NONE, calls = 0;
  while (event != ENG_EVENT_DONE) {
    CHECK_OK(eng_trainer_run(t, 2, &event));
    if (slice && (event != ENG_EVENT_NONE || ++calls == 3)) CHECK_OK(eng_trainer_loss_slice(t, alphas, NA, loss, acc));
  }
}

static void test_changes_nothing(bool with_bn) {
  eng_dataset *train = test_band_dataset(&test_state, 96, 3, 0), *val = test_band_dataset(&test_state, 48, 3, 0);
  eng_model *a = build(with_bn), *b = build(with_bn);
  eng_trainer *ta = NULL, *tb = NULL;
  if (a && b) {
    CHECK_OK(eng_trainer_create(a, train, val, FIT, &ta));
    CHECK_OK(eng_trainer_create(b, train, val, FIT, &tb));
  }
  if (!ta || !tb) return;
  double loss[NA], acc[NA];
  run(ta, false, loss, acc);
  run(tb, true, loss, acc);
  CHECK(memcmp(a->params, b->params, a->n_params * sizeof(float)) == 0);
  CHECK(memcmp(a->slots, b->slots, 3 * a->n_grads * sizeof(float)) == 0);
  CHECK(memcmp(&a->dropout, &b->dropout, sizeof a->dropout) == 0);
  CHECK(ta->metrics[ENG_METRIC_VAL_LOSS] == tb->metrics[ENG_METRIC_VAL_LOSS]);
  /* alpha 1: the ordinary evaluation on the same images, bit for bit. */
  double l1, a1;
  CHECK_OK(eng_model_evaluate(b, val, 40, &l1, &a1));
  CHECK(loss[3] == l1 && acc[3] == a1);
  CHECK(loss[0] != loss[3]); /* training moved the weights */
  eng_trainer_free(ta), eng_trainer_free(tb);
  eng_model_free(a), eng_model_free(b), eng_dataset_free(train), eng_dataset_free(val);
}

/* alpha 0 is the untrained twin; alpha 0.5 the model whose kernels and biases
 * the test sets to the midpoint itself. */
static void test_endpoints_and_midpoint(void) {
  eng_dataset *train = test_band_dataset(&test_state, 96, 3, 0), *val = test_band_dataset(&test_state, 48, 3, 0);
  eng_model *m = build(false), *start = build(false), *mid = build(false);
  eng_trainer *t = NULL;
  if (m && start && mid) CHECK_OK(eng_trainer_create(m, train, val, FIT, &t));
  if (!t) return;
  double loss[NA], acc[NA], l, a;
  run(t, false, loss, acc);
  CHECK_OK(eng_trainer_loss_slice(t, alphas, NA, loss, acc));
  CHECK_OK(eng_model_evaluate(start, val, 40, &l, &a));
  CHECK(loss[0] == l && acc[0] == a);
  for (size_t i = 0; i < m->n_params; i++) mid->params[i] = (float)(0.5 * start->params[i] + 0.5 * m->params[i]);
  CHECK_OK(eng_model_evaluate(mid, val, 40, &l, &a));
  CHECK(loss[2] == l && acc[2] == a);
  /* Beyond 1 the path goes on past the current weights: a different loss. */
  CHECK(isfinite(loss[4]) && loss[4] != loss[3]);
  /* Bad point counts are refused, and the weights stay. */
  float *before = malloc(m->n_params * sizeof(float));
  memcpy(before, m->params, m->n_params * sizeof(float));
  CHECK_FAILS(eng_trainer_loss_slice(t, alphas, 0, loss, acc), ENG_ERR_INVALID, "1 to 64 points");
  CHECK(memcmp(before, m->params, m->n_params * sizeof(float)) == 0);
  free(before);
  eng_trainer_free(t);
  eng_model_free(m), eng_model_free(start), eng_model_free(mid), eng_dataset_free(train), eng_dataset_free(val);
}

/* BN: alpha 0 is the initial kernels and gamma/beta under the current moving
 * statistics (the documented choice), not the initial statistics. */
static void test_batch_norm_statistics(void) {
  eng_dataset *train = test_band_dataset(&test_state, 96, 3, 0), *val = test_band_dataset(&test_state, 48, 3, 0);
  eng_model *m = build(true), *start = build(true);
  eng_trainer *t = NULL;
  if (m && start) CHECK_OK(eng_trainer_create(m, train, val, FIT, &t));
  if (!t) return;
  double loss[NA], acc[NA], l, a;
  run(t, false, loss, acc);
  CHECK_OK(eng_trainer_loss_slice(t, alphas, NA, loss, acc));
  const layer *bn = &m->layers[1];
  memcpy(start->layers[1].moving_mean, bn->moving_mean, bn->out * sizeof(float));
  memcpy(start->layers[1].moving_var, bn->moving_var, bn->out * sizeof(float));
  CHECK_OK(eng_model_evaluate(start, val, 40, &l, &a));
  CHECK(loss[0] == l && acc[0] == a);
  eng_trainer_free(t);
  eng_model_free(m), eng_model_free(start), eng_dataset_free(train), eng_dataset_free(val);
}

/* A run saved within epoch 2 and resumed gives the slice of the run never
 * stopped; a checkpoint without the initial weights (older) still resumes and
 * its slice says why it cannot be drawn. */
static void test_resumed_slice(void) {
  eng_dataset *train = test_band_dataset(&test_state, 96, 3, 0), *val = test_band_dataset(&test_state, 48, 3, 0);
  eng_model *a = build(true), *b = build(true);
  eng_trainer *ta = NULL, *tb = NULL;
  if (a && b) {
    CHECK_OK(eng_trainer_create(a, train, val, FIT, &ta));
    CHECK_OK(eng_trainer_create(b, train, val, FIT, &tb));
  }
  if (!ta || !tb) return;
  double la[NA], aa[NA], lb[NA], ab[NA];
  run(ta, false, la, aa);
  CHECK_OK(eng_trainer_loss_slice(ta, alphas, NA, la, aa));
  int event = ENG_EVENT_NONE;
  while (event == ENG_EVENT_NONE) CHECK_OK(eng_trainer_run(tb, 4, &event));
  CHECK_OK(eng_trainer_run(tb, 3, &event));
  uint8_t *blob = NULL;
  size_t len = 0;
  CHECK_OK(eng_trainer_save(tb, "", &blob, &len));
  eng_trainer_free(tb), eng_model_free(b);
  eng_model *rb = NULL;
  eng_trainer *rt = NULL;
  CHECK_OK(eng_trainer_load(blob, len, 32, train, val, &rb, &rt));
  if (rt) {
    run(rt, false, lb, ab);
    CHECK_OK(eng_trainer_loss_slice(rt, alphas, NA, lb, ab));
    CHECK(memcmp(la, lb, sizeof la) == 0 && memcmp(aa, ab, sizeof aa) == 0);
  }
  eng_trainer_free(rt), eng_model_free(rb);
  /* Without the initial weights: the trainer section ends before them. Its
   * length (u64) is found where it and the section end agree; the tail is the
   * metadata (u32 0) and the checksum. */
  size_t cut = 8 + 4 * (size_t)a->n_params, tail = 4 + 4, end = len - tail;
  for (size_t p = 0; p + 8 <= end; p++) {
    uint64_t n = 0;
    for (int k = 0; k < 8; k++) n |= (uint64_t)blob[p + k] << (8 * k);
    if (p + 8 + n != end || n < cut) continue;
    n -= cut;
    for (int k = 0; k < 8; k++) blob[p + k] = (uint8_t)(n >> (8 * k));
    memmove(blob + end - cut, blob + end, tail);
    len -= cut;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len - 4; i++) h = (h ^ blob[i]) * 16777619u;
    for (int k = 0; k < 4; k++) blob[len - 4 + k] = (uint8_t)(h >> (8 * k));
    break;
  }
  CHECK_OK(eng_trainer_load(blob, len, 32, train, val, &rb, &rt));
  if (rt) {
    CHECK(!rt->has_initial);
    CHECK_FAILS(eng_trainer_loss_slice(rt, alphas, NA, lb, ab), ENG_ERR_STATE, "weights training started from are not known");
    run(rt, false, lb, ab);
    CHECK(memcmp(rb->params, a->params, a->n_params * sizeof(float)) == 0);
  }
  eng_trainer_free(rt), eng_model_free(rb), eng_blob_free(blob);
  eng_trainer_free(ta), eng_model_free(a), eng_dataset_free(train), eng_dataset_free(val);
}

int main(void) {
  test_changes_nothing(false);
  test_changes_nothing(true);
  eng_set_threads(2);
  test_endpoints_and_midpoint();
  test_batch_norm_statistics();
  test_resumed_slice();
  eng_pool_stop();
  return test_report("test_loss_slice");
}
