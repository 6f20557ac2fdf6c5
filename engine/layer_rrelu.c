/* layer_rrelu.c: the randomized leaky ReLU (Xu et al. 2015, "Empirical
 * Evaluation of Rectified Activations in Convolutional Network",
 * arXiv:1505.00853; torch.nn.RReLU): y = x for x >= 0, a * x otherwise, where in
 * training a is drawn uniformly from [lower, upper] for every element of every
 * batch, and at inference a is the mean slope (lower + upper) / 2. The slopes
 * come from the model's dropout stream (the training generator), so a run is
 * reproducible from its seed and the same with any number of threads. Keras and
 * TF.js have no such layer. */
#include "nn.h"

static eng_status rrelu_configure(layer *l, uint32_t in) {
  l->in = l->out = in;
  l->lower = eng_opt_num(&l->opt, layer_table, "lower");
  l->upper = eng_opt_num(&l->opt, layer_table, "upper");
  if (l->lower > l->upper)
    return eng_fail(ENG_ERR_INVALID, "rrelu: lower (%g) must not be above upper (%g)", l->lower, l->upper);
  l->trainable = true;
  return ENG_OK;
}

static uint64_t rrelu_param_count(const layer *l) { return 0; }
static uint64_t rrelu_activation_count(const layer *l, uint32_t batch) {
  return 2 * (uint64_t)batch * l->out; /* y, slopes */
}
static void rrelu_place(layer *l, float *a, size_t per) { l->y = a, l->aux = a + per; }
static void rrelu_init(layer *l, eng_rng *rng) {}

static void rrelu_forward(eng_model *m, layer *l, const float *x, int n, bool training,
                          bool update_state) {
  size_t count = (size_t)n * l->out;
  if (training) {
    dropout_stream_uniform(m, l, l->aux, count, (float)l->lower, (float)l->upper);
  } else {
    float mean = (float)((l->lower + l->upper) / 2);
    for (size_t i = 0; i < count; i++) l->aux[i] = mean;
  }
  for (size_t i = 0; i < count; i++) l->y[i] = x[i] >= 0 ? x[i] : l->aux[i] * x[i];
}

static void rrelu_backward(eng_model *m, layer *l, const float *x, const float *dy, float *dx,
                           int n, bool dz_given) {
  if (!dx) return;
  for (size_t i = 0; i < (size_t)n * l->out; i++) dx[i] = x[i] >= 0 ? dy[i] : l->aux[i] * dy[i];
}

const layer_ops rrelu_ops = {.configure = rrelu_configure,
                             .param_count = rrelu_param_count,
                             .activation_count = rrelu_activation_count,
                             .place = rrelu_place,
                             .init = rrelu_init,
                             .forward = rrelu_forward,
                             .backward = rrelu_backward};
