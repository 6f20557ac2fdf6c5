/* fuzz_model.c: libFuzzer target for the model file reader (engine/serialize.c).
 *
 * Input: a model file as eng_model_save writes it (the seeds in
 * tests/fuzz/corpus_model/ are real saved models). Its last four bytes are
 * replaced by the right checksum, so mutations reach the parser instead of
 * stopping at the checksum; the byte before them picks max_batch (1..8).
 * Every file that loads must save, load again and save again to the same bytes
 * (load -> save -> load is stable), with the same metadata and the same
 * predictions; it then predicts and evaluates a small dataset of its input
 * width. Every file that does not load must say why.
 *
 * Build and run (tools/test.sh runs it for 20 s):
 *   CC=clang cmake -S . -B build/fuzz -DENGINE_FUZZ=ON && cmake --build build/fuzz --target fuzz_model
 *   mkdir -p /tmp/fuzz_model && ./build/fuzz/fuzz_model -max_len=4096 /tmp/fuzz_model tests/fuzz/corpus_model
 */
#include "engine.h"
#include "nn.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(cond)     \
  do {                    \
    if (!(cond)) abort(); \
  } while (0)

/* Widest input the fuzzer feeds data to (a model may be far wider: it loads,
 * saves and reloads, but gets no dataset). */
#define MAX_FEATURES 4096

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* 1..3 samples of the model's width, pixels and labels taken from the input. */
static eng_dataset *dataset_for(const eng_model *m, const uint8_t *data, size_t size) {
  uint32_t f = eng_model_input_size(m), classes = eng_model_output_size(m);
  if (f > MAX_FEATURES || size == 0) return NULL;
  uint32_t count = 1 + data[0] % 3;
  size_t image_len = 16 + (size_t)count * f, label_len = 8 + count;
  uint8_t *images = malloc(image_len), *labels = malloc(label_len);
  REQUIRE(images && labels);
  put_be32(images, 0x803), put_be32(images + 4, count), put_be32(images + 8, 1), put_be32(images + 12, f);
  put_be32(labels, 0x801), put_be32(labels + 4, count);
  for (size_t i = 16; i < image_len; i++) images[i] = data[i % size];
  uint32_t label_range = classes < 256 ? classes : 256;
  for (uint32_t i = 0; i < count; i++) labels[8 + i] = (uint8_t)(data[(i + 1) % size] % label_range);
  eng_dataset *ds = NULL;
  REQUIRE(eng_dataset_from_idx(images, image_len, labels, label_len, &ds) == ENG_OK);
  free(images), free(labels);
  return ds;
}

/* Predictions of every sample (NULL without a dataset). */
static float *predict_all(eng_model *m, const eng_dataset *ds) {
  if (!ds) return NULL;
  float *out = malloc((size_t)ds->count * eng_model_output_size(m) * sizeof(float));
  REQUIRE(out);
  REQUIRE(eng_model_predict(m, ds, 0, ds->count, out) == ENG_OK);
  double loss = 0, accuracy = -1;
  REQUIRE(eng_model_evaluate(m, ds, 0, &loss, &accuracy) == ENG_OK);
  REQUIRE(accuracy >= 0 && accuracy <= 1);
  return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 5) return 0;
  uint8_t *file = malloc(size); /* exactly the input's length: ASan catches over-reads */
  REQUIRE(file);
  memcpy(file, data, size);
  uint32_t sum = blob_checksum(file, size - 4);
  for (int i = 0; i < 4; i++) file[size - 4 + i] = (uint8_t)(sum >> (8 * i));
  uint32_t max_batch = 1 + data[size - 5] % 8;

  eng_model *m = NULL;
  eng_status st = eng_model_load(file, size, max_batch, &m);
  free(file);
  if (st != ENG_OK) {
    REQUIRE(m == NULL && eng_last_error()[0] != '\0');
    REQUIRE(st == ENG_ERR_FORMAT || st == ENG_ERR_INVALID || st == ENG_ERR_NOMEM);
    return 0;
  }
  uint8_t *first = NULL, *second = NULL;
  size_t first_len = 0, second_len = 0;
  REQUIRE(eng_model_save(m, eng_model_metadata(m), &first, &first_len) == ENG_OK);
  eng_model *again = NULL;
  REQUIRE(eng_model_load(first, first_len, max_batch, &again) == ENG_OK);
  REQUIRE(strcmp(eng_model_metadata(again), eng_model_metadata(m)) == 0);
  REQUIRE(eng_model_param_count(again, 0) == eng_model_param_count(m, 0));
  REQUIRE(eng_model_save(again, eng_model_metadata(again), &second, &second_len) == ENG_OK);
  REQUIRE(second_len == first_len && memcmp(first, second, first_len) == 0);

  eng_dataset *ds = dataset_for(m, data, size);
  float *p1 = predict_all(m, ds), *p2 = predict_all(again, ds);
  if (ds) {
    size_t n = (size_t)ds->count * eng_model_output_size(m) * sizeof(float);
    REQUIRE(memcmp(p1, p2, n) == 0); /* same weights, same bits (NaN included) */
  }
  free(p1), free(p2);
  eng_dataset_free(ds);
  eng_blob_free(first), eng_blob_free(second);
  eng_model_free(m), eng_model_free(again);
  return 0;
}
