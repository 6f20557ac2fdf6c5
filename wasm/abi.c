/* abi.c: the C ABI exported to JavaScript (the only file that knows Emscripten).
 * Functions whose C signature returns objects through pointer arguments get a
 * wrapper here that returns the object (0 on failure; the message is in
 * eng_last_error). The list of exports is wasm/exports.txt. */
#include <emscripten/emscripten.h>

#include "engine.h"

#define ABI EMSCRIPTEN_KEEPALIVE

ABI eng_dataset *abi_dataset_idx(const uint8_t *img, size_t ilen, const uint8_t *lab, size_t llen) {
  eng_dataset *ds = NULL;
  return eng_dataset_from_idx(img, ilen, lab, llen, &ds) == ENG_OK ? ds : NULL;
}
ABI eng_dataset *abi_dataset_cifar(const uint8_t *bytes, size_t len) {
  eng_dataset *ds = NULL;
  return eng_dataset_from_cifar(bytes, len, &ds) == ENG_OK ? ds : NULL;
}
ABI eng_dataset *abi_dataset_slice(const eng_dataset *src, uint32_t start, uint32_t end) {
  eng_dataset *ds = NULL;
  return eng_dataset_slice(src, start, end, &ds) == ENG_OK ? ds : NULL;
}
ABI eng_dataset *abi_dataset_filter(const eng_dataset *src, const uint8_t *classes, uint32_t n,
                                    uint32_t max_count) {
  eng_dataset *ds = NULL;
  return eng_dataset_filter_classes(src, classes, n, max_count, &ds) == ENG_OK ? ds : NULL;
}
/* count, rows, cols, channels, features, num_classes, pixels pointer, labels pointer */
ABI void abi_dataset_info(const eng_dataset *ds, uint32_t *out) {
  out[0] = ds->count, out[1] = ds->rows, out[2] = ds->cols, out[3] = ds->channels;
  out[4] = ds->features, out[5] = ds->num_classes;
  out[6] = (uint32_t)(uintptr_t)ds->pixels, out[7] = (uint32_t)(uintptr_t)ds->labels;
}
ABI eng_model *abi_model_create(uint32_t features, const char *spec) {
  eng_model *m = NULL;
  return eng_model_create(features, spec, &m) == ENG_OK ? m : NULL;
}
ABI eng_model *abi_model_load(const uint8_t *bytes, size_t len, uint32_t max_batch) {
  eng_model *m = NULL;
  return eng_model_load(bytes, len, max_batch, &m) == ENG_OK ? m : NULL;
}
ABI double abi_model_param_count(const eng_model *m, int trainable_only) {
  return (double)eng_model_param_count(m, trainable_only);
}
/* out: layer, rows, cols, data pointer; returns the tensor's name. */
ABI const char *abi_model_tensor_info(const eng_model *m, uint32_t index, uint32_t *out) {
  const char *name = NULL;
  float *data = NULL;
  if (eng_model_tensor_info(m, index, &out[0], &name, &out[1], &out[2], &data) != ENG_OK) return NULL;
  out[3] = (uint32_t)(uintptr_t)data;
  return name;
}
/* out: mean pointer, 1/std pointer (0 when the model does not standardize). */
ABI void abi_model_input_stats(const eng_model *m, uint32_t *out) {
  const float *mean = NULL, *inv_std = NULL;
  eng_model_input_stats(m, &mean, &inv_std);
  out[0] = (uint32_t)(uintptr_t)mean, out[1] = (uint32_t)(uintptr_t)inv_std;
}
/* out: blob pointer, length. */
ABI int abi_model_save(const eng_model *m, const char *metadata, uint32_t *out) {
  uint8_t *blob = NULL;
  size_t len = 0;
  int st = eng_model_save(m, metadata, &blob, &len);
  out[0] = (uint32_t)(uintptr_t)blob, out[1] = (uint32_t)len;
  return st;
}
ABI eng_trainer *abi_trainer_create(eng_model *m, const eng_dataset *train, const eng_dataset *val,
                                    const char *spec) {
  eng_trainer *t = NULL;
  return eng_trainer_create(m, train, val, spec, &t) == ENG_OK ? t : NULL;
}
/* out: blob pointer, length. */
ABI int abi_trainer_save(const eng_trainer *t, const char *metadata, uint32_t *out) {
  uint8_t *blob = NULL;
  size_t len = 0;
  int st = eng_trainer_save(t, metadata, &blob, &len);
  out[0] = (uint32_t)(uintptr_t)blob, out[1] = (uint32_t)len;
  return st;
}
/* out: model pointer, trainer pointer. */
ABI int abi_trainer_load(const uint8_t *bytes, size_t len, uint32_t max_batch, const eng_dataset *train,
                         const eng_dataset *val, uint32_t *out) {
  eng_model *m = NULL;
  eng_trainer *t = NULL;
  int st = eng_trainer_load(bytes, len, max_batch, train, val, &m, &t);
  out[0] = (uint32_t)(uintptr_t)m, out[1] = (uint32_t)(uintptr_t)t;
  return st;
}
/* The seed in 32 bits (a 64-bit argument needs WASM_BIGINT, which only the
 * relaxed build links with); out: accuracy, mean_std. */
ABI int abi_model_mc_predict(eng_model *m, const eng_dataset *ds, uint32_t start, uint32_t count,
                             uint32_t samples, uint32_t seed, float *mean, float *std, double *out) {
  return eng_model_mc_predict(m, ds, start, count, samples, seed, mean, std, &out[0], &out[1]);
}
