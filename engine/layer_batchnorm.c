/* layer_batchnorm.c: keras.layers.BatchNormalization (Ioffe & Szegedy 2015).
 * Training: batch mean and biased variance; moving = moving * momentum +
 * batch * (1 - momentum). Inference (and trainable=false, as in Keras): the
 * moving statistics. */
#include "nn.h"

#include <math.h>

static eng_status bn_configure(layer *l, uint32_t in) {
  l->in = l->out = in;
  l->momentum = eng_opt_num(&l->opt, layer_table, "momentum");
  l->epsilon = eng_opt_num(&l->opt, layer_table, "epsilon");
  l->trainable = eng_opt_num(&l->opt, layer_table, "trainable") != 0;
  l->center = eng_opt_num(&l->opt, layer_table, "center") != 0;
  l->scale = eng_opt_num(&l->opt, layer_table, "scale") != 0;
  return ENG_OK;
}

static uint64_t bn_param_count(const layer *l) { return 4 * (uint64_t)l->out; }

static void bn_declare(eng_model *m, layer *l, uint32_t index) {
  /* Keras creates no gamma with scale=false and no beta with center=false: fixed. */
  model_add_tensor(m, index, "gamma", l->out, 0, true, false, &l->gamma, &l->d_gamma)->fixed = !l->scale;
  model_add_tensor(m, index, "beta", l->out, 0, true, false, &l->beta, &l->d_beta)->fixed = !l->center;
  model_add_tensor(m, index, "moving_mean", l->out, 0, false, false, &l->moving_mean, NULL);
  model_add_tensor(m, index, "moving_variance", l->out, 0, false, false, &l->moving_var, NULL);
}

static uint64_t bn_activation_count(const layer *l, uint32_t batch) {
  return 2 * (uint64_t)batch * l->out + 2 * (uint64_t)l->out; /* x-hat, y, mean, 1/std */
}

static void bn_place(layer *l, float *a, size_t per) { l->z = a, l->y = a + per, l->stat = a + 2 * per; }

static void bn_init(layer *l, eng_rng *rng) {
  for (uint32_t j = 0; j < l->out; j++) {
    l->gamma[j] = 1.0f;
    l->beta[j] = 0.0f;
    l->moving_mean[j] = 0.0f;
    l->moving_var[j] = 1.0f;
  }
}

/* Each feature is independent: features are split over the pool; within a
 * feature, sums run over rows in order, so the split changes nothing. */
typedef struct {
  layer *l;
  const float *x, *dy;
  float *dx;
  int n;
  bool batch_stats, update_state;
} bn_job;

static void bn_forward_range(void *c, size_t j0, size_t j1) {
  const bn_job *job = c;
  layer *l = job->l;
  const float *x = job->x;
  int n = job->n;
  size_t f = l->out;
  float *mean = l->stat, *inv_std = l->stat + f;
  if (job->batch_stats) {
    for (size_t j = j0; j < j1; j++) mean[j] = 0.0f, inv_std[j] = 0.0f;
    for (int i = 0; i < n; i++)
      for (size_t j = j0; j < j1; j++) mean[j] += x[(size_t)i * f + j];
    for (size_t j = j0; j < j1; j++) mean[j] /= (float)n;
    for (int i = 0; i < n; i++)
      for (size_t j = j0; j < j1; j++) {
        float d = x[(size_t)i * f + j] - mean[j];
        inv_std[j] += d * d; /* variance accumulates here first */
      }
    float mom = (float)l->momentum;
    for (size_t j = j0; j < j1; j++) {
      float var = inv_std[j] / (float)n;
      if (job->update_state) {
        l->moving_mean[j] = l->moving_mean[j] * mom + mean[j] * (1.0f - mom);
        l->moving_var[j] = l->moving_var[j] * mom + var * (1.0f - mom);
      }
      inv_std[j] = 1.0f / sqrtf(var + (float)l->epsilon);
    }
  } else {
    for (size_t j = j0; j < j1; j++) {
      mean[j] = l->moving_mean[j];
      inv_std[j] = 1.0f / sqrtf(l->moving_var[j] + (float)l->epsilon);
    }
  }
  for (int i = 0; i < n; i++)
    for (size_t j = j0; j < j1; j++) {
      size_t k = (size_t)i * f + j;
      float xhat = (x[k] - mean[j]) * inv_std[j];
      l->z[k] = xhat;
      l->y[k] = l->gamma[j] * xhat + l->beta[j];
    }
}

/* At least 16,384 values a task: smaller splits measured slower on two threads
 * than none (a batch of 32: the other core's cache lines cost more than the
 * arithmetic; npm run bench's kernel profile). */
static size_t bn_min_features(int n) { return n >= 16384 ? 4 : (size_t)(16384 / n + 3) & ~(size_t)3; }

static void bn_forward(eng_model *m, layer *l, const float *x, int n, bool training,
                       bool update_state) {
  bn_job job = {l, x, NULL, NULL, n, training && l->trainable, update_state};
  eng_parallel_range(bn_forward_range, &job, l->out, bn_min_features(n));
}

static void bn_backward_range(void *c, size_t j0, size_t j1) {
  const bn_job *job = c;
  layer *l = job->l;
  const float *dy = job->dy;
  float *dx = job->dx;
  int n = job->n;
  size_t f = l->out;
  const float *xhat = l->z, *inv_std = l->stat + f;
  /* d_beta = sum dy, d_gamma = sum dy * x-hat (into the gradient arena). */
  float *sum_dy = l->d_beta, *sum_dy_xhat = l->d_gamma;
  for (size_t j = j0; j < j1; j++) sum_dy[j] = 0.0f, sum_dy_xhat[j] = 0.0f;
  for (int i = 0; i < n; i++)
    for (size_t j = j0; j < j1; j++) {
      size_t k = (size_t)i * f + j;
      sum_dy[j] += dy[k];
      sum_dy_xhat[j] += dy[k] * xhat[k];
    }
  if (dx) {
    if (l->trainable) {
      /* dx = gamma/std/n * (n dy - sum dy - x-hat sum(dy x-hat)) */
      for (int i = 0; i < n; i++)
        for (size_t j = j0; j < j1; j++) {
          size_t k = (size_t)i * f + j;
          dx[k] = l->gamma[j] * inv_std[j] / (float)n *
                  ((float)n * dy[k] - sum_dy[j] - xhat[k] * sum_dy_xhat[j]);
        }
    } else { /* frozen: inference mode, an affine map */
      for (int i = 0; i < n; i++)
        for (size_t j = j0; j < j1; j++) {
          size_t k = (size_t)i * f + j;
          dx[k] = dy[k] * l->gamma[j] * inv_std[j];
        }
    }
  }
  if (!l->center)
    for (size_t j = j0; j < j1; j++) sum_dy[j] = 0.0f;
  if (!l->scale)
    for (size_t j = j0; j < j1; j++) sum_dy_xhat[j] = 0.0f;
}

static void bn_backward(eng_model *m, layer *l, const float *x, const float *dy, float *dx, int n,
                        bool dz_given) {
  bn_job job = {l, x, dy, dx, n, false, false};
  eng_parallel_range(bn_backward_range, &job, l->out, bn_min_features(n));
}

const layer_ops batchnorm_ops = {.configure = bn_configure,
                                 .param_count = bn_param_count,
                                 .declare = bn_declare,
                                 .activation_count = bn_activation_count,
                                 .place = bn_place,
                                 .init = bn_init,
                                 .forward = bn_forward,
                                 .backward = bn_backward};
