/* activations.c: the named activations, forward and backward. Formulas follow
 * keras.activations (Keras 3): GELU is the exact erf form (approximate=False),
 * SELU uses the constants of Klambauer et al. (2017), Swish is keras.activations.silu
 * (Ramachandran et al. 2017; "swish" in Keras and TF.js): z * sigmoid(z). Mish is
 * keras.activations.mish (Misra 2019, arXiv:1908.08681): z * tanh(softplus(z)). */
#include "nn.h"
#include "simd.h"

#include <math.h>

/* ReLU, the hot activation, in SIMD: pmax(0, z) is exactly z > 0 ? z : 0 (NaN
 * and -0 included), and the backward select keeps dy where z > 0. Their scalar
 * tails are the references the tests compare with (tests/c/test_layers.c). */
void relu_forward_f32(const float *z, float *y, size_t n) {
  size_t n4 = n & ~(size_t)3;
  v128_t zero = wasm_f32x4_splat(0.0f);
  for (size_t i = 0; i < n4; i += 4) wasm_v128_store(y + i, wasm_f32x4_pmax(zero, wasm_v128_load(z + i)));
  for (size_t i = n4; i < n; i++) y[i] = z[i] > 0 ? z[i] : 0.0f;
}

void relu_backward_f32(const float *z, const float *dy, float *dz, size_t n) {
  size_t n4 = n & ~(size_t)3;
  v128_t zero = wasm_f32x4_splat(0.0f);
  for (size_t i = 0; i < n4; i += 4)
    wasm_v128_store(dz + i, wasm_v128_and(wasm_v128_load(dy + i), wasm_f32x4_gt(wasm_v128_load(z + i), zero)));
  for (size_t i = n4; i < n; i++) dz[i] = z[i] > 0 ? dy[i] : 0.0f;
}

const char *const activation_names[ACT_COUNT + 1] = {
    "linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu", "swish", "mish", "softmax", NULL};

const activation_desc activation_info[ACT_COUNT] = {
    [ACT_LINEAR] = {"no activation (use before batch normalization, or with a separate Activation layer)", "linear", NULL, 0},
    [ACT_SIGMOID] = {"squashes to (0, 1); saturates at both ends, so gradients vanish in deep nets", "sigmoid", NULL, 0},
    [ACT_TANH] = {"squashes to (-1, 1); zero-centred, but still saturates", "tanh", NULL, 0},
    [ACT_RELU] = {"max(0, z): fast and does not saturate for positive inputs; neurons can \"die\"", "relu", NULL, 0},
    /* keras.layers.LeakyReLU(negative_slope=0.3); TF.js writes it as a LeakyReLU layer */
    [ACT_LEAKY_RELU] = {"a small slope for negative inputs keeps neurons from dying", NULL, "negative_slope", 0.3},
    /* keras.activations.elu(alpha=1.0); TF.js's elu is alpha 1 only */
    [ACT_ELU] = {"smooth, negative outputs push the mean towards 0; slower to compute", "elu", "alpha", 1.0},
    [ACT_SELU] = {"self-normalizing with LeCun init and standardized inputs in a plain stack of dense layers", "selu", NULL, 0},
    /* tfjs-layers activations.ts: 'gelu' is the exact erf form, as here, since TF.js 4.x */
    [ACT_GELU] = {"smooth ReLU-like curve used by transformers", "gelu", NULL, 0},
    [ACT_SWISH] = {"z * sigmoid(z): smooth and non-monotonic, like GELU; found by automated search (Ramachandran et al. 2017)", "swish", NULL, 0},
    /* tfjs-layers activations.ts has 'mish' (x * tanh(softplus(x))), as Keras 3 has */
    [ACT_MISH] = {"z * tanh(softplus(z)): smooth, non-monotonic, a self-regularized cousin of Swish (Misra 2019)", "mish", NULL, 0},
    [ACT_SOFTMAX] = {"turns the outputs into class probabilities (output layer)", "softmax", NULL, 0},
};

double activation_default_alpha(int act) { return activation_info[act].alpha_default; }

void activation_saturation(int act, float *low, float *high) {
  /* Where a saturating activation's gradient is nearly zero (the book's chapter 11 plots). */
  *low = -INFINITY, *high = INFINITY;
  if (act == ACT_SIGMOID) *low = 0.01f, *high = 0.99f;
  else if (act == ACT_TANH) *low = -0.98f, *high = 0.98f;
}

static inline float sigmoidf(float z) {
  /* Stable for large |z|: never exponentiates a large positive number. */
  if (z >= 0) return 1.0f / (1.0f + eng_expf(-z));
  float e = eng_expf(z);
  return e / (1.0f + e);
}

static inline float tanh_f(float z) {
  /* tanh z = 2 sigmoid(2z) - 1, written to keep precision near 0. */
  float a = fabsf(z);
  float e = eng_expf(-2.0f * a);
  float t = (1.0f - e) / (1.0f + e);
  return z < 0 ? -t : t;
}

/* tanh(softplus(z)) = n / (n + 2) with n = e^z (e^z + 2), since
 * tanh(log u) = (u^2 - 1) / (u^2 + 1) and u = 1 + e^z. Above z = 20 it is 1 in
 * float (n > 2^57), and e^z would overflow from z = 89. */
static inline float tanh_softplus(float z) {
  if (z > 20.0f) return 1.0f;
  float e = eng_expf(z), n = e * (e + 2.0f);
  return n / (n + 2.0f);
}

static void forward_rows(int act, float alpha, const float *z, float *y, int rows, int cols) {
  size_t n = (size_t)rows * cols;
  switch (act) {
  case ACT_LINEAR:
    if (y != z)
      for (size_t i = 0; i < n; i++) y[i] = z[i];
    break;
  case ACT_SIGMOID:
    for (size_t i = 0; i < n; i++) y[i] = sigmoidf(z[i]);
    break;
  case ACT_TANH:
    for (size_t i = 0; i < n; i++) y[i] = tanh_f(z[i]);
    break;
  case ACT_RELU:
    relu_forward_f32(z, y, n);
    break;
  case ACT_LEAKY_RELU:
    for (size_t i = 0; i < n; i++) y[i] = z[i] > 0 ? z[i] : alpha * z[i];
    break;
  case ACT_ELU:
    for (size_t i = 0; i < n; i++) y[i] = z[i] > 0 ? z[i] : alpha * (eng_expf(z[i]) - 1.0f);
    break;
  case ACT_SELU:
    for (size_t i = 0; i < n; i++)
      y[i] = z[i] > 0 ? (float)SELU_SCALE * z[i]
                      : (float)(SELU_SCALE * SELU_ALPHA) * (eng_expf(z[i]) - 1.0f);
    break;
  case ACT_GELU:
    for (size_t i = 0; i < n; i++)
      y[i] = 0.5f * z[i] * (1.0f + eng_erff(z[i] * 0.70710678118654752f));
    break;
  case ACT_SWISH:
    for (size_t i = 0; i < n; i++) y[i] = z[i] * sigmoidf(z[i]);
    break;
  case ACT_MISH:
    for (size_t i = 0; i < n; i++) y[i] = z[i] * tanh_softplus(z[i]);
    break;
  case ACT_SOFTMAX:
    for (int r = 0; r < rows; r++) {
      const float *zr = z + (size_t)r * cols;
      float *yr = y + (size_t)r * cols;
      float mx = zr[0];
      for (int c = 1; c < cols; c++) mx = zr[c] > mx ? zr[c] : mx;
      float sum = 0;
      for (int c = 0; c < cols; c++) sum += (yr[c] = eng_expf(zr[c] - mx));
      float inv = 1.0f / sum;
      for (int c = 0; c < cols; c++) yr[c] *= inv;
    }
    break;
  }
}

static void backward_rows(int act, float alpha, const float *z, const float *y, const float *dy,
                          float *dz, int rows, int cols) {
  size_t n = (size_t)rows * cols;
  switch (act) {
  case ACT_LINEAR:
    for (size_t i = 0; i < n; i++) dz[i] = dy[i];
    break;
  case ACT_SIGMOID:
    for (size_t i = 0; i < n; i++) dz[i] = dy[i] * y[i] * (1.0f - y[i]);
    break;
  case ACT_TANH:
    for (size_t i = 0; i < n; i++) dz[i] = dy[i] * (1.0f - y[i] * y[i]);
    break;
  case ACT_RELU:
    relu_backward_f32(z, dy, dz, n);
    break;
  case ACT_LEAKY_RELU:
    for (size_t i = 0; i < n; i++) dz[i] = z[i] > 0 ? dy[i] : alpha * dy[i];
    break;
  case ACT_ELU: /* d/dz alpha (e^z - 1) = y + alpha */
    for (size_t i = 0; i < n; i++) dz[i] = z[i] > 0 ? dy[i] : dy[i] * (y[i] + alpha);
    break;
  case ACT_SELU:
    for (size_t i = 0; i < n; i++)
      dz[i] = z[i] > 0 ? dy[i] * (float)SELU_SCALE
                       : dy[i] * (y[i] + (float)(SELU_SCALE * SELU_ALPHA));
    break;
  case ACT_GELU: /* Phi(z) + z phi(z) */
    for (size_t i = 0; i < n; i++) {
      float cdf = 0.5f * (1.0f + eng_erff(z[i] * 0.70710678118654752f));
      float pdf = 0.39894228040143268f * eng_expf(-0.5f * z[i] * z[i]);
      dz[i] = dy[i] * (cdf + z[i] * pdf);
    }
    break;
  case ACT_SWISH: /* s + z s (1 - s) = s + y (1 - s) */
    for (size_t i = 0; i < n; i++) {
      float s = sigmoidf(z[i]);
      dz[i] = dy[i] * (s + y[i] * (1.0f - s));
    }
    break;
  case ACT_MISH: /* t + z (1 - t^2) sigmoid(z), t = tanh(softplus(z)): softplus' = sigmoid */
    for (size_t i = 0; i < n; i++) {
      float t = tanh_softplus(z[i]);
      dz[i] = dy[i] * (t + z[i] * (1.0f - t * t) * sigmoidf(z[i]));
    }
    break;
  case ACT_SOFTMAX: /* dz = y * (dy - sum(dy * y)) */
    for (int r = 0; r < rows; r++) {
      const float *yr = y + (size_t)r * cols, *dyr = dy + (size_t)r * cols;
      float *dzr = dz + (size_t)r * cols;
      float dot = 0;
      for (int c = 0; c < cols; c++) dot += dyr[c] * yr[c];
      for (int c = 0; c < cols; c++) dzr[c] = yr[c] * (dyr[c] - dot);
    }
    break;
  }
}

/* Row blocks in parallel (rows are independent, softmax included). */
typedef struct {
  int act, cols;
  float alpha;
  const float *z, *y, *dy;
  float *out;
} act_job;

static void forward_range(void *c, size_t r0, size_t r1) {
  const act_job *j = c;
  size_t off = r0 * (size_t)j->cols;
  forward_rows(j->act, j->alpha, j->z + off, j->out + off, (int)(r1 - r0), j->cols);
}

static void backward_range(void *c, size_t r0, size_t r1) {
  const act_job *j = c;
  size_t off = r0 * (size_t)j->cols;
  backward_rows(j->act, j->alpha, j->z ? j->z + off : NULL, j->y + off, j->dy + off, j->out + off,
                (int)(r1 - r0), j->cols);
}

#define MIN_ELEMENTS 16384 /* per task: less measured slower split than not (bench's kernel profile) */
static size_t min_rows(int cols) { return cols >= MIN_ELEMENTS ? 1 : (size_t)(MIN_ELEMENTS / cols); }

void activation_forward(int act, float alpha, const float *z, float *y, int rows, int cols) {
  act_job j = {act, cols, alpha, z, NULL, NULL, y};
  eng_parallel_range(forward_range, &j, (size_t)rows, min_rows(cols));
}

void activation_backward(int act, float alpha, const float *z, const float *y, const float *dy,
                         float *dz, int rows, int cols) {
  act_job j = {act, cols, alpha, z, y, dy, dz};
  eng_parallel_range(backward_range, &j, (size_t)rows, min_rows(cols));
}
