/* numerics.c: naming where a training step first went non-finite. The step
 * itself only learns that some update was not finite (optimizer_apply, at no
 * extra cost); this rare path then looks at what the step left behind: the
 * batch's activations in layer order, then the gradient of the tensor whose
 * update failed. ReLU maps NaN to 0 (pmax, as max(0, x) in most libraries), so
 * a net can hold Infinity in a layer while its loss stays finite: the
 * activations are where to look. */
#include "nn.h"

#include <math.h>
#include <stdio.h>

/* The first non-finite value among v[0..n), or 0 if all are finite. */
static float first_nonfinite(const float *v, size_t n) {
  if (!v) return 0;
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v[i])) return v[i];
  return 0;
}

static const char *word(float v) { return isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity"; }

void model_describe_nonfinite(const eng_model *m, int n, int tensor_index, char *out, size_t cap) {
  for (uint32_t li = 0; li < m->n_layers; li++) {
    const layer *l = &m->layers[li];
    size_t count = (size_t)n * l->out;
    /* The output, then the pre-activation (where ReLU hides a NaN or -Infinity). */
    float bad = first_nonfinite(l->y, count);
    if (bad == 0) bad = first_nonfinite(l->z, count);
    if (bad != 0) {
      snprintf(out, cap, "layer %u (%s) produced %s", li, layer_table[l->kind].name, word(bad));
      return;
    }
  }
  if (tensor_index < 0 || (uint32_t)tensor_index >= m->n_tensors) {
    snprintf(out, cap, "an update was not finite");
    return;
  }
  const tensor *t = &m->tensors[tensor_index];
  const char *kind = layer_table[m->layers[t->layer].kind].name;
  float bad = first_nonfinite(t->grad, t->size);
  if (bad != 0)
    snprintf(out, cap, "the %s gradient of layer %u (%s) became %s", t->name, t->layer, kind, word(bad));
  else
    snprintf(out, cap, "the update of layer %u (%s) %s overflowed", t->layer, kind, t->name);
}
