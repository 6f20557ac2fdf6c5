/* model_inspect.c: everything a host asks of a built model outside training:
 * evaluation, prediction, confusion matrix, weights, freezing, layer reuse,
 * input standardization, pruning and the summary (per-layer statistics:
 * layer_stats.c). */
#include "nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE_BUILT(m)                                                            \
  do {                                                                              \
    if (!(m)->built) return eng_fail(ENG_ERR_STATE, "the model is not built yet");  \
  } while (0)

uint32_t eng_model_layer_count(const eng_model *m) { return m->n_layers; }
uint32_t eng_model_output_size(const eng_model *m) {
  return m->n_layers ? m->layers[m->n_layers - 1].out : m->input_features;
}
uint32_t eng_model_input_size(const eng_model *m) { return m->input_features; }
const char *eng_model_metadata(const eng_model *m) { return m->metadata ? m->metadata : ""; }

uint64_t eng_model_param_count(const eng_model *m, int trainable_only) {
  uint64_t n = 0;
  for (uint32_t ti = 0; ti < m->n_tensors; ti++) {
    const tensor *t = &m->tensors[ti];
    if (t->fixed) continue; /* not a Keras weight */
    if (!trainable_only || (t->grad && m->layers[t->layer].trainable)) n += t->size;
  }
  return n;
}

uint32_t eng_model_tensor_count(const eng_model *m) { return m->n_tensors; }

eng_status eng_model_tensor_info(const eng_model *m, uint32_t index, uint32_t *layer_index,
                                 const char **name, uint32_t *rows, uint32_t *cols, float **data) {
  if (index >= m->n_tensors)
    return eng_fail(ENG_ERR_INVALID, "tensor %u does not exist (the model has %u)", index, m->n_tensors);
  const tensor *t = &m->tensors[index];
  *layer_index = t->layer, *name = t->name, *rows = t->rows, *cols = t->cols, *data = t->data;
  return ENG_OK;
}

int eng_model_layer_trainable(const eng_model *m, uint32_t li) {
  return li < m->n_layers ? m->layers[li].trainable : -1;
}

eng_status eng_model_set_trainable(eng_model *m, uint32_t li, int trainable) {
  if (li >= m->n_layers) return eng_fail(ENG_ERR_INVALID, "layer %u does not exist", li);
  m->layers[li].trainable = trainable != 0;
  model_update_first_trainable(m);
  return ENG_OK;
}

eng_status eng_model_copy_layer(eng_model *dst, uint32_t dl, const eng_model *src, uint32_t sl) {
  REQUIRE_BUILT(dst);
  if (!src->built) return eng_fail(ENG_ERR_STATE, "the source model is not built");
  if (dl >= dst->n_layers || sl >= src->n_layers)
    return eng_fail(ENG_ERR_INVALID, "layer reuse: layer index out of range");
  const layer *a = &src->layers[sl];
  const layer *b = &dst->layers[dl];
  if (a->kind != b->kind || a->in != b->in || a->out != b->out)
    return eng_fail(ENG_ERR_INVALID,
                    "layer reuse: source layer %u (%s %u->%u) does not match layer %u (%s %u->%u)",
                    sl, layer_table[a->kind].name, a->in, a->out, dl, layer_table[b->kind].name,
                    b->in, b->out);
  for (uint32_t ti = 0, tj = 0; ti < dst->n_tensors; ti++) {
    if (dst->tensors[ti].layer != dl) continue;
    while (tj < src->n_tensors && (src->tensors[tj].layer != sl ||
                                   strcmp(src->tensors[tj].name, dst->tensors[ti].name) != 0))
      tj++;
    if (tj == src->n_tensors)
      return eng_fail(ENG_ERR_INVALID, "layer reuse: source layer %u has no %s", sl, dst->tensors[ti].name);
    memcpy(dst->tensors[ti].data, src->tensors[tj].data, dst->tensors[ti].size * sizeof(float));
  }
  return ENG_OK;
}

#define KERAS_EPSILON 1e-7 /* keras.backend.epsilon() */

eng_status eng_model_adapt(eng_model *m, const eng_dataset *ds) {
  if (ds->features != m->input_features)
    return eng_fail(ENG_ERR_INVALID, "dataset has %u features per sample, the model expects %u",
                    ds->features, m->input_features);
  uint32_t f = m->input_features;
  /* sums and squares (double), mean and 1/std (float) per feature */
  eng_status st = eng_check_memory(eng_size_mul(f, 2 * sizeof(double) + 2 * sizeof(float)),
                                   "computing input statistics", NULL, NULL);
  if (st != ENG_OK) return st;
  double *sum = calloc(2 * (size_t)f, sizeof(double));
  float *mean = malloc((size_t)f * sizeof(float)), *inv = malloc((size_t)f * sizeof(float));
  if (!sum || !mean || !inv) {
    free(sum), free(mean), free(inv);
    return eng_fail(ENG_ERR_NOMEM, "out of memory computing input statistics");
  }
  /* Constant features are found exactly (every pixel equal to the first sample's). */
  bool *varies = calloc(f, sizeof(bool));
  if (!varies) {
    free(sum), free(mean), free(inv);
    return eng_fail(ENG_ERR_NOMEM, "out of memory computing input statistics");
  }
  for (uint32_t s = 0; s < ds->count; s++)
    for (uint32_t j = 0; j < f; j++) {
      uint8_t px = ds->pixels[(size_t)s * f + j];
      double x = px * m->input_scale;
      sum[j] += x;
      sum[f + j] += x * x;
      varies[j] |= px != ds->pixels[j];
    }
  for (uint32_t j = 0; j < f; j++) {
    double mu = sum[j] / ds->count, var = sum[f + j] / ds->count - mu * mu;
    if (!varies[j]) {
      /* Variance 0. The mean is the very float model_load_batch computes, so the
       * feature is exactly 0 in the training data. */
      mu = (float)ds->pixels[j] * (float)m->input_scale;
      var = 0;
    }
    mean[j] = (float)mu;
    /* keras.layers.Normalization: (x - mean) / max(sqrt(variance), epsilon) with
     * epsilon = keras.backend.epsilon() = 1e-7; a constant feature is centred and
     * multiplied by 1e7 (a value it did not take in training becomes huge). Small
 * subsets have a few such pixels: 3 in the first 1,000 Fashion-MNIST training
 * images, none in the first 5,000. */
    double std = var > 0 ? sqrt(var) : 0;
    inv[j] = (float)(1.0 / (std > KERAS_EPSILON ? std : KERAS_EPSILON));
  }
  free(sum), free(varies);
  free(m->input_mean), free(m->input_inv_std);
  m->input_mean = mean, m->input_inv_std = inv;
  m->adapted = true;
  return ENG_OK;
}

void eng_model_input_stats(const eng_model *m, const float **mean, const float **inv_std) {
  bool have = m->standardize && m->input_mean;
  *mean = have ? m->input_mean : NULL;
  *inv_std = have ? m->input_inv_std : NULL;
}

static int compare_floats(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

eng_status eng_model_prune(eng_model *m, double fraction) {
  REQUIRE_BUILT(m);
  if (!(fraction >= 0 && fraction < 1))
    return eng_fail(ENG_ERR_INVALID, "prune fraction must be in [0, 1), got %g", fraction);
  for (uint32_t li = 0; li < m->n_layers; li++) {
    layer *l = &m->layers[li];
    if (!l->kernel) continue; /* magnitude pruning prunes kernels */
    size_t n = (size_t)l->in * l->out;
    if (fraction == 0) {
      free(l->kernel_mask);
      l->kernel_mask = NULL;
      continue;
    }
    float *mags = malloc(n * sizeof(float));
    float *mask = l->kernel_mask ? l->kernel_mask : malloc(n * sizeof(float));
    if (!mags || !mask) {
      free(mags);
      if (mask != l->kernel_mask) free(mask);
      return eng_fail(ENG_ERR_NOMEM, "out of memory pruning");
    }
    for (size_t i = 0; i < n; i++) mags[i] = fabsf(l->kernel[i]);
    qsort(mags, n, sizeof(float), compare_floats);
    size_t k = (size_t)(fraction * (double)n); /* this many smallest weights go */
    float threshold = k > 0 ? mags[k - 1] : -1.0f;
    size_t removed = 0;
    for (size_t i = 0; i < n; i++) {
      /* Ties at the threshold: remove only up to k, in index order. */
      bool cut = fabsf(l->kernel[i]) < threshold ||
                 (fabsf(l->kernel[i]) == threshold && removed < k);
      if (cut) removed++;
      mask[i] = cut ? 0.0f : 1.0f;
      l->kernel[i] *= mask[i];
    }
    free(mags);
    l->kernel_mask = mask;
  }
  return ENG_OK;
}

double eng_model_sparsity(const eng_model *m) {
  size_t zeros = 0, total = 0;
  for (uint32_t li = 0; li < m->n_layers; li++) {
    const layer *l = &m->layers[li];
    if (!l->kernel) continue;
    size_t n = (size_t)l->in * l->out;
    for (size_t i = 0; i < n; i++) zeros += l->kernel[i] == 0.0f;
    total += n;
  }
  return total ? (double)zeros / total : 0.0;
}

eng_status model_check_dataset(const eng_model *m, const eng_dataset *ds) {
  if (!m->built) return eng_fail(ENG_ERR_STATE, "the model is not built yet");
  if (!ds) return eng_fail(ENG_ERR_INVALID, "no dataset");
  if (ds->features != m->input_features)
    return eng_fail(ENG_ERR_INVALID, "dataset has %u features per sample, the model expects %u",
                    ds->features, m->input_features);
  if (ds->num_classes > eng_model_output_size(m))
    return eng_fail(ENG_ERR_INVALID, "dataset has %u classes but the model outputs only %u",
                    ds->num_classes, eng_model_output_size(m));
  if (m->standardize && !m->adapted)
    return eng_fail(ENG_ERR_STATE, "the model standardizes inputs but has no statistics yet (train or adapt first)");
  return ENG_OK;
}

eng_status eng_model_evaluate(eng_model *m, const eng_dataset *ds, uint32_t count, double *loss,
                              double *accuracy) {
  eng_status st = model_check_dataset(m, ds);
  if (st != ENG_OK) return st;
  if (count == 0 || count > ds->count) count = ds->count;
  if (count == 0) return eng_fail(ENG_ERR_INVALID, "cannot evaluate on an empty dataset");
  double total = 0;
  long right = 0;
  for (uint32_t s = 0; s < count; s += m->max_batch) {
    int n = (int)(count - s < m->max_batch ? count - s : m->max_batch);
    model_load_batch(m, ds, NULL, s, n);
    model_forward(m, n, false, false);
    int c = 0;
    total += model_loss(m, ds->labels + s, n, &c) * n;
    right += c;
  }
  *loss = total / count + model_penalty(m);
  *accuracy = (double)right / count;
  return ENG_OK;
}

eng_status eng_model_predict(eng_model *m, const eng_dataset *ds, uint32_t start, uint32_t count,
                             float *out) {
  eng_status st = model_check_dataset(m, ds);
  if (st != ENG_OK) return st;
  if (start > ds->count || count > ds->count - start)
    return eng_fail(ENG_ERR_INVALID, "samples %u..%u are outside the dataset (%u samples)", start,
                    start + count, ds->count);
  uint32_t c = eng_model_output_size(m);
  for (uint32_t s = 0; s < count; s += m->max_batch) {
    int n = (int)(count - s < m->max_batch ? count - s : m->max_batch);
    model_load_batch(m, ds, NULL, start + s, n);
    const float *p = model_forward(m, n, false, false);
    memcpy(out + (size_t)s * c, p, (size_t)n * c * sizeof(float));
  }
  return ENG_OK;
}

eng_status eng_model_confusion(eng_model *m, const eng_dataset *ds, uint32_t count, uint32_t *out) {
  eng_status st = model_check_dataset(m, ds);
  if (st != ENG_OK) return st;
  if (count == 0 || count > ds->count) count = ds->count;
  uint32_t c = eng_model_output_size(m);
  memset(out, 0, (size_t)c * c * sizeof(uint32_t));
  for (uint32_t s = 0; s < count; s += m->max_batch) {
    int n = (int)(count - s < m->max_batch ? count - s : m->max_batch);
    model_load_batch(m, ds, NULL, s, n);
    const float *p = model_forward(m, n, false, false);
    for (int i = 0; i < n; i++) {
      uint32_t best = 0;
      for (uint32_t k = 1; k < c; k++)
        if (p[(size_t)i * c + k] > p[(size_t)i * c + best]) best = k;
      out[(size_t)ds->labels[s + i] * c + best]++;
    }
  }
  return ENG_OK;
}

const char *eng_model_summary(eng_model *m) {
  size_t cap = 256 + 96 * (size_t)(m->n_layers + 4);
  free(m->summary);
  m->summary = malloc(cap);
  if (!m->summary) return "";
  char *p = m->summary;
  size_t left = cap;
  int w = snprintf(p, left, "%-34s %-14s %12s\n", "Layer (type)", "Output Shape", "Param #");
  p += w, left -= (size_t)w;
  uint64_t total = 0, trainable = 0;
  for (uint32_t li = 0; li < m->n_layers; li++) {
    const layer *l = &m->layers[li];
    uint64_t count = 0, train = 0;
    for (uint32_t ti = 0; ti < m->n_tensors; ti++)
      if (m->tensors[ti].layer == li && !m->tensors[ti].fixed) {
        count += m->tensors[ti].size;
        if (m->tensors[ti].grad && l->trainable) train += m->tensors[ti].size;
      }
    if (!m->built) count = train = 0;
    total += count, trainable += train;
    char name[64], shape[32];
    snprintf(name, sizeof name, "%s_%u (%s)%s", layer_table[l->kind].name, li,
             layer_table[l->kind].keras, l->trainable ? "" : " frozen");
    snprintf(shape, sizeof shape, "(None, %u)", l->out);
    w = snprintf(p, left, "%-34s %-14s %12llu\n", name, shape, (unsigned long long)count);
    p += w, left -= (size_t)w;
  }
  snprintf(p, left, "Total params: %llu\nTrainable params: %llu\nNon-trainable params: %llu\n",
           (unsigned long long)total, (unsigned long long)trainable,
           (unsigned long long)(total - trainable));
  return m->summary;
}
