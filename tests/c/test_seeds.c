/* test_seeds.c: twin runs (issue 12). Runs of a plan that differ in one knob
 * must start from the same weights wherever the shapes match, see the same
 * batch order and drop the same units, so that a difference between them
 * comes from the knob. The reference is the engine itself under the other
 * knob: inserting a BatchNormalization layer, changing one layer's
 * initializer or an earlier layer's width leaves every other layer's draws
 * alone; shuffling does not depend on dropout. Model files of version 2 load
 * with the shared scheme they were trained under. */
#include "testlib.h"
#include "trainer.h"

#include <string.h>

static uint64_t test_state = 0x5EED5EED5EED5EEDull;
#define F TEST_BAND_FEATURES

static eng_model *model_of(const char *const *layers) {
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(F, "model seed=7", &m));
  if (!m) return NULL;
  for (int i = 0; layers[i]; i++) CHECK_OK(eng_model_add(m, layers[i]));
  CHECK_OK(eng_model_build(m, 32));
  return m;
}

static bool same_floats(const float *a, const float *b, size_t n) { return memcmp(a, b, n * sizeof(float)) == 0; }

/* Dense layer a of x and layer b of y hold the same kernel and bias. */
static bool same_dense(const eng_model *x, uint32_t a, const eng_model *y, uint32_t b) {
  const layer *p = &x->layers[a], *q = &y->layers[b];
  return p->in == q->in && p->out == q->out && same_floats(p->kernel, q->kernel, (size_t)p->in * p->out) &&
         same_floats(p->bias, q->bias, p->out);
}

/* BatchNormalization draws nothing at init (gamma 1, beta 0), so this held with
 * the shared stream too; it guards the per-kind positions (BN layers do not
 * shift the Dense layers' names). */
static void test_inserted_batch_norm(void) {
  const char *plain[] = {"dense units=32 activation=relu kernel_initializer=he_normal",
                         "dense units=16 activation=relu kernel_initializer=he_normal",
                         "dense units=3 activation=softmax", NULL};
  const char *with_bn[] = {plain[0], "batch_normalization", plain[1], "batch_normalization", plain[2], NULL};
  eng_model *a = model_of(plain), *b = model_of(with_bn);
  if (!a || !b) return;
  CHECK(same_dense(a, 0, b, 0));
  CHECK(same_dense(a, 1, b, 2));
  CHECK(same_dense(a, 2, b, 4));
  eng_model_free(a), eng_model_free(b);
}

/* Truncated normals draw a variable count of numbers (rejection): with one
 * stream through all layers, an initializer change shifted every later layer. */
static void test_changed_initializer(void) {
  const char *he[] = {"dense units=32 activation=relu kernel_initializer=he_normal",
                      "dense units=16 activation=relu", "dense units=3 activation=softmax", NULL};
  const char *glorot[] = {"dense units=32 activation=tanh kernel_initializer=glorot_uniform", he[1], he[2], NULL};
  eng_model *a = model_of(he), *b = model_of(glorot);
  if (!a || !b) return;
  CHECK(!same_dense(a, 0, b, 0)); /* the knob itself */
  CHECK(same_dense(a, 1, b, 1));
  CHECK(same_dense(a, 2, b, 2));
  eng_model_free(a), eng_model_free(b);
}

/* The masks of the second dropout layer do not depend on the first one's width
 * (a shared stream advanced by batch x width for it). */
static void test_dropout_masks(void) {
  const char *narrow[] = {"dense units=16 activation=relu", "dropout rate=0.5", "dense units=8 activation=relu",
                          "dropout rate=0.3", "dense units=3 activation=softmax", NULL};
  const char *wide[] = {"dense units=40 activation=relu", "dropout rate=0.2", narrow[2], narrow[3], narrow[4], NULL};
  eng_model *a = model_of(narrow), *b = model_of(wide);
  eng_dataset *ds = test_band_dataset(&test_state, 32, 3, 0);
  if (!a || !b || !ds) return;
  for (int step = 0; step < 3; step++) {
    model_load_batch(a, ds, NULL, 0, 32), model_load_batch(b, ds, NULL, 0, 32);
    model_forward(a, 32, true, false), model_forward(b, 32, true, false);
    CHECK(same_floats(a->layers[3].aux, b->layers[3].aux, 32 * 8));
  }
  eng_model_free(a), eng_model_free(b), eng_dataset_free(ds);
}

/* The batch order is the same with and without dropout layers. */
static void test_shuffle_independent_of_dropout(void) {
  const char *plain[] = {"dense units=16 activation=relu", "dense units=3 activation=softmax", NULL};
  const char *dropped[] = {"dropout rate=0.2", plain[0], "dropout rate=0.5", plain[1], NULL};
  eng_model *a = model_of(plain), *b = model_of(dropped);
  eng_dataset *ds = test_band_dataset(&test_state, 100, 3, 0);
  eng_trainer *ta = NULL, *tb = NULL;
  if (a && b && ds) {
    CHECK_OK(eng_trainer_create(a, ds, NULL, "fit epochs=3 batch_size=16", &ta));
    CHECK_OK(eng_trainer_create(b, ds, NULL, "fit epochs=3 batch_size=16", &tb));
  }
  if (!ta || !tb) return;
  for (int epoch = 0; epoch < 3; epoch++) {
    int ea = ENG_EVENT_NONE, eb = ENG_EVENT_NONE;
    while (ea == ENG_EVENT_NONE) CHECK_OK(eng_trainer_run(ta, 3, &ea));
    while (eb == ENG_EVENT_NONE) CHECK_OK(eng_trainer_run(tb, 5, &eb));
    CHECK(memcmp(ta->order, tb->order, ds->count * sizeof(uint32_t)) == 0);
  }
  eng_trainer_free(ta), eng_trainer_free(tb);
  eng_model_free(a), eng_model_free(b), eng_dataset_free(ds);
}

/* A version 2 file (before the per-layer streams) loads with the shared
 * scheme: every dropout layer draws from the one stream the file holds. */
static void test_version_2_loads_shared(void) {
  const char *layers[] = {"dense units=8 activation=relu", "dropout rate=0.5", "dense units=3 activation=softmax", NULL};
  eng_model *m = model_of(layers);
  if (!m) return;
  uint8_t *blob = NULL;
  size_t len = 0;
  CHECK_OK(eng_model_save(m, "m", &blob, &len));
  /* v3 adds u32 scheme, u32 count and 16 bytes per layer before the u64 trainer
   * section length, the metadata (u32 length + "m") and the checksum. */
  size_t extra = 4 + 4 + 16 * m->n_layers, tail = 8 + 4 + 1 + 4;
  uint8_t *v2 = malloc(len);
  memcpy(v2, blob, len - tail - extra);
  memcpy(v2 + len - tail - extra, blob + len - tail, tail);
  size_t v2_len = len - extra;
  test_put_le32(v2 + 8, 2);
  test_put_le32(v2 + v2_len - 4, test_fnv1a(v2, v2_len - 4));
  eng_model *r = NULL;
  CHECK_OK(eng_model_load(v2, v2_len, 32, &r));
  if (r) {
    CHECK(r->seed_scheme == ENG_SEED_SHARED && m->seed_scheme == ENG_SEED_PER_LAYER);
    CHECK(memcmp(&r->dropout.layer[0], &m->dropout.layer[0], sizeof(eng_rng)) == 0);
    CHECK(model_dropout_rng(r, &r->layers[1]) == &r->dropout.layer[0]);
    /* Saved again, it stays shared (version 3 records the scheme). */
    uint8_t *again = NULL;
    size_t again_len = 0;
    eng_model *r2 = NULL;
    CHECK_OK(eng_model_save(r, "", &again, &again_len));
    CHECK_OK(eng_model_load(again, again_len, 32, &r2));
    CHECK(r2 && r2->seed_scheme == ENG_SEED_SHARED);
    eng_model_free(r2), eng_blob_free(again);
  }
  eng_model_free(r), free(v2), eng_blob_free(blob), eng_model_free(m);
}

int main(void) {
  test_inserted_batch_norm();
  test_changed_initializer();
  test_dropout_masks();
  test_shuffle_independent_of_dropout();
  test_version_2_loads_shared();
  eng_pool_stop();
  return test_report("test_seeds");
}
