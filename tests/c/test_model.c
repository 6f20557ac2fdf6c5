/* test_model.c: whole-model behaviour through the public API: determinism across
 * runs and thread counts, save/load round trips and corrupt blobs, layer reuse and
 * freezing for transfer learning on relabelled class subsets, divergence, the
 * Keras callbacks (EarlyStopping, ReduceLROnPlateau, ModelCheckpoint) against
 * transcriptions of keras/src/callbacks/<name>.py fed with the same per-epoch metrics,
 * spec errors with their messages, and the spec's experiment 1 (saturating
 * sigmoids) on real Fashion-MNIST when it is installed. */
#define _POSIX_C_SOURCE 200809L /* alarm() for the deadlock watchdog */
#include "testlib.h"
#include "nn.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static uint64_t test_state = 0xD1B54A32D192ED03ull;

#define F TEST_BAND_FEATURES
static eng_dataset *make_dataset(uint32_t count, uint32_t classes, uint32_t label_shift) {
  return test_band_dataset(&test_state, count, classes, label_shift);
}

static float *copy_params(const eng_model *m) {
  float *p = malloc(m->n_params * sizeof(float));
  memcpy(p, m->params, m->n_params * sizeof(float));
  return p;
}

static bool all_finite(const eng_model *m) {
  for (size_t i = 0; i < m->n_params; i++)
    if (!isfinite(m->params[i])) return false;
  return true;
}

/* Runs a trainer to the end, recording every epoch's metrics and the weights at
 * each epoch end (as the host sees them when the call returns). */
#define MAX_EPOCHS 40
typedef struct {
  int epochs;
  double metrics[MAX_EPOCHS][ENG_METRIC_COUNT];
  double base_lr[MAX_EPOCHS]; /* optimizer learning rate after the epoch's callbacks */
  float *weights[MAX_EPOCHS];
  eng_status status;
} run_log;

static void run_logged(eng_trainer *t, eng_model *m, run_log *log) {
  memset(log, 0, sizeof *log);
  int event = ENG_EVENT_NONE;
  while (event != ENG_EVENT_DONE && log->epochs < MAX_EPOCHS) {
    log->status = eng_trainer_run(t, 100000, &event);
    if (log->status != ENG_OK) return;
    if (event == ENG_EVENT_NONE) continue;
    int e = log->epochs++;
    memcpy(log->metrics[e], eng_trainer_metrics(t), sizeof log->metrics[e]);
    log->base_lr[e] = m->optimizer.learning_rate;
    log->weights[e] = copy_params(m);
  }
}

static void free_log(run_log *log) {
  for (int e = 0; e < log->epochs; e++) free(log->weights[e]);
}

static eng_model *small_model(const char *model_spec, const char *optimizer, uint32_t classes) {
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(F, model_spec, &m));
  if (!m) return NULL;
  char out[64];
  snprintf(out, sizeof out, "dense units=%u activation=softmax", classes);
  CHECK_OK(eng_model_add(m, "dense units=16 activation=relu kernel_initializer=he_normal"));
  CHECK_OK(eng_model_add(m, out));
  CHECK_OK(eng_model_set_optimizer(m, optimizer));
  if (eng_model_build(m, 32) != ENG_OK) {
    CHECK(0);
    eng_model_free(m);
    return NULL;
  }
  return m;
}

/* ------------------------------------------------------------ determinism */

static float *train_for_determinism(int threads, const char *model_spec, const eng_dataset *ds,
                                    size_t *n) {
  CHECK(eng_set_threads(threads) == threads);
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(F, model_spec, &m));
  if (!m) return NULL;
  /* Wide enough (32 x 64 x 100) that gemm splits the work across the threads. */
  CHECK_OK(eng_model_add(m, "dense units=100 activation=relu kernel_initializer=he_normal"));
  CHECK_OK(eng_model_add(m, "batch_normalization"));
  CHECK_OK(eng_model_add(m, "dropout rate=0.2"));
  CHECK_OK(eng_model_add(m, "dense units=100 activation=tanh"));
  CHECK_OK(eng_model_add(m, "dense units=3 activation=softmax"));
  CHECK_OK(eng_model_set_optimizer(m, "adam learning_rate=0.01"));
  CHECK_OK(eng_model_build(m, 32));
  eng_trainer *t = NULL;
  CHECK_OK(eng_trainer_create(m, ds, NULL, "fit epochs=2 batch_size=32", &t));
  float *w = NULL;
  if (t) {
    run_log log;
    run_logged(t, m, &log);
    CHECK_OK(log.status);
    CHECK(log.epochs == 2);
    free_log(&log);
    w = copy_params(m);
    *n = m->n_params;
    eng_trainer_free(t);
  }
  eng_model_free(m);
  return w;
}

static void test_determinism(void) {
  eng_dataset *ds = make_dataset(200, 3, 0);
  size_t n1 = 0, n2 = 0, n3 = 0, n4 = 0;
  float *a = train_for_determinism(1, "model seed=42", ds, &n1);
  float *b = train_for_determinism(1, "model seed=42", ds, &n2);
  float *c = train_for_determinism(2, "model seed=42", ds, &n3);
  float *d = train_for_determinism(1, "model seed=43", ds, &n4);
  if (a && b && c && d) {
    CHECK(n1 == n2 && n1 == n3 && n1 == n4);
    CHECK(memcmp(a, b, n1 * sizeof(float)) == 0); /* same seed, same bits */
    CHECK(memcmp(a, c, n1 * sizeof(float)) == 0); /* 1 or 2 threads, same bits */
    CHECK(memcmp(a, d, n1 * sizeof(float)) != 0); /* another seed, other weights */
  }
  eng_set_threads(1);
  free(a), free(b), free(c), free(d);
  eng_dataset_free(ds);
}

/* ------------------------------------------------------------ save / load */


static void test_save_load(void) {
  eng_dataset *ds = make_dataset(120, 3, 0);
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(F, "model seed=5 standardize=1", &m));
  if (!m) return;
  CHECK_OK(eng_model_add(m, "dense units=12 activation=elu"));
  CHECK_OK(eng_model_add(m, "batch_normalization"));
  CHECK_OK(eng_model_add(m, "dense units=8 activation=selu use_bias=0"));
  /* PReLU's learned slopes are saved like any weight; RReLU has none. */
  CHECK_OK(eng_model_add(m, "prelu alpha_initializer=constant alpha_value=0.2"));
  CHECK_OK(eng_model_add(m, "rrelu"));
  CHECK_OK(eng_model_add(m, "dense units=3 activation=softmax"));
  CHECK_OK(eng_model_set_optimizer(m, "rmsprop learning_rate=0.005"));
  CHECK_OK(eng_model_set_schedule(m, "exponential_decay initial_learning_rate=0.01 decay_steps=10 decay_rate=0.5"));
  uint8_t *blob = NULL;
  size_t len = 0;
  CHECK_FAILS(eng_model_save(m, "x", &blob, &len), ENG_ERR_STATE, "not built");
  CHECK_OK(eng_model_build(m, 32));
  CHECK_OK(eng_model_set_trainable(m, 2, 0));
  eng_trainer *t = NULL;
  CHECK_OK(eng_trainer_create(m, ds, NULL, "fit epochs=1 batch_size=32", &t));
  if (t) {
    run_log log;
    run_logged(t, m, &log);
    CHECK_OK(log.status);
    free_log(&log);
    eng_trainer_free(t);
  }
  const char *metadata = "{\"preset\":\"experiment 1\",\"learning_rate\":0.01,\"note\":\"\xc3\xa9\"}";
  CHECK_OK(eng_model_save(m, metadata, &blob, &len));
  if (!blob) return;
  eng_model *r = NULL;
  CHECK_OK(eng_model_load(blob, len, 16, &r));
  if (r) {
    CHECK(strcmp(eng_model_metadata(r), metadata) == 0);
    CHECK(eng_model_layer_count(r) == 6 && eng_model_tensor_count(r) == eng_model_tensor_count(m));
    CHECK(r->layers[3].slopes[0] == m->layers[3].slopes[0] && m->layers[3].slopes[0] != 0.2f);
    CHECK(r->n_params == m->n_params && memcmp(r->params, m->params, m->n_params * sizeof(float)) == 0);
    CHECK(!r->layers[2].trainable && r->layers[0].trainable && r->layers[3].trainable && r->layers[5].trainable);
    CHECK(eng_model_param_count(r, 1) == eng_model_param_count(m, 1));
    CHECK(r->standardize && r->adapted);
    CHECK(memcmp(r->input_mean, m->input_mean, F * sizeof(float)) == 0);
    CHECK(memcmp(r->input_inv_std, m->input_inv_std, F * sizeof(float)) == 0);
    CHECK(strcmp(r->optimizer.spec, m->optimizer.spec) == 0);
    CHECK(strcmp(r->schedule_spec, m->schedule_spec) == 0 && r->schedule.variant == SCHED_EXPONENTIAL);
    /* Identical predictions (inference mode: BN moving statistics were saved). */
    float *p1 = malloc((size_t)ds->count * 3 * sizeof(float)), *p2 = malloc((size_t)ds->count * 3 * sizeof(float));
    CHECK_OK(eng_model_predict(m, ds, 0, ds->count, p1));
    CHECK_OK(eng_model_predict(r, ds, 0, ds->count, p2));
    CHECK(memcmp(p1, p2, (size_t)ds->count * 3 * sizeof(float)) == 0);
    double l1, a1, l2, a2;
    CHECK_OK(eng_model_evaluate(m, ds, 0, &l1, &a1));
    CHECK_OK(eng_model_evaluate(r, ds, 0, &l2, &a2));
    /* Evaluation sums per batch (32 vs 16 here): equal up to rounding. */
    CHECK_NEAR(l1, l2, 1e-12 * l1);
    CHECK(a1 == a2);
    free(p1), free(p2);
    /* Saving the loaded model gives the same bytes. */
    uint8_t *blob2 = NULL;
    size_t len2 = 0;
    CHECK_OK(eng_model_save(r, metadata, &blob2, &len2));
    CHECK(len2 == len && blob2 && memcmp(blob, blob2, len) == 0);
    eng_blob_free(blob2);
    eng_model_free(r);
  }
  /* Truncations and flipped bytes are caught (checksum), *out stays NULL. */
  const size_t cuts[] = {0, 4, 8, 15, 16, len / 2, len - 5, len - 4, len - 1};
  for (size_t k = 0; k < ENG_COUNT_OF(cuts); k++) {
    r = (eng_model *)blob; /* not NULL before the call */
    CHECK_FAILS(eng_model_load(blob, cuts[k], 16, &r), ENG_ERR_FORMAT, NULL);
    CHECK(r == NULL);
  }
  const size_t flips[] = {0, 7, 8, 12, 20, 40, len / 3, len / 2, len - 10, len - 5, len - 1};
  for (size_t k = 0; k < ENG_COUNT_OF(flips); k++) {
    blob[flips[k]] ^= 0x10;
    r = NULL;
    CHECK_FAILS(eng_model_load(blob, len, 16, &r), ENG_ERR_FORMAT, NULL);
    CHECK(r == NULL);
    blob[flips[k]] ^= 0x10;
  }
  uint8_t *longer = malloc(len + 1);
  memcpy(longer, blob, len);
  longer[len] = 0;
  CHECK_FAILS(eng_model_load(longer, len + 1, 16, &r), ENG_ERR_FORMAT, NULL);
  /* A future version with a valid checksum is refused by version. */
  memcpy(longer, blob, len);
  test_put_le32(longer + 8, 4);
  test_put_le32(longer + len - 4, test_fnv1a(longer, len - 4));
  CHECK_FAILS(eng_model_load(longer, len, 16, &r), ENG_ERR_FORMAT, "version 4");
  free(longer);
  /* The original still loads after all that. */
  CHECK_OK(eng_model_load(blob, len, 16, &r));
  eng_model_free(r);
  eng_blob_free(blob);
  eng_model_free(m);
  eng_dataset_free(ds);
}

/* Every prefix of a small blob, re-sealed with a valid checksum, must be rejected
 * cleanly (no crash, no leak: the sanitizer build checks both). */
static void test_load_every_prefix(void) {
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(6, "model seed=1 standardize=1", &m));
  if (!m) return;
  CHECK_OK(eng_model_add(m, "dense units=4 activation=tanh"));
  CHECK_OK(eng_model_add(m, "batch_normalization"));
  CHECK_OK(eng_model_add(m, "dense units=3 activation=softmax"));
  CHECK_OK(eng_model_build(m, 4));
  eng_dataset ds = {4, 2, 3, 1, 6, 3, NULL, NULL};
  uint8_t pixels[24], labels[4] = {0, 1, 2, 0};
  for (int i = 0; i < 24; i++) pixels[i] = (uint8_t)(i * 11);
  ds.pixels = pixels, ds.labels = labels;
  CHECK_OK(eng_model_adapt(m, &ds));
  uint8_t *blob = NULL;
  size_t len = 0;
  CHECK_OK(eng_model_save(m, "meta", &blob, &len));
  if (!blob) return;
  uint8_t *buf = malloc(len);
  int accepted = 0;
  for (size_t cut = 8; cut + 4 < len; cut++) {
    memcpy(buf, blob, cut);
    test_put_le32(buf + cut, test_fnv1a(buf, cut));
    eng_model *r = NULL;
    eng_status st = eng_model_load(buf, cut + 4, 4, &r);
    accepted += st == ENG_OK;
    CHECK(st == ENG_OK || st == ENG_ERR_FORMAT || st == ENG_ERR_INVALID);
    CHECK((st == ENG_OK) == (r != NULL));
    eng_model_free(r);
  }
  CHECK(accepted == 0);
  free(buf);
  eng_blob_free(blob);
  eng_model_free(m);
}

/* ------------------------------------------------------- transfer learning */

static void test_transfer_learning(void) {
  eng_dataset *all = make_dataset(400, 4, 0);
  /* eng_dataset_filter_classes: classes {3, 1} in that order become labels 0 and 1. */
  const uint8_t classes[2] = {3, 1};
  eng_dataset *sub = NULL, *first = NULL;
  CHECK_OK(eng_dataset_filter_classes(all, classes, 2, 0, &sub));
  CHECK_OK(eng_dataset_filter_classes(all, classes, 2, 10, &first));
  if (!sub || !first) return;
  uint32_t expected = 0;
  for (uint32_t i = 0; i < all->count; i++) expected += all->labels[i] == 3 || all->labels[i] == 1;
  CHECK(sub->count == expected && sub->num_classes == 2 && first->count == 10);
  int mismatches = 0;
  for (uint32_t i = 0, j = 0; i < all->count; i++) {
    if (all->labels[i] != 3 && all->labels[i] != 1) continue;
    mismatches += sub->labels[j] != (all->labels[i] == 3 ? 0 : 1);
    mismatches += memcmp(sub->pixels + (size_t)j * F, all->pixels + (size_t)i * F, F) != 0;
    if (j < 10) mismatches += first->labels[j] != sub->labels[j];
    j++;
  }
  CHECK(mismatches == 0);

  /* Model A learns all four classes; model B reuses its two hidden layers. */
  eng_model *a = NULL, *b = NULL;
  CHECK_OK(eng_model_create(F, "model seed=1", &a));
  CHECK_OK(eng_model_create(F, "model seed=2", &b));
  if (!a || !b) return;
  const char *hidden[2] = {"dense units=20 activation=relu kernel_initializer=he_normal",
                           "dense units=12 activation=relu kernel_initializer=he_normal"};
  for (int k = 0; k < 2; k++) {
    CHECK_OK(eng_model_add(a, hidden[k]));
    CHECK_OK(eng_model_add(b, hidden[k]));
  }
  CHECK_OK(eng_model_add(a, "dense units=4 activation=softmax"));
  CHECK_OK(eng_model_add(b, "dense units=2 activation=softmax"));
  CHECK_OK(eng_model_set_optimizer(a, "sgd learning_rate=0.05 momentum=0.9"));
  CHECK_OK(eng_model_set_optimizer(b, "sgd learning_rate=0.05 momentum=0.9"));
  CHECK_OK(eng_model_build(a, 32));
  CHECK_OK(eng_model_build(b, 32));
  eng_trainer *t = NULL;
  CHECK_OK(eng_trainer_create(a, all, NULL, "fit epochs=2 batch_size=32", &t));
  run_log log;
  if (t) {
    run_logged(t, a, &log);
    CHECK_OK(log.status);
    free_log(&log);
    eng_trainer_free(t);
  }
  /* Copy and freeze. */
  CHECK_FAILS(eng_model_copy_layer(b, 2, a, 2), ENG_ERR_INVALID, "does not match");
  CHECK_FAILS(eng_model_copy_layer(b, 3, a, 0), ENG_ERR_INVALID, "out of range");
  for (uint32_t l = 0; l < 2; l++) {
    CHECK_OK(eng_model_copy_layer(b, l, a, l));
    CHECK(memcmp(b->layers[l].kernel, a->layers[l].kernel, (size_t)a->layers[l].in * a->layers[l].out * sizeof(float)) == 0);
    CHECK(memcmp(b->layers[l].bias, a->layers[l].bias, a->layers[l].out * sizeof(float)) == 0);
    CHECK_OK(eng_model_set_trainable(b, l, 0));
  }
  CHECK(eng_model_param_count(b, 1) == 12 * 2 + 2);
  CHECK(eng_model_layer_trainable(b, 0) == 0 && eng_model_layer_trainable(b, 1) == 0 && eng_model_layer_trainable(b, 2) == 1);
  CHECK(eng_model_layer_trainable(b, 3) == -1);
  CHECK(eng_model_param_count(b, 0) == (64 * 20 + 20) + (20 * 12 + 12) + (12 * 2 + 2));
  float *before = copy_params(b);
  double loss0, acc0, loss1, acc1;
  CHECK_OK(eng_model_evaluate(b, sub, 0, &loss0, &acc0));
  CHECK_OK(eng_trainer_create(b, sub, NULL, "fit epochs=3 batch_size=16", &t));
  if (t) {
    run_logged(t, b, &log);
    CHECK_OK(log.status);
    free_log(&log);
    eng_trainer_free(t);
  }
  CHECK_OK(eng_model_evaluate(b, sub, 0, &loss1, &acc1));
  size_t frozen_floats = (64 * 20 + 20) + (20 * 12 + 12);
  CHECK(memcmp(b->params, before, frozen_floats * sizeof(float)) == 0); /* frozen: same bits */
  CHECK(memcmp(b->params + frozen_floats, before + frozen_floats, 26 * sizeof(float)) != 0);
  CHECK(loss1 < loss0 && acc1 >= 0.9);
  /* Unfreezing layer 1 lets it train; layer 0 stays. The book then compiles
   * again with a lower rate: a new optimizer, whose state (momentum, step
   * count) starts over (core/run.js, the two-phase transfer). */
  CHECK_OK(eng_model_set_trainable(b, 1, 1));
  CHECK(eng_model_layer_trainable(b, 0) == 0 && eng_model_layer_trainable(b, 1) == 1);
  CHECK(b->iterations > 0);
  size_t moving = 0;
  for (size_t i = 0; i < 3 * b->n_grads; i++) moving += b->slots[i] != 0.0f;
  CHECK(moving > 0); /* momentum of the phase before */
  CHECK_OK(eng_model_set_optimizer(b, "sgd learning_rate=0.005 momentum=0.9"));
  CHECK(b->iterations == 0);
  moving = 0;
  for (size_t i = 0; i < 3 * b->n_grads; i++) moving += b->slots[i] != 0.0f;
  CHECK(moving == 0);
  free(before);
  before = copy_params(b);
  CHECK_OK(eng_trainer_create(b, sub, NULL, "fit epochs=1 batch_size=16", &t));
  if (t) {
    run_logged(t, b, &log);
    CHECK_OK(log.status);
    free_log(&log);
    CHECK_NEAR(eng_trainer_metrics(t)[ENG_METRIC_LEARNING_RATE], 0.005, 1e-9);
    eng_trainer_free(t);
  }
  CHECK(memcmp(b->params, before, (64 * 20 + 20) * sizeof(float)) == 0);
  CHECK(memcmp(b->params + 64 * 20 + 20, before + 64 * 20 + 20, (20 * 12 + 12) * sizeof(float)) != 0);
  free(before);
  eng_model_free(a), eng_model_free(b);
  eng_dataset_free(all), eng_dataset_free(sub), eng_dataset_free(first);
}

/* ------------------------------------------------------------- divergence */

static void test_divergence(void) {
  eng_dataset *ds = make_dataset(128, 3, 0);
  /* Linear layers compound a too-large step multiplicatively: the logits overflow
   * to infinity within a few steps and the loss becomes NaN. (With ReLU or tanh the
   * loss can stay huge but finite, which is not divergence.) */
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(F, "model seed=3", &m));
  if (!m) return;
  CHECK_OK(eng_model_add(m, "dense units=32"));
  CHECK_OK(eng_model_add(m, "dense units=32"));
  CHECK_OK(eng_model_add(m, "dense units=3 activation=softmax"));
  CHECK_OK(eng_model_set_optimizer(m, "sgd learning_rate=1e6"));
  CHECK_OK(eng_model_build(m, 32));
  float *initial = copy_params(m);
  eng_trainer *t = NULL;
  CHECK_OK(eng_trainer_create(m, ds, NULL, "fit epochs=3 batch_size=16", &t));
  if (t) {
    int event = 0;
    eng_status st = eng_trainer_run(t, 100000, &event);
    CHECK(st == ENG_ERR_DIVERGED);
    CHECK(strncmp(eng_last_error(), "training diverged at epoch", 26) == 0);
    CHECK(strstr(eng_last_error(), "try a lower learning rate") != NULL);
    printf("divergence message: %s\n", eng_last_error());
    CHECK(event == ENG_EVENT_DONE);
    CHECK(all_finite(m));
    /* It diverged in the first epoch: the weights of its start are kept. */
    CHECK(strncmp(eng_last_error(), "training diverged at epoch 1 ", 29) == 0);
    CHECK(memcmp(m->params, initial, m->n_params * sizeof(float)) == 0);
    /* The run is over. */
    CHECK_FAILS(eng_trainer_run(t, 10, &event), ENG_ERR_STATE, "diverged");
    CHECK(event == ENG_EVENT_DONE);
    eng_trainer_free(t);
  }
  free(initial);
  eng_model_free(m);
  eng_dataset_free(ds);
}

/* ------------------------------------------------------------- callbacks */

/* keras EarlyStopping.on_epoch_end (mode min for losses, max for accuracies; with
 * restore_best_weights the best weights are put back when it stops). Returns the
 * 0-based epoch at which training stops (or -1), and the best epoch. */
static int keras_early_stopping(const double *values, int n, bool maximize, double min_delta,
                                int patience, int start_from_epoch, int *best_epoch) {
  double best = maximize ? -INFINITY : INFINITY;
  int wait = 0;
  *best_epoch = 0;
  for (int epoch = 0; epoch < n; epoch++) {
    double current = values[epoch];
    if (epoch < start_from_epoch) continue;
    wait += 1;
    /* _is_improvement: monitor_op(current - min_delta, best), min_delta negated for min */
    bool improved = maximize ? current - min_delta > best : current + min_delta < best;
    if (improved) {
      best = current, *best_epoch = epoch, wait = 0;
      continue;
    }
    if (wait >= patience && epoch > 0) return epoch;
  }
  return -1;
}

static void check_early_stopping(const char *callback, int metric, bool maximize, double min_delta,
                                 int patience, int start_from_epoch) {
  eng_dataset *train = make_dataset(160, 3, 0), *val = make_dataset(60, 3, 1);
  eng_model *m = small_model("model seed=8", "sgd learning_rate=0.05", 3);
  if (!m) return;
  eng_trainer *t = NULL;
  CHECK_OK(eng_trainer_create(m, train, val, "fit epochs=30 batch_size=16", &t));
  if (!t) return;
  CHECK_OK(eng_trainer_add_callback(t, callback));
  run_log log;
  run_logged(t, m, &log);
  CHECK_OK(log.status);
  double values[MAX_EPOCHS];
  for (int e = 0; e < log.epochs; e++) values[e] = log.metrics[e][metric];
  int best = 0;
  int stop = keras_early_stopping(values, log.epochs, maximize, min_delta, patience,
                                  start_from_epoch, &best);
  printf("%s: ran %d epochs, Keras stops after epoch %d restoring epoch %d\n", callback,
         log.epochs, stop + 1, best + 1);
  /* The scenario must exercise the callback: it stops early, and not at the best epoch. */
  CHECK(stop >= 0 && stop < 29 && best < stop);
  CHECK(log.epochs == stop + 1);
  for (int e = 0; e < log.epochs; e++) CHECK(log.metrics[e][ENG_METRIC_STOPPED] == (e == stop));
  if (log.epochs == stop + 1 && best < stop) {
    bool restore = strstr(callback, "restore_best_weights=1") != NULL;
    /* The weights after the stop are those at the end of the best epoch. */
    bool same = memcmp(m->params, log.weights[best], m->n_params * sizeof(float)) == 0;
    CHECK(same == restore);
    CHECK(log.metrics[stop][ENG_METRIC_RESTORED_EPOCH] == (restore ? best + 1 : 0));
  }
  free_log(&log);
  eng_trainer_free(t);
  eng_model_free(m);
  eng_dataset_free(train), eng_dataset_free(val);
}

static void test_early_stopping(void) {
  check_early_stopping("early_stopping monitor=val_loss patience=2 restore_best_weights=1",
                       ENG_METRIC_VAL_LOSS, false, 0, 2, 0);
  check_early_stopping("early_stopping monitor=val_loss patience=3 restore_best_weights=0",
                       ENG_METRIC_VAL_LOSS, false, 0, 3, 0);
  check_early_stopping("early_stopping monitor=val_loss patience=0 restore_best_weights=1 start_from_epoch=2",
                       ENG_METRIC_VAL_LOSS, false, 0, 0, 2);
  check_early_stopping("early_stopping monitor=val_accuracy patience=2 restore_best_weights=1",
                       ENG_METRIC_VAL_ACCURACY, true, 0, 2, 0);
  check_early_stopping("early_stopping monitor=val_loss patience=1 min_delta=0.5 restore_best_weights=1",
                       ENG_METRIC_VAL_LOSS, false, 0.5, 1, 0);
}

/* keras ReduceLROnPlateau.on_epoch_end: returns the learning rate after each epoch
 * and whether it was reduced there. */
static void keras_reduce_lr(const double *values, int n, double lr, double factor, int patience,
                            double min_delta, int cooldown, double min_lr, double *lr_after,
                            bool *reduced) {
  double best = INFINITY;
  int wait = 0, cooldown_counter = 0;
  for (int epoch = 0; epoch < n; epoch++) {
    double current = values[epoch];
    reduced[epoch] = false;
    if (cooldown_counter > 0) { /* in_cooldown() */
      cooldown_counter -= 1;
      wait = 0;
    }
    if (current < best - min_delta) { /* monitor_op = np.less(a, b - min_delta) */
      best = current;
      wait = 0;
    } else if (!(cooldown_counter > 0)) { /* not self.in_cooldown(), after the decrement */
      wait += 1;
      if (wait >= patience) {
        if (lr > (double)(float)min_lr) { /* old_lr > np.float32(min_lr) */
          lr = fmax(lr * factor, min_lr);
          cooldown_counter = cooldown;
          wait = 0;
          reduced[epoch] = true;
        }
      }
    }
    lr_after[epoch] = lr;
  }
}

static void check_reduce_lr(const char *callback, double factor, int patience, int cooldown,
                            double min_lr, int min_reductions) {
  eng_dataset *train = make_dataset(160, 3, 0), *val = make_dataset(60, 3, 1);
  eng_model *m = small_model("model seed=8", "sgd learning_rate=0.04", 3);
  if (!m) return;
  eng_trainer *t = NULL;
  CHECK_OK(eng_trainer_create(m, train, val, "fit epochs=14 batch_size=16", &t));
  if (!t) return;
  CHECK_OK(eng_trainer_add_callback(t, callback));
  run_log log;
  run_logged(t, m, &log);
  CHECK_OK(log.status);
  CHECK(log.epochs == 14);
  double values[MAX_EPOCHS], lr_after[MAX_EPOCHS];
  bool reduced[MAX_EPOCHS];
  for (int e = 0; e < log.epochs; e++) values[e] = log.metrics[e][ENG_METRIC_VAL_LOSS];
  keras_reduce_lr(values, log.epochs, 0.04, factor, patience, 1e-4, cooldown, min_lr, lr_after,
                  reduced);
  int reductions = 0, wrong = 0;
  for (int e = 0; e < log.epochs; e++) {
    reductions += reduced[e];
    bool engine_reduced = log.metrics[e][ENG_METRIC_LR_REDUCED] != 0;
    if (engine_reduced != reduced[e] || fabs(log.base_lr[e] - lr_after[e]) > 1e-12) {
      if (wrong++ == 0)
        fprintf(stderr, "%s: first difference at epoch %d: engine %s, lr %.6g; Keras %s, lr %.6g\n",
                callback, e + 1, engine_reduced ? "reduced" : "kept", log.base_lr[e],
                reduced[e] ? "reduced" : "kept", lr_after[e]);
    }
    /* The rate used during epoch e + 1 is the one set after epoch e. */
    if (e > 0) CHECK_NEAR(log.metrics[e][ENG_METRIC_LEARNING_RATE], log.base_lr[e - 1], 1e-12);
  }
  printf("%s: %d reductions, final lr %g\n", callback, reductions, lr_after[log.epochs - 1]);
  CHECK(wrong == 0);
  CHECK(reductions >= min_reductions);
  free_log(&log);
  eng_trainer_free(t);
  eng_model_free(m);
  eng_dataset_free(train), eng_dataset_free(val);
}

static void test_reduce_lr_on_plateau(void) {
  /* 0.04 -> 0.02 -> 0.01 -> 0.008 (min_lr) and no further. */
  check_reduce_lr("reduce_lr_on_plateau factor=0.5 patience=2 min_lr=0.008", 0.5, 2, 0, 0.008, 3);
  check_reduce_lr("reduce_lr_on_plateau factor=0.1 patience=1", 0.1, 1, 0, 0, 4);
  check_reduce_lr("reduce_lr_on_plateau factor=0.5 patience=1 cooldown=1", 0.5, 1, 1, 0, 3);
  check_reduce_lr("reduce_lr_on_plateau factor=0.5 patience=1 cooldown=2", 0.5, 1, 2, 0, 2);

  /* A changing schedule and ReduceLROnPlateau cannot both set the rate. */
  eng_dataset *train = make_dataset(40, 3, 0);
  eng_model *m = small_model("model seed=1", "sgd", 3);
  if (!m) return;
  CHECK_OK(eng_model_set_schedule(m, "exponential_decay initial_learning_rate=0.1 decay_steps=10 decay_rate=0.9"));
  eng_trainer *t = NULL;
  CHECK_OK(eng_trainer_create(m, train, train, "fit epochs=1", &t));
  if (t) {
    CHECK_FAILS(eng_trainer_add_callback(t, "reduce_lr_on_plateau"), ENG_ERR_INVALID,
                "reduce_lr_on_plateau needs a constant learning rate");
    CHECK_OK(eng_trainer_add_callback(t, "early_stopping")); /* others are fine */
    eng_trainer_free(t);
  }
  /* Monitoring validation metrics needs validation data. */
  CHECK_OK(eng_model_set_schedule(m, "constant"));
  CHECK_OK(eng_trainer_create(m, train, NULL, "fit epochs=1", &t));
  if (t) {
    CHECK_FAILS(eng_trainer_add_callback(t, "reduce_lr_on_plateau monitor=val_loss"), ENG_ERR_INVALID,
                "no validation data");
    CHECK_OK(eng_trainer_add_callback(t, "reduce_lr_on_plateau monitor=loss"));
    CHECK_FAILS(eng_trainer_add_callback(t, "reduce_lr_on_plateau factor=1"), ENG_ERR_INVALID, "factor");
    CHECK_FAILS(eng_trainer_add_callback(t, "tensorboard"), ENG_ERR_INVALID, "'tensorboard'");
    eng_trainer_free(t);
  }
  eng_model_free(m);
  eng_dataset_free(train);
}

static void test_model_checkpoint(void) {
  eng_dataset *train = make_dataset(160, 3, 0), *val = make_dataset(60, 3, 1);
  eng_model *m = small_model("model seed=8", "sgd learning_rate=0.05", 3);
  if (!m) return;
  eng_trainer *t = NULL;
  CHECK_OK(eng_trainer_create(m, train, val, "fit epochs=6 batch_size=16", &t));
  if (!t) return;
  CHECK_OK(eng_trainer_add_callback(t, "model_checkpoint monitor=val_loss"));
  CHECK_FAILS(eng_trainer_restore_checkpoint(t), ENG_ERR_STATE, "no checkpoint");
  run_log log;
  run_logged(t, m, &log);
  CHECK_OK(log.status);
  CHECK(log.epochs == 6);
  /* ModelCheckpoint(save_best_only=True): saved when val_loss < best (strictly). */
  int best = 0;
  for (int e = 1; e < log.epochs; e++)
    if (log.metrics[e][ENG_METRIC_VAL_LOSS] < log.metrics[best][ENG_METRIC_VAL_LOSS]) best = e;
  CHECK(best < log.epochs - 1); /* restoring must change something */
  CHECK(memcmp(m->params, log.weights[log.epochs - 1], m->n_params * sizeof(float)) == 0);
  CHECK_OK(eng_trainer_restore_checkpoint(t));
  CHECK(memcmp(m->params, log.weights[best], m->n_params * sizeof(float)) == 0);
  double loss, acc;
  CHECK_OK(eng_model_evaluate(m, val, 0, &loss, &acc));
  CHECK_NEAR(loss, log.metrics[best][ENG_METRIC_VAL_LOSS], 1e-12);
  free_log(&log);
  eng_trainer_free(t);
  eng_model_free(m);
  eng_dataset_free(train), eng_dataset_free(val);
}

/* ------------------------------------------------------------- spec errors */

static void test_spec_errors(void) {
  eng_model *m = NULL;
  CHECK_FAILS(eng_model_create(0, "model", &m), ENG_ERR_INVALID, "input size must be positive");
  CHECK(m == NULL);
  CHECK_FAILS(eng_model_create(4, "model seeds=1", &m), ENG_ERR_INVALID, "has no option 'seeds'");
  CHECK_FAILS(eng_model_create(4, "model seed=-1", &m), ENG_ERR_INVALID, "out of range");
  CHECK_OK(eng_model_create(4, "model", &m));
  if (!m) return;
  CHECK_FAILS(eng_model_build(m, 8), ENG_ERR_INVALID, "no layers");
  CHECK_FAILS(eng_model_add(m, "conv2d filters=3"), ENG_ERR_INVALID, "'conv2d'");
  CHECK(strstr(eng_last_error(), "dense") && strstr(eng_last_error(), "alpha_dropout"));
  CHECK_FAILS(eng_model_add(m, "dense units=10 kernel=3"), ENG_ERR_INVALID,
              "layer 0 dense has no option 'kernel'");
  CHECK_FAILS(eng_model_add(m, "dense activation=relu"), ENG_ERR_INVALID,
              "layer 0 dense: option 'units' is required");
  CHECK_FAILS(eng_model_add(m, "dense units=0"), ENG_ERR_INVALID, "units = 0 is out of range");
  CHECK_FAILS(eng_model_add(m, "dense units=2.5"), ENG_ERR_INVALID, "whole number");
  CHECK_FAILS(eng_model_add(m, "dense units=ten"), ENG_ERR_INVALID, "must be a number, not 'ten'");
  CHECK_FAILS(eng_model_add(m, "dense units=5 activation=sinusoid"), ENG_ERR_INVALID,
              "unknown activation 'sinusoid'");
  CHECK_FAILS(eng_model_add(m, "dense units=5 units=6"), ENG_ERR_INVALID, "given twice");
  CHECK_FAILS(eng_model_add(m, "dense units=5 use_bias=maybe"), ENG_ERR_INVALID, "true or false");
  CHECK_FAILS(eng_model_add(m, "dense units=5 kernel_initializer=orthogonal"), ENG_ERR_INVALID,
              "unknown kernel_initializer 'orthogonal'");
  CHECK_FAILS(eng_model_add(m, "dropout rate=1.5"), ENG_ERR_INVALID, "rate = 1.5 is out of range");
  CHECK_FAILS(eng_model_add(m, "dropout"), ENG_ERR_INVALID, "option 'rate' is required");
  CHECK_FAILS(eng_model_add(m, "batch_normalization momentum=2"), ENG_ERR_INVALID, "momentum");
  CHECK_FAILS(eng_model_add(m, "dense units"), ENG_ERR_INVALID, "expected key=value");
  CHECK_FAILS(eng_model_add(m, ""), ENG_ERR_INVALID, NULL);
  CHECK(eng_model_layer_count(m) == 0); /* nothing half-added */
  CHECK_OK(eng_model_add(m, "dense units=8 activation=relu"));
  CHECK_FAILS(eng_model_add(m, "dense units=5 alpha=x"), ENG_ERR_INVALID, "layer 1 dense");
  CHECK_OK(eng_model_add(m, "dense units=3 activation=relu"));
  CHECK_FAILS(eng_model_build(m, 8), ENG_ERR_INVALID, "the last layer must use activation softmax");
  eng_model_free(m);

  /* from_logits lifts that requirement; softmax as a separate layer satisfies it. */
  CHECK_OK(eng_model_create(4, "model from_logits=1", &m));
  CHECK_OK(eng_model_add(m, "dense units=3"));
  CHECK_OK(eng_model_build(m, 8));
  CHECK_FAILS(eng_model_add(m, "dense units=3"), ENG_ERR_STATE, "after the model is built");
  CHECK_FAILS(eng_model_build(m, 8), ENG_ERR_STATE, "already built");
  eng_model_free(m);
  CHECK_OK(eng_model_create(4, "model", &m));
  CHECK_OK(eng_model_add(m, "dense units=3"));
  CHECK_OK(eng_model_add(m, "activation activation=softmax"));
  CHECK_FAILS(eng_model_build(m, 0), ENG_ERR_INVALID, "batch size must be positive");
  CHECK_OK(eng_model_build(m, 8));

  /* Trainer configuration errors. */
  eng_dataset *ds = make_dataset(20, 3, 0), *wide = make_dataset(20, 5, 0);
  eng_trainer *t = NULL;
  CHECK_FAILS(eng_trainer_create(m, ds, NULL, "fit", &t), ENG_ERR_INVALID, "64 features per sample, the model expects 4");
  eng_model_free(m);
  CHECK_OK(eng_model_create(F, "model", &m));
  CHECK_OK(eng_model_add(m, "dense units=3 activation=softmax"));
  CHECK_OK(eng_model_build(m, 8));
  CHECK_FAILS(eng_trainer_create(m, ds, NULL, "fit batch_size=16", &t), ENG_ERR_INVALID,
              "batch_size 16 exceeds the 8");
  CHECK_FAILS(eng_trainer_create(m, wide, NULL, "fit batch_size=8", &t), ENG_ERR_INVALID,
              "set its units to 5");
  CHECK_FAILS(eng_trainer_create(m, ds, NULL, "fit epochs=0", &t), ENG_ERR_INVALID, "epochs = 0 is out of range");
  CHECK_FAILS(eng_trainer_create(m, ds, NULL, "fit epoch=3", &t), ENG_ERR_INVALID, "has no option 'epoch'");
  CHECK(t == NULL);
  eng_model_free(m);
  eng_dataset_free(ds), eng_dataset_free(wide);
}

/* ------------------------------------------- losses, statistics, inputs */

/* The reported losses are Keras's: mean cross-entropy + every layer's kernel
 * penalty (frozen layers included: their regularization losses stay in
 * model.losses). Reference: -log p[label] from eng_model_predict, and the
 * penalties summed here in double from the kernels. */
static void test_reported_losses(void) {
  eng_dataset *ds = make_dataset(96, 3, 0);
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(F, "model seed=4", &m));
  if (!m) return;
  CHECK_OK(eng_model_add(m, "dense units=16 activation=relu kernel_l2=0.01"));
  CHECK_OK(eng_model_add(m, "dense units=8 activation=tanh kernel_l1=0.002 kernel_l2=0.003"));
  CHECK_OK(eng_model_add(m, "dense units=3 activation=softmax kernel_l1=0.001"));
  CHECK_OK(eng_model_set_optimizer(m, "sgd learning_rate=0")); /* weights stay put */
  CHECK_OK(eng_model_build(m, 32));
  CHECK_OK(eng_model_set_trainable(m, 0, 0));
  double penalty = 0;
  const double l1[3] = {0, 0.002, 0.001}, l2[3] = {0.01, 0.003, 0};
  for (int li = 0; li < 3; li++) {
    const layer *l = &m->layers[li];
    for (size_t i = 0; i < (size_t)l->in * l->out; i++)
      penalty += (double)(float)l1[li] * fabs(l->kernel[i]) + (double)(float)l2[li] * l->kernel[i] * l->kernel[i];
  }
  float *p = malloc((size_t)ds->count * 3 * sizeof(float));
  CHECK_OK(eng_model_predict(m, ds, 0, ds->count, p));
  double ce = 0;
  for (uint32_t i = 0; i < ds->count; i++) ce -= log(p[i * 3 + ds->labels[i]]) / ds->count;
  double loss = 0, acc = 0;
  CHECK_OK(eng_model_evaluate(m, ds, 0, &loss, &acc));
  CHECK_NEAR(model_penalty(m), penalty, 1e-6 * penalty);
  CHECK_NEAR(loss, ce + penalty, 1e-5 * (ce + penalty)); /* float probabilities in the reference */
  /* Training reports the same (learning rate 0, no dropout or BN: the same model). */
  eng_trainer *t = NULL;
  CHECK_OK(eng_trainer_create(m, ds, NULL, "fit epochs=1 batch_size=16 shuffle=0", &t));
  if (t) {
    run_log log;
    run_logged(t, m, &log);
    CHECK_OK(log.status);
    if (log.epochs == 1) CHECK_NEAR(log.metrics[0][ENG_METRIC_LOSS], loss, 1e-9 * loss);
    free_log(&log);
    eng_trainer_free(t);
  }
  /* Confusion matrix: rows are true labels, it sums to the count, its diagonal to
   * the accuracy. */
  uint32_t confusion[9];
  CHECK_OK(eng_model_confusion(m, ds, 0, confusion));
  uint32_t total = 0, diagonal = 0, row0 = 0, label0 = 0;
  for (int k = 0; k < 9; k++) total += confusion[k];
  for (int k = 0; k < 3; k++) diagonal += confusion[k * 4], row0 += confusion[k];
  for (uint32_t i = 0; i < ds->count; i++) label0 += ds->labels[i] == 0;
  CHECK(total == ds->count && row0 == label0);
  CHECK_NEAR(diagonal / (double)ds->count, acc, 1e-12);
  free(p);
  eng_model_free(m);
  eng_dataset_free(ds);
}

/* eng_model_adapt: per-feature mean and 1/std of pixels * input_scale (population
 * std, like keras.layers.Normalization.adapt); a constant feature is centred only. */
static void test_standardize(void) {
  eng_dataset *ds = make_dataset(50, 3, 0);
  for (uint32_t i = 0; i < ds->count; i++) ds->pixels[(size_t)i * F + 5] = 77; /* constant */
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(F, "model standardize=1 input_scale=0.5", &m));
  if (!m) return;
  CHECK_OK(eng_model_add(m, "dense units=3 activation=softmax"));
  CHECK_OK(eng_model_build(m, 8));
  double loss, acc;
  CHECK_FAILS(eng_model_evaluate(m, ds, 0, &loss, &acc), ENG_ERR_STATE, "no statistics");
  CHECK_OK(eng_model_adapt(m, ds));
  int wrong = 0;
  for (uint32_t j = 0; j < F; j++) {
    double s = 0, s2 = 0;
    for (uint32_t i = 0; i < ds->count; i++) {
      double x = ds->pixels[(size_t)i * F + j] * 0.5;
      s += x, s2 += x * x;
    }
    double mean = s / ds->count, var = s2 / ds->count - mean * mean;
    wrong += fabs(m->input_mean[j] - mean) > 1e-4;
    if (j == 5) wrong += m->input_inv_std[j] != (float)1e7; /* 1 / keras.backend.epsilon() */
    else wrong += fabs(m->input_inv_std[j] * sqrt(var) - 1) > 1e-5;
  }
  CHECK(wrong == 0);
  /* A loaded batch is (pixel * scale - mean) * inv_std. */
  model_load_batch(m, ds, NULL, 3, 2);
  CHECK_NEAR(m->input[F + 9], (ds->pixels[4 * F + 9] * 0.5 - m->input_mean[9]) * m->input_inv_std[9], 1e-5);
  CHECK(m->input[5] == 0);
  CHECK_OK(eng_model_evaluate(m, ds, 0, &loss, &acc));
  eng_model_free(m);
  eng_dataset_free(ds);
}

/* eng_model_layer_stats "changes no state": BN moving statistics, weights and the
 * dropout stream are as before. */
static void test_layer_stats_stateless(void) {
  eng_dataset *ds = make_dataset(64, 3, 0);
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(F, "model seed=6", &m));
  if (!m) return;
  CHECK_OK(eng_model_add(m, "dense units=10 activation=relu"));
  CHECK_OK(eng_model_add(m, "batch_normalization"));
  CHECK_OK(eng_model_add(m, "dropout rate=0.5"));
  CHECK_OK(eng_model_add(m, "dense units=3 activation=softmax"));
  CHECK_OK(eng_model_build(m, 16));
  float *before = copy_params(m);
  dropout_streams rng = m->dropout;
  double stats[4 * ENG_STAT_COUNT];
  CHECK_OK(eng_model_layer_stats(m, ds, 40, stats));
  CHECK(memcmp(before, m->params, m->n_params * sizeof(float)) == 0);
  CHECK(memcmp(&m->dropout, &rng, sizeof rng) == 0);
  /* ReLU: dead = the share of units zero for all 40 samples (tests/c/test_layer_stats.c
   * checks it by hand); dropout at inference passes everything. */
  CHECK(stats[0 * ENG_STAT_COUNT + ENG_STAT_DEAD] >= 0 && stats[0 * ENG_STAT_COUNT + ENG_STAT_DEAD] < 1);
  CHECK(stats[0 * ENG_STAT_COUNT + ENG_STAT_MEAN] > 0);
  CHECK(stats[3 * ENG_STAT_COUNT + ENG_STAT_WEIGHT_NORM] > 0 && stats[3 * ENG_STAT_COUNT + ENG_STAT_GRAD_NORM] > 0);
  CHECK_NEAR(stats[1 * ENG_STAT_COUNT + ENG_STAT_MEAN], stats[2 * ENG_STAT_COUNT + ENG_STAT_MEAN], 1e-12);
  free(before);
  eng_model_free(m);
  eng_dataset_free(ds);
}

/* ------------------------------------------------- experiment 1 (the spec) */

static void test_experiment1(void) {
  eng_dataset *train = test_load_fashion("train");
  if (!train) {
    printf("experiment 1: Fashion-MNIST not installed in %s, skipped\n", FASHION_MNIST_DIR);
    return;
  }
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(784, "model seed=42", &m));
  if (!m) return;
  for (int i = 0; i < 5; i++)
    CHECK_OK(eng_model_add(m, "dense units=100 activation=sigmoid kernel_initializer=random_normal kernel_stddev=1.0"));
  CHECK_OK(eng_model_add(m, "dense units=10 activation=softmax"));
  CHECK_OK(eng_model_build(m, 100));
  double stats[6 * ENG_STAT_COUNT];
  CHECK_OK(eng_model_layer_stats(m, train, 1000, stats));
  for (int l = 0; l < 5; l++) {
    const double *row = stats + l * ENG_STAT_COUNT;
    printf("experiment 1 layer %d: mean %.3f std %.3f saturated %.3f grad_std %.3g\n", l + 1,
           row[ENG_STAT_MEAN], row[ENG_STAT_STD], row[ENG_STAT_SATURATED], row[ENG_STAT_GRAD_STD]);
    /* The reference run reports 0.5-0.7 saturated and means 0.48-0.58 per layer. */
    CHECK(row[ENG_STAT_SATURATED] >= 0.35 && row[ENG_STAT_SATURATED] <= 0.85);
    CHECK(row[ENG_STAT_MEAN] >= 0.35 && row[ENG_STAT_MEAN] <= 0.65);
    CHECK(row[ENG_STAT_DEAD] == 0);
  }
  /* Saturated sigmoids pass only small gradients back: sigma' <= 0.25, and at
   * sigma < 0.01 or > 0.99 it is below 0.0099. */
  for (int l = 0; l < 5; l++) CHECK(stats[l * ENG_STAT_COUNT + ENG_STAT_GRAD_STD] < 0.01);
  eng_model_free(m);
  eng_dataset_free(train);
}

/* A thread-pool deadlock would hang ctest: a watchdog turns it into a failure
 * that names the stage. */
static const char *volatile stage = "start";
static void on_watchdog(int sig) {
  (void)sig;
  char msg[256];
  int n = snprintf(msg, sizeof msg,
                   "test_model: DEADLOCK: still running after 30 s in %s; the caller waits "
                   "for a pool job that no worker runs\n", stage);
  ssize_t w = write(2, msg, (size_t)n);
  (void)w;
  _exit(1);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0); /* keep the log if the watchdog fires */
  signal(SIGALRM, on_watchdog);
  alarm(30);
  stage = "save/load", test_save_load();
  stage = "load of every prefix", test_load_every_prefix();
  stage = "transfer learning", test_transfer_learning();
  stage = "divergence", test_divergence();
  stage = "early stopping", test_early_stopping();
  stage = "reduce_lr_on_plateau", test_reduce_lr_on_plateau();
  stage = "model checkpoint", test_model_checkpoint();
  stage = "spec errors", test_spec_errors();
  stage = "reported losses", test_reported_losses();
  stage = "standardization", test_standardize();
  stage = "layer statistics", test_layer_stats_stateless();
  stage = "experiment 1", test_experiment1();
  /* Last: it starts worker threads. */
  stage = "determinism (training with 1 and 2 threads)", test_determinism();
  stage = "eng_pool_stop", eng_pool_stop();
  alarm(0);
  return test_report("test_model");
}
