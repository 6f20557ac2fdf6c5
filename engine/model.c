/* model.c: building a model (arenas allocated once), the forward pass, the
 * fused softmax + sparse categorical cross-entropy loss and the backward pass. */
#include "nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const eng_opt_desc model_opts[] = {
    {"seed", OPT_INT, 42, 0, 4294967295.0, NULL, NULL, false, "seed of initialization, shuffling and dropout"},
    {"input_scale", OPT_FLOAT, 1.0 / 255.0, 0, 1e9, NULL, NULL, false, "pixels are multiplied by this (1/255)"},
    {"standardize", OPT_BOOL, 0, 0, 1, NULL, NULL, false, "then (x - mean) / std per feature over the training set"},
    {"from_logits", OPT_BOOL, 0, 0, 1, NULL, NULL, false, "the last layer outputs logits, not softmax"},
};
const eng_variant_desc model_table[1] = {
    {"model", "Sequential", model_opts, ENG_COUNT_OF(model_opts), "model-wide options"}};

eng_status eng_model_create(uint32_t input_features, const char *spec, eng_model **out) {
  *out = NULL;
  if (input_features == 0) return eng_fail(ENG_ERR_INVALID, "model: input size must be positive");
  eng_model *m = calloc(1, sizeof *m);
  if (!m) return eng_fail(ENG_ERR_NOMEM, "out of memory creating the model");
  eng_status st = eng_parse_spec(spec && *spec ? spec : "model", "model", model_table, 1, &m->opt);
  if (st != ENG_OK) {
    free(m);
    return st;
  }
  snprintf(m->spec, sizeof m->spec, "%s", spec && *spec ? spec : "model");
  m->input_features = input_features;
  m->seed = (uint64_t)eng_opt_num(&m->opt, model_table, "seed");
  m->input_scale = eng_opt_num(&m->opt, model_table, "input_scale");
  m->standardize = eng_opt_num(&m->opt, model_table, "standardize") != 0;
  m->from_logits = eng_opt_num(&m->opt, model_table, "from_logits") != 0;
  m->seed_scheme = ENG_SEED_PER_LAYER; /* a model file of an older version says otherwise */
  eng_model_set_optimizer(m, "sgd");
  eng_model_set_schedule(m, "constant");
  eng_clear_error();
  *out = m;
  return ENG_OK;
}

eng_status eng_model_add(eng_model *m, const char *spec) {
  if (m->built) return eng_fail(ENG_ERR_STATE, "layers cannot be added after the model is built");
  if (m->n_layers >= ENG_MAX_LAYERS)
    return eng_fail(ENG_ERR_INVALID, "too many layers (at most %d)", ENG_MAX_LAYERS);
  layer *l = &m->layers[m->n_layers];
  memset(l, 0, sizeof *l);
  l->act = ACT_LINEAR; /* kinds without an activation pass values through */
  char kind[32];
  snprintf(kind, sizeof kind, "layer %u", m->n_layers);
  eng_status st = eng_parse_spec(spec, kind, layer_table, LAYER_COUNT, &l->opt);
  if (st != ENG_OK) return st;
  l->kind = l->opt.variant;
  snprintf(l->spec, sizeof l->spec, "%s", spec);
  uint32_t in = m->n_layers ? m->layers[m->n_layers - 1].out : m->input_features;
  st = ops_of(l)->configure(l, in);
  if (st != ENG_OK) return st;
  m->n_layers++;
  return ENG_OK;
}

eng_status eng_model_set_optimizer(eng_model *m, const char *spec) {
  optimizer_state o;
  eng_status st = optimizer_configure(spec, &o);
  if (st != ENG_OK) return st;
  m->optimizer = o;
  m->iterations = 0;
  /* Changing the optimizer restarts its state (as compiling a new Keras optimizer does). */
  optimizer_reset_slots(m);
  return ENG_OK;
}

eng_status eng_model_set_schedule(eng_model *m, const char *spec) {
  eng_options o;
  schedule_params p;
  eng_status st = schedule_configure(spec, &o, &p);
  if (st != ENG_OK) return st;
  m->schedule = o, m->schedule_params = p;
  snprintf(m->schedule_spec, sizeof m->schedule_spec, "%s", spec);
  return ENG_OK;
}

tensor *model_add_tensor(eng_model *m, uint32_t li, const char *name, uint32_t rows, uint32_t cols,
                         bool has_grad, bool is_kernel, float **bind_data, float **bind_grad) {
  tensor *t = &m->tensors[m->n_tensors++];
  memset(t, 0, sizeof *t);
  t->layer = li;
  t->name = name;
  t->rows = rows;
  t->cols = cols;
  t->size = (uint64_t)rows * (cols ? cols : 1);
  t->grad = has_grad ? (float *)1 : NULL; /* marker until arenas exist */
  t->is_kernel = is_kernel;
  t->bind_data = bind_data, t->bind_grad = bind_grad;
  return t;
}

static bool last_is_softmax(const eng_model *m) {
  return m->layers[m->n_layers - 1].act == ACT_SOFTMAX;
}

void model_update_first_trainable(eng_model *m) {
  m->first_trainable = (int)m->n_layers;
  for (uint32_t ti = 0; ti < m->n_tensors; ti++) {
    const tensor *t = &m->tensors[ti];
    if (t->grad && m->layers[t->layer].trainable && (int)t->layer < m->first_trainable)
      m->first_trainable = (int)t->layer;
  }
}

/* The kind a layer counts as when naming its streams (Dropout and AlphaDropout:
 * one, so swapping them keeps the masks). */
static int stream_kind(const layer *l) {
  return l->kind == LAYER_ALPHA_DROPOUT ? LAYER_DROPOUT : l->kind;
}

/* Stream of layer li for a purpose (ENG_STREAM_*): named by its kind and its
 * position among the layers of that kind, as Keras names layers (dense_1). */
static uint64_t layer_stream(const eng_model *m, uint32_t li, int purpose) {
  uint32_t position = 0;
  for (uint32_t k = 0; k < li; k++) position += stream_kind(&m->layers[k]) == stream_kind(&m->layers[li]);
  return (uint64_t)purpose | (uint64_t)(stream_kind(&m->layers[li]) + 1) << 8 | (uint64_t)(position + 1) << 16;
}

void model_seed_dropout(eng_model *m, uint64_t seed) {
  memset(&m->dropout, 0, sizeof m->dropout);
  if (m->seed_scheme == ENG_SEED_SHARED) {
    eng_rng_seed(&m->dropout.layer[0], seed, ENG_STREAM_DROPOUT);
    return;
  }
  for (uint32_t li = 0; li < m->n_layers; li++)
    eng_rng_seed(&m->dropout.layer[li], seed, layer_stream(m, li, ENG_STREAM_DROPOUT));
}

eng_rng *model_dropout_rng(eng_model *m, const layer *l) {
  return &m->dropout.layer[m->seed_scheme == ENG_SEED_SHARED ? 0 : (size_t)(l - m->layers)];
}

eng_status eng_model_build(eng_model *m, uint32_t max_batch) {
  if (m->built) return eng_fail(ENG_ERR_STATE, "the model is already built");
  if (m->n_layers == 0) return eng_fail(ENG_ERR_INVALID, "the model has no layers");
  if (max_batch == 0) return eng_fail(ENG_ERR_INVALID, "batch size must be positive");
  if (!m->from_logits && !last_is_softmax(m))
    return eng_fail(ENG_ERR_INVALID,
                    "the last layer must use activation softmax for sparse categorical "
                    "cross-entropy (or set from_logits)");
  m->tensors = calloc(ENG_MAX_LAYER_TENSORS * m->n_layers, sizeof(tensor));
  if (!m->tensors) return eng_fail(ENG_ERR_NOMEM, "out of memory building the model");
  /* Every size in 64 bits: in WASM size_t is 32 bits, and 65536 units at batch
   * 65536 would wrap to zero (issue 10). */
  uint64_t acts = 0, transpose = 0;
  uint32_t width = m->input_features;
  for (uint32_t li = 0; li < m->n_layers; li++) {
    layer *l = &m->layers[li];
    if (ops_of(l)->declare) ops_of(l)->declare(m, l, li);
    acts = eng_size_add(acts, ops_of(l)->activation_count(l, max_batch));
    if (l->out > width) width = l->out;
  }
  /* The backward pass transposes a kernel (dx = dz . kernel^T), or at small batches dz and
   * dx^T, never more than the kernel's size, into m->transpose (layer_dense.c). */
  for (uint32_t ti = 0; ti < m->n_tensors; ti++)
    if (m->tensors[ti].is_kernel && m->tensors[ti].size > transpose) transpose = m->tensors[ti].size;
  uint64_t n_params = 0, n_grads = 0;
  for (uint32_t ti = 0; ti < m->n_tensors; ti++) {
    n_params = eng_size_add(n_params, m->tensors[ti].size);
    if (m->tensors[ti].grad) n_grads = eng_size_add(n_grads, m->tensors[ti].size);
  }
  uint32_t classes = m->layers[m->n_layers - 1].out;
  uint64_t scratch = (uint64_t)max_batch * m->input_features + 2 * (uint64_t)max_batch * width +
                     transpose + (uint64_t)max_batch * classes;
  /* params + grads + 3 optimizer slots per gradient + activations + scratch */
  uint64_t floats = eng_size_add(eng_size_add(n_params, eng_size_mul(4, n_grads)),
                                 eng_size_add(acts, scratch));
  char detail[48];
  snprintf(detail, sizeof detail, " for batch size %u", max_batch);
  eng_status st = eng_check_memory(eng_size_mul(floats, sizeof(float)), "the model", detail,
                                   "; use fewer or smaller layers or a smaller batch");
  if (st == ENG_OK) {
    m->params = calloc(n_params ? n_params : 1, sizeof(float));
    m->grads = calloc(n_grads ? n_grads : 1, sizeof(float));
    m->slots = calloc(3 * n_grads + 1, sizeof(float));
    m->acts = calloc(acts ? acts : 1, sizeof(float));
    m->scratch = calloc(scratch, sizeof(float));
    if (!m->params || !m->grads || !m->slots || !m->acts || !m->scratch) {
      char need[32];
      st = eng_fail(ENG_ERR_NOMEM,
                    "out of memory: the model needs %s for batch size %u and the engine has "
                    "not that much left; use fewer or smaller layers or a smaller batch",
                    eng_format_bytes(floats * sizeof(float), need, sizeof need), max_batch);
    }
  }
  if (st != ENG_OK) {
    free(m->params), free(m->grads), free(m->slots), free(m->acts), free(m->scratch);
    m->params = m->grads = m->slots = m->acts = m->scratch = NULL;
    free(m->tensors);
    m->tensors = NULL;
    m->n_tensors = 0;
    return st;
  }
  m->n_params = n_params;
  m->n_grads = n_grads;
  /* Hand out the arenas. */
  float *p = m->params, *g = m->grads, *s = m->slots;
  for (uint32_t ti = 0; ti < m->n_tensors; ti++) {
    tensor *t = &m->tensors[ti];
    t->data = p;
    p += t->size;
    if (t->grad) {
      t->grad = g;
      t->slots = s;
      g += t->size;
      s += 3 * t->size;
    }
    if (t->bind_data) *t->bind_data = t->data;
    if (t->bind_grad) *t->bind_grad = t->grad;
  }
  float *a = m->acts;
  for (uint32_t li = 0; li < m->n_layers; li++) {
    layer *l = &m->layers[li];
    ops_of(l)->place(l, a, (size_t)max_batch * l->out);
    a += ops_of(l)->activation_count(l, max_batch);
  }
  float *sc = m->scratch;
  m->input = sc;
  sc += (size_t)max_batch * m->input_features;
  m->delta[0] = sc;
  sc += (size_t)max_batch * width;
  m->delta[1] = sc;
  sc += (size_t)max_batch * width;
  m->transpose = sc;
  sc += transpose;
  m->probs = sc;
  m->max_width = width;
  m->max_batch = max_batch;
  m->built = true;
  model_update_first_trainable(m);
  eng_rng init_rng;
  eng_rng_seed(&init_rng, m->seed, ENG_STREAM_INIT);
  for (uint32_t li = 0; li < m->n_layers; li++) {
    layer *l = &m->layers[li];
    if (m->seed_scheme == ENG_SEED_PER_LAYER) eng_rng_seed(&init_rng, m->seed, layer_stream(m, li, ENG_STREAM_INIT));
    ops_of(l)->init(l, &init_rng);
  }
  model_seed_dropout(m, m->seed);
  /* Optimizer slots start at zero (Adagrad: at its initial accumulator value). */
  return eng_model_set_optimizer(m, m->optimizer.spec);
}

uint64_t model_weight_count(const eng_model *m) {
  uint64_t n = 0;
  for (uint32_t li = 0; li < m->n_layers; li++)
    n = eng_size_add(n, ops_of(&m->layers[li])->param_count(&m->layers[li]));
  return n;
}

void eng_model_free(eng_model *m) {
  if (!m) return;
  free(m->params), free(m->grads), free(m->slots), free(m->acts), free(m->scratch);
  free(m->tensors), free(m->input_mean), free(m->input_inv_std), free(m->metadata), free(m->summary);
  for (uint32_t li = 0; li < m->n_layers; li++) free(m->layers[li].kernel_mask);
  free(m);
}

typedef struct {
  eng_model *m;
  const eng_dataset *ds;
  const uint32_t *index;
  uint32_t start;
} load_job;

static void load_rows(void *c, size_t r0, size_t r1) {
  const load_job *j = c;
  const eng_model *m = j->m;
  uint32_t f = m->input_features;
  float scale = (float)m->input_scale;
  for (size_t i = r0; i < r1; i++) {
    uint32_t s = j->index ? j->index[j->start + i] : j->start + (uint32_t)i;
    const uint8_t *px = j->ds->pixels + (size_t)s * f;
    float *x = m->input + i * f;
    if (m->standardize && m->input_mean) {
      for (uint32_t k = 0; k < f; k++) x[k] = ((float)px[k] * scale - m->input_mean[k]) * m->input_inv_std[k];
    } else {
      for (uint32_t k = 0; k < f; k++) x[k] = (float)px[k] * scale;
    }
  }
}

void model_load_batch(eng_model *m, const eng_dataset *ds, const uint32_t *index, uint32_t start,
                      int n) {
  load_job j = {m, ds, index, start};
  eng_parallel_range(load_rows, &j, (size_t)n, 8);
}

const float *model_forward(eng_model *m, int n, bool training, bool update_state) {
  const float *x = m->input;
  for (uint32_t li = 0; li < m->n_layers; li++) {
    layer *l = &m->layers[li];
    ops_of(l)->forward(m, l, x, n, training, update_state);
    x = l->y;
  }
  if (m->from_logits) {
    activation_forward(ACT_SOFTMAX, 0, x, m->probs, n, (int)m->layers[m->n_layers - 1].out);
    return m->probs;
  }
  return x;
}

const float *model_logits(const eng_model *m) {
  const layer *last = &m->layers[m->n_layers - 1];
  if (m->from_logits) return last->y;
  if (ops_of(last)->fused_activation) return last->z;
  return m->n_layers > 1 ? m->layers[m->n_layers - 2].y : m->input;
}

double model_loss(eng_model *m, const uint8_t *labels, int n, int *correct) {
  const float *z = model_logits(m);
  int c = (int)m->layers[m->n_layers - 1].out;
  double total = 0;
  int right = 0;
  for (int i = 0; i < n; i++) {
    const float *zr = z + (size_t)i * c;
    int best = 0;
    for (int k = 1; k < c; k++)
      if (zr[k] > zr[best]) best = k;
    double sum = 0;
    for (int k = 0; k < c; k++) sum += exp((double)zr[k] - zr[best]);
    int label = labels[i] < c ? labels[i] : 0;
    total += (double)zr[best] + log(sum) - zr[label]; /* log-sum-exp - z_label */
    right += best == labels[i];
  }
  if (correct) *correct = right;
  return total / n;
}

double model_penalty(const eng_model *m) {
  double total = 0;
  for (uint32_t li = 0; li < m->n_layers; li++) {
    const layer *l = &m->layers[li];
    if (ops_of(l)->penalty) total += ops_of(l)->penalty(l);
  }
  return total;
}

static double std_of(const float *v, size_t n) {
  double s = 0, s2 = 0;
  for (size_t i = 0; i < n; i++) s += v[i], s2 += (double)v[i] * v[i];
  double mean = s / n, var = s2 / n - mean * mean;
  return var > 0 ? sqrt(var) : 0;
}

double model_backward(eng_model *m, const uint8_t *labels, int n, float *layer_grad_std) {
  int L = (int)m->n_layers, c = (int)m->layers[L - 1].out;
  const float *p = m->from_logits ? m->probs : m->layers[L - 1].y;
  float *dy = m->delta[0], *dx = m->delta[1];
  /* d(mean CE)/d logits = (softmax - one_hot) / n */
  float inv_n = 1.0f / (float)n;
  for (int i = 0; i < n; i++)
    for (int k = 0; k < c; k++)
      dy[(size_t)i * c + k] = (p[(size_t)i * c + k] - (k == labels[i] ? 1.0f : 0.0f)) * inv_n;
  int start = L - 1;
  bool dz_given = false;
  if (!m->from_logits) {
    if (ops_of(&m->layers[L - 1])->fused_activation) dz_given = true;
    else {
      if (layer_grad_std) layer_grad_std[L - 1] = (float)std_of(dy, (size_t)n * c);
      start = L - 2;
    }
  }
  for (int i = start; i >= 0; i--) {
    layer *l = &m->layers[i];
    /* For a softmax output layer this is the gradient w.r.t. its logits. */
    if (layer_grad_std) layer_grad_std[i] = (float)std_of(dy, (size_t)n * l->out);
    const float *x = i ? m->layers[i - 1].y : m->input;
    bool need_dx = i > 0 && (layer_grad_std || i > m->first_trainable);
    ops_of(l)->backward(m, l, x, dy, need_dx ? dx : NULL, n, dz_given && i == L - 1);
    if (!need_dx) break;
    float *t = dy;
    dy = dx;
    dx = t;
  }
  /* Layers below the lowest trainable one were skipped: their penalty still counts. */
  double penalty = 0;
  for (int i = 0; i < L; i++) {
    layer *l = &m->layers[i];
    if (!ops_of(l)->penalty) continue;
    if (i < m->first_trainable && !layer_grad_std) l->penalty = ops_of(l)->penalty(l);
    penalty += l->penalty;
  }
  return penalty;
}

static double train_step(eng_model *m, const eng_dataset *ds, const uint32_t *index, uint32_t start,
                         int n, double lr, bool record_updates, const step_sample *sample,
                         int *correct, int *nonfinite) {
  /* Labels of the batch, in the index's order. */
  uint8_t labels[1 << 16];
  for (int i = 0; i < n; i++) labels[i] = ds->labels[index ? index[start + i] : start + (uint32_t)i];
  model_load_batch(m, ds, index, start, n);
  model_forward(m, n, true, true);
  double loss = model_loss(m, labels, n, correct);
  /* + the penalties, from the same pass */
  loss += model_backward(m, labels, n, sample ? sample->grad_std : NULL);
  *nonfinite = -1;
  if (!isfinite(loss)) return loss;
  if (sample) layer_stats_from_step(m, n, sample->grad_std, sample->alive, sample->out);
  *nonfinite = optimizer_apply(m, lr, m->iterations, record_updates);
  if (*nonfinite >= 0) return loss;
  model_apply_constraints(m);
  if (sample) layer_stats_weights(m, sample->out);
  m->iterations++;
  return loss;
}

double model_train_step(eng_model *m, const eng_dataset *ds, const uint32_t *index, uint32_t start,
                        int n, double lr, bool record_updates, const step_sample *sample,
                        int *correct, int *nonfinite) {
  if (!eng_profile_on) return train_step(m, ds, index, start, n, lr, record_updates, sample, correct, nonfinite);
  profile_step(-1);
  double t0 = eng_seconds();
  double loss = train_step(m, ds, index, start, n, lr, record_updates, sample, correct, nonfinite);
  profile_step(eng_seconds() - t0);
  return loss;
}

void model_apply_constraints(eng_model *m) {
  for (uint32_t li = 0; li < m->n_layers; li++) {
    layer *l = &m->layers[li];
    if (l->trainable && ops_of(l)->constrain) ops_of(l)->constrain(l);
  }
}

eng_status model_snapshot(const eng_model *m, float **out) {
  if (!*out) {
    *out = malloc((m->n_params ? m->n_params : 1) * sizeof(float));
    if (!*out) return eng_fail(ENG_ERR_NOMEM, "out of memory keeping a copy of the weights");
  }
  memcpy(*out, m->params, m->n_params * sizeof(float));
  return ENG_OK;
}

void model_restore(eng_model *m, const float *snapshot) {
  memcpy(m->params, snapshot, m->n_params * sizeof(float));
}
