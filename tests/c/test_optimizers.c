/* test_optimizers.c: optimizer_apply against the Keras 3 update rules, recomputed
 * here in double precision from the published source (keras/src/optimizers/<name>.py,
 * keras/src/optimizers/base_optimizer.py for clipping and weight decay).
 *
 * Each case builds a small model (4 -> 3 -> 2, four tensors, 23 numbers), sets
 * known weights, and for three steps writes known gradients into the gradient
 * arena and calls optimizer_apply(m, lr, step) exactly as the trainer does (step =
 * Keras's `iterations` before the update, so local_step t = step + 1). The engine
 * works in float32, the reference in double: after three steps the weights (about
 * 0.5 in size) agree to a few float ulps, so the tolerance is 2e-6, while every
 * formula mistake worth finding (a wrong bias correction, a missing momentum term,
 * epsilon inside instead of outside the square root, a clip applied to the wrong
 * set of tensors) moves the weights by 1e-4 or more at these learning rates. */
#include "testlib.h"
#include "nn.h"

#include <string.h>

#define MAX_W 64
#define STEPS 3
#define TOL 2e-6

static eng_model *make_model(const char *optimizer) {
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(4, "model seed=5", &m));
  if (!m) return NULL;
  CHECK_OK(eng_model_add(m, "dense units=3 activation=tanh"));
  CHECK_OK(eng_model_add(m, "dense units=2 activation=softmax"));
  CHECK_OK(eng_model_build(m, 4));
  if (optimizer) {
    eng_status st = eng_model_set_optimizer(m, optimizer);
    CHECK_OK(st);
    if (st != ENG_OK) {
      eng_model_free(m);
      return NULL;
    }
  }
  /* Known weights: all four tensors are contiguous in the parameter arena. */
  for (size_t i = 0; i < m->n_params; i++) m->params[i] = (float)(0.5 * cos(0.37 * i + 0.1));
  return m;
}

/* The gradient of number i at a step: signs and sizes vary, one is exactly zero. */
static float gradient_value(size_t i, int step) {
  if (i == 7) return 0.0f;
  return (float)(0.3 * sin(1.7 * i + 0.9 * step + 0.4) + 0.05 * step);
}

/* Tensor boundaries of the flat parameter vector (kernel 12, bias 3, kernel 6, bias 2). */
typedef struct {
  size_t n, start[8], size[8];
  int count;
  bool frozen[8];
} layout;

static layout layout_of(const eng_model *m) {
  layout lay = {0};
  for (uint32_t ti = 0; ti < m->n_tensors; ti++) {
    lay.start[ti] = (size_t)(m->tensors[ti].data - m->params);
    lay.size[ti] = m->tensors[ti].size;
    lay.frozen[ti] = !m->layers[m->tensors[ti].layer].trainable;
  }
  lay.count = (int)m->n_tensors;
  lay.n = m->n_params;
  return lay;
}

enum { CLIP_NONE, CLIP_VALUE, CLIP_NORM, CLIP_GLOBAL };
typedef struct {
  int kind; /* OPT_* */
  double lr, momentum, rho, eps, beta1, beta2, init_acc, weight_decay, clip;
  bool nesterov, centered;
  int clip_kind;
} reference_config;

/* The Keras 3 rules, in double. State: s0, s1, s2 per weight; u_product for Nadam. */
typedef struct {
  double w[MAX_W], s0[MAX_W], s1[MAX_W], s2[MAX_W], u_product;
} reference_state;

static void reference_step(const reference_config *c, const layout *lay, reference_state *r,
                           const double *grad_in, int step) {
  double g[MAX_W];
  memcpy(g, grad_in, sizeof g);
  /* base_optimizer._clip_gradients (only one option may be set). */
  if (c->clip_kind == CLIP_NORM) {
    /* _clip_by_norm, per variable: g * clipnorm / max(||g||, clipnorm) */
    for (int t = 0; t < lay->count; t++) {
      if (lay->frozen[t]) continue;
      double ss = 0;
      for (size_t i = 0; i < lay->size[t]; i++) ss += g[lay->start[t] + i] * g[lay->start[t] + i];
      double f = c->clip / fmax(sqrt(ss), c->clip);
      for (size_t i = 0; i < lay->size[t]; i++) g[lay->start[t] + i] *= f;
    }
  } else if (c->clip_kind == CLIP_GLOBAL) {
    /* clip_by_global_norm over the trainable variables: g * c / max(global_norm, c) */
    double ss = 0;
    for (int t = 0; t < lay->count; t++)
      if (!lay->frozen[t])
        for (size_t i = 0; i < lay->size[t]; i++) ss += g[lay->start[t] + i] * g[lay->start[t] + i];
    double f = c->clip / fmax(sqrt(ss), c->clip);
    for (size_t i = 0; i < lay->n; i++) g[i] *= f;
  } else if (c->clip_kind == CLIP_VALUE) {
    /* ops.clip(g, -clipvalue, clipvalue) */
    for (size_t i = 0; i < lay->n; i++) g[i] = fmin(fmax(g[i], -c->clip), c->clip);
  }
  double t = step + 1.0; /* local_step = iterations + 1 */
  double lr = c->lr, b1 = c->beta1, b2 = c->beta2, eps = c->eps;
  /* nadam._backend_update_step: u_product *= beta_1 * (1 - 0.5 * 0.96^(iterations + 1)),
   * before the per-variable update_step. */
  double u_t = b1 * (1.0 - 0.5 * pow(0.96, t)), u_t1 = b1 * (1.0 - 0.5 * pow(0.96, t + 1.0));
  if (c->kind == OPT_NADAM) r->u_product *= u_t;
  for (int ti = 0; ti < lay->count; ti++) {
    if (lay->frozen[ti]) continue;
    for (size_t k = 0; k < lay->size[ti]; k++) {
      size_t i = lay->start[ti] + k;
      double *w = &r->w[i], *s0 = &r->s0[i], *s1 = &r->s1[i], *s2 = &r->s2[i], gi = g[i];
      /* base_optimizer._apply_weight_decay: variable -= variable * wd * lr (before the update) */
      if (c->weight_decay > 0) *w -= *w * c->weight_decay * lr;
      switch (c->kind) {
      case OPT_SGD:
        /* sgd.py: m = m * momentum - g * lr; nesterov: w += m * momentum - g * lr,
         * else w += m; without momentum: w -= g * lr */
        if (c->momentum != 0) {
          *s0 = *s0 * c->momentum - gi * lr;
          *w += c->nesterov ? *s0 * c->momentum - gi * lr : *s0;
        } else {
          *w -= gi * lr;
        }
        break;
      case OPT_ADAGRAD:
        /* adagrad.py: acc += g^2 (acc starts at initial_accumulator_value);
         * w -= lr * g / sqrt(acc + epsilon) */
        *s0 += gi * gi;
        *w -= lr * gi / sqrt(*s0 + eps);
        break;
      case OPT_RMSPROP: {
        /* rmsprop.py: v = rho v + (1 - rho) g^2; centered: a = rho a + (1 - rho) g,
         * denominator = v - a^2 + epsilon, else v + epsilon;
         * increment = lr g / sqrt(denominator); momentum > 0: m = momentum m +
         * increment, w -= m; else w -= increment */
        *s0 = c->rho * *s0 + (1 - c->rho) * gi * gi;
        double den = *s0 + eps;
        if (c->centered) {
          *s2 = c->rho * *s2 + (1 - c->rho) * gi;
          den = *s0 - *s2 * *s2 + eps;
        }
        double inc = lr * gi / sqrt(den);
        if (c->momentum > 0) {
          *s1 = c->momentum * *s1 + inc;
          *w -= *s1;
        } else {
          *w -= inc;
        }
        break;
      }
      case OPT_ADAM:
      case OPT_ADAMW: {
        /* adam.py: alpha = lr sqrt(1 - b2^t) / (1 - b1^t); m += (g - m)(1 - b1);
         * v += (g^2 - v)(1 - b2); w -= m alpha / (sqrt(v) + epsilon)
         * (adamw.py is Adam with weight_decay defaulting to 0.004). */
        double alpha = lr * sqrt(1 - pow(b2, t)) / (1 - pow(b1, t));
        *s0 += (gi - *s0) * (1 - b1);
        *s1 += (gi * gi - *s1) * (1 - b2);
        *w -= *s0 * alpha / (sqrt(*s1) + eps);
        break;
      }
      case OPT_NADAM: {
        /* nadam.py: u_t = b1 (1 - 0.5 * 0.96^t), u_{t+1} = b1 (1 - 0.5 * 0.96^(t+1));
         * u_product_{t+1} = u_product_t * u_{t+1}; m, v as Adam;
         * m_hat = u_{t+1} m / (1 - u_product_{t+1}) + (1 - u_t) g / (1 - u_product_t);
         * v_hat = v / (1 - b2^t); w -= m_hat lr / (sqrt(v_hat) + epsilon) */
        double u_prod1 = r->u_product * u_t1;
        *s0 += (gi - *s0) * (1 - b1);
        *s1 += (gi * gi - *s1) * (1 - b2);
        double m_hat = u_t1 * *s0 / (1 - u_prod1) + (1 - u_t) * gi / (1 - r->u_product);
        double v_hat = *s1 / (1 - pow(b2, t));
        *w -= m_hat * lr / (sqrt(v_hat) + eps);
        break;
      }
      case OPT_ADAMAX: {
        /* adamax.py: m += (g - m)(1 - b1); u = max(b2 u, |g|);
         * w -= lr m / ((1 - b1^t)(u + epsilon)) */
        *s0 += (gi - *s0) * (1 - b1);
        *s1 = fmax(b2 * *s1, fabs(gi));
        *w -= lr * *s0 / ((1 - pow(b1, t)) * (*s1 + eps));
        break;
      }
      }
    }
  }
}

static reference_config defaults(int kind, double lr) {
  reference_config c = {kind, lr, 0, 0.9, 1e-7, 0.9, 0.999, 0.1, 0, 0, false, false, CLIP_NONE};
  if (kind == OPT_ADAMW) c.weight_decay = 0.004;
  return c;
}

/* Runs STEPS updates in the engine and the reference and compares all weights. */
static void check_optimizer(const char *spec, reference_config c, const int *frozen_layers) {
  eng_model *m = make_model(spec);
  if (!m) return;
  if (frozen_layers)
    for (int k = 0; frozen_layers[k] >= 0; k++) CHECK_OK(eng_model_set_trainable(m, (uint32_t)frozen_layers[k], 0));
  layout lay = layout_of(m);
  CHECK(lay.n <= MAX_W && m->n_grads == m->n_params);
  reference_state r;
  memset(&r, 0, sizeof r);
  r.u_product = 1.0;
  for (size_t i = 0; i < lay.n; i++) {
    r.w[i] = m->params[i];
    if (c.kind == OPT_ADAGRAD) r.s0[i] = c.init_acc;
  }
  float initial[MAX_W];
  memcpy(initial, m->params, lay.n * sizeof(float));
  double worst = 0;
  size_t worst_i = 0;
  for (int step = 0; step < STEPS; step++) {
    double g[MAX_W] = {0};
    for (size_t i = 0; i < lay.n; i++) {
      g[i] = gradient_value(i, step);
      m->grads[i] = (float)g[i];
      g[i] = m->grads[i]; /* the reference starts from the same float gradient */
    }
    /* Step 1 records the update statistics (the trainer does on an epoch's last
     * batch), which takes the scalar path; the others the SIMD one where it exists. */
    float before[MAX_W];
    memcpy(before, m->params, lay.n * sizeof(float));
    optimizer_apply(m, c.lr, step, step == 1);
    reference_step(&c, &lay, &r, g, step);
    if (step == 1 && c.weight_decay == 0) {
      /* update_sq of a layer: the squared norm of its kernel's update. */
      for (uint32_t li = 0; li < m->n_layers; li++) {
        const layer *l = &m->layers[li];
        size_t k0 = (size_t)(l->kernel - m->params);
        double sq = 0;
        for (size_t i = k0; i < k0 + (size_t)l->in * l->out; i++)
          sq += ((double)m->params[i] - before[i]) * ((double)m->params[i] - before[i]);
        if (l->trainable) CHECK(fabs(l->update_sq - sq) <= 1e-4 * sq + 1e-12);
      }
    }
  }
  for (size_t i = 0; i < lay.n; i++) {
    double err = fabs(m->params[i] - r.w[i]);
    if (!(err <= worst)) worst = err, worst_i = i;
  }
  printf("%-58s %s worst |w - w_keras| = %.2e\n", spec, frozen_layers ? "(frozen)" : "        ",
         worst);
  if (!(worst <= TOL))
    fprintf(stderr, "%s: weight %zu is %.9g, Keras gives %.9g (started at %.9g)\n", spec, worst_i,
            m->params[worst_i], r.w[worst_i], initial[worst_i]);
  CHECK(worst <= TOL);
  /* The update must be visible: every trainable weight with a gradient moved. */
  int unmoved = 0;
  for (int t = 0; t < lay.count; t++)
    for (size_t k = 0; k < lay.size[t]; k++) {
      size_t i = lay.start[t] + k;
      bool moved = m->params[i] != initial[i];
      if (lay.frozen[t]) CHECK(!moved);
      else unmoved += !moved && i != 7;
    }
  CHECK(unmoved == 0);
  eng_model_free(m);
}

static void test_update_rules(void) {
  reference_config c;
  check_optimizer("sgd learning_rate=0.1", defaults(OPT_SGD, 0.1), NULL);
  c = defaults(OPT_SGD, 0.1), c.momentum = 0.9;
  check_optimizer("sgd learning_rate=0.1 momentum=0.9", c, NULL);
  c.nesterov = true;
  check_optimizer("sgd learning_rate=0.1 momentum=0.9 nesterov=1", c, NULL);
  check_optimizer("adagrad learning_rate=0.05", defaults(OPT_ADAGRAD, 0.05), NULL);
  c = defaults(OPT_ADAGRAD, 0.05), c.init_acc = 0.5, c.eps = 1e-2;
  check_optimizer("adagrad learning_rate=0.05 initial_accumulator_value=0.5 epsilon=0.01", c, NULL);
  check_optimizer("rmsprop learning_rate=0.01", defaults(OPT_RMSPROP, 0.01), NULL);
  c = defaults(OPT_RMSPROP, 0.01), c.momentum = 0.5, c.rho = 0.8;
  check_optimizer("rmsprop learning_rate=0.01 rho=0.8 momentum=0.5", c, NULL);
  c = defaults(OPT_RMSPROP, 0.01), c.centered = true;
  check_optimizer("rmsprop learning_rate=0.01 centered=1", c, NULL);
  c.momentum = 0.3;
  check_optimizer("rmsprop learning_rate=0.01 centered=1 momentum=0.3", c, NULL);
  check_optimizer("adam learning_rate=0.01", defaults(OPT_ADAM, 0.01), NULL);
  c = defaults(OPT_ADAM, 0.01), c.beta1 = 0.8, c.beta2 = 0.99, c.eps = 0.1;
  check_optimizer("adam learning_rate=0.01 beta_1=0.8 beta_2=0.99 epsilon=0.1", c, NULL);
  check_optimizer("adamw learning_rate=0.01", defaults(OPT_ADAMW, 0.01), NULL);
  c = defaults(OPT_ADAMW, 0.01), c.weight_decay = 0.5;
  check_optimizer("adamw learning_rate=0.01 weight_decay=0.5", c, NULL);
  check_optimizer("nadam learning_rate=0.01", defaults(OPT_NADAM, 0.01), NULL);
  c = defaults(OPT_NADAM, 0.01), c.beta1 = 0.7;
  check_optimizer("nadam learning_rate=0.01 beta_1=0.7", c, NULL);
  check_optimizer("adamax learning_rate=0.01", defaults(OPT_ADAMAX, 0.01), NULL);
  c = defaults(OPT_ADAMAX, 0.01), c.beta2 = 0.5;
  check_optimizer("adamax learning_rate=0.01 beta_2=0.5", c, NULL);
}

static void test_clipping_and_decay(void) {
  reference_config c = defaults(OPT_SGD, 0.1);
  c.clip_kind = CLIP_VALUE, c.clip = 0.12;
  check_optimizer("sgd learning_rate=0.1 clipvalue=0.12", c, NULL);
  c.clip_kind = CLIP_NORM, c.clip = 0.3; /* kernel 0 (norm ~0.7) and kernel 1 clipped, biases not */
  check_optimizer("sgd learning_rate=0.1 clipnorm=0.3", c, NULL);
  c.clip_kind = CLIP_GLOBAL, c.clip = 0.5;
  check_optimizer("sgd learning_rate=0.1 global_clipnorm=0.5", c, NULL);
  c = defaults(OPT_ADAM, 0.01), c.clip_kind = CLIP_NORM, c.clip = 0.2;
  check_optimizer("adam learning_rate=0.01 clipnorm=0.2", c, NULL);
  c = defaults(OPT_SGD, 0.1), c.momentum = 0.9, c.weight_decay = 0.2;
  check_optimizer("sgd learning_rate=0.1 momentum=0.9 weight_decay=0.2", c, NULL);
  c = defaults(OPT_RMSPROP, 0.01), c.weight_decay = 0.1;
  check_optimizer("rmsprop learning_rate=0.01 weight_decay=0.1", c, NULL);

  /* Clip factors really bite with these gradients (otherwise the checks above would
   * not distinguish clipping from none): the first kernel's gradient norm exceeds
   * 0.3 and some values exceed 0.12. */
  double ss = 0, big = 0;
  for (size_t i = 0; i < 12; i++) ss += gradient_value(i, 0) * gradient_value(i, 0);
  for (size_t i = 0; i < 23; i++) big = fmax(big, fabs(gradient_value(i, 0)));
  CHECK(sqrt(ss) > 0.3 && big > 0.12);

  /* Keras: "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set." */
  eng_model *m = make_model(NULL);
  if (m) {
    CHECK_FAILS(eng_model_set_optimizer(m, "sgd clipnorm=1 clipvalue=0.5"), ENG_ERR_INVALID,
                "set only one of clipvalue, clipnorm and global_clipnorm");
    CHECK_FAILS(eng_model_set_optimizer(m, "adam global_clipnorm=1 clipnorm=1"), ENG_ERR_INVALID,
                "set only one of");
    CHECK_FAILS(eng_model_set_optimizer(m, "adamw clipvalue=1 global_clipnorm=2"), ENG_ERR_INVALID,
                "set only one of");
    CHECK_FAILS(eng_model_set_optimizer(m, "sgd momentum=1.5"), ENG_ERR_INVALID, "momentum");
    CHECK_FAILS(eng_model_set_optimizer(m, "sgd betas=1"), ENG_ERR_INVALID, "has no option 'betas'");
    CHECK_FAILS(eng_model_set_optimizer(m, "lamb"), ENG_ERR_INVALID, "'lamb'");
    eng_model_free(m);
  }
}

/* Keras's _clip_gradients tests `if self.clipnorm and self.clipnorm > 0` (and the
 * same for global_clipnorm and clipvalue): a value of 0 means "no clipping". The
 * engine may instead reject 0, but it must not silently zero every gradient (or,
 * with global_clipnorm=0 and zero gradients, produce 0/0 = NaN weights). */
static void test_zero_clip_means_off(void) {
  static const char *const specs[] = {"sgd learning_rate=0.1 clipvalue=0",
                                      "sgd learning_rate=0.1 clipnorm=0",
                                      "sgd learning_rate=0.1 global_clipnorm=0"};
  for (size_t k = 0; k < ENG_COUNT_OF(specs); k++) {
    eng_model *m = make_model(NULL);
    if (!m) continue;
    eng_status st = eng_model_set_optimizer(m, specs[k]);
    if (st == ENG_OK) {
      float before = m->params[0];
      for (size_t i = 0; i < m->n_grads; i++) m->grads[i] = gradient_value(i, 0);
      optimizer_apply(m, 0.1, 0, false);
      double expected = before - 0.1 * (double)gradient_value(0, 0); /* unclipped SGD */
      if (!(fabs(m->params[0] - expected) <= 1e-6))
        fprintf(stderr, "%s: w = %.9g after one step, Keras (no clipping) gives %.9g\n",
                specs[k], m->params[0], expected);
      CHECK_NEAR(m->params[0], expected, 1e-6);
      /* All-zero gradients (a dead layer) leave SGD's weights as they are; clipping
       * by a zero norm must not compute 0 / max(0, 0) = NaN. */
      float w1 = m->params[1];
      for (size_t i = 0; i < m->n_grads; i++) m->grads[i] = 0.0f;
      optimizer_apply(m, 0.1, 1, false);
      if (!(m->params[1] == w1))
        fprintf(stderr, "%s: zero gradients turned w = %.9g into %.9g\n", specs[k], w1, m->params[1]);
      CHECK(m->params[1] == w1);
    } else {
      CHECK(st == ENG_ERR_INVALID);
    }
    eng_model_free(m);
  }
}

static void test_frozen_layers(void) {
  /* eng_model_set_trainable(m, i, 0): the layer's kernel and bias never move (not
   * even by weight decay), and global_clipnorm counts only the trainable variables
   * (Keras clips the gradients of model.trainable_variables). */
  const int frozen0[] = {0, -1}, frozen1[] = {1, -1};
  reference_config c = defaults(OPT_SGD, 0.1);
  c.momentum = 0.9;
  check_optimizer("sgd learning_rate=0.1 momentum=0.9", c, frozen0);
  c = defaults(OPT_SGD, 0.1), c.clip_kind = CLIP_GLOBAL, c.clip = 0.2;
  check_optimizer("sgd learning_rate=0.1 global_clipnorm=0.2", c, frozen0);
  check_optimizer("adamw learning_rate=0.01", defaults(OPT_ADAMW, 0.01), frozen1);
  c = defaults(OPT_ADAM, 0.01), c.weight_decay = 0.3;
  check_optimizer("adam learning_rate=0.01 weight_decay=0.3", c, frozen0);
}

static void test_defaults(void) {
  /* Keras 3 constructor defaults. */
  static const struct {
    const char *spec;
    double lr;
  } cases[] = {{"sgd", 0.01},   {"adagrad", 0.001}, {"rmsprop", 0.001}, {"adam", 0.001},
               {"adamw", 0.001}, {"nadam", 0.001},  {"adamax", 0.001}};
  eng_model *m = make_model(NULL);
  if (!m) return;
  for (size_t k = 0; k < ENG_COUNT_OF(cases); k++) {
    CHECK_OK(eng_model_set_optimizer(m, cases[k].spec));
    CHECK_NEAR(m->optimizer.learning_rate, cases[k].lr, 0);
    const eng_options *o = &m->optimizer.opt;
    if (eng_opt_index(&optimizer_table[o->variant], "epsilon") >= 0)
      CHECK_NEAR(eng_opt_num(o, optimizer_table, "epsilon"), 1e-7, 0);
  }
  CHECK_OK(eng_model_set_optimizer(m, "adamw"));
  CHECK_NEAR(eng_opt_num(&m->optimizer.opt, optimizer_table, "weight_decay"), 0.004, 0);
  CHECK_OK(eng_model_set_optimizer(m, "adagrad"));
  CHECK_NEAR(eng_opt_num(&m->optimizer.opt, optimizer_table, "initial_accumulator_value"), 0.1, 0);
  CHECK_OK(eng_model_set_optimizer(m, "rmsprop"));
  CHECK_NEAR(eng_opt_num(&m->optimizer.opt, optimizer_table, "rho"), 0.9, 0);
  CHECK_OK(eng_model_set_optimizer(m, "adam"));
  CHECK_NEAR(eng_opt_num(&m->optimizer.opt, optimizer_table, "beta_1"), 0.9, 0);
  CHECK_NEAR(eng_opt_num(&m->optimizer.opt, optimizer_table, "beta_2"), 0.999, 0);
  eng_model_free(m);
}

/* Keras adagrad.py builds its accumulators with
 * initializers.Constant(initial_accumulator_value): every trainable variable, not
 * only the first, starts at 0.1. */
static void test_adagrad_accumulators_start(void) {
  for (int set_after_build = 0; set_after_build <= 1; set_after_build++) {
    eng_model *m = NULL;
    CHECK_OK(eng_model_create(4, "model", &m));
    if (!m) return;
    CHECK_OK(eng_model_add(m, "dense units=3 activation=tanh"));
    CHECK_OK(eng_model_add(m, "dense units=2 activation=softmax"));
    if (!set_after_build) CHECK_OK(eng_model_set_optimizer(m, "adagrad"));
    CHECK_OK(eng_model_build(m, 4));
    if (set_after_build) CHECK_OK(eng_model_set_optimizer(m, "adagrad"));
    for (uint32_t ti = 0; ti < m->n_tensors; ti++) {
      const tensor *t = &m->tensors[ti];
      int wrong = 0;
      for (size_t i = 0; i < t->size; i++) wrong += t->slots[i] != 0.1f;
      if (wrong)
        fprintf(stderr, "adagrad (set %s build): tensor %u (%s of layer %u): %d of %zu "
                "accumulators start at %g instead of 0.1\n", set_after_build ? "after" : "before",
                ti, t->name, t->layer, wrong, t->size, t->slots[t->size - 1]);
      CHECK(wrong == 0);
    }
    eng_model_free(m);
  }
}

int main(void) {
  test_defaults();
  test_adagrad_accumulators_start();
  test_update_rules();
  test_clipping_and_decay();
  test_frozen_layers();
  test_zero_clip_means_off();
  return test_report("test_optimizers");
}
