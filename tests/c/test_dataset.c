/* test_dataset.c: IDX and CIFAR-10 parsing, every rejection path with its message,
 * slicing and class filtering; against hand-built buffers and, when installed, the
 * real Fashion-MNIST files (60000 + 10000 images, 6000 / 1000 per class, and the
 * first training label 9 = ankle boot, as the dataset's README documents). */
#include "testlib.h"

#include <stdint.h>
#include <string.h>

/* A dataset pointer that is not NULL, to check that failures reset *out. */
static eng_dataset sentinel;

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* IDX images file: header + n * rows * cols pixels, pixel k = (7 * k + 1) mod 256. */
static uint8_t *make_images(uint32_t magic, uint32_t n, uint32_t rows, uint32_t cols,
                            size_t *len) {
  size_t payload = (size_t)n * rows * cols;
  uint8_t *b = malloc(16 + payload);
  put_be32(b, magic);
  put_be32(b + 4, n);
  put_be32(b + 8, rows);
  put_be32(b + 12, cols);
  for (size_t k = 0; k < payload; k++) b[16 + k] = (uint8_t)(7 * k + 1);
  *len = 16 + payload;
  return b;
}

static uint8_t *make_labels(uint32_t magic, uint32_t n, const uint8_t *values, size_t *len) {
  uint8_t *b = malloc(8 + n);
  put_be32(b, magic);
  put_be32(b + 4, n);
  memcpy(b + 8, values, n);
  *len = 8 + (size_t)n;
  return b;
}

static void test_idx_valid(void) {
  size_t ilen, llen;
  uint8_t *img = make_images(0x803, 3, 2, 3, &ilen);
  const uint8_t values[3] = {2, 0, 4};
  uint8_t *lab = make_labels(0x801, 3, values, &llen);
  CHECK(ilen == 16 + 18 && llen == 11);
  eng_dataset *ds = NULL;
  CHECK_OK(eng_dataset_from_idx(img, ilen, lab, llen, &ds));
  if (ds) {
    CHECK(ds->count == 3);
    CHECK(ds->rows == 2 && ds->cols == 3 && ds->channels == 1 && ds->features == 6);
    CHECK(ds->num_classes == 5);
    CHECK(ds->labels[0] == 2 && ds->labels[1] == 0 && ds->labels[2] == 4);
    int pixels_ok = 1;
    for (int k = 0; k < 18; k++) pixels_ok &= ds->pixels[k] == (uint8_t)(7 * k + 1);
    CHECK(pixels_ok);
    CHECK(ds->pixels[6 + 4] == 71); /* sample 1, row 1, col 1: k = 10 */
  }
  eng_dataset_free(ds);

  /* Label 255 is the largest possible: 256 classes. */
  lab[8 + 1] = 255;
  CHECK_OK(eng_dataset_from_idx(img, ilen, lab, llen, &ds));
  if (ds) CHECK(ds->num_classes == 256);
  eng_dataset_free(ds);

  /* All labels 0: at least one class. */
  memset(lab + 8, 0, 3);
  CHECK_OK(eng_dataset_from_idx(img, ilen, lab, llen, &ds));
  if (ds) CHECK(ds->num_classes == 1);
  eng_dataset_free(ds);
  free(img);
  free(lab);
}

static void test_idx_rejections(void) {
  size_t ilen, llen;
  uint8_t *img = make_images(0x803, 3, 2, 3, &ilen);
  const uint8_t values[3] = {1, 2, 3};
  uint8_t *lab = make_labels(0x801, 3, values, &llen);
  eng_dataset *ds = &sentinel;

  /* Arguments. */
  CHECK_FAILS(eng_dataset_from_idx(NULL, ilen, lab, llen, &ds), ENG_ERR_INVALID,
              "images buffer is NULL");
  CHECK(ds == NULL);
  CHECK_FAILS(eng_dataset_from_idx(img, ilen, NULL, llen, &ds), ENG_ERR_INVALID,
              "labels buffer is NULL");
  CHECK_FAILS(eng_dataset_from_idx(img, ilen, lab, llen, NULL), ENG_ERR_INVALID, "out is NULL");

  /* Shorter than the header. */
  ds = &sentinel;
  CHECK_FAILS(eng_dataset_from_idx(img, 15, lab, llen, &ds), ENG_ERR_FORMAT,
              "images file: 15 bytes is shorter than the 16-byte IDX header");
  CHECK(ds == NULL);
  CHECK_FAILS(eng_dataset_from_idx(img, 0, lab, llen, &ds), ENG_ERR_FORMAT,
              "images file: 0 bytes is shorter");
  CHECK_FAILS(eng_dataset_from_idx(img, ilen, lab, 7, &ds), ENG_ERR_FORMAT,
              "labels file: 7 bytes is shorter than the 8-byte IDX header");

  /* Files swapped or of another kind. */
  CHECK_FAILS(eng_dataset_from_idx(lab, llen, lab, llen, &ds), ENG_ERR_FORMAT,
              "images file: bad IDX magic 0x00000801 (expected 0x00000803 for uint8 images); "
              "is this a labels file?");
  CHECK_FAILS(eng_dataset_from_idx(img, ilen, img, ilen, &ds), ENG_ERR_FORMAT,
              "labels file: bad IDX magic 0x00000803 (expected 0x00000801 for uint8 labels); "
              "is this an images file?");
  put_be32(img, 0x00000D03); /* float32 images */
  CHECK_FAILS(eng_dataset_from_idx(img, ilen, lab, llen, &ds), ENG_ERR_FORMAT,
              "bad IDX magic 0x00000d03 (expected 0x00000803 for uint8 images); only uint8");
  put_be32(img, 0x00000804); /* uint8 but 4 dimensions */
  CHECK_FAILS(eng_dataset_from_idx(img, ilen, lab, llen, &ds), ENG_ERR_FORMAT,
              "bad IDX magic 0x00000804 (expected 0x00000803 for uint8 images); "
              "it has 4 dimensions, images have 3");
  put_be32(img, 0x89504e47); /* a PNG */
  CHECK_FAILS(eng_dataset_from_idx(img, ilen, lab, llen, &ds), ENG_ERR_FORMAT,
              "is this an IDX file?");
  img[0] = 0x1f, img[1] = 0x8b; /* still gzip-compressed */
  CHECK_FAILS(eng_dataset_from_idx(img, ilen, lab, llen, &ds), ENG_ERR_FORMAT,
              "images file: gzip-compressed; decompress it first");
  put_be32(img, 0x803);

  /* Zero dimensions. */
  put_be32(img + 8, 0);
  CHECK_FAILS(eng_dataset_from_idx(img, 16, lab, llen, &ds), ENG_ERR_FORMAT,
              "images file: dimension 1 (rows) is zero");
  put_be32(img + 8, 2);
  put_be32(img + 12, 0);
  CHECK_FAILS(eng_dataset_from_idx(img, 16, lab, llen, &ds), ENG_ERR_FORMAT,
              "images file: dimension 2 (cols) is zero");
  put_be32(img + 12, 3);
  put_be32(img + 4, 0);
  CHECK_FAILS(eng_dataset_from_idx(img, 16, lab, llen, &ds), ENG_ERR_FORMAT,
              "images file: dimension 0 (count) is zero");
  put_be32(img + 4, 3);
  put_be32(lab + 4, 0);
  CHECK_FAILS(eng_dataset_from_idx(img, ilen, lab, 8, &ds), ENG_ERR_FORMAT,
              "labels file: dimension 0 (count) is zero");
  put_be32(lab + 4, 3);

  /* Products that overflow 32 (and 64) bits or pass the 2^31-byte limit: caught
   * before the length comparison, whatever the buffer length. */
  put_be32(img + 4, 0xFFFFFFFFu);
  put_be32(img + 8, 0xFFFFFFFFu);
  put_be32(img + 12, 0xFFFFFFFFu);
  CHECK_FAILS(eng_dataset_from_idx(img, ilen, lab, llen, &ds), ENG_ERR_FORMAT,
              "images file: 4294967295 x 4294967295 x 4294967295 bytes is more than the limit "
              "of 2^31 bytes");
  put_be32(img + 4, 2);
  put_be32(img + 8, 32768);
  put_be32(img + 12, 32769); /* 2^31 + 65536 */
  CHECK_FAILS(eng_dataset_from_idx(img, ilen, lab, llen, &ds), ENG_ERR_FORMAT,
              "more than the limit of 2^31 bytes");
  put_be32(img + 4, 65536);
  put_be32(img + 8, 65536); /* 2^32: wraps to 0 in uint32 arithmetic */
  put_be32(img + 12, 1);
  CHECK_FAILS(eng_dataset_from_idx(img, ilen, lab, llen, &ds), ENG_ERR_FORMAT,
              "more than the limit of 2^31 bytes");
  put_be32(img + 12, 32768); /* exactly 2^31: allowed by the limit, so truncated */
  put_be32(img + 4, 2);
  put_be32(img + 8, 32768);
  CHECK_FAILS(eng_dataset_from_idx(img, ilen, lab, llen, &ds), ENG_ERR_FORMAT,
              "images file: header promises 2147483664 bytes but the file has 34 (truncated)");
  put_be32(lab + 4, 0x80000001u);
  put_be32(img + 4, 3);
  put_be32(img + 8, 2);
  put_be32(img + 12, 3);
  CHECK_FAILS(eng_dataset_from_idx(img, ilen, lab, llen, &ds), ENG_ERR_FORMAT,
              "labels file: 2147483649 bytes is more than the limit of 2^31 bytes");
  put_be32(lab + 4, 3);

  /* Payload length against the header. */
  CHECK_FAILS(eng_dataset_from_idx(img, ilen - 1, lab, llen, &ds), ENG_ERR_FORMAT,
              "images file: header promises 34 bytes but the file has 33 (truncated)");
  uint8_t *img_long = malloc(ilen + 5);
  memcpy(img_long, img, ilen);
  memset(img_long + ilen, 0, 5);
  CHECK_FAILS(eng_dataset_from_idx(img_long, ilen + 5, lab, llen, &ds), ENG_ERR_FORMAT,
              "images file: header promises 34 bytes but the file has 39 (trailing bytes)");
  free(img_long);
  CHECK_FAILS(eng_dataset_from_idx(img, ilen, lab, llen - 1, &ds), ENG_ERR_FORMAT,
              "labels file: header promises 11 bytes but the file has 10 (truncated)");

  /* Counts disagree. */
  uint8_t *lab2 = make_labels(0x801, 2, values, &llen);
  ds = &sentinel;
  CHECK_FAILS(eng_dataset_from_idx(img, ilen, lab2, llen, &ds), ENG_ERR_FORMAT,
              "images file has 3 images but labels file has 2 labels");
  CHECK(ds == NULL);
  free(lab2);
  free(img);
  free(lab);
}

/* CIFAR-10 records: label, then pixel j of record r = (r * 31 + j * 3) mod 256. */
static uint8_t *make_cifar(uint32_t records, const uint8_t *labels, size_t *len) {
  size_t n = (size_t)records * 3073;
  uint8_t *b = malloc(n);
  for (uint32_t r = 0; r < records; r++) {
    b[(size_t)r * 3073] = labels[r];
    for (uint32_t j = 0; j < 3072; j++) b[(size_t)r * 3073 + 1 + j] = (uint8_t)(r * 31 + j * 3);
  }
  *len = n;
  return b;
}

static void test_cifar(void) {
  const uint8_t labels[3] = {0, 9, 3};
  size_t len;
  uint8_t *b = make_cifar(3, labels, &len);
  eng_dataset *ds = NULL;
  CHECK_OK(eng_dataset_from_cifar(b, len, &ds));
  if (ds) {
    CHECK(ds->count == 3);
    CHECK(ds->rows == 32 && ds->cols == 32 && ds->channels == 3 && ds->features == 3072);
    CHECK(ds->num_classes == 10);
    CHECK(ds->labels[0] == 0 && ds->labels[1] == 9 && ds->labels[2] == 3);
    int pixels_ok = 1;
    for (uint32_t r = 0; r < 3; r++)
      for (uint32_t j = 0; j < 3072; j++)
        pixels_ok &= ds->pixels[r * 3072 + j] == (uint8_t)(r * 31 + j * 3);
    CHECK(pixels_ok);
    /* Channel-major as in the file: green of pixel (0, 0) of record 1 is byte 1024. */
    CHECK(ds->pixels[3072 + 1024] == (uint8_t)(31 + 1024 * 3));
  }
  eng_dataset_free(ds);

  /* A single record: CIFAR-10 always has 10 classes, whichever labels occur. */
  CHECK_OK(eng_dataset_from_cifar(b + 3073 * 2, 3073, &ds));
  if (ds) CHECK(ds->count == 1 && ds->num_classes == 10 && ds->labels[0] == 3);
  eng_dataset_free(ds);

  ds = &sentinel;
  b[3073] = 10; /* record 1 */
  CHECK_FAILS(eng_dataset_from_cifar(b, len, &ds), ENG_ERR_FORMAT,
              "CIFAR-10 file: record 1 has label 10 (expected 0..9); is this a CIFAR-100 file?");
  CHECK(ds == NULL);
  b[3073] = 9;
  b[2 * 3073] = 255;
  CHECK_FAILS(eng_dataset_from_cifar(b, len, &ds), ENG_ERR_FORMAT, "record 2 has label 255");
  b[2 * 3073] = 3;

  CHECK_FAILS(eng_dataset_from_cifar(b, len - 1, &ds), ENG_ERR_FORMAT,
              "CIFAR-10 file: 9218 bytes is not a multiple of the 3073-byte record "
              "(1 label + 3072 pixels): truncated record of 3072 bytes at the end");
  CHECK_FAILS(eng_dataset_from_cifar(b, 100, &ds), ENG_ERR_FORMAT,
              "truncated record of 100 bytes");
  CHECK_FAILS(eng_dataset_from_cifar(b, 3073 + 1, &ds), ENG_ERR_FORMAT,
              "truncated record of 1 bytes");
  CHECK_FAILS(eng_dataset_from_cifar(b, 2 * 3074, &ds), ENG_ERR_FORMAT,
              "is this a CIFAR-100 file?");
  CHECK_FAILS(eng_dataset_from_cifar(b, 0, &ds), ENG_ERR_FORMAT, "CIFAR-10 file is empty");
  CHECK_FAILS(eng_dataset_from_cifar(NULL, 3073, &ds), ENG_ERR_INVALID, "buffer is NULL");
  CHECK_FAILS(eng_dataset_from_cifar(b, len, NULL), ENG_ERR_INVALID, "out is NULL");
  b[0] = 0x1f, b[1] = 0x8b;
  CHECK_FAILS(eng_dataset_from_cifar(b, len, &ds), ENG_ERR_FORMAT, "gzip-compressed");
  free(b);
}

/* 20 samples of 2x2 pixels, label i mod 10, pixels 4i .. 4i+3. */
static eng_dataset *make_ten_class_dataset(void) {
  uint8_t values[20];
  for (int i = 0; i < 20; i++) values[i] = (uint8_t)(i % 10);
  size_t ilen, llen;
  uint8_t *img = make_images(0x803, 20, 2, 2, &ilen);
  for (int k = 0; k < 80; k++) img[16 + k] = (uint8_t)k;
  uint8_t *lab = make_labels(0x801, 20, values, &llen);
  eng_dataset *ds = NULL;
  CHECK_OK(eng_dataset_from_idx(img, ilen, lab, llen, &ds));
  free(img);
  free(lab);
  return ds;
}

static void test_slice(void) {
  eng_dataset *src = make_ten_class_dataset();
  if (!src) return;
  CHECK(src->num_classes == 10);
  eng_dataset *s = NULL;
  CHECK_OK(eng_dataset_slice(src, 13, 16, &s));
  if (s) {
    CHECK(s->count == 3 && s->features == 4 && s->rows == 2 && s->cols == 2);
    CHECK(s->channels == 1 && s->num_classes == 10);
    CHECK(s->labels[0] == 3 && s->labels[1] == 4 && s->labels[2] == 5);
    CHECK(s->pixels[0] == 52 && s->pixels[11] == 63);
    CHECK(s->pixels != src->pixels); /* a copy */
  }
  eng_dataset_free(s);

  /* Labels 0..1 only: num_classes stays the source's. */
  CHECK_OK(eng_dataset_slice(src, 0, 2, &s));
  if (s) CHECK(s->count == 2 && s->num_classes == 10);
  eng_dataset_free(s);

  CHECK_OK(eng_dataset_slice(src, 0, 20, &s));
  if (s) CHECK(s->count == 20 && memcmp(s->pixels, src->pixels, 80) == 0);
  eng_dataset_free(s);

  /* An empty slice is valid and safe to free. */
  CHECK_OK(eng_dataset_slice(src, 20, 20, &s));
  if (s) CHECK(s->count == 0 && s->pixels && s->labels);
  eng_dataset *f = &sentinel;
  const uint8_t one = 1;
  CHECK_FAILS(eng_dataset_filter_classes(s, &one, 1, 0, &f), ENG_ERR_INVALID,
              "no samples of classes 1 among the 0 samples");
  CHECK(f == NULL);
  eng_dataset_free(s);

  s = &sentinel;
  CHECK_FAILS(eng_dataset_slice(src, 5, 4, &s), ENG_ERR_INVALID,
              "range [5, 4) is not within the 20 samples");
  CHECK(s == NULL);
  CHECK_FAILS(eng_dataset_slice(src, 0, 21, &s), ENG_ERR_INVALID, "range [0, 21)");
  CHECK_FAILS(eng_dataset_slice(src, 21, 21, &s), ENG_ERR_INVALID, "range [21, 21)");
  CHECK_FAILS(eng_dataset_slice(NULL, 0, 0, &s), ENG_ERR_INVALID, "source dataset is NULL");
  CHECK_FAILS(eng_dataset_slice(src, 0, 1, NULL), ENG_ERR_INVALID, "out is NULL");
  eng_dataset_free(src);
}

static void test_filter(void) {
  eng_dataset *src = make_ten_class_dataset();
  if (!src) return;
  const uint8_t upper[5] = {5, 6, 7, 8, 9};
  eng_dataset *f = NULL;
  CHECK_OK(eng_dataset_filter_classes(src, upper, 5, 0, &f));
  if (f) {
    CHECK(f->count == 10 && f->num_classes == 5 && f->features == 4);
    int ok = 1;
    for (uint32_t j = 0; j < 10; j++) {
      uint32_t i = (j / 5) * 10 + 5 + j % 5; /* source index: 5..9, 15..19 */
      ok &= f->labels[j] == j % 5;
      ok &= memcmp(f->pixels + 4 * j, src->pixels + 4 * i, 4) == 0;
    }
    CHECK(ok);
  }
  eng_dataset_free(f);

  /* max_count keeps the first samples in order. */
  CHECK_OK(eng_dataset_filter_classes(src, upper, 5, 3, &f));
  if (f) {
    CHECK(f->count == 3 && f->num_classes == 5);
    CHECK(f->labels[0] == 0 && f->labels[1] == 1 && f->labels[2] == 2);
    CHECK(f->pixels[0] == 20 && f->pixels[8] == 28);
  }
  eng_dataset_free(f);
  CHECK_OK(eng_dataset_filter_classes(src, upper, 5, 1000, &f));
  if (f) CHECK(f->count == 10);
  eng_dataset_free(f);

  /* The order of the list defines the new labels. */
  const uint8_t pair[2] = {9, 2};
  CHECK_OK(eng_dataset_filter_classes(src, pair, 2, 0, &f));
  if (f) {
    CHECK(f->count == 4 && f->num_classes == 2);
    CHECK(f->labels[0] == 1 && f->labels[1] == 0 && f->labels[2] == 1 && f->labels[3] == 0);
    CHECK(f->pixels[0] == 8 && f->pixels[4] == 36); /* sources 2 and 9 */
  }
  eng_dataset_free(f);

  /* Classes absent from the data are allowed as long as something is kept. */
  const uint8_t some_absent[2] = {200, 4};
  CHECK_OK(eng_dataset_filter_classes(src, some_absent, 2, 0, &f));
  if (f) CHECK(f->count == 2 && f->num_classes == 2 && f->labels[0] == 1);
  eng_dataset_free(f);

  f = &sentinel;
  const uint8_t absent[3] = {10, 200, 255};
  CHECK_FAILS(eng_dataset_filter_classes(src, absent, 3, 0, &f), ENG_ERR_INVALID,
              "no samples of classes 10, 200, 255 among the 20 samples");
  CHECK(f == NULL);
  const uint8_t twice[3] = {1, 2, 1};
  CHECK_FAILS(eng_dataset_filter_classes(src, twice, 3, 0, &f), ENG_ERR_INVALID,
              "class 1 is listed twice (positions 0 and 2)");
  CHECK_FAILS(eng_dataset_filter_classes(src, upper, 0, 0, &f), ENG_ERR_INVALID,
              "no classes given");
  CHECK_FAILS(eng_dataset_filter_classes(src, NULL, 3, 0, &f), ENG_ERR_INVALID,
              "no classes given");
  CHECK_FAILS(eng_dataset_filter_classes(NULL, upper, 5, 0, &f), ENG_ERR_INVALID,
              "source dataset is NULL");
  CHECK_FAILS(eng_dataset_filter_classes(src, upper, 5, 0, NULL), ENG_ERR_INVALID,
              "out is NULL");
  /* 257 classes cannot be distinct uint8 labels. */
  uint8_t many[257];
  for (int i = 0; i < 257; i++) many[i] = (uint8_t)i;
  CHECK_FAILS(eng_dataset_filter_classes(src, many, 257, 0, &f), ENG_ERR_INVALID,
              "257 classes given");
  /* All 256 labels is fine and keeps everything with labels unchanged. */
  CHECK_OK(eng_dataset_filter_classes(src, many, 256, 0, &f));
  if (f) CHECK(f->count == 20 && f->num_classes == 256 && f->labels[19] == 9);
  eng_dataset_free(f);
  /* A long list is cut short in the message rather than overflowing it. */
  CHECK_FAILS(eng_dataset_filter_classes(src, many + 100, 150, 0, &f), ENG_ERR_INVALID,
              "no samples of classes 100, 101, 102");
  CHECK(strstr(eng_last_error(), "...") != NULL);

  eng_dataset_free(NULL); /* no-op */
  eng_dataset_free(src);
}

static void check_fashion(const char *split, uint32_t count) {
  eng_dataset *ds = test_load_fashion(split);
  if (!ds) {
    printf("test_dataset: Fashion-MNIST %s not found in %s, skipped\n", split,
           FASHION_MNIST_DIR);
    return;
  }
  CHECK(ds->count == count);
  CHECK(ds->rows == 28 && ds->cols == 28 && ds->channels == 1 && ds->features == 784);
  CHECK(ds->num_classes == 10);
  uint32_t per_class[256] = {0};
  for (uint32_t i = 0; i < ds->count; i++) per_class[ds->labels[i]]++;
  int balanced = 1;
  for (int c = 0; c < 10; c++) balanced &= per_class[c] == count / 10;
  CHECK(balanced);
  if (strcmp(split, "train") == 0) {
    CHECK(ds->labels[0] == 9); /* ankle boot */
    /* A two-class subset: sandals (5) and shirts (6). */
    const uint8_t pair[2] = {5, 6};
    eng_dataset *f = NULL;
    CHECK_OK(eng_dataset_filter_classes(ds, pair, 2, 0, &f));
    if (f) CHECK(f->count == 12000 && f->num_classes == 2 && f->features == 784);
    eng_dataset_free(f);
    eng_dataset *s = NULL;
    CHECK_OK(eng_dataset_slice(ds, 55000, 60000, &s));
    if (s) CHECK(s->count == 5000 && s->labels[4999] == ds->labels[59999]);
    eng_dataset_free(s);
  }
  eng_dataset_free(ds);
}

int main(void) {
  test_idx_valid();
  test_idx_rejections();
  test_cifar();
  test_slice();
  test_filter();
  check_fashion("train", 60000);
  check_fashion("t10k", 10000);
  return test_report("test_dataset");
}
