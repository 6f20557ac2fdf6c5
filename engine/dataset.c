/* dataset.c: parsing and validation of IDX (MNIST, Fashion-MNIST) and CIFAR-10
 * binary datasets, and the slice / class-filter copies the experiments need.
 *
 * Every length and dimension is checked against the buffer before a byte of the
 * payload is read, so any byte string is safe input (tests/fuzz/fuzz_dataset.c).
 * Formats: IDX is described at http://yann.lecun.com/exdb/mnist/ (big-endian
 * header: two zero bytes, a type byte, a dimension count, then one uint32 per
 * dimension); CIFAR-10 at https://www.cs.toronto.edu/~kriz/cifar.html (records of
 * 1 label byte + 3072 pixel bytes: the 1024 red, then green, then blue values of a
 * 32x32 image in row-major order). */
#include "internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The engine's memory limit (internal.h): larger data could never be held in
 * the WASM heap; natively the same limit keeps the two builds alike. */
#define DATASET_MAX_PIXEL_BYTES ENG_MEMORY_LIMIT

#define IDX_TYPE_UINT8 0x08
#define IDX_MAGIC_IMAGES 0x00000803u
#define IDX_MAGIC_LABELS 0x00000801u

#define CIFAR_SIDE 32
#define CIFAR_CHANNELS 3
#define CIFAR_PIXELS (CIFAR_SIDE * CIFAR_SIDE * CIFAR_CHANNELS) /* 3072 */
#define CIFAR_RECORD (1 + CIFAR_PIXELS)                         /* 3073 */
#define CIFAR100_RECORD (2 + CIFAR_PIXELS) /* coarse + fine label: 3074 */
#define CIFAR10_CLASSES 10

static uint32_t read_be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* malloc that never returns NULL for a zero size, so an empty slice is valid. */
static void *malloc_nonzero(size_t n) { return malloc(n ? n : 1); }

/* A dataset with uninitialized pixels and labels (num_classes 1); the callers
 * have checked count * features against DATASET_MAX_PIXEL_BYTES. */
static eng_status dataset_alloc(uint32_t count, uint32_t rows, uint32_t cols,
                                uint32_t channels, uint32_t features, eng_dataset **out) {
  uint64_t pixel_bytes = (uint64_t)count * features;
  if (pixel_bytes > SIZE_MAX)
    return eng_fail(ENG_ERR_NOMEM, "a dataset of %llu pixel bytes does not fit in memory",
                    (unsigned long long)pixel_bytes);
  eng_dataset *ds = malloc(sizeof *ds);
  if (!ds) return eng_fail(ENG_ERR_NOMEM, "out of memory allocating a dataset");
  ds->count = count;
  ds->rows = rows;
  ds->cols = cols;
  ds->channels = channels;
  ds->features = features;
  ds->num_classes = 1;
  ds->pixels = malloc_nonzero((size_t)pixel_bytes);
  ds->labels = malloc_nonzero(count);
  if (!ds->pixels || !ds->labels) {
    eng_dataset_free(ds);
    return eng_fail(ENG_ERR_NOMEM,
                    "out of memory allocating a dataset of %u samples (%llu pixel bytes)",
                    count, (unsigned long long)pixel_bytes);
  }
  *out = ds;
  return ENG_OK;
}

static uint32_t max_label_plus_one(const uint8_t *labels, uint32_t count) {
  uint32_t max = 0;
  for (uint32_t i = 0; i < count; i++)
    if (labels[i] > max) max = labels[i];
  return max + 1;
}

void eng_dataset_free(eng_dataset *ds) {
  if (!ds) return;
  free(ds->pixels);
  free(ds->labels);
  free(ds);
}

/* ---------------------------------------------------------------- IDX */

/* Checks one IDX header (magic, dimensions, payload length) and returns its
 * dimensions; what names the file in messages, dim_names its dimensions. The
 * pixel limit is applied to the running product, so no product can overflow. */
static eng_status idx_check_header(const char *what, const uint8_t *bytes, size_t len,
                                   uint32_t want_magic, uint32_t n_dims,
                                   const char *const *dim_names, uint32_t *dims) {
  if (len >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
    return eng_fail(ENG_ERR_FORMAT, "%s file: gzip-compressed; decompress it first", what);
  /* The magic first, so that a swapped (shorter) labels file is named as such. */
  size_t header = 4 + 4 * (size_t)n_dims;
  if (len < 4)
    return eng_fail(ENG_ERR_FORMAT,
                    "%s file: %zu bytes is shorter than the %zu-byte IDX header", what, len,
                    header);
  uint32_t magic = read_be32(bytes);
  if (magic != want_magic) {
    char hint[64] = "";
    if (magic == IDX_MAGIC_LABELS) strcpy(hint, "; is this a labels file?");
    else if (magic == IDX_MAGIC_IMAGES) strcpy(hint, "; is this an images file?");
    else if ((magic >> 16) != 0) strcpy(hint, "; is this an IDX file?");
    else if (((magic >> 8) & 0xff) != IDX_TYPE_UINT8)
      strcpy(hint, "; only uint8 data (type 0x08) is supported");
    else
      snprintf(hint, sizeof hint, "; it has %u dimensions, %s have %u", magic & 0xff, what,
               n_dims);
    return eng_fail(ENG_ERR_FORMAT,
                    "%s file: bad IDX magic 0x%08x (expected 0x%08x for uint8 %s)%s", what,
                    magic, want_magic, what, hint);
  }
  if (len < header)
    return eng_fail(ENG_ERR_FORMAT,
                    "%s file: %zu bytes is shorter than the %zu-byte IDX header", what, len,
                    header);
  for (uint32_t d = 0; d < n_dims; d++) {
    dims[d] = read_be32(bytes + 4 + 4 * d);
    if (dims[d] == 0)
      return eng_fail(ENG_ERR_FORMAT, "%s file: dimension %u (%s) is zero", what, d,
                      dim_names[d]);
  }
  uint64_t product = 1;
  for (uint32_t d = 0; d < n_dims; d++) {
    product *= dims[d]; /* product <= 2^31 and dims[d] < 2^32: no uint64 overflow */
    if (product > DATASET_MAX_PIXEL_BYTES) {
      if (n_dims == 3)
        return eng_fail(ENG_ERR_FORMAT,
                        "%s file: %u x %u x %u bytes is more than the limit of 2^31 bytes",
                        what, dims[0], dims[1], dims[2]);
      return eng_fail(ENG_ERR_FORMAT, "%s file: %u bytes is more than the limit of 2^31 bytes",
                      what, dims[0]);
    }
  }
  uint64_t expected = (uint64_t)header + product;
  if ((uint64_t)len != expected)
    return eng_fail(ENG_ERR_FORMAT,
                    "%s file: header promises %llu bytes but the file has %zu (%s)", what,
                    (unsigned long long)expected, len,
                    (uint64_t)len < expected ? "truncated" : "trailing bytes");
  return ENG_OK;
}

eng_status eng_dataset_from_idx(const uint8_t *images, size_t images_len,
                                const uint8_t *labels, size_t labels_len,
                                eng_dataset **out) {
  if (!out) return eng_fail(ENG_ERR_INVALID, "dataset_from_idx: out is NULL");
  *out = NULL;
  if (!images) return eng_fail(ENG_ERR_INVALID, "dataset_from_idx: images buffer is NULL");
  if (!labels) return eng_fail(ENG_ERR_INVALID, "dataset_from_idx: labels buffer is NULL");

  static const char *const image_dim_names[3] = {"count", "rows", "cols"};
  static const char *const label_dim_names[1] = {"count"};
  uint32_t image_dims[3], label_dims[1];
  eng_status st = idx_check_header("images", images, images_len, IDX_MAGIC_IMAGES, 3,
                                   image_dim_names, image_dims);
  if (st != ENG_OK) return st;
  st = idx_check_header("labels", labels, labels_len, IDX_MAGIC_LABELS, 1, label_dim_names,
                        label_dims);
  if (st != ENG_OK) return st;
  if (image_dims[0] != label_dims[0])
    return eng_fail(ENG_ERR_FORMAT, "images file has %u images but labels file has %u labels",
                    image_dims[0], label_dims[0]);

  eng_dataset *ds;
  st = dataset_alloc(image_dims[0], image_dims[1], image_dims[2], 1,
                     image_dims[1] * image_dims[2], &ds);
  if (st != ENG_OK) return st;
  memcpy(ds->pixels, images + 16, (size_t)ds->count * ds->features);
  memcpy(ds->labels, labels + 8, ds->count);
  ds->num_classes = max_label_plus_one(ds->labels, ds->count);
  *out = ds;
  return ENG_OK;
}

/* ---------------------------------------------------------------- CIFAR-10 */

eng_status eng_dataset_from_cifar(const uint8_t *bytes, size_t len, eng_dataset **out) {
  if (!out) return eng_fail(ENG_ERR_INVALID, "dataset_from_cifar: out is NULL");
  *out = NULL;
  if (!bytes) return eng_fail(ENG_ERR_INVALID, "dataset_from_cifar: buffer is NULL");
  if (len == 0) return eng_fail(ENG_ERR_FORMAT, "CIFAR-10 file is empty");
  if (len >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
    return eng_fail(ENG_ERR_FORMAT, "CIFAR-10 file is gzip-compressed; decompress it first");
  if (len % CIFAR_RECORD != 0)
    return eng_fail(ENG_ERR_FORMAT,
                    "CIFAR-10 file: %zu bytes is not a multiple of the %d-byte record "
                    "(1 label + 3072 pixels): truncated record of %zu bytes at the end%s",
                    len, CIFAR_RECORD, len % CIFAR_RECORD,
                    len % CIFAR100_RECORD == 0 ? "; is this a CIFAR-100 file?" : "");
  uint64_t records = len / CIFAR_RECORD;
  if (records * CIFAR_PIXELS > DATASET_MAX_PIXEL_BYTES)
    return eng_fail(ENG_ERR_FORMAT,
                    "CIFAR-10 file: %llu records exceed the limit of 2^31 pixel bytes",
                    (unsigned long long)records);
  for (uint64_t i = 0; i < records; i++) {
    uint8_t label = bytes[i * CIFAR_RECORD];
    if (label >= CIFAR10_CLASSES)
      return eng_fail(ENG_ERR_FORMAT,
                      "CIFAR-10 file: record %llu has label %u (expected 0..9); is this a "
                      "CIFAR-100 file?",
                      (unsigned long long)i, label);
  }

  eng_dataset *ds;
  eng_status st = dataset_alloc((uint32_t)records, CIFAR_SIDE, CIFAR_SIDE, CIFAR_CHANNELS,
                               CIFAR_PIXELS, &ds);
  if (st != ENG_OK) return st;
  for (uint32_t i = 0; i < ds->count; i++) {
    const uint8_t *record = bytes + (size_t)i * CIFAR_RECORD;
    ds->labels[i] = record[0];
    memcpy(ds->pixels + (size_t)i * CIFAR_PIXELS, record + 1, CIFAR_PIXELS);
  }
  ds->num_classes = CIFAR10_CLASSES; /* always 10, whichever labels occur */
  *out = ds;
  return ENG_OK;
}

/* ---------------------------------------------------------------- views */

eng_status eng_dataset_slice(const eng_dataset *src, uint32_t start, uint32_t end,
                             eng_dataset **out) {
  if (!out) return eng_fail(ENG_ERR_INVALID, "dataset_slice: out is NULL");
  *out = NULL;
  if (!src) return eng_fail(ENG_ERR_INVALID, "dataset_slice: source dataset is NULL");
  if (start > end || end > src->count)
    return eng_fail(ENG_ERR_INVALID,
                    "dataset_slice: range [%u, %u) is not within the %u samples of the dataset",
                    start, end, src->count);
  eng_dataset *ds;
  eng_status st =
      dataset_alloc(end - start, src->rows, src->cols, src->channels, src->features, &ds);
  if (st != ENG_OK) return st;
  ds->num_classes = src->num_classes;
  memcpy(ds->pixels, src->pixels + (size_t)start * src->features,
         (size_t)ds->count * src->features);
  memcpy(ds->labels, src->labels + start, ds->count);
  *out = ds;
  return ENG_OK;
}

/* Writes "5, 6, 7" (truncated with "..." if it does not fit). */
static void format_classes(char *buf, size_t size, const uint8_t *classes, uint32_t n) {
  size_t used = 0;
  buf[0] = '\0';
  for (uint32_t i = 0; i < n; i++) {
    if (size - used < 8) {
      memcpy(buf + used, "...", 4);
      return;
    }
    int w = snprintf(buf + used, size - used, i ? ", %u" : "%u", classes[i]);
    if (w < 0) return;
    used += (size_t)w;
  }
}

eng_status eng_dataset_filter_classes(const eng_dataset *src, const uint8_t *classes,
                                      uint32_t n_classes, uint32_t max_count,
                                      eng_dataset **out) {
  if (!out) return eng_fail(ENG_ERR_INVALID, "dataset_filter_classes: out is NULL");
  *out = NULL;
  if (!src) return eng_fail(ENG_ERR_INVALID, "dataset_filter_classes: source dataset is NULL");
  if (n_classes == 0 || !classes)
    return eng_fail(ENG_ERR_INVALID, "dataset_filter_classes: no classes given");
  if (n_classes > 256)
    return eng_fail(ENG_ERR_INVALID,
                    "dataset_filter_classes: %u classes given, labels have at most 256",
                    n_classes);
  /* position[label] = index in classes + 1, 0 when the label is not selected. */
  uint16_t position[256] = {0};
  for (uint32_t i = 0; i < n_classes; i++) {
    if (position[classes[i]])
      return eng_fail(ENG_ERR_INVALID,
                      "dataset_filter_classes: class %u is listed twice (positions %u and %u)",
                      classes[i], position[classes[i]] - 1u, i);
    position[classes[i]] = (uint16_t)(i + 1);
  }

  uint32_t limit = max_count ? max_count : src->count;
  uint32_t kept = 0;
  for (uint32_t i = 0; i < src->count && kept < limit; i++)
    if (position[src->labels[i]]) kept++;
  if (kept == 0) {
    char list[128];
    format_classes(list, sizeof list, classes, n_classes);
    return eng_fail(ENG_ERR_INVALID,
                    "dataset_filter_classes: no samples of classes %s among the %u samples",
                    list, src->count);
  }

  eng_dataset *ds;
  eng_status st =
      dataset_alloc(kept, src->rows, src->cols, src->channels, src->features, &ds);
  if (st != ENG_OK) return st;
  ds->num_classes = n_classes;
  uint32_t j = 0;
  for (uint32_t i = 0; i < src->count && j < kept; i++) {
    uint16_t p = position[src->labels[i]];
    if (!p) continue;
    memcpy(ds->pixels + (size_t)j * src->features, src->pixels + (size_t)i * src->features,
           src->features);
    ds->labels[j] = (uint8_t)(p - 1);
    j++;
  }
  *out = ds;
  return ENG_OK;
}
