/* test_profile.c: the kernel profile (eng_profile) behind the benchmark's
 * per-kernel table. Off, it records nothing; on, it counts every training step
 * and, inside steps, each kernel's calls by name (the matrix products by shape,
 * as many per step as the layers need), jobs outside steps not at all; with
 * two threads the same calls are counted and training gives the same weights
 * as without the profile. Times are not judged here (the benchmark's job). */
#include "testlib.h"
#include "internal.h"

#include <string.h>

static uint64_t test_state = 0x9E0F11E5ull;
#define F TEST_BAND_FEATURES

static eng_model *train(const eng_dataset *ds, int threads) {
  eng_set_threads(threads);
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(F, "model seed=5", &m));
  CHECK_OK(eng_model_add(m, "dense units=40 activation=relu kernel_l2=0.001"));
  CHECK_OK(eng_model_add(m, "batch_normalization"));
  CHECK_OK(eng_model_add(m, "dense units=3 activation=softmax"));
  CHECK_OK(eng_model_set_optimizer(m, "sgd learning_rate=0.01 momentum=0.9"));
  CHECK_OK(eng_model_build(m, 16));
  eng_trainer *t = NULL;
  CHECK_OK(eng_trainer_create(m, ds, NULL, "fit epochs=1 batch_size=16 seed=3", &t));
  int event = ENG_EVENT_NONE;
  while (t && event != ENG_EVENT_DONE) CHECK_OK(eng_trainer_run(t, 1000, &event));
  eng_trainer_free(t);
  return m;
}

/* The number after "key": in the report (first occurrence after from). */
static double field(const char *report, const char *from, const char *key) {
  const char *at = strstr(report, from);
  CHECK(at != NULL);
  if (!at) return -1;
  char k[64];
  snprintf(k, sizeof k, "\"%s\":", key);
  at = strstr(at, k);
  CHECK(at != NULL);
  return at ? atof(at + strlen(k)) : -1;
}

/* The sum of the kernels' seconds. */
static void kernels_sum(const char *report, double *seconds) {
  *seconds = 0;
  for (const char *at = strstr(report, "\"seconds\":"); at; at = strstr(at + 1, "\"seconds\":"))
    *seconds += atof(at + strlen("\"seconds\":"));
}

int main(void) {
  eng_dataset *ds = test_band_dataset(&test_state, 160, 3, 0); /* 10 steps of 16 */
  eng_profile(1);
  eng_profile(0);
  eng_model *off = train(ds, 1);
  CHECK(strstr(eng_profile_report(), "\"steps\":0,") != NULL); /* off: nothing recorded */

  for (int threads = 1; threads <= 2; threads++) {
    eng_profile(1);
    eng_model *m = train(ds, threads);
    eng_profile(0);
    const char *r = eng_profile_report();
    CHECK(field(r, "{", "steps") == 10);
    /* Forward of both layers, the kernel gradient of both and the input gradient of the second. */
    CHECK(field(r, "\"gemm 16x40x64\"", "calls") == 10);
    CHECK(field(r, "\"gemm 64x40x16 T\"", "calls") == 10);
    CHECK(field(r, "\"gemm 16x3x40\"", "calls") == 10);
    CHECK(field(r, "\"gemm 40x3x16 T\"", "calls") == 10);
    CHECK(field(r, "\"gemm 16x40x3\"", "calls") == 10);
    CHECK(field(r, "\"penalty_task\"", "calls") == 10); /* one kernel with L2 */
    CHECK(field(r, "\"bn_forward_range\"", "calls") == 10);
    CHECK(field(r, "\"gemm 16x40x64\"", "waited") >= 0);
    /* Times are the benchmark's to judge (tools/bench.js); here only that they are times. */
    double kernels, step = field(r, "{", "step_seconds");
    kernels_sum(r, &kernels); /* "seconds" keys only, not "step_seconds" */
    CHECK(isfinite(step) && step >= 0 && isfinite(kernels) && kernels >= 0);
    /* The profile never changes training: the same weights as without it. */
    size_t la, lb;
    uint8_t *a = NULL, *b = NULL;
    CHECK_OK(eng_model_save(off, "", &a, &la));
    CHECK_OK(eng_model_save(m, "", &b, &lb));
    CHECK(la == lb && memcmp(a, b, la) == 0);
    eng_blob_free(a), eng_blob_free(b);
    eng_model_free(m);
  }
  /* Only jobs inside training steps count: a product outside one leaves no row. */
  eng_profile(1);
  static float x[25], y[25];
  gemm_f32(5, 5, 5, x, 5, 1, x, 5, y, 5, false);
  eng_profile(0);
  CHECK(strstr(eng_profile_report(), "gemm 5x5x5") == NULL);
  CHECK(strstr(eng_profile_report(), "\"kernels\":[]") != NULL);
  eng_model_free(off);
  eng_dataset_free(ds);
  eng_set_threads(1);
  return test_report("test_profile");
}
