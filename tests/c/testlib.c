/* testlib.c: helpers shared by the C tests and native tools. */
#include "testlib.h"
#include "nn.h"

#include <string.h>
#ifdef HAVE_ZLIB
#include <zlib.h>
#endif

int test_failures = 0;

void test_check_fails(eng_status got, eng_status want, const char *text, const char *expr,
                      const char *file, int line) {
  if (got != want) {
    fprintf(stderr, "%s:%d: %s returned %d, expected %d (%s)\n", file, line, expr, (int)got,
            (int)want, eng_last_error());
    test_failures++;
  } else if (text && !strstr(eng_last_error(), text)) {
    fprintf(stderr, "%s:%d: %s message \"%s\" lacks \"%s\"\n", file, line, expr,
            eng_last_error(), text);
    test_failures++;
  }
}

int test_report(const char *name) {
  if (test_failures) {
    fprintf(stderr, "%s: %d failure(s)\n", name, test_failures);
    return 1;
  }
  printf("%s: all checks passed\n", name);
  return 0;
}

unsigned char *test_read_file(const char *path, size_t *len) {
  size_t n = strlen(path);
  if (n > 3 && strcmp(path + n - 3, ".gz") == 0) {
#ifdef HAVE_ZLIB
    gzFile f = gzopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 20, used = 0;
    unsigned char *buf = malloc(cap);
    if (!buf) {
      gzclose(f);
      return NULL;
    }
    for (;;) {
      if (used == cap) {
        unsigned char *bigger = realloc(buf, cap *= 2);
        if (!bigger) {
          free(buf);
          gzclose(f);
          return NULL;
        }
        buf = bigger;
      }
      int got = gzread(f, buf + used, (unsigned)(cap - used));
      if (got <= 0) break;
      used += (size_t)got;
    }
    gzclose(f);
    *len = used;
    return buf;
#else
    return NULL;
#endif
  }
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  if (size < 0) {
    fclose(f);
    return NULL;
  }
  fseek(f, 0, SEEK_SET);
  unsigned char *buf = malloc(size > 0 ? (size_t)size : 1);
  if (!buf) {
    fclose(f);
    return NULL;
  }
  *len = fread(buf, 1, (size_t)size, f);
  fclose(f);
  return buf;
}

eng_dataset *test_load_fashion(const char *split) {
  char ipath[512], lpath[512];
  snprintf(ipath, sizeof ipath, "%s/%s-images-idx3-ubyte.gz", FASHION_MNIST_DIR, split);
  snprintf(lpath, sizeof lpath, "%s/%s-labels-idx1-ubyte.gz", FASHION_MNIST_DIR, split);
  size_t ilen = 0, llen = 0;
  unsigned char *img = test_read_file(ipath, &ilen);
  unsigned char *lab = test_read_file(lpath, &llen);
  eng_dataset *ds = NULL;
  if (img && lab && eng_dataset_from_idx(img, ilen, lab, llen, &ds) != ENG_OK) {
    fprintf(stderr, "loading %s: %s\n", split, eng_last_error());
    ds = NULL;
  }
  free(img);
  free(lab);
  return ds;
}

uint64_t test_splitmix(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

eng_dataset *test_band_dataset(uint64_t *state, uint32_t count, uint32_t classes, uint32_t label_shift) {
  const uint32_t f = TEST_BAND_FEATURES;
  eng_dataset *ds = malloc(sizeof *ds);
  ds->count = count, ds->rows = 8, ds->cols = 8, ds->channels = 1, ds->features = f;
  ds->num_classes = classes;
  ds->pixels = malloc((size_t)count * f);
  ds->labels = malloc(count);
  for (uint32_t i = 0; i < count; i++) {
    uint32_t c = (uint32_t)(test_splitmix(state) % classes);
    for (uint32_t j = 0; j < f; j++) {
      int lit = (j * classes / f) == c;
      ds->pixels[(size_t)i * f + j] = (uint8_t)((lit ? 150 : 30) + test_splitmix(state) % 100);
    }
    ds->labels[i] = (uint8_t)((c + label_shift) % classes);
  }
  return ds;
}

uint32_t test_fnv1a(const uint8_t *p, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

void test_put_le32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}
