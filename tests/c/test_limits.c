/* test_limits.c: sizes that do not fit the engine's memory (ENG_MEMORY_LIMIT_MB,
 * the WASM heap's 2 GB) are refused with ENG_ERR_NOMEM and a message naming the
 * size, before anything is allocated (issue 10). Natively size_t is 64 bits and
 * a lazy calloc of a few GB succeeds, so these tests fail unless the engine
 * checks the computed 64-bit size itself; in WASM the same sizes wrapped around
 * 32 bits and trained with wrong numbers or trapped. */
#include "testlib.h"
#include "nn.h"

#include <string.h>

static eng_model *model_of(uint32_t features, const char *const *layers, int n) {
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(features, "model seed=1", &m));
  for (int i = 0; i < n; i++) CHECK_OK(eng_model_add(m, layers[i]));
  return m;
}

/* The shapes of the issue: each must be refused with a size and the limit. */
static void test_overflowing_shapes(void) {
  static const char *const wide[] = {"dense units=65536 activation=relu",
                                     "dense units=65537 activation=softmax"};
  eng_model *m = model_of(1, wide, 2);
  /* 65536 x 65537 kernel alone is 16.0 GB; in 32 bits it wrapped to 65536 floats. */
  CHECK_FAILS(eng_model_build(m, 32), ENG_ERR_NOMEM, "the engine can hold 2.0 GB");
  CHECK(strstr(eng_last_error(), "for batch size 32") != NULL);
  /* weights, gradients, 3 optimizer slots and the transpose buffer: 5 x 4.3e9 + 4.3e9 floats */
  CHECK(strstr(eng_last_error(), "needs 96.1 GB for batch size 32") != NULL);
  eng_model_free(m);

  static const char *const batch_wraps[] = {"dense units=65536 activation=relu",
                                            "dense units=10 activation=softmax"};
  m = model_of(784, batch_wraps, 2);
  /* 3 * 65536 * 65536 activations: 2^32 wrapped to 0 in 32 bits. */
  CHECK_FAILS(eng_model_build(m, 65536), ENG_ERR_NOMEM, "for batch size 65536");
  CHECK(strstr(eng_last_error(), "the engine can hold 2.0 GB") != NULL);
  eng_model_free(m);

  static const char *const hangs[] = {"dense units=65535 activation=relu",
                                      "dense units=65535 activation=softmax"};
  m = model_of(784, hangs, 2);
  CHECK_FAILS(eng_model_build(m, 65536), ENG_ERR_NOMEM, "the engine can hold 2.0 GB");
  eng_model_free(m);
}

/* Just over the limit but cheap to allocate lazily: a native calloc succeeds,
 * so only the engine's own check refuses it. The model stays usable and builds
 * with a smaller batch. */
static void test_refusal_keeps_model_usable(void) {
  static const char *const layers[] = {"dense units=4096 activation=relu",
                                       "dense units=10 activation=softmax"};
  eng_model *m = model_of(1, layers, 2);
  /* activations 3 * 65536 * 4096 floats = 3.0 GB alone */
  CHECK_FAILS(eng_model_build(m, 65536), ENG_ERR_NOMEM, "for batch size 65536");
  CHECK(strstr(eng_last_error(), "use fewer or smaller layers or a smaller batch") != NULL);
  CHECK_OK(eng_model_build(m, 32));
  CHECK(eng_model_param_count(m, 0) == 4096 * 2 + 4096 * 10 + 10);
  eng_model_free(m);
}

/* The accounting, worked by hand for features f = 2 and one dense layer of u
 * units (kernel and bias) at batch b:
 *   params f*u + u, gradients the same, 3 optimizer slots per gradient,
 *   activations 3*b*u (z, y, dz), scratch b*f (input) + 2*b*u (two gradient
 *   buffers of the widest layer) + f*u (transpose) + b*u (probabilities),
 * so 5*(3u) + 3bu + 2b + 2bu + 2u + bu = u*(17 + 6b) + 2b floats. With
 * b = 226 and u = 391020 that is exactly 2^29 floats = 2 GB: allowed; one unit
 * or one sample more is refused. */
static void test_exact_limit(void) {
  CHECK((uint64_t)391020 * (17 + 6 * 226) + 2 * 226 == ((uint64_t)ENG_MEMORY_LIMIT_MB << 20) / 4);
  static const char *const fits[] = {"dense units=391020 activation=softmax"};
  static const char *const one_unit_more[] = {"dense units=391021 activation=softmax"};
  eng_model *m = model_of(2, fits, 1);
  CHECK_OK(eng_model_build(m, 226));
  eng_model_free(m);
  m = model_of(2, fits, 1);
  CHECK_FAILS(eng_model_build(m, 227), ENG_ERR_NOMEM, "needs 2.0 GB for batch size 227");
  eng_model_free(m);
  m = model_of(2, one_unit_more, 1);
  CHECK_FAILS(eng_model_build(m, 226), ENG_ERR_NOMEM, "the engine can hold 2.0 GB");
  eng_model_free(m);
}

/* ---- model files: the counts inside a checksum-valid file are checked too */
typedef struct { uint8_t bytes[1 << 16]; size_t len; } blob;
static void put_u32(blob *b, uint32_t v) {
  for (int i = 0; i < 4; i++) b->bytes[b->len++] = (uint8_t)(v >> (8 * i));
}
static void put_str(blob *b, const char *s) {
  put_u32(b, (uint32_t)strlen(s));
  memcpy(b->bytes + b->len, s, strlen(s));
  b->len += strlen(s);
}

static void test_crafted_model_file(void) {
  /* The layout of engine/serialize.c with the layers and 40 KB of
   * "weights": in 32 bits the kernel's size wrapped to 65536 floats, so such a
   * file loaded and then trapped the engine. */
  static blob b;
  b.len = 0;
  memcpy(b.bytes, "FMNPBLOB", 8);
  b.len = 8;
  put_u32(&b, 1);
  put_u32(&b, 1);
  put_str(&b, "model seed=1"), put_str(&b, "sgd"), put_str(&b, "constant");
  put_u32(&b, 2);
  put_str(&b, "dense units=65536 activation=relu"), b.bytes[b.len++] = 1;
  put_str(&b, "dense units=65537 activation=softmax"), b.bytes[b.len++] = 1;
  put_u32(&b, 0);
  put_u32(&b, 4);
  while (b.len < 40000) put_u32(&b, 0);
  put_str(&b, "");
  put_u32(&b, blob_checksum(b.bytes, b.len));
  eng_model *m = NULL;
  CHECK_FAILS(eng_model_load(b.bytes, b.len, 32, &m), ENG_ERR_FORMAT,
              "its layers need 16.0 GB of weights, the file holds 39.1 KB");
  CHECK(m == NULL);
}

/* A genuine file loaded for a batch that does not fit: the memory check, on load. */
static void test_load_checks_memory(void) {
  static const char *const layers[] = {"dense units=1000 activation=relu",
                                       "dense units=10 activation=softmax"};
  eng_model *m = model_of(64, layers, 2);
  CHECK_OK(eng_model_build(m, 32));
  uint8_t *bytes = NULL;
  size_t len = 0;
  CHECK_OK(eng_model_save(m, "{}", &bytes, &len));
  eng_model_free(m);
  eng_model *loaded = NULL;
  CHECK_FAILS(eng_model_load(bytes, len, 1u << 20, &loaded), ENG_ERR_NOMEM,
              "for batch size 1048576");
  CHECK(loaded == NULL);
  CHECK_OK(eng_model_load(bytes, len, 32, &loaded));
  eng_model_free(loaded);
  eng_blob_free(bytes);
}

int main(void) {
  test_overflowing_shapes();
  test_refusal_keeps_model_usable();
  test_exact_limit();
  test_crafted_model_file();
  test_load_checks_memory();
  return test_report("test_limits");
}
