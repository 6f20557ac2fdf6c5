/* layer_prelu.c: keras.layers.PReLU (He et al. 2015, arXiv:1502.01852) with
 * shared_axes None: y = x for x > 0, alpha_j * x otherwise, with a learned slope
 * alpha_j per unit. Keras computes relu(x) - alpha * relu(-x): the same values,
 * and d/d alpha_j = sum over the batch of dy * min(x, 0). The slopes are an
 * ordinary trainable weight: the optimizer, weight decay, the alpha_regularizer
 * (L1/L2 here) and trainable apply to them as to any Keras weight. */
#include "nn.h"

static eng_status prelu_configure(layer *l, uint32_t in) {
  const eng_options *o = &l->opt;
  l->in = l->out = in;
  eng_status st = eng_opt_choice(o, layer_table, "alpha_initializer", initializer_names, &l->init[0]);
  if (st != ENG_OK) return st;
  l->init_p[0] = (init_params){0, 0, 0, 0, eng_opt_num(o, layer_table, "alpha_value"), {0, 0, 0}};
  l->l1 = eng_opt_num(o, layer_table, "alpha_l1");
  l->l2 = eng_opt_num(o, layer_table, "alpha_l2");
  l->trainable = eng_opt_num(o, layer_table, "trainable") != 0;
  return ENG_OK;
}

static uint64_t prelu_param_count(const layer *l) { return l->out; }

static void prelu_declare(eng_model *m, layer *l, uint32_t index) {
  model_add_tensor(m, index, "alpha", l->out, 0, true, false, &l->slopes, &l->d_slopes);
}

static uint64_t prelu_activation_count(const layer *l, uint32_t batch) { return (uint64_t)batch * l->out; }
static void prelu_place(layer *l, float *a, size_t per) { l->y = a; }

static void prelu_init(layer *l, eng_rng *rng) {
  initializer_fill(l->init[0], &l->init_p[0], l->in, l->out, l->slopes, l->out, rng);
}

/* Units are independent: each thread owns a block of them; the slope gradient
 * sums the rows in order, so the split does not change it. */
typedef struct {
  layer *l;
  const float *x, *dy;
  float *dx;
  int n;
} prelu_job;

static void forward_range(void *c, size_t j0, size_t j1) {
  const prelu_job *p = c;
  const layer *l = p->l;
  for (int i = 0; i < p->n; i++)
    for (size_t j = j0; j < j1; j++) {
      size_t k = (size_t)i * l->out + j;
      l->y[k] = p->x[k] > 0 ? p->x[k] : l->slopes[j] * p->x[k];
    }
}

static size_t min_units(int n) { return n >= 4096 ? 4 : (size_t)(4096 / n + 3) & ~(size_t)3; }

static void prelu_forward(eng_model *m, layer *l, const float *x, int n, bool training,
                          bool update_state) {
  prelu_job p = {l, x, NULL, NULL, n};
  eng_parallel_range(forward_range, &p, l->out, min_units(n));
}

static void backward_range(void *c, size_t j0, size_t j1) {
  const prelu_job *p = c;
  const layer *l = p->l;
  if (l->trainable) {
    for (size_t j = j0; j < j1; j++) l->d_slopes[j] = 0.0f;
    for (int i = 0; i < p->n; i++)
      for (size_t j = j0; j < j1; j++) {
        size_t k = (size_t)i * l->out + j;
        if (p->x[k] < 0) l->d_slopes[j] += p->dy[k] * p->x[k];
      }
  }
  if (p->dx)
    for (int i = 0; i < p->n; i++)
      for (size_t j = j0; j < j1; j++) {
        size_t k = (size_t)i * l->out + j;
        p->dx[k] = p->x[k] > 0 ? p->dy[k] : l->slopes[j] * p->dy[k];
      }
}

static void prelu_backward(eng_model *m, layer *l, const float *x, const float *dy, float *dx,
                           int n, bool dz_given) {
  prelu_job p = {l, x, dy, dx, n};
  eng_parallel_range(backward_range, &p, l->out, min_units(n));
  /* The penalty's value and gradient, after the slope gradient it adds to. */
  l->penalty = 0;
  if (l->l1 > 0 || l->l2 > 0)
    l->penalty = penalty_f32(l->slopes, l->trainable ? l->d_slopes : NULL, l->out, (float)l->l1, (float)l->l2);
}

static double prelu_penalty(const layer *l) {
  if (!(l->l1 > 0 || l->l2 > 0)) return 0;
  return penalty_f32(l->slopes, NULL, l->out, (float)l->l1, (float)l->l2);
}

const layer_ops prelu_ops = {.configure = prelu_configure,
                             .param_count = prelu_param_count,
                             .declare = prelu_declare,
                             .activation_count = prelu_activation_count,
                             .place = prelu_place,
                             .init = prelu_init,
                             .forward = prelu_forward,
                             .backward = prelu_backward,
                             .penalty = prelu_penalty};
