/* fuzz_dataset.c: libFuzzer target for the dataset parsers (engine/dataset.c).
 *
 * Input layout (the seeds in tests/fuzz/corpus/ follow it):
 *   bytes 0..3   little-endian uint32; modulo (size - 4 + 1) it is the split point
 *   bytes 4..    IDX images file [4, 4 + split), IDX labels file [4 + split, size)
 * The whole input is also parsed as CIFAR-10, and, because one CIFAR record (3073
 * bytes) is larger than the seeds, a CIFAR buffer of 1 to 3 records is built from
 * the input (labels 0..10, so the label check fails now and then) to reach the
 * success path too. Every dataset that parses is checked for consistency, sliced
 * and filtered with parameters taken from the last input bytes, and freed.
 *
 * Build and run:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
 *     -I engine tests/fuzz/fuzz_dataset.c engine/dataset.c engine/status.c -o fuzz_dataset
 *   mkdir -p /tmp/fuzz_work
 *   ./fuzz_dataset -max_len=8192 -max_total_time=300 /tmp/fuzz_work tests/fuzz/corpus
 * (new inputs go to the first directory, so the seed corpus stays as committed;
 * -max_len=8192 lets raw inputs hold two whole CIFAR records). */
#include "engine.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(cond) \
  do {                \
    if (!(cond)) abort(); \
  } while (0)

/* Byte i counted from the end of the input (0 when the input is shorter). */
static uint8_t tail_byte(const uint8_t *data, size_t size, size_t i) {
  return i < size ? data[size - 1 - i] : 0;
}

static void check_dataset(const eng_dataset *ds) {
  REQUIRE(ds->features == ds->rows * ds->cols * ds->channels);
  REQUIRE(ds->num_classes >= 1 && ds->num_classes <= 256);
  REQUIRE(ds->pixels && ds->labels);
  for (uint32_t i = 0; i < ds->count; i++) REQUIRE(ds->labels[i] < ds->num_classes);
  /* Touch every pixel so ASan sees the whole allocation. */
  unsigned sum = 0;
  for (uint64_t k = 0; k < (uint64_t)ds->count * ds->features; k++) sum += ds->pixels[k];
  (void)sum;
}

static void exercise(const eng_dataset *ds, const uint8_t *data, size_t size) {
  check_dataset(ds);

  /* Slice: bounds up to count + 1 so that the rejection path runs as well. */
  uint32_t start = tail_byte(data, size, 0) % (ds->count + 2);
  uint32_t end = tail_byte(data, size, 1) % (ds->count + 2);
  eng_dataset *slice = NULL;
  eng_status st = eng_dataset_slice(ds, start, end, &slice);
  if (start <= end && end <= ds->count) {
    REQUIRE(st == ENG_OK && slice);
    REQUIRE(slice->count == end - start && slice->num_classes == ds->num_classes);
    REQUIRE(memcmp(slice->labels, ds->labels + start, slice->count) == 0);
    REQUIRE(memcmp(slice->pixels, ds->pixels + (size_t)start * ds->features,
                   (size_t)slice->count * ds->features) == 0);
    check_dataset(slice);
  } else {
    REQUIRE(st == ENG_ERR_INVALID && slice == NULL);
  }

  /* Filter: up to 11 classes (duplicates possible), max_count 0..7. */
  uint8_t classes[11];
  uint32_t n_classes = tail_byte(data, size, 2) % 12;
  for (uint32_t i = 0; i < n_classes; i++) classes[i] = tail_byte(data, size, 3 + i) % 12;
  uint32_t max_count = tail_byte(data, size, 14) % 8;
  const eng_dataset *source = slice ? slice : ds;
  eng_dataset *filtered = NULL;
  st = eng_dataset_filter_classes(source, classes, n_classes, max_count, &filtered);
  if (st == ENG_OK) {
    REQUIRE(filtered && filtered->num_classes == n_classes);
    REQUIRE(filtered->count >= 1 && filtered->count <= source->count);
    REQUIRE(max_count == 0 || filtered->count <= max_count);
    for (uint32_t j = 0; j < filtered->count; j++) REQUIRE(filtered->labels[j] < n_classes);
    check_dataset(filtered);
  } else {
    REQUIRE(st == ENG_ERR_INVALID && filtered == NULL);
  }
  eng_dataset_free(filtered);
  eng_dataset_free(slice);
}

static void parse_cifar(const uint8_t *bytes, size_t len, const uint8_t *data, size_t size) {
  eng_dataset *ds = NULL;
  eng_status st = eng_dataset_from_cifar(bytes, len, &ds);
  if (st == ENG_OK) {
    REQUIRE(ds && ds->count == len / 3073 && len % 3073 == 0);
    REQUIRE(ds->rows == 32 && ds->cols == 32 && ds->channels == 3);
    for (uint32_t i = 0; i < ds->count; i++) {
      REQUIRE(ds->labels[i] == bytes[(size_t)i * 3073]);
      REQUIRE(memcmp(ds->pixels + (size_t)i * 3072, bytes + (size_t)i * 3073 + 1, 3072) == 0);
    }
    exercise(ds, data, size);
  } else {
    REQUIRE(ds == NULL && (st == ENG_ERR_FORMAT || st == ENG_ERR_INVALID));
  }
  eng_dataset_free(ds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* CIFAR-10, the raw input. */
  parse_cifar(data, size, data, size);

  /* CIFAR-10, 1 to 3 records built from the input. */
  if (size > 0) {
    static uint8_t records[3 * 3073];
    size_t n = 1 + data[0] % 3;
    for (size_t k = 0; k < n * 3073; k++) records[k] = data[k % size];
    for (size_t r = 0; r < n; r++) records[r * 3073] = data[(r + 1) % size] % 11;
    parse_cifar(records, n * 3073, data, size);
  }

  /* IDX images + labels, split where the first four bytes say. */
  if (size >= 4) {
    uint32_t word = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                    (uint32_t)data[3] << 24;
    size_t rest = size - 4;
    size_t split = word % (rest + 1);
    /* Copies of exactly the right length, so ASan catches any over-read. */
    uint8_t *images = malloc(split ? split : 1);
    uint8_t *labels = malloc(rest - split ? rest - split : 1);
    if (!images || !labels) {
      free(images);
      free(labels);
      return 0;
    }
    memcpy(images, data + 4, split);
    memcpy(labels, data + 4 + split, rest - split);
    eng_dataset *ds = NULL;
    eng_status st = eng_dataset_from_idx(images, split, labels, rest - split, &ds);
    if (st == ENG_OK) {
      REQUIRE(ds && ds->channels == 1 && ds->count >= 1);
      REQUIRE(16 + (uint64_t)ds->count * ds->features == split);
      REQUIRE(8 + (uint64_t)ds->count == rest - split);
      REQUIRE(memcmp(ds->pixels, images + 16, split - 16) == 0);
      REQUIRE(memcmp(ds->labels, labels + 8, ds->count) == 0);
      exercise(ds, data, size);
    } else {
      REQUIRE(ds == NULL && st == ENG_ERR_FORMAT);
    }
    eng_dataset_free(ds);
    free(images);
    free(labels);
  }
  return 0;
}
