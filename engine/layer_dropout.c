/* layer_dropout.c: keras.layers.Dropout (inverted: kept inputs are scaled by
 * 1/(1-rate) in training, identity at inference) and keras.layers.AlphaDropout
 * (Klambauer et al. 2017: dropped inputs are set to SELU's negative saturation
 * value, then an affine map a*x + b restores mean and variance). */
#include "nn.h"

#include <math.h>

static eng_status dropout_configure(layer *l, uint32_t in) {
  l->in = l->out = in;
  l->rate = eng_opt_num(&l->opt, layer_table, "rate");
  l->trainable = true;
  return ENG_OK;
}

static uint64_t dropout_param_count(const layer *l) { return 0; }
static uint64_t dropout_activation_count(const layer *l, uint32_t batch) {
  return 2 * (uint64_t)batch * l->out; /* y, mask */
}
static void dropout_place(layer *l, float *a, size_t per) { l->y = a, l->aux = a + per; }
static void dropout_init(layer *l, eng_rng *rng) {}

/* keep[i] = 1 with probability 1 - rate; threshold on 32 random bits: draw i
 * of the layer's dropout stream (model_dropout_rng). Chunks jump the stream ahead
 * to their start, so they draw in parallel exactly the numbers a serial loop would.
 * RReLU's slopes come from its own stream the same way (uniform: lo + width *
 * bits / 2^32). */
typedef struct {
  float *out;
  eng_rng start;
  uint32_t threshold;
  bool uniform;
  double lo, width;
} draw_job;

static void draw_range(void *c, size_t begin, size_t end) {
  const draw_job *j = c;
  eng_rng r = j->start;
  eng_rng_advance(&r, begin);
  if (j->uniform)
    for (size_t i = begin; i < end; i++)
      j->out[i] = (float)(j->lo + j->width * (eng_rng_u32(&r) * (1.0 / 4294967296.0)));
  else
    for (size_t i = begin; i < end; i++) j->out[i] = eng_rng_u32(&r) >= j->threshold ? 1.0f : 0.0f;
}

static void draw(eng_model *m, const layer *l, draw_job *j, size_t n) {
  eng_rng *rng = model_dropout_rng(m, l);
  j->start = *rng;
  eng_parallel_range(draw_range, j, n, 1024);
  eng_rng_advance(rng, n);
}

static void draw_keep(eng_model *m, const layer *l, float *keep, size_t n, double rate) {
  draw_job j = {.out = keep, .threshold = (uint32_t)(rate * 4294967296.0)};
  draw(m, l, &j, n);
}

void dropout_stream_uniform(eng_model *m, const layer *l, float *out, size_t n, float lo, float hi) {
  draw_job j = {.out = out, .uniform = true, .lo = lo, .width = (double)hi - lo};
  draw(m, l, &j, n);
}

static void dropout_forward(eng_model *m, layer *l, const float *x, int n, bool training,
                            bool update_state) {
  size_t count = (size_t)n * l->out;
  if ((!training && !m->mc_dropout) || l->rate <= 0) {
    for (size_t i = 0; i < count; i++) l->y[i] = x[i], l->aux[i] = 1.0f;
    return;
  }
  draw_keep(m, l, l->aux, count, l->rate);
  float scale = (float)(1.0 / (1.0 - l->rate));
  for (size_t i = 0; i < count; i++) {
    l->aux[i] *= scale;
    l->y[i] = x[i] * l->aux[i];
  }
}

static void dropout_backward(eng_model *m, layer *l, const float *x, const float *dy, float *dx,
                             int n, bool dz_given) {
  if (!dx) return;
  for (size_t i = 0; i < (size_t)n * l->out; i++) dx[i] = dy[i] * l->aux[i];
}

const layer_ops dropout_ops = {.configure = dropout_configure,
                               .param_count = dropout_param_count,
                               .activation_count = dropout_activation_count,
                               .place = dropout_place,
                               .init = dropout_init,
                               .forward = dropout_forward,
                               .backward = dropout_backward,
                               .drops_units = true};

/* AlphaDropout: aux holds a * keep (the backward factor). */
static void alpha_dropout_forward(eng_model *m, layer *l, const float *x, int n, bool training,
                                  bool update_state) {
  size_t count = (size_t)n * l->out;
  if ((!training && !m->mc_dropout) || l->rate <= 0) {
    for (size_t i = 0; i < count; i++) l->y[i] = x[i], l->aux[i] = 1.0f;
    return;
  }
  double rate = l->rate, alpha_p = -SELU_ALPHA * SELU_SCALE;
  float a = (float)pow((1.0 - rate) * (1.0 + rate * alpha_p * alpha_p), -0.5);
  float b = (float)(-(double)a * alpha_p * rate);
  draw_keep(m, l, l->aux, count, rate);
  for (size_t i = 0; i < count; i++) {
    float kept = l->aux[i];
    l->y[i] = a * (x[i] * kept + (float)alpha_p * (1.0f - kept)) + b;
    l->aux[i] = a * kept;
  }
}

const layer_ops alpha_dropout_ops = {.configure = dropout_configure,
                                     .param_count = dropout_param_count,
                                     .activation_count = dropout_activation_count,
                                     .place = dropout_place,
                                     .init = dropout_init,
                                     .forward = alpha_dropout_forward,
                                     .backward = dropout_backward,
                                     .drops_units = true};
