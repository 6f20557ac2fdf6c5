/* layer_stats.c: each layer's health: activation mean and std, saturated share,
 * dead units, gradient std and norm, weight norm and update/weight ratio. Two
 * sources: a dataset (eng_model_layer_stats, what the trainer takes at every
 * epoch end) and a training step's own buffers (the trainer's in-epoch sample,
 * which costs a pass over the batch's activations and the kernels, no extra
 * forward or backward pass). Neither changes any state the training reads. */
#include "nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const stat_names[ENG_STAT_COUNT] = {
    "mean", "std", "saturated", "dead", "grad_std", "grad_norm", "weight_norm", "update_ratio"};
const char *eng_stat_name(int i) { return i >= 0 && i < ENG_STAT_COUNT ? stat_names[i] : ""; }

/* Running sums of a layer's outputs: sum, sum of squares, saturated count; alive
 * marks each unit that gave a non-zero output at least once. */
typedef struct { double sum, sum_sq, saturated; } output_sums;

static void add_outputs(const layer *l, int n, output_sums *s, uint8_t *alive) {
  float low, high;
  activation_saturation(l->act, &low, &high);
  double s1 = 0, s2 = 0, sat = 0;
  for (int r = 0; r < n; r++) {
    const float *y = l->y + (size_t)r * l->out;
    for (uint32_t j = 0; j < l->out; j++) {
      s1 += y[j], s2 += (double)y[j] * y[j];
      sat += y[j] < low || y[j] > high;
      alive[j] |= y[j] != 0.0f;
    }
  }
  s->sum += s1, s->sum_sq += s2, s->saturated += sat;
}

/* Mean, std and saturated share over count samples; dead: the share of units
 * whose output was exactly 0 for every one of them (a dead ReLU). */
static void activation_row(const layer *l, const output_sums *s, uint32_t count, const uint8_t *alive,
                           double *row) {
  double total = (double)count * l->out, mean = s->sum / total, var = s->sum_sq / total - mean * mean;
  uint32_t dead = 0;
  for (uint32_t j = 0; j < l->out; j++) dead += !alive[j];
  row[ENG_STAT_MEAN] = mean;
  row[ENG_STAT_STD] = var > 0 ? sqrt(var) : 0;
  row[ENG_STAT_SATURATED] = s->saturated / total;
  row[ENG_STAT_DEAD] = l->out ? (double)dead / l->out : 0;
}

static double norm_of(const float *v, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += (double)v[i] * v[i];
  return sqrt(s);
}

/* The kernel gradient's norm, as the last backward pass left it. */
static void gradient_row(const layer *l, float grad_std, double *row) {
  row[ENG_STAT_GRAD_STD] = grad_std;
  row[ENG_STAT_GRAD_NORM] = l->kernel ? norm_of(l->d_kernel, (size_t)l->in * l->out) : 0;
}

/* |W| and |last recorded update| / |W| (optimizer_apply with record_updates). */
static void weight_row(const layer *l, double *row) {
  if (!l->kernel) return;
  double w = norm_of(l->kernel, (size_t)l->in * l->out);
  row[ENG_STAT_WEIGHT_NORM] = w;
  row[ENG_STAT_UPDATE_RATIO] = w > 0 ? sqrt(l->update_sq) / w : 0;
}

void layer_stats_from_step(const eng_model *m, int n, const float *grad_std, uint8_t *alive,
                           double *out) {
  for (uint32_t li = 0; li < m->n_layers; li++) {
    const layer *l = &m->layers[li];
    double *row = out + (size_t)li * ENG_STAT_COUNT;
    output_sums s = {0, 0, 0};
    memset(alive, 0, l->out);
    add_outputs(l, n, &s, alive);
    activation_row(l, &s, (uint32_t)n, alive, row);
    gradient_row(l, grad_std[li], row);
  }
}

void layer_stats_weights(const eng_model *m, double *out) {
  for (uint32_t li = 0; li < m->n_layers; li++) weight_row(&m->layers[li], out + (size_t)li * ENG_STAT_COUNT);
}

eng_status eng_model_layer_stats(eng_model *m, const eng_dataset *ds, uint32_t count, double *out) {
  eng_status st = model_check_dataset(m, ds);
  if (st != ENG_OK) return st;
  if (count == 0 || count > ds->count) count = ds->count;
  uint32_t L = m->n_layers;
  memset(out, 0, (size_t)L * ENG_STAT_COUNT * sizeof(double));
  output_sums *sums = calloc(L, sizeof *sums);
  float *grad_std = calloc(L, sizeof(float));
  uint8_t *alive = calloc((size_t)L * m->max_width, 1);
  if (!sums || !grad_std || !alive) {
    free(sums), free(grad_std), free(alive);
    return eng_fail(ENG_ERR_NOMEM, "out of memory computing layer statistics");
  }
  /* Activations in inference mode over all requested samples. */
  for (uint32_t s = 0; s < count; s += m->max_batch) {
    int n = (int)(count - s < m->max_batch ? count - s : m->max_batch);
    model_load_batch(m, ds, NULL, s, n);
    model_forward(m, n, false, false);
    for (uint32_t li = 0; li < L; li++) add_outputs(&m->layers[li], n, &sums[li], alive + (size_t)li * m->max_width);
  }
  /* Gradients: one training-mode pass over the first batch that changes no state
   * (moving statistics untouched, dropout stream saved and put back; the next
   * training step overwrites the gradients). */
  int n = (int)(count < m->max_batch ? count : m->max_batch);
  dropout_streams saved = m->dropout;
  model_load_batch(m, ds, NULL, 0, n);
  model_forward(m, n, true, false);
  model_backward(m, ds->labels, n, grad_std);
  m->dropout = saved;
  for (uint32_t li = 0; li < L; li++) {
    const layer *l = &m->layers[li];
    double *row = out + (size_t)li * ENG_STAT_COUNT;
    activation_row(l, &sums[li], count, alive + (size_t)li * m->max_width, row);
    gradient_row(l, grad_std[li], row);
    weight_row(l, row);
  }
  free(sums), free(grad_std), free(alive);
  return ENG_OK;
}
