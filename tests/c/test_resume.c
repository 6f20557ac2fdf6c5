/* test_resume.c: training checkpoints (keras.callbacks.BackupAndRestore) and the
 * optimizer state in model files. The reference is the engine itself left
 * alone: training N epochs straight must give the same bits as training K,
 * saving, freeing everything, loading into fresh objects (under another thread
 * count: results do not depend on it) and training the rest; with dropout,
 * batch normalization, a learning-rate schedule or ReduceLROnPlateau, and
 * EarlyStopping / ModelCheckpoint keeping best weights. Corrupt checkpoints are
 * refused with a message; version 1 model files still load. */
#include "testlib.h"
#include "nn.h"

#include <string.h>

static uint64_t test_state = 0x9E3779B97F4A7C15ull;

#define F TEST_BAND_FEATURES
static eng_dataset *make_dataset(uint32_t count, uint32_t classes, uint32_t label_shift) {
  return test_band_dataset(&test_state, count, classes, label_shift);
}

typedef struct {
  const char *name, *model, *optimizer, *schedule, *fit;
  const char *callbacks[3];
} scenario;

static eng_model *build(const scenario *s) {
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(F, s->model, &m));
  if (!m) return NULL;
  CHECK_OK(eng_model_add(m, "dense units=24 activation=relu kernel_initializer=he_normal"));
  CHECK_OK(eng_model_add(m, "batch_normalization"));
  CHECK_OK(eng_model_add(m, "dropout rate=0.3"));
  CHECK_OK(eng_model_add(m, "dense units=12 activation=elu"));
  CHECK_OK(eng_model_add(m, "alpha_dropout rate=0.1"));
  CHECK_OK(eng_model_add(m, "dense units=3 activation=softmax"));
  CHECK_OK(eng_model_set_optimizer(m, s->optimizer));
  CHECK_OK(eng_model_set_schedule(m, s->schedule));
  CHECK_OK(eng_model_build(m, 32));
  return m;
}

static eng_trainer *start(const scenario *s, eng_model *m, const eng_dataset *train, const eng_dataset *val) {
  eng_trainer *t = NULL;
  CHECK_OK(eng_trainer_create(m, train, val, s->fit, &t));
  for (int i = 0; t && i < 3 && s->callbacks[i]; i++) CHECK_OK(eng_trainer_add_callback(t, s->callbacks[i]));
  return t;
}

/* Trains until `epochs` epoch ends have passed plus `batches` more steps (or to
 * the end when epochs < 0); returns the number of epoch events. */
static int train_until(eng_trainer *t, int epochs, uint32_t batches) {
  int seen = 0, event = ENG_EVENT_NONE;
  while (event != ENG_EVENT_DONE && (epochs < 0 || seen < epochs)) {
    if (eng_trainer_run(t, 7, &event) != ENG_OK) {
      fprintf(stderr, "training failed: %s\n", eng_last_error());
      test_failures++;
      return seen;
    }
    if (event != ENG_EVENT_NONE) seen++;
  }
  if (event != ENG_EVENT_DONE && batches) CHECK_OK(eng_trainer_run(t, batches, &event));
  return seen;
}

/* Metrics that must match bit for bit (not the timings). */
static bool same_metrics(const double *a, const double *b) {
  for (int i = 0; i < ENG_METRIC_COUNT; i++) {
    if (i == ENG_METRIC_SECONDS || i == ENG_METRIC_SAMPLES_PER_SECOND) continue;
    if (memcmp(&a[i], &b[i], sizeof(double)) != 0) return false;
  }
  return true;
}

static void check_resume(const scenario *s, int stop_epoch, uint32_t extra_batches) {
  eng_dataset *train = make_dataset(150, 3, 0), *val = make_dataset(40, 3, 1);
  /* Left alone, on 2 threads. */
  eng_set_threads(2);
  eng_model *ref = build(s);
  eng_trainer *rt = ref ? start(s, ref, train, val) : NULL;
  if (!rt) return;
  int total = train_until(rt, -1, 0);
  /* Interrupted on 1 thread, resumed on 3. */
  eng_set_threads(1);
  eng_model *m = build(s);
  eng_trainer *t = m ? start(s, m, train, val) : NULL;
  if (!t) return;
  train_until(t, stop_epoch, extra_batches);
  uint8_t *blob = NULL;
  size_t len = 0;
  CHECK_OK(eng_trainer_save(t, "{\"run\":\"resume\"}", &blob, &len));
  eng_trainer_free(t);
  eng_model_free(m);
  eng_set_threads(3);
  eng_model *m2 = NULL;
  eng_trainer *t2 = NULL;
  CHECK_OK(eng_trainer_load(blob, len, 32, train, val, &m2, &t2));
  if (t2) {
    CHECK(strcmp(eng_model_metadata(m2), "{\"run\":\"resume\"}") == 0);
    int rest = train_until(t2, -1, 0);
    CHECK(stop_epoch + rest == total);
    bool same = m2->n_params == ref->n_params && memcmp(m2->params, ref->params, ref->n_params * sizeof(float)) == 0;
    if (!same) fprintf(stderr, "%s: resumed after epoch %d (+%u batches) differs from the run left alone\n", s->name,
                       stop_epoch, extra_batches);
    CHECK(same);
    CHECK(same_metrics(eng_trainer_metrics(t2), eng_trainer_metrics(rt)));
    CHECK(memcmp(m2->slots, ref->slots, 3 * ref->n_grads * sizeof(float)) == 0);
    CHECK(m2->iterations == ref->iterations && m2->optimizer.learning_rate == ref->optimizer.learning_rate);
    /* The kept best weights come back too. */
    eng_status a = eng_trainer_restore_checkpoint(rt), b = eng_trainer_restore_checkpoint(t2);
    CHECK(a == b);
    if (a == ENG_OK) CHECK(memcmp(m2->params, ref->params, ref->n_params * sizeof(float)) == 0);
  }
  eng_trainer_free(t2), eng_model_free(m2), eng_blob_free(blob);
  eng_trainer_free(rt), eng_model_free(ref);
  eng_dataset_free(train), eng_dataset_free(val);
  eng_set_threads(1);
}

static const scenario scenarios[] = {
    {"adam + ReduceLROnPlateau", "model seed=7", "adam learning_rate=0.01", "constant", "fit epochs=6 batch_size=16",
     {"reduce_lr_on_plateau monitor=val_loss patience=1 factor=0.5", "model_checkpoint monitor=val_accuracy", NULL}},
    {"nadam + exponential decay + early stopping", "model seed=3 standardize=1", "nadam learning_rate=0.005",
     "exponential_decay initial_learning_rate=0.01 decay_steps=5 decay_rate=0.7", "fit epochs=7 batch_size=20 seed=11",
     {"early_stopping monitor=val_loss patience=3 restore_best_weights=1", NULL, NULL}},
    {"sgd momentum + one cycle", "model seed=9", "sgd learning_rate=0.05 momentum=0.9 nesterov=1",
     "one_cycle max_learning_rate=0.1 total_steps=50", "fit epochs=5 batch_size=32", {NULL, NULL, NULL}},
};

/* A model file keeps the optimizer: a loaded model's next steps equal the original's. */
static void test_model_file_keeps_optimizer(void) {
  const scenario *s = &scenarios[0];
  eng_dataset *train = make_dataset(96, 3, 0);
  eng_model *m = build(s);
  eng_trainer *t = NULL;
  CHECK_OK(eng_trainer_create(m, train, NULL, "fit epochs=2 batch_size=16", &t));
  if (!t) return;
  train_until(t, -1, 0);
  eng_trainer_free(t);
  uint8_t *blob = NULL;
  size_t len = 0;
  CHECK_OK(eng_model_save(m, "", &blob, &len));
  eng_model *r = NULL;
  CHECK_OK(eng_model_load(blob, len, 32, &r));
  if (!r) return;
  CHECK(r->iterations == m->iterations && r->iterations == 12);
  CHECK(memcmp(r->slots, m->slots, 3 * m->n_grads * sizeof(float)) == 0);
  CHECK(r->seed_scheme == m->seed_scheme && memcmp(&r->dropout, &m->dropout, sizeof m->dropout) == 0);
  eng_trainer *a = NULL, *b = NULL;
  CHECK_OK(eng_trainer_create(m, train, NULL, "fit epochs=1 batch_size=16 shuffle=0", &a));
  CHECK_OK(eng_trainer_create(r, train, NULL, "fit epochs=1 batch_size=16 shuffle=0", &b));
  if (a && b) {
    train_until(a, -1, 0), train_until(b, -1, 0);
    CHECK(memcmp(r->params, m->params, m->n_params * sizeof(float)) == 0);
  }
  eng_trainer_free(a), eng_trainer_free(b);
  /* A plain model file is not a checkpoint. */
  eng_model *cm = (eng_model *)blob;
  eng_trainer *ct = (eng_trainer *)blob;
  CHECK_FAILS(eng_trainer_load(blob, len, 32, train, NULL, &cm, &ct), ENG_ERR_FORMAT, "not a training checkpoint");
  CHECK(cm == NULL && ct == NULL);
  eng_blob_free(blob);
  eng_model_free(r), eng_model_free(m);
  eng_dataset_free(train);
}

/* Version 1 (no optimizer section) still loads, with a fresh optimizer. */
static void test_version_1_loads(void) {
  eng_model *m = build(&scenarios[2]);
  if (!m) return;
  m->iterations = 5;
  m->slots[0] = 1.0f;
  uint8_t *blob = NULL;
  size_t len = 0;
  CHECK_OK(eng_model_save(m, "meta", &blob, &len));
  /* v2 inserts 6 x 8 bytes, the slots (SGD: one per value), a u32 mask count and
   * a u64 section length before the metadata (u32 length + 4 bytes) and the
   * checksum; v3 the seed scheme, a stream count and 16 bytes per layer. */
  size_t extra = 6 * 8 + 4 * m->n_grads + 4 + (4 + 4 + 16 * m->n_layers) + 8, tail = 4 + 4 + 4;
  uint8_t *v1 = malloc(len);
  memcpy(v1, blob, len - tail - extra);
  memcpy(v1 + len - tail - extra, blob + len - tail, tail);
  size_t v1_len = len - extra;
  test_put_le32(v1 + 8, 1);
  test_put_le32(v1 + v1_len - 4, test_fnv1a(v1, v1_len - 4));
  eng_model *r = NULL;
  CHECK_OK(eng_model_load(v1, v1_len, 32, &r));
  if (r) {
    CHECK(r->iterations == 0 && r->slots[0] == 0.0f);
    CHECK(memcmp(r->params, m->params, m->n_params * sizeof(float)) == 0);
    CHECK(strcmp(eng_model_metadata(r), "meta") == 0);
  }
  eng_model_free(r), free(v1), eng_blob_free(blob), eng_model_free(m);
}

/* Wrong data, truncations and every re-sealed prefix are refused cleanly. */
static void test_bad_checkpoints(void) {
  const scenario *s = &scenarios[1];
  eng_dataset *train = make_dataset(60, 3, 0), *val = make_dataset(20, 3, 1), *other = make_dataset(61, 3, 0);
  eng_model *m = build(s);
  eng_trainer *t = m ? start(s, m, train, val) : NULL;
  if (!t) return;
  train_until(t, 1, 2);
  uint8_t *blob = NULL;
  size_t len = 0;
  CHECK_OK(eng_trainer_save(t, "x", &blob, &len));
  eng_model *rm = NULL;
  eng_trainer *rt = NULL;
  CHECK_FAILS(eng_trainer_load(blob, len, 32, other, val, &rm, &rt), ENG_ERR_INVALID, "load the same data");
  CHECK_FAILS(eng_trainer_load(blob, len, 32, train, NULL, &rm, &rt), ENG_ERR_INVALID, "load the same data");
  CHECK(rm == NULL && rt == NULL);
  /* The model inside a checkpoint loads as a model. */
  CHECK_OK(eng_model_load(blob, len, 32, &rm));
  CHECK(rm && memcmp(rm->params, m->params, m->n_params * sizeof(float)) == 0);
  eng_model_free(rm);
  uint8_t *buf = malloc(len);
  int accepted = 0;
  for (size_t cut = 8; cut + 4 < len; cut += 1 + cut / 64) {
    memcpy(buf, blob, cut);
    test_put_le32(buf + cut, test_fnv1a(buf, cut));
    rm = NULL, rt = NULL;
    eng_status st = eng_trainer_load(buf, cut + 4, 32, train, val, &rm, &rt);
    accepted += st == ENG_OK;
    CHECK(st == ENG_ERR_FORMAT || st == ENG_ERR_INVALID);
    CHECK(rm == NULL && rt == NULL);
  }
  CHECK(accepted == 0);
  free(buf);
  eng_blob_free(blob), eng_trainer_free(t), eng_model_free(m);
  eng_dataset_free(train), eng_dataset_free(val), eng_dataset_free(other);
}

int main(void) {
  for (size_t i = 0; i < ENG_COUNT_OF(scenarios); i++) {
    check_resume(&scenarios[i], 2, 0); /* at an epoch end, as the hosts do */
    check_resume(&scenarios[i], 1, 3); /* within an epoch */
  }
  test_model_file_keeps_optimizer();
  test_version_1_loads();
  test_bad_checkpoints();
  eng_pool_stop();
  return test_report("test_resume");
}
