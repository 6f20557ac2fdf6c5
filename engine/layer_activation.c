/* layer_activation.c: keras.layers.Activation (and LeakyReLU/ELU as layers). */
#include "nn.h"

#include <math.h>

static eng_status act_configure(layer *l, uint32_t in) {
  l->in = l->out = in;
  eng_status st = eng_opt_choice(&l->opt, layer_table, "activation", activation_names, &l->act);
  if (st != ENG_OK) return st;
  double alpha = eng_opt_num(&l->opt, layer_table, "alpha");
  l->alpha = (float)(isnan(alpha) ? activation_default_alpha(l->act) : alpha);
  l->trainable = true;
  return ENG_OK;
}

static uint64_t act_param_count(const layer *l) { return 0; }
static uint64_t act_activation_count(const layer *l, uint32_t batch) { return (uint64_t)batch * l->out; }
static void act_place(layer *l, float *a, size_t per) { l->y = a; }
static void act_init(layer *l, eng_rng *rng) {}

static void act_forward(eng_model *m, layer *l, const float *x, int n, bool training,
                        bool update_state) {
  activation_forward(l->act, l->alpha, x, l->y, n, (int)l->out);
}

static void act_backward(eng_model *m, layer *l, const float *x, const float *dy, float *dx, int n,
                         bool dz_given) {
  if (!dx) return;
  if (dz_given) {
    for (size_t i = 0; i < (size_t)n * l->out; i++) dx[i] = dy[i];
    return;
  }
  activation_backward(l->act, l->alpha, x, l->y, dy, dx, n, (int)l->out);
}

const layer_ops activation_ops = {.configure = act_configure,
                                  .param_count = act_param_count,
                                  .activation_count = act_activation_count,
                                  .place = act_place,
                                  .init = act_init,
                                  .forward = act_forward,
                                  .backward = act_backward};
