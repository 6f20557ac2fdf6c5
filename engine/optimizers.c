/* optimizers.c: keras.optimizers (Keras 3 update rules and defaults), with
 * gradient clipping (clipvalue, clipnorm per tensor, global_clipnorm) and the
 * AdamW-style decoupled weight decay. Each rule cites the Keras source it follows.
 * An optimizer's update rule is a row of `rules` (its slots, its per-step
 * coefficients, its per-tensor update); optimizer, schedule and callback options
 * are resolved once when set (nn.h), never looked up by name in the training step. */
#include "nn.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define BIG 1e9
#define LR(def) {"learning_rate", OPT_FLOAT, def, 0, BIG, NULL, NULL, false, "step size"}
#define CLIPPING                                                                              \
  {"clipvalue", OPT_FLOAT, NAN, 0, BIG, NULL, NULL, false, "clip each gradient value to [-v, v]"}, \
  {"clipnorm", OPT_FLOAT, NAN, 0, BIG, NULL, NULL, false, "rescale each gradient tensor to norm <= c"}, \
  {"global_clipnorm", OPT_FLOAT, NAN, 0, BIG, NULL, NULL, false, "rescale all gradients together to global norm <= c"}, \
  {"weight_decay", OPT_FLOAT, NAN, 0, BIG, NULL, NULL, false, "decoupled weight decay (w -= lr * wd * w)"}
#define EPS(def) {"epsilon", OPT_FLOAT, def, 0, 1, NULL, NULL, false, "numerical stability constant"}
#define BETAS                                                                                  \
  {"beta_1", OPT_FLOAT, 0.9, 0, 1, NULL, NULL, false, "decay of the first-moment estimate"},  \
  {"beta_2", OPT_FLOAT, 0.999, 0, 1, NULL, NULL, false, "decay of the second-moment estimate"}

static const eng_opt_desc sgd_opts[] = {
    LR(0.01),
    {"momentum", OPT_FLOAT, 0.0, 0, 1, NULL, NULL, false, "velocity decay (beta)"},
    {"nesterov", OPT_BOOL, 0, 0, 1, NULL, NULL, false, "Nesterov accelerated gradient"},
    CLIPPING};
static const eng_opt_desc adagrad_opts[] = {
    LR(0.001),
    {"initial_accumulator_value", OPT_FLOAT, 0.1, 0, BIG, NULL, NULL, false, "start of the sum of squares"},
    EPS(1e-7), CLIPPING};
static const eng_opt_desc rmsprop_opts[] = {
    LR(0.001),
    {"rho", OPT_FLOAT, 0.9, 0, 1, NULL, NULL, false, "decay of the squared-gradient average"},
    {"momentum", OPT_FLOAT, 0.0, 0, 1, NULL, NULL, false, "momentum"},
    EPS(1e-7),
    {"centered", OPT_BOOL, 0, 0, 1, NULL, NULL, false, "normalize by the gradient variance"},
    CLIPPING};
static const eng_opt_desc adam_opts[] = {LR(0.001), BETAS, EPS(1e-7), CLIPPING};
static const eng_opt_desc adamw_opts[] = {
    LR(0.001), BETAS, EPS(1e-7),
    {"clipvalue", OPT_FLOAT, NAN, 0, BIG, NULL, NULL, false, "clip each gradient value to [-v, v]"},
    {"clipnorm", OPT_FLOAT, NAN, 0, BIG, NULL, NULL, false, "rescale each gradient tensor to norm <= c"},
    {"global_clipnorm", OPT_FLOAT, NAN, 0, BIG, NULL, NULL, false, "rescale all gradients together"},
    {"weight_decay", OPT_FLOAT, 0.004, 0, BIG, NULL, NULL, false, "decoupled weight decay"}};

const eng_variant_desc optimizer_table[OPT_COUNT] = {
    {"sgd", "SGD", sgd_opts, ENG_COUNT_OF(sgd_opts), "stochastic gradient descent, optional momentum"},
    {"adagrad", "Adagrad", adagrad_opts, ENG_COUNT_OF(adagrad_opts), "per-weight rates from the sum of squared gradients"},
    {"rmsprop", "RMSprop", rmsprop_opts, ENG_COUNT_OF(rmsprop_opts), "per-weight rates from a moving average of squared gradients"},
    {"adam", "Adam", adam_opts, ENG_COUNT_OF(adam_opts), "momentum + RMSprop with bias correction"},
    {"adamw", "AdamW", adamw_opts, ENG_COUNT_OF(adamw_opts), "Adam with decoupled weight decay"},
    {"nadam", "Nadam", adam_opts, ENG_COUNT_OF(adam_opts), "Adam with Nesterov momentum"},
    {"adamax", "Adamax", adam_opts, ENG_COUNT_OF(adam_opts), "Adam with the infinity norm"},
};
ENG_TABLE_CHECK(optimizer_table, OPT_COUNT);

/* ---- the update rules: one row per optimizer
 * A step's coefficients that do not depend on the weight (Adam's bias-corrected
 * rate, Nadam's momentum schedule) are computed once per step by the row's begin;
 * its update then runs over each trainable tensor (s0..s2: its slot blocks) and
 * returns the sum of squared updates (the statistics and the finiteness check). */
typedef struct {
  double lr, t;     /* rate of this step and Keras's local_step (updates done + 1) */
  float c1, c2, c3; /* the rule's coefficients for this step */
} opt_step;

typedef struct {
  int slots; /* how many of a tensor's three slot blocks the rule uses (the first ones) */
  void (*begin)(optimizer_state *o, opt_step *c);
  /* finite: cleared when record is false and the update was not finite (SGD's fast
   * path keeps no sum). */
  double (*update)(const optimizer_state *o, const opt_step *c, float *w, const float *g,
                   float *s0, float *s1, float *s2, size_t n, bool record, bool *finite);
} optimizer_rule;

static double sgd_update(const optimizer_state *o, const opt_step *c, float *w, const float *g,
                         float *s0, float *s1, float *s2, size_t n, bool record, bool *finite) {
  /* keras sgd.py: v = momentum * v - lr * g; w += v (nesterov: w += momentum * v - lr * g) */
  float flr = (float)c->lr, mom = (float)o->momentum;
  bool nesterov = o->nesterov;
  double update_sq = 0;
  if (!record) { /* the same arithmetic, SIMD, without the statistics */
    sgd_segment one = {w, s0, g, n};
    *finite = sgd_update_f32(&one, 1, flr, mom, nesterov) < 0 && *finite;
  } else if (mom == 0) {
    for (size_t i = 0; i < n; i++) {
      float u = -flr * g[i];
      w[i] += u;
      update_sq += (double)u * u;
    }
  } else {
    for (size_t i = 0; i < n; i++) {
      float v = mom * s0[i] - flr * g[i];
      s0[i] = v;
      float u = nesterov ? mom * v - flr * g[i] : v;
      w[i] += u;
      update_sq += (double)u * u;
    }
  }
  return update_sq;
}

static double adagrad_update(const optimizer_state *o, const opt_step *c, float *w, const float *g,
                             float *s0, float *s1, float *s2, size_t n, bool record, bool *finite) {
  /* keras adagrad.py: acc += g^2; w -= lr * g / sqrt(acc + eps) */
  float flr = (float)c->lr, e = (float)o->epsilon;
  double update_sq = 0;
  for (size_t i = 0; i < n; i++) {
    s0[i] += g[i] * g[i];
    float u = -flr * g[i] / sqrtf(s0[i] + e);
    w[i] += u;
    update_sq += (double)u * u;
  }
  return update_sq;
}

static double rmsprop_update(const optimizer_state *o, const opt_step *c, float *w, const float *g,
                             float *s0, float *s1, float *s2, size_t n, bool record, bool *finite) {
  /* keras rmsprop.py: v = rho v + (1-rho) g^2; (centered: mg = rho mg + (1-rho) g,
   * denom = v - mg^2 + eps, else v + eps); inc = lr g / sqrt(denom);
   * momentum: m = momentum m + inc, w -= m; else w -= inc */
  float flr = (float)c->lr, rho = (float)o->rho, mom = (float)o->momentum, e = (float)o->epsilon;
  bool centered = o->centered;
  double update_sq = 0;
  for (size_t i = 0; i < n; i++) {
    s0[i] = rho * s0[i] + (1.0f - rho) * g[i] * g[i];
    float denom = s0[i] + e;
    if (centered) {
      s2[i] = rho * s2[i] + (1.0f - rho) * g[i];
      denom = s0[i] - s2[i] * s2[i] + e;
    }
    float inc = flr * g[i] / sqrtf(denom);
    float u;
    if (mom > 0) {
      s1[i] = mom * s1[i] + inc;
      u = -s1[i];
    } else {
      u = -inc;
    }
    w[i] += u;
    update_sq += (double)u * u;
  }
  return update_sq;
}

static void adam_begin(optimizer_state *o, opt_step *c) {
  /* keras adam.py: alpha = lr sqrt(1-b2^t)/(1-b1^t) */
  c->c1 = (float)(c->lr * sqrt(1.0 - pow(o->beta_2, c->t)) / (1.0 - pow(o->beta_1, c->t)));
}

static double adam_update(const optimizer_state *o, const opt_step *c, float *w, const float *g,
                          float *s0, float *s1, float *s2, size_t n, bool record, bool *finite) {
  /* keras adam.py: m += (g-m)(1-b1); v += (g^2-v)(1-b2); w -= alpha m / (sqrt(v) + eps) */
  float alpha = c->c1, b1 = (float)o->beta_1, b2 = (float)o->beta_2, e = (float)o->epsilon;
  double update_sq = 0;
  for (size_t i = 0; i < n; i++) {
    s0[i] += (g[i] - s0[i]) * (1.0f - b1);
    s1[i] += (g[i] * g[i] - s1[i]) * (1.0f - b2);
    float u = -alpha * s0[i] / (sqrtf(s1[i]) + e);
    w[i] += u;
    update_sq += (double)u * u;
  }
  return update_sq;
}

static void nadam_begin(optimizer_state *o, opt_step *c) {
  /* Nadam (keras/src/optimizers/nadam.py, Keras 3): u_t = beta_1 (1 - 0.5 * 0.96^t);
   * tf.keras 2 had 0.96^(0.004 t). */
  double u_t = o->beta_1 * (1.0 - 0.5 * pow(0.96, c->t));
  double u_t1 = o->beta_1 * (1.0 - 0.5 * pow(0.96, c->t + 1));
  double u_prod = o->u_product * u_t, u_prod1 = u_prod * u_t1;
  o->u_product = u_prod;
  c->c1 = (float)(u_t1 / (1.0 - u_prod1)), c->c2 = (float)((1.0 - u_t) / (1.0 - u_prod));
  c->c3 = (float)(1.0 / (1.0 - pow(o->beta_2, c->t)));
}

static double nadam_update(const optimizer_state *o, const opt_step *c, float *w, const float *g,
                           float *s0, float *s1, float *s2, size_t n, bool record, bool *finite) {
  /* keras nadam.py: m_hat = u_{t+1} m / (1 - prod_{t+1}) + (1 - u_t) g / (1 - prod_t);
   * v_hat = v / (1 - b2^t); w -= lr m_hat / (sqrt(v_hat) + eps) */
  float flr = (float)c->lr, b1 = (float)o->beta_1, b2 = (float)o->beta_2, e = (float)o->epsilon;
  float c1 = c->c1, c2 = c->c2, c3 = c->c3;
  double update_sq = 0;
  for (size_t i = 0; i < n; i++) {
    s0[i] += (g[i] - s0[i]) * (1.0f - b1);
    s1[i] += (g[i] * g[i] - s1[i]) * (1.0f - b2);
    float m_hat = c1 * s0[i] + c2 * g[i];
    float v_hat = s1[i] * c3;
    float u = -flr * m_hat / (sqrtf(v_hat) + e);
    w[i] += u;
    update_sq += (double)u * u;
  }
  return update_sq;
}

static void adamax_begin(optimizer_state *o, opt_step *c) {
  c->c1 = (float)(c->lr / (1.0 - pow(o->beta_1, c->t))); /* keras adamax.py: lr / (1 - b1^t) */
}

static double adamax_update(const optimizer_state *o, const opt_step *c, float *w, const float *g,
                            float *s0, float *s1, float *s2, size_t n, bool record, bool *finite) {
  /* keras adamax.py: m += (g-m)(1-b1); u = max(b2 u, |g|); w -= lr/(1-b1^t) m/(u+eps) */
  float b1 = (float)o->beta_1, b2 = (float)o->beta_2, e = (float)o->epsilon, k = c->c1;
  double update_sq = 0;
  for (size_t i = 0; i < n; i++) {
    s0[i] += (g[i] - s0[i]) * (1.0f - b1);
    float a = fabsf(g[i]), d = b2 * s1[i];
    s1[i] = d > a ? d : a;
    float u = -k * s0[i] / (s1[i] + e);
    w[i] += u;
    update_sq += (double)u * u;
  }
  return update_sq;
}

/* s0 velocity / accumulator / first moment, s1 RMSprop momentum / second moment,
 * s2 RMSprop's centered mean. AdamW is Adam: its decay is the shared weight_decay. */
static const optimizer_rule rules[OPT_COUNT] = {
    [OPT_SGD] = {1, NULL, sgd_update},
    [OPT_ADAGRAD] = {1, NULL, adagrad_update},
    [OPT_RMSPROP] = {3, NULL, rmsprop_update},
    [OPT_ADAM] = {2, adam_begin, adam_update},
    [OPT_ADAMW] = {2, adam_begin, adam_update},
    [OPT_NADAM] = {2, nadam_begin, nadam_update},
    [OPT_ADAMAX] = {2, adamax_begin, adamax_update},
};
ENG_TABLE_CHECK(rules, OPT_COUNT);

int optimizer_slot_count(int variant) {
  return variant >= 0 && variant < OPT_COUNT ? rules[variant].slots : 3;
}

eng_status optimizer_configure(const char *spec, optimizer_state *out) {
  optimizer_state o = {0};
  eng_status st = eng_parse_spec(spec, "optimizer", optimizer_table, OPT_COUNT, &o.opt);
  if (st != ENG_OK) return st;
  /* Keras treats a clip value of 0 as "no clipping" (`if self.clipnorm and self.clipnorm > 0`). */
  static const char *const clip_names[] = {"clipvalue", "clipnorm", "global_clipnorm"};
  for (int k = 0; k < 3; k++) {
    int oi = eng_opt_index(&optimizer_table[o.opt.variant], clip_names[k]);
    if (oi >= 0 && o.opt.num[oi] == 0) o.opt.num[oi] = NAN;
  }
  const eng_variant_desc *tab = optimizer_table;
  o.clipvalue = eng_opt_num(&o.opt, tab, "clipvalue"), o.clipnorm = eng_opt_num(&o.opt, tab, "clipnorm");
  o.global_clipnorm = eng_opt_num(&o.opt, tab, "global_clipnorm");
  if (!isnan(o.clipvalue) + !isnan(o.clipnorm) + !isnan(o.global_clipnorm) > 1)
    return eng_fail(ENG_ERR_INVALID,
                    "optimizer %s: set only one of clipvalue, clipnorm and global_clipnorm",
                    optimizer_table[o.opt.variant].name);
  snprintf(o.spec, sizeof o.spec, "%s", spec);
  o.weight_decay = eng_opt_num(&o.opt, tab, "weight_decay");
  o.beta_1 = eng_opt_num(&o.opt, tab, "beta_1"), o.beta_2 = eng_opt_num(&o.opt, tab, "beta_2");
  o.epsilon = eng_opt_num(&o.opt, tab, "epsilon"), o.rho = eng_opt_num(&o.opt, tab, "rho");
  o.momentum = eng_opt_num(&o.opt, tab, "momentum");
  o.nesterov = eng_opt_num(&o.opt, tab, "nesterov") == 1, o.centered = eng_opt_num(&o.opt, tab, "centered") == 1;
  o.initial_accumulator_value = eng_opt_num(&o.opt, tab, "initial_accumulator_value");
  o.learning_rate = eng_opt_num(&o.opt, tab, "learning_rate");
  o.u_product = 1.0;
  *out = o;
  return ENG_OK;
}

static double sum_squares(const float *g, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += (double)g[i] * g[i];
  return s;
}

/* A fixed tensor (BatchNormalization's gamma with scale=false, beta with
 * center=false) is not a Keras variable: no optimizer step and no weight decay. */
static bool tensor_trainable(const eng_model *m, const tensor *t) {
  return t->grad && !t->fixed && m->layers[t->layer].trainable;
}

void optimizer_reset_slots(eng_model *m) {
  if (!m->slots) return;
  memset(m->slots, 0, 3 * m->n_grads * sizeof(float));
  /* Adagrad: each tensor's accumulator (its first slot block) starts at the initial value. */
  double init = m->optimizer.initial_accumulator_value;
  if (isnan(init)) return;
  for (uint32_t ti = 0; ti < m->n_tensors; ti++)
    if (m->tensors[ti].slots)
      for (size_t i = 0; i < m->tensors[ti].size; i++) m->tensors[ti].slots[i] = (float)init;
}

/* Plain SGD (no clipping, decay or statistics), the commonest step: every
 * trainable tensor in one pool job (sgd_update_f32), not one job per tensor.
 * The same arithmetic as sgd_update's; returns the first tensor whose update
 * was not finite, or -1. */
static int sgd_all_tensors(eng_model *m, float lr) {
  enum { BATCH = 64 };
  sgd_segment seg[BATCH];
  uint32_t tensor_of[BATCH];
  float mom = (float)m->optimizer.momentum;
  bool nesterov = m->optimizer.nesterov;
  int nonfinite = -1;
  for (uint32_t ti = 0; ti < m->n_tensors;) {
    int count = 0;
    for (; ti < m->n_tensors && count < BATCH; ti++) {
      tensor *tn = &m->tensors[ti];
      if (!tensor_trainable(m, tn)) continue;
      tensor_of[count] = ti;
      seg[count++] = (sgd_segment){tn->data, tn->slots, tn->grad, tn->size};
    }
    int bad = count ? sgd_update_f32(seg, count, lr, mom, nesterov) : -1;
    if (bad >= 0 && nonfinite < 0) nonfinite = (int)tensor_of[bad];
  }
  return nonfinite;
}

int optimizer_apply(eng_model *m, double lr, int64_t step, bool record_updates) {
  optimizer_state *o = &m->optimizer;
  const optimizer_rule *rule = &rules[o->opt.variant];
  double clipvalue = o->clipvalue, clipnorm = o->clipnorm, global_clipnorm = o->global_clipnorm;
  double wd = o->weight_decay;
  double global_scale = 1.0;
  if (!isnan(global_clipnorm)) {
    /* keras clip_by_global_norm: g * c / max(global_norm, c) */
    double total = 0;
    for (uint32_t ti = 0; ti < m->n_tensors; ti++)
      if (tensor_trainable(m, &m->tensors[ti]))
        total += sum_squares(m->tensors[ti].grad, m->tensors[ti].size);
    double norm = sqrt(total);
    global_scale = global_clipnorm / (norm > global_clipnorm ? norm : global_clipnorm);
  }
  opt_step c = {lr, (double)(step + 1), 0, 0, 0};
  if (rule->begin) rule->begin(o, &c);
  for (uint32_t li = 0; li < m->n_layers; li++) m->layers[li].update_sq = 0;
  if (o->opt.variant == OPT_SGD && !record_updates && global_scale == 1.0 && isnan(clipnorm) &&
      isnan(clipvalue) && !(wd > 0))
    return sgd_all_tensors(m, (float)lr);
  int nonfinite = -1; /* the first tensor whose update was not finite */
  for (uint32_t ti = 0; ti < m->n_tensors; ti++) {
    tensor *tn = &m->tensors[ti];
    if (!tensor_trainable(m, tn)) continue;
    float *w = tn->data, *g = tn->grad;
    size_t n = tn->size;
    /* Clipping, in Keras's order of precedence (only one may be set; checked at configuration). */
    double scale = global_scale;
    if (!isnan(clipnorm)) {
      double norm = sqrt(sum_squares(g, n));
      scale = clipnorm / (norm > clipnorm ? norm : clipnorm); /* keras _clip_by_norm */
    }
    if (scale != 1.0)
      for (size_t i = 0; i < n; i++) g[i] = (float)(g[i] * scale);
    bool finite = true;
    if (!isnan(clipvalue)) {
      /* Clipping would turn an infinite gradient into a finite one: look first. */
      float cv = (float)clipvalue, nonfinite_sum = 0;
      for (size_t i = 0; i < n; i++) {
        nonfinite_sum += g[i] - g[i]; /* 0 while finite, then NaN */
        g[i] = g[i] > cv ? cv : (g[i] < -cv ? -cv : g[i]);
      }
      finite = nonfinite_sum == 0;
    }
    if (!isnan(wd) && wd > 0) {
      float f = (float)(lr * wd);
      for (size_t i = 0; i < n; i++) w[i] -= w[i] * f;
    }
    double update_sq = rule->update(o, &c, w, g, tn->slots, tn->slots + n, tn->slots + 2 * n, n,
                                    record_updates, &finite);
    if (tn->is_kernel) m->layers[tn->layer].update_sq += update_sq;
    /* A NaN or infinite gradient makes some update (and so update_sq) non-finite:
     * the check costs nothing beyond the sum the statistics already keep. */
    if (nonfinite < 0 && !(finite && isfinite(update_sq))) nonfinite = (int)ti;
  }
  return nonfinite;
}
