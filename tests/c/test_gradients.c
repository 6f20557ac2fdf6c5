/* test_gradients.c: model_backward against central finite differences.
 *
 * Reference: the central difference (L(w + h) - L(w - h)) / (2h) of the training
 * loss L = mean sparse categorical cross-entropy (model_loss, computed in double
 * from the float logits) + the kernel penalties (model_penalty, Keras's
 * l1 * sum|w| + l2 * sum w^2), evaluated with the engine's own float32 forward
 * pass in training mode (batch statistics, the same dropout mask) but without
 * changing any state (update_state = false). Everything the engine's backward pass
 * derives by hand (activation derivatives, the BN input gradient, dropout scaling,
 * the softmax Jacobian, penalty gradients 2 l2 w + l1 sign w) is checked against
 * nothing but the forward pass.
 *
 * Tolerance: the forward pass is float32, so each loss value carries a rounding
 * error of about 1e-7 * |L| ~ 2e-7 (L ~ 1.5); with a step of 2h = 6e-3 this is
 * ~3e-5 in the difference quotient. The truncation error of the central
 * difference is h^2/6 * |L'''| ~ 1.5e-6 * |L'''|, and |L'''| reaches ~5 through
 * batch normalization over 5 samples (h = 1e-2 used 64% of the tolerance there,
 * h = 3e-3 balances the two errors at ~11% everywhere). The check is
 * |numeric - analytic| <= 1e-4 + 1e-2 * max(|numeric|, |analytic|), several times
 * the expected error, while a wrong derivative (a missing factor 2 in the L2
 * term, a wrong slope, a lost 1/n) is off by 1e-3 or more at these sizes.
 * Coordinates whose perturbation moves any pre-activation of a kinked activation
 * (relu, leaky_relu, elu, selu, and the inputs of PReLU and RReLU layers) across 0, or a kernel weight with an L1 penalty
 * across 0, are skipped: the loss is not differentiable there. */
#include "testlib.h"
#include "nn.h"

#include <string.h>

#define H 3e-3
#define ATOL 1e-4
#define RTOL 1e-2

/* Test data from an independent generator (splitmix64 + Box-Muller). */
static uint64_t test_state = 0x9E3779B97F4A7C15ull;
static uint64_t splitmix(void) {
  uint64_t z = (test_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static double uniform01(void) { return (double)(splitmix() >> 11) / 9007199254740992.0; }
static double normal01(void) {
  double u = uniform01(), v = uniform01();
  if (u < 1e-300) u = 1e-300;
  return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static bool kinked(int act) {
  return act == ACT_RELU || act == ACT_LEAKY_RELU || act == ACT_ELU || act == ACT_SELU;
}

/* The values whose sign decides the branch of a kinked activation, for all layers:
 * dense pre-activations z, or the input of an activation layer. */
static size_t collect_kinks(const eng_model *m, int n, float *out) {
  size_t k = 0;
  for (uint32_t li = 0; li < m->n_layers; li++) {
    const layer *l = &m->layers[li];
    if (l->kind == LAYER_DENSE && kinked(l->act)) {
      for (size_t i = 0; i < (size_t)n * l->out; i++) out[k++] = l->z[i];
    } else if ((l->kind == LAYER_ACTIVATION && kinked(l->act)) || l->kind == LAYER_PRELU ||
               l->kind == LAYER_RRELU) {
      const float *x = li ? m->layers[li - 1].y : m->input;
      for (size_t i = 0; i < (size_t)n * l->out; i++) out[k++] = x[i];
    }
  }
  return k;
}

typedef struct {
  eng_model *m;
  int n;
  const uint8_t *labels;
  dropout_streams rng; /* dropout streams at the start: every forward draws the same mask */
  bool training; /* false: the inference pass (RReLU's mean slope) */
  float *kinks0, *kinks;
  size_t n_kinks;
} grad_ctx;

/* Training-mode loss that changes no state; *crossed is set when a kinked
 * activation changed branch relative to the unperturbed pass. */
static double loss_at(grad_ctx *c, bool *crossed) {
  c->m->dropout = c->rng;
  model_forward(c->m, c->n, c->training, false);
  double loss = model_loss(c->m, c->labels, c->n, NULL) + model_penalty(c->m);
  size_t k = collect_kinks(c->m, c->n, c->kinks);
  for (size_t i = 0; i < k; i++)
    if ((c->kinks[i] > 0) != (c->kinks0[i] > 0)) *crossed = true;
  return loss;
}

typedef struct {
  int checked, skipped, failed;
  double max_err;
} grad_result;

static void compare(const char *label, const char *what, size_t index, double numeric,
                    double analytic, grad_result *r) {
  double err = fabs(numeric - analytic);
  double scale = fmax(fabs(numeric), fabs(analytic));
  r->checked++;
  /* Fraction of the tolerance used, to see the margin. */
  if (err / (ATOL + RTOL * scale) > r->max_err) r->max_err = err / (ATOL + RTOL * scale);
  if (!(err <= ATOL + RTOL * scale)) {
    if (r->failed < 5)
      fprintf(stderr, "%s: %s[%zu]: numeric %.7g, analytic %.7g\n", label, what, index, numeric,
              analytic);
    r->failed++;
  }
}

/* Central difference of one float in place; NAN when the coordinate is skipped. */
static double difference(grad_ctx *c, float *w, double l1_weight) {
  float w0 = *w;
  if (l1_weight > 0 && fabs(w0) <= 1.5 * H) return NAN;
  float wp = (float)(w0 + H), wm = (float)(w0 - H);
  bool crossed = false;
  *w = wp;
  double lp = loss_at(c, &crossed);
  *w = wm;
  double lm = loss_at(c, &crossed);
  *w = w0;
  if (crossed) return NAN;
  /* The step actually taken, after rounding to float. */
  return (lp - lm) / ((double)wp - (double)wm);
}

/* Checks every trainable parameter (and, with input_grad_buffer >= 0, the gradient
 * with respect to the model input, found in m->delta[input_grad_buffer]). */
static void check_model_mode(const char *label, eng_model *m, int n, const uint8_t *labels,
                             int input_grad_buffer, bool training) {
  grad_ctx c = {m, n, labels, m->dropout, training, NULL, NULL, 0};
  size_t cap = 0;
  for (uint32_t li = 0; li < m->n_layers; li++) cap += (size_t)n * m->layers[li].out;
  c.kinks0 = calloc(cap + 1, sizeof(float));
  c.kinks = calloc(cap + 1, sizeof(float));
  float grad_std[ENG_MAX_LAYERS];
  m->dropout = c.rng;
  model_forward(m, n, training, false);
  c.n_kinks = collect_kinks(m, n, c.kinks0);
  model_backward(m, labels, n, input_grad_buffer >= 0 ? grad_std : NULL);
  float *analytic = malloc(m->n_grads * sizeof(float));
  memcpy(analytic, m->grads, m->n_grads * sizeof(float));
  float *dx = NULL;
  if (input_grad_buffer >= 0) {
    dx = malloc((size_t)n * m->input_features * sizeof(float));
    memcpy(dx, m->delta[input_grad_buffer], (size_t)n * m->input_features * sizeof(float));
  }
  grad_result r = {0, 0, 0, 0};
  for (uint32_t ti = 0; ti < m->n_tensors; ti++) {
    tensor *t = &m->tensors[ti];
    if (!t->grad || !m->layers[t->layer].trainable) continue;
    const layer *l = &m->layers[t->layer];
    double l1 = t->is_kernel || l->kind == LAYER_PRELU ? l->l1 : 0;
    const float *a = analytic + (t->grad - m->grads);
    char what[64];
    snprintf(what, sizeof what, "layer %u %s", t->layer, t->name);
    for (size_t i = 0; i < t->size; i++) {
      double num = difference(&c, &t->data[i], l1);
      if (isnan(num)) {
        r.skipped++;
        continue;
      }
      compare(label, what, i, num, a[i], &r);
    }
  }
  if (dx) {
    for (size_t i = 0; i < (size_t)n * m->input_features; i++) {
      double num = difference(&c, &m->input[i], 0);
      if (isnan(num)) {
        r.skipped++;
        continue;
      }
      compare(label, "input", i, num, dx[i], &r);
    }
  }
  printf("%-38s %4d checked, %3d skipped (kinks), worst error %.2f of tolerance\n", label, r.checked,
         r.skipped, r.max_err);
  CHECK(r.failed == 0);
  /* Most coordinates must really be checked, or the test proves nothing. */
  CHECK(r.checked >= 20 && r.skipped * 5 <= r.checked);
  if (r.failed) fprintf(stderr, "%s: %d of %d gradients wrong\n", label, r.failed, r.checked);
  free(analytic), free(dx), free(c.kinks0), free(c.kinks);
}

static void check_model(const char *label, eng_model *m, int n, const uint8_t *labels,
                        int input_grad_buffer) {
  check_model_mode(label, m, n, labels, input_grad_buffer, true);
}

/* Builds a model from layer specs (NULL-terminated) with random inputs and labels. */
#define FEATURES 7
#define BATCH 5
static eng_model *build(const char *model_spec, const char *const *layers, uint8_t *labels) {
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(FEATURES, model_spec, &m));
  if (!m) return NULL;
  for (int i = 0; layers[i]; i++) CHECK_OK(eng_model_add(m, layers[i]));
  eng_status st = eng_model_build(m, 8);
  CHECK_OK(st);
  if (st != ENG_OK) {
    eng_model_free(m);
    return NULL;
  }
  for (int i = 0; i < BATCH * FEATURES; i++) m->input[i] = (float)normal01();
  uint32_t classes = eng_model_output_size(m);
  for (int i = 0; i < BATCH; i++) labels[i] = (uint8_t)(splitmix() % classes);
  /* Non-zero biases so bias gradients and kinks are exercised off the origin. */
  for (uint32_t ti = 0; ti < m->n_tensors; ti++)
    if (strcmp(m->tensors[ti].name, "bias") == 0)
      for (size_t i = 0; i < m->tensors[ti].size; i++)
        m->tensors[ti].data[i] = (float)(0.1 * normal01());
  return m;
}

static void run_case(const char *label, const char *model_spec, const char *const *layers) {
  uint8_t labels[BATCH];
  eng_model *m = build(model_spec, layers, labels);
  if (!m) return;
  check_model(label, m, BATCH, labels, -1);
  eng_model_free(m);
}

static void test_dense_activations(void) {
  static const char *const acts[] = {"linear", "sigmoid", "tanh", "relu", "leaky_relu",
                                     "leaky_relu alpha=0.1", "elu", "elu alpha=0.7", "selu",
                                     "gelu", "swish", "mish", "softmax"};
  for (size_t a = 0; a < ENG_COUNT_OF(acts); a++) {
    char l0[128], l1[128], label[96];
    /* Dense with the activation fused. */
    snprintf(l0, sizeof l0, "dense units=6 activation=%s", acts[a]);
    snprintf(l1, sizeof l1, "dense units=5 activation=%s", acts[a]);
    const char *fused[] = {l0, l1, "dense units=4 activation=softmax", NULL};
    snprintf(label, sizeof label, "dense %s", acts[a]);
    run_case(label, "model seed=11", fused);
    /* The same activation as its own layer after a linear dense. */
    snprintf(l1, sizeof l1, "activation activation=%s", acts[a]);
    const char *separate[] = {"dense units=6", l1, "dense units=4 activation=softmax", NULL};
    snprintf(label, sizeof label, "activation layer %s", acts[a]);
    run_case(label, "model seed=12", separate);
  }
}

/* Dense's input gradient takes two routes (layer_dense.c): dz . kernel^T after
 * transposing the kernel, or, when the batch is small beside the layer, dx^T =
 * kernel . dz^T between transposes of dz and dx^T. 12 -> 10 at batch 5 takes the
 * second (5 x 22 < 120 elements moved), 10 -> 4 the first; the first layer's
 * kernel gradient depends on both. */
static void test_dense_input_gradient_routes(void) {
  const char *layers[] = {"dense units=12 activation=tanh", "dense units=10 activation=tanh",
                          "dense units=4 activation=softmax", NULL};
  run_case("dense input gradient, both routes", "model seed=13", layers);
}

static void test_batch_norm(void) {
  const char *layers[] = {"dense units=6", "batch_normalization", "activation activation=tanh",
                          "dense units=5 activation=relu", "batch_normalization momentum=0.9",
                          "dense units=4 activation=softmax", NULL};
  uint8_t labels[BATCH];
  eng_model *m = build("model seed=21", layers, labels);
  if (!m) return;
  /* Non-trivial gamma/beta so their gradients are not at the identity. */
  for (int li = 1; li <= 4; li += 3)
    for (uint32_t j = 0; j < m->layers[li].out; j++) {
      m->layers[li].gamma[j] = (float)(1.0 + 0.3 * normal01());
      m->layers[li].beta[j] = (float)(0.2 * normal01());
    }
  float mm = m->layers[1].moving_mean[0], mv = m->layers[1].moving_var[0];
  check_model("batch_normalization (training)", m, BATCH, labels, -1);
  /* update_state = false left the moving statistics alone. */
  CHECK(m->layers[1].moving_mean[0] == mm && m->layers[1].moving_var[0] == mv);
  eng_model_free(m);
}

static void test_dropout(void) {
  const char *layers[] = {"dense units=6 activation=tanh", "dropout rate=0.4",
                          "dense units=5 activation=sigmoid", "dense units=4 activation=softmax",
                          NULL};
  uint8_t labels[BATCH];
  eng_model *m = build("model seed=31", layers, labels);
  if (!m) return;
  /* The mask really drops something and scales the rest by 1/(1-rate). */
  dropout_streams saved = m->dropout;
  model_forward(m, BATCH, true, false);
  int dropped = 0, scaled = 0;
  for (int i = 0; i < BATCH * 6; i++) {
    dropped += m->layers[1].aux[i] == 0.0f;
    scaled += fabsf(m->layers[1].aux[i] - 1.0f / 0.6f) < 1e-6f;
  }
  CHECK(dropped > 0 && dropped + scaled == BATCH * 6);
  m->dropout = saved;
  check_model("dropout (fixed mask)", m, BATCH, labels, -1);
  eng_model_free(m);

  const char *alpha_layers[] = {"dense units=6 activation=selu kernel_initializer=lecun_normal",
                                "alpha_dropout rate=0.3", "dense units=5 activation=tanh",
                                "dense units=4 activation=softmax", NULL};
  m = build("model seed=32", alpha_layers, labels);
  if (!m) return;
  check_model("alpha_dropout (fixed mask)", m, BATCH, labels, -1);
  eng_model_free(m);
}

/* PReLU: the slopes' gradient (sum of dy * min(x, 0)) and the input gradient,
 * with slopes away from their zeros start, and the alpha L1/L2 penalties. */
static void test_prelu(void) {
  const char *layers[] = {"dense units=6", "prelu alpha_l1=0.01 alpha_l2=0.02",
                          "dense units=5", "prelu", "dense units=4 activation=softmax", NULL};
  uint8_t labels[BATCH];
  eng_model *m = build("model seed=71", layers, labels);
  if (!m) return;
  for (int li = 1; li <= 3; li += 2)
    for (uint32_t j = 0; j < m->layers[li].out; j++) m->layers[li].slopes[j] = (float)(0.3 + 0.2 * normal01());
  CHECK(model_penalty(m) > 0);
  check_model("prelu (slopes, kernels, penalties)", m, BATCH, labels, -1);
  eng_model_free(m);
  const char *input[] = {"activation activation=linear", "prelu alpha_initializer=constant alpha_value=0.25",
                         "dense units=4 activation=softmax", NULL};
  m = build("model seed=72", input, labels);
  if (!m) return;
  check_model("input gradient (prelu)", m, BATCH, labels, (int)((m->n_layers - 1) % 2));
  eng_model_free(m);
}

/* RReLU: in training, through the slopes drawn for the batch (the same draw at
 * every evaluation, as dropout's mask); at inference, through the mean slope. */
static void test_rrelu(void) {
  const char *layers[] = {"activation activation=linear", "dense units=6", "rrelu",
                          "dense units=5", "rrelu lower=0.05 upper=0.6",
                          "dense units=4 activation=softmax", NULL};
  uint8_t labels[BATCH];
  eng_model *m = build("model seed=81", layers, labels);
  if (!m) return;
  int buffer = (int)((m->n_layers - 1) % 2);
  check_model_mode("rrelu (training, drawn slopes)", m, BATCH, labels, buffer, true);
  /* The slopes really vary (not the mean): the check above used the drawn ones. */
  float lo = INFINITY, hi = -INFINITY;
  for (int i = 0; i < BATCH * 6; i++) lo = fminf(lo, m->layers[2].aux[i]), hi = fmaxf(hi, m->layers[2].aux[i]);
  CHECK(lo >= 0.125f && hi <= 1.0f / 3.0f && hi - lo > 0.05f);
  check_model_mode("rrelu (inference, mean slope)", m, BATCH, labels, buffer, false);
  CHECK(m->layers[4].aux[0] == (float)((0.05 + 0.6) / 2) && m->layers[4].aux[BATCH * 5 - 1] == m->layers[4].aux[0]);
  eng_model_free(m);
}

static void test_penalties(void) {
  const char *layers[] = {"dense units=6 activation=tanh kernel_l1=0.01 kernel_l2=0.02",
                          "dense units=5 activation=sigmoid kernel_l2=0.05",
                          "dense units=4 activation=softmax kernel_l1=0.03", NULL};
  uint8_t labels[BATCH];
  eng_model *m = build("model seed=41", layers, labels);
  if (!m) return;
  CHECK(model_penalty(m) > 0);
  check_model("kernel_l1 + kernel_l2", m, BATCH, labels, -1);
  eng_model_free(m);
}

static void test_output_variants(void) {
  /* from_logits: the loss applies the softmax itself. */
  const char *logits[] = {"dense units=6 activation=gelu", "dense units=4", NULL};
  run_case("from_logits (linear output)", "model seed=51 from_logits=1", logits);
  const char *logits_tanh[] = {"dense units=6 activation=sigmoid",
                               "dense units=4 activation=tanh", NULL};
  run_case("from_logits (tanh output)", "model seed=52 from_logits=1", logits_tanh);
  /* Softmax as a separate last layer, and a dense without bias. */
  const char *separate[] = {"dense units=6 activation=tanh use_bias=0", "dense units=4",
                            "activation activation=softmax", NULL};
  run_case("softmax as an activation layer", "model seed=53", separate);
}

/* Input gradients: the engine never needs the gradient below layer 0, so an identity
 * activation layer comes first; with layer statistics requested (grad_std buffer)
 * the layer above it computes its dx, which is then d loss / d input. The k-th dx
 * written (k = 1 .. L-1) lands in delta[k % 2], so the last is delta[(L-1) % 2]. */
static void test_input_gradient(void) {
  const char *cases[][5] = {
      {"activation activation=linear", "dense units=6 activation=tanh",
       "dense units=4 activation=softmax", NULL},
      {"activation activation=linear", "batch_normalization", "dense units=5 activation=elu",
       "dense units=4 activation=softmax", NULL},
      {"activation activation=linear", "dropout rate=0.5", "dense units=4 activation=softmax",
       NULL},
  };
  const char *labels_text[] = {"input gradient (dense)", "input gradient (batch norm)",
                               "input gradient (dropout)"};
  for (size_t k = 0; k < ENG_COUNT_OF(cases); k++) {
    uint8_t labels[BATCH];
    eng_model *m = build("model seed=61", cases[k], labels);
    if (!m) continue;
    check_model(labels_text[k], m, BATCH, labels, (int)((m->n_layers - 1) % 2));
    eng_model_free(m);
  }
}

int main(void) {
  test_dense_activations();
  test_dense_input_gradient_routes();
  test_batch_norm();
  test_dropout();
  test_penalties();
  test_prelu();
  test_rrelu();
  test_output_variants();
  test_input_gradient();
  return test_report("test_gradients");
}
