/* layer_dense.c: keras.layers.Dense with a fused activation, L1/L2 kernel
 * penalties and the MaxNorm constraint. The kernel is stored in x rows by out
 * columns, as Keras stores it. */
#include "nn.h"

#include <math.h>

static eng_status dense_configure(layer *l, uint32_t in) {
  const eng_options *o = &l->opt;
  l->in = in;
  l->out = (uint32_t)eng_opt_num(o, layer_table, "units");
  eng_status st = eng_opt_choice(o, layer_table, "activation", activation_names, &l->act);
  if (st == ENG_OK) st = eng_opt_choice(o, layer_table, "kernel_initializer", initializer_names, &l->init[0]);
  if (st == ENG_OK) st = eng_opt_choice(o, layer_table, "bias_initializer", initializer_names, &l->init[1]);
  int mode = FAN_IN, distribution = DIST_TRUNCATED_NORMAL;
  if (st == ENG_OK) st = eng_opt_choice(o, layer_table, "kernel_mode", variance_scaling_modes, &mode);
  if (st == ENG_OK)
    st = eng_opt_choice(o, layer_table, "kernel_distribution", variance_scaling_distributions, &distribution);
  if (st != ENG_OK) return st;
  l->init_p[0] = (init_params){eng_opt_num(o, layer_table, "kernel_mean"),
                               eng_opt_num(o, layer_table, "kernel_stddev"),
                               eng_opt_num(o, layer_table, "kernel_minval"),
                               eng_opt_num(o, layer_table, "kernel_maxval"),
                               eng_opt_num(o, layer_table, "kernel_value"),
                               {eng_opt_num(o, layer_table, "kernel_scale"), mode, distribution}};
  l->init_p[1] = (init_params){0, 0, 0, 0, eng_opt_num(o, layer_table, "bias_value"), {0, 0, 0}};
  double alpha = eng_opt_num(o, layer_table, "alpha");
  l->alpha = (float)(isnan(alpha) ? activation_default_alpha(l->act) : alpha);
  l->l1 = eng_opt_num(o, layer_table, "kernel_l1");
  l->l2 = eng_opt_num(o, layer_table, "kernel_l2");
  l->max_norm = eng_opt_num(o, layer_table, "max_norm");
  l->trainable = eng_opt_num(o, layer_table, "trainable") != 0;
  l->use_bias = eng_opt_num(o, layer_table, "use_bias") != 0;
  return ENG_OK;
}

static uint64_t dense_param_count(const layer *l) {
  return (uint64_t)l->in * l->out + (l->use_bias ? l->out : 0);
}

static void dense_declare(eng_model *m, layer *l, uint32_t index) {
  model_add_tensor(m, index, "kernel", l->in, l->out, true, true, &l->kernel, &l->d_kernel);
  if (l->use_bias) model_add_tensor(m, index, "bias", l->out, 0, true, false, &l->bias, &l->d_bias);
}

static uint64_t dense_activation_count(const layer *l, uint32_t batch) {
  return 3 * (uint64_t)batch * l->out; /* z, y, dz */
}

static void dense_place(layer *l, float *a, size_t per) {
  /* a linear dense layer's output is its pre-activation: no copy */
  l->z = a, l->y = l->act == ACT_LINEAR ? a : a + per, l->aux = a + 2 * per;
}

static void dense_init(layer *l, eng_rng *rng) {
  initializer_fill(l->init[0], &l->init_p[0], l->in, l->out, l->kernel, (size_t)l->in * l->out, rng);
  if (l->bias) initializer_fill(l->init[1], &l->init_p[1], l->out, l->out, l->bias, l->out, rng);
}

static void dense_forward(eng_model *m, layer *l, const float *x, int n, bool training,
                          bool update_state) {
  /* z = bias (broadcast) + x . kernel; the bias is the accumulator's start value. */
  for (int i = 0; i < n; i++)
    for (uint32_t j = 0; j < l->out; j++) l->z[(size_t)i * l->out + j] = l->bias ? l->bias[j] : 0.0f;
  gemm_f32(n, (int)l->out, (int)l->in, x, (int)l->in, 1, l->kernel, (int)l->out, l->z, (int)l->out,
           true);
  if (l->y != l->z) activation_forward(l->act, l->alpha, l->z, l->y, n, (int)l->out);
}

/* d_bias[j] = sum over rows of dz[i][j]: columns split over the pool, rows summed in order. */
typedef struct {
  const float *dz;
  float *d_bias;
  int n;
  uint32_t out;
} bias_job;

static void bias_grad_range(void *c, size_t j0, size_t j1) {
  const bias_job *b = c;
  for (size_t j = j0; j < j1; j++) b->d_bias[j] = 0.0f;
  for (int i = 0; i < b->n; i++)
    for (size_t j = j0; j < j1; j++) b->d_bias[j] += b->dz[(size_t)i * b->out + j];
}

static void dense_backward(eng_model *m, layer *l, const float *x, const float *dy, float *dx,
                           int n, bool dz_given) {
  const float *dz = dy;
  if (!dz_given && l->act != ACT_LINEAR) {
    activation_backward(l->act, l->alpha, l->z, l->y, dy, l->aux, n, (int)l->out);
    dz = l->aux;
  }
  if (l->trainable) {
    /* d_kernel = x^T . dz  (x read transposed through its strides) */
    gemm_f32((int)l->in, (int)l->out, n, x, 1, (int)l->in, dz, (int)l->out, l->d_kernel,
             (int)l->out, false);
    if (l->bias) {
      bias_job b = {dz, l->d_bias, n, l->out};
      eng_parallel_range(bias_grad_range, &b, l->out, n >= 16384 ? 4 : (size_t)(16384 / n + 3) & ~(size_t)3);
    }
  }
  /* The penalty's value (added to the reported loss) and gradient, in one pass. */
  l->penalty = 0;
  if (l->l1 > 0 || l->l2 > 0)
    l->penalty = penalty_f32(l->kernel, l->trainable ? l->d_kernel : NULL, (size_t)l->in * l->out,
                             (float)l->l1, (float)l->l2);
  if (dx) {
    /* dx = dz . kernel^T, as a row-major product after a transpose. Which one
     * is smaller: the kernel (in x out), or dz and the result (n x (in + out))?
     * At a small batch, compute dx^T = kernel . dz^T and transpose dz and dx^T
     * instead (4x fewer elements for 300 -> 200 at batch 32). Every dx element
     * is the same products summed over the outputs in the same order either
     * way, so both give the same bits. */
    uint32_t in = l->in, out = l->out;
    float *t = m->transpose; /* in x out floats */
    if ((uint64_t)n * (in + out) < (uint64_t)in * out) {
      float *dz_t = t, *dx_t = t + (size_t)n * out;
      transpose_f32(n, (int)out, dz, dz_t);
      gemm_f32((int)in, n, (int)out, l->kernel, (int)out, 1, dz_t, n, dx_t, n, false);
      transpose_f32((int)in, n, dx_t, dx);
    } else {
      transpose_f32((int)in, (int)out, l->kernel, t);
      gemm_f32(n, (int)in, (int)out, dz, (int)out, 1, t, (int)in, dx, (int)in, false);
    }
  }
}

static double dense_penalty(const layer *l) {
  if (!(l->l1 > 0 || l->l2 > 0)) return 0;
  return penalty_f32(l->kernel, NULL, (size_t)l->in * l->out, (float)l->l1, (float)l->l2);
}

static void dense_constrain(layer *l) {
  if (!isnan(l->max_norm)) {
    /* keras MaxNorm(axis=0): w * clip(norm, 0, max) / (epsilon + norm), per neuron. */
    for (uint32_t j = 0; j < l->out; j++) {
      double s = 0;
      for (uint32_t i = 0; i < l->in; i++) s += (double)l->kernel[(size_t)i * l->out + j] * l->kernel[(size_t)i * l->out + j];
      double norm = sqrt(s), desired = norm < l->max_norm ? norm : l->max_norm;
      float f = (float)(desired / (1e-7 + norm));
      for (uint32_t i = 0; i < l->in; i++) l->kernel[(size_t)i * l->out + j] *= f;
    }
  }
  if (l->kernel_mask)
    for (size_t i = 0; i < (size_t)l->in * l->out; i++) l->kernel[i] *= l->kernel_mask[i];
}

const layer_ops dense_ops = {.configure = dense_configure,
                             .param_count = dense_param_count,
                             .declare = dense_declare,
                             .activation_count = dense_activation_count,
                             .place = dense_place,
                             .init = dense_init,
                             .forward = dense_forward,
                             .backward = dense_backward,
                             .penalty = dense_penalty,
                             .constrain = dense_constrain,
                             .fused_activation = true};
