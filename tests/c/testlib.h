/* testlib.h: tiny assertion helpers for the engine's C tests (non-zero exit on failure). */
#ifndef TESTLIB_H
#define TESTLIB_H
#include "engine.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

extern int test_failures;

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
      test_failures++;                                                           \
    }                                                                            \
  } while (0)

#define CHECK_OK(expr)                                                           \
  do {                                                                           \
    eng_status st_ = (expr);                                                     \
    if (st_ != ENG_OK) {                                                         \
      fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #expr,  \
              (int)st_, eng_last_error());                                       \
      test_failures++;                                                           \
    }                                                                            \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                    \
  do {                                                                           \
    double a_ = (a), b_ = (b);                                                   \
    if (!(fabs(a_ - b_) <= (tol))) {                                             \
      fprintf(stderr, "%s:%d: %s = %.9g, expected %.9g (tol %g)\n", __FILE__,    \
              __LINE__, #a, a_, b_, (double)(tol));                              \
      test_failures++;                                                           \
    }                                                                            \
  } while (0)

/* Checks that expr fails with the given status and that the message contains text. */
#define CHECK_FAILS(expr, status, text) test_check_fails((expr), (status), (text), #expr, __FILE__, __LINE__)
void test_check_fails(eng_status got, eng_status want, const char *text, const char *expr,
                      const char *file, int line);

int test_report(const char *name); /* prints "name: N failures", returns exit code */

/* Reads a whole file, gunzipping if it ends in .gz (needs zlib). NULL if missing. */
unsigned char *test_read_file(const char *path, size_t *len);
/* Loads Fashion-MNIST split "train" or "t10k" from FASHION_MNIST_DIR; NULL if absent. */
eng_dataset *test_load_fashion(const char *split);
/* The tests' own generator (splitmix64), independent of the engine's; each
 * test file keeps its state so that its data do not depend on the others. */
uint64_t test_splitmix(uint64_t *state);
/* count samples of 64 pixels (8 x 8) in `classes` classes: each class lights
 * its own band of pixels, plus noise, so that a small network learns it in a
 * few epochs. label_shift rotates the labels (a validation set that disagrees
 * with the training set, so that val_loss rises: callbacks act). */
#define TEST_BAND_FEATURES 64
eng_dataset *test_band_dataset(uint64_t *state, uint32_t count, uint32_t classes, uint32_t label_shift);

/* For tests that patch model files: FNV-1a (32-bit), the blob's documented
 * checksum (serialize.c header), and a little-endian 32-bit store. */
#include <stdint.h>
uint32_t test_fnv1a(const uint8_t *p, size_t n);
void test_put_le32(uint8_t *p, uint32_t v);

#endif
