/* nn.h: the model's internal structure: layers, tensors, arenas, and the tables
 * of activations, initializers, optimizers, schedules and callbacks. */
#ifndef ENGINE_NN_H
#define ENGINE_NN_H

#include "internal.h"

/* ---- activations (activations.c) */
enum {
  ACT_LINEAR, ACT_SIGMOID, ACT_TANH, ACT_RELU, ACT_LEAKY_RELU, ACT_ELU, ACT_SELU,
  ACT_GELU, ACT_SWISH, ACT_MISH, ACT_SOFTMAX, ACT_COUNT
};
extern const char *const activation_names[ACT_COUNT + 1];
/* What hosts need to know of an activation beyond its formula (eng_describe
 * "activation_info"): the page's one-line help, the tfjs-layers activation name
 * (NULL where TF.js needs a layer: leaky_relu), and the Keras name and default
 * of its one parameter (NULL: none). */
typedef struct {
  const char *help;
  const char *tfjs;
  const char *alpha_keras;
  double alpha_default;
} activation_desc;
extern const activation_desc activation_info[ACT_COUNT];
/* Keras's default parameter: LeakyReLU negative_slope 0.3, ELU alpha 1.0. */
double activation_default_alpha(int act);
/* Outputs below low or above high count as saturated in the layer statistics
 * (-inf and inf: the activation does not saturate). */
void activation_saturation(int act, float *low, float *high);
void activation_forward(int act, float alpha, const float *z, float *y, int rows, int cols);
/* dz = dy * act'(z) (softmax: the Jacobian-vector product). */
void activation_backward(int act, float alpha, const float *z, const float *y, const float *dy,
                         float *dz, int rows, int cols);
/* SIMD ReLU over n floats (exact: same results as the scalar definition). */
void relu_forward_f32(const float *z, float *y, size_t n);
void relu_backward_f32(const float *z, const float *dy, float *dz, size_t n);
/* SELU constants (Klambauer et al. 2017, as in Keras). */
#define SELU_ALPHA 1.6732632423543772848170429916717
#define SELU_SCALE 1.0507009873554804934193349852946

/* ---- initializers (initializers.c) */
enum {
  INIT_ZEROS, INIT_ONES, INIT_CONSTANT, INIT_RANDOM_NORMAL, INIT_RANDOM_UNIFORM,
  INIT_TRUNCATED_NORMAL, INIT_GLOROT_UNIFORM, INIT_GLOROT_NORMAL, INIT_HE_UNIFORM,
  INIT_HE_NORMAL, INIT_LECUN_UNIFORM, INIT_LECUN_NORMAL, INIT_VARIANCE_SCALING, INIT_COUNT
};
extern const char *const initializer_names[INIT_COUNT + 1];
/* The Keras arguments each initializer takes (eng_describe "initializer_params";
 * a layer's option for argument p is kernel_p), space-separated; NULL for none. */
extern const char *const initializer_params[INIT_COUNT];
/* keras.initializers.VarianceScaling's mode and distribution (their Keras names
 * in variance_scaling_modes / variance_scaling_distributions). */
enum { FAN_IN, FAN_OUT, FAN_AVG, FAN_COUNT };
enum { DIST_TRUNCATED_NORMAL, DIST_UNTRUNCATED_NORMAL, DIST_UNIFORM, DIST_COUNT };
extern const char *const variance_scaling_modes[FAN_COUNT + 1];
extern const char *const variance_scaling_distributions[DIST_COUNT + 1];
/* Glorot, He and LeCun are VarianceScaling with fixed arguments (Keras defines
 * them so): their scale, mode and distribution, scale 0 for the other
 * initializers (eng_describe "initializer_variance_scaling"). */
typedef struct { double scale; int mode, distribution; } variance_scaling_args;
extern const variance_scaling_args initializer_variance_scaling[INIT_COUNT];
/* The stddev of a unit normal truncated to [-2, 2] (Keras VarianceScaling divides by it). */
#define TRUNCATED_NORMAL_STDDEV 0.87962566103423978
typedef struct {
  double mean, stddev, minval, maxval, value;
  variance_scaling_args vs; /* variance_scaling's scale, mode, distribution */
} init_params;
void initializer_fill(int init, const init_params *p, uint32_t fan_in, uint32_t fan_out,
                      float *w, size_t n, eng_rng *rng);

/* ---- layers */
enum { LAYER_DENSE, LAYER_BATCH_NORM, LAYER_ACTIVATION, LAYER_DROPOUT, LAYER_ALPHA_DROPOUT,
       LAYER_PRELU, LAYER_RRELU, LAYER_COUNT };
extern const eng_variant_desc layer_table[LAYER_COUNT];

typedef struct layer {
  int kind;
  eng_options opt;
  char spec[512];
  uint32_t in, out;
  int act;            /* dense / activation layers; ACT_LINEAR for the other kinds */
  float alpha;        /* activation parameter */
  int init[2];        /* dense: kernel and bias initializers, with their parameters */
  init_params init_p[2];
  bool trainable;
  bool use_bias;      /* dense */
  double l1, l2, max_norm, rate, momentum, epsilon;
  bool center, scale; /* batch normalization */
  double lower, upper; /* RReLU: the range of its random slopes */
  /* tensors (pointers into the model's arenas) */
  float *kernel, *bias, *gamma, *beta, *moving_mean, *moving_var;
  float *d_kernel, *d_bias, *d_gamma, *d_beta;
  float *slopes, *d_slopes; /* PReLU: its learned negative slope per unit (Keras "alpha") */
  float *kernel_mask; /* pruning: 0/1 per kernel weight, or NULL */
  /* per-batch activations */
  float *z;    /* dense: pre-activation; BN: x-hat */
  float *y;    /* output */
  float *aux;  /* dense: dz; dropout: mask; RReLU: the slope applied to each element */
  float *stat; /* BN: batch mean and 1/std (2 * out) */
  double update_sq;   /* last recorded step's |update|^2 (stats) */
  double penalty;     /* L1/L2 penalty of the kernel, computed by the backward pass */
} layer;

typedef struct {
  uint32_t layer;
  const char *name;
  uint32_t rows, cols; /* cols = 0: vector */
  uint64_t size;       /* rows * cols, in 64 bits (checked against the memory limit) */
  float *data, *grad, *slots; /* grad/slots NULL when not trainable by nature */
  bool is_kernel;
  float **bind_data, **bind_grad; /* the layer's pointers set to data and grad at build */
  /* BatchNormalization gamma with scale=false, beta with center=false: a constant
   * 1 / 0 that Keras does not create; kept so the layout and file format stay
   * the same, never updated and not counted as a parameter. */
  bool fixed;
} tensor;

/* Everything the model needs to know about a layer kind (one row per kind, in
 * layers.c; each kind's file defines its row). Optional entries may be NULL. */
typedef struct layer_ops {
  eng_status (*configure)(layer *l, uint32_t in); /* options resolved once, here */
  uint64_t (*param_count)(const layer *l); /* floats in the parameter arena */
  /* Declares the layer's tensors (model_add_tensor), in file-format order. */
  void (*declare)(struct eng_model *m, layer *l, uint32_t index);
  uint64_t (*activation_count)(const layer *l, uint32_t batch); /* floats per model batch */
  /* Points the layer's per-batch buffers into its activation_count floats at a
   * (per = batch x out). */
  void (*place)(layer *l, float *a, size_t per);
  void (*init)(layer *l, eng_rng *rng);
  void (*forward)(struct eng_model *m, layer *l, const float *x, int n, bool training,
                  bool update_state);
  /* dy: gradient w.r.t. output (or w.r.t. z when dz_given); dx may be NULL. */
  void (*backward)(struct eng_model *m, layer *l, const float *x, const float *dy, float *dx,
                   int n, bool dz_given);
  /* The weight penalty's value (L1/L2), without its gradient (the backward pass
   * adds that and sets l->penalty itself). */
  double (*penalty)(const layer *l);
  /* Weight constraints after an optimizer step of a trainable layer (MaxNorm, pruning masks). */
  void (*constrain)(layer *l);
  /* The activation is applied inside the layer to z, the logits the loss reads:
   * the loss's gradient goes straight to z (dz_given). */
  bool fused_activation;
  /* The layer drops units at random in training (Dropout, AlphaDropout): Monte
   * Carlo Dropout keeps it active at inference (eng_model_mc_predict). */
  bool drops_units;
} layer_ops;
extern const layer_ops dense_ops, batchnorm_ops, activation_ops, dropout_ops, alpha_dropout_ops,
    prelu_ops, rrelu_ops;
/* layer_dropout.c: n numbers from the layer's dropout stream (model_dropout_rng,
 * the training generator), out[i] = lo + (hi - lo) * u_i with u_i uniform in [0, 1) from 32
 * random bits; drawn in parallel chunks that jump the stream ahead, so the
 * numbers do not depend on the thread count. */
void dropout_stream_uniform(struct eng_model *m, const layer *l, float *out, size_t n, float lo, float hi);
extern const layer_ops *const layer_ops_table[LAYER_COUNT];
static inline const layer_ops *ops_of(const layer *l) { return layer_ops_table[l->kind]; }

/* ---- optimizers (optimizers.c) */
enum { OPT_SGD, OPT_ADAGRAD, OPT_RMSPROP, OPT_ADAM, OPT_ADAMW, OPT_NADAM, OPT_ADAMAX, OPT_COUNT };
extern const eng_variant_desc optimizer_table[OPT_COUNT];
typedef struct {
  eng_options opt;
  char spec[512];
  /* Hyperparameters resolved once from opt (NaN where the variant has none):
   * the training step reads these, not the option table. */
  double clipvalue, clipnorm, global_clipnorm, weight_decay, beta_1, beta_2, epsilon, momentum, rho;
  double initial_accumulator_value; /* Adagrad: where its accumulator starts */
  bool nesterov, centered;
  double learning_rate; /* current base rate (ReduceLROnPlateau changes it) */
  double u_product;     /* Nadam's running product of momentum coefficients */
} optimizer_state;
/* Parses an optimizer spec and resolves its hyperparameters (the table's rules
 * read only these); out is untouched on failure. */
eng_status optimizer_configure(const char *spec, optimizer_state *out);
/* One optimizer step over all trainable tensors with rate lr; step is the
 * number of updates done before this one (Keras's `iterations`). Returns the
 * index of the first tensor whose update was not finite (a NaN or infinite
 * gradient), or -1. */
int optimizer_apply(struct eng_model *m, double lr, int64_t step, bool record_updates);
/* How many of a tensor's three slot blocks the variant uses (the first ones). */
int optimizer_slot_count(int variant);
/* Optimizer slots back to their initial values (0; Adagrad's accumulator value). */
void optimizer_reset_slots(struct eng_model *m);

/* ---- schedules (schedules.c) */
enum { SCHED_CONSTANT, SCHED_EXPONENTIAL, SCHED_PIECEWISE, SCHED_INVERSE_TIME, SCHED_ONE_CYCLE,
       SCHED_COUNT };
extern const eng_variant_desc schedule_table[SCHED_COUNT];
/* A schedule's options resolved once (NaN where the variant has none). */
typedef struct {
  int variant;
  double initial_learning_rate, decay_steps, decay_rate, power;
  double max_learning_rate, total_steps, start_learning_rate, last_learning_rate;
  bool staircase;
  int n_boundaries; /* piecewise: values has one more */
  double boundaries[ENG_MAX_LIST], values[ENG_MAX_LIST];
} schedule_params;
/* Parses a schedule spec and checks what the option table cannot (piecewise
 * lengths and order); out is untouched on failure. */
eng_status schedule_configure(const char *spec, eng_options *opt, schedule_params *out);
void schedule_resolve(const eng_options *o, schedule_params *out);
/* The rate at an optimizer step (number of updates done before it). */
double schedule_at(const schedule_params *s, double base_lr, int64_t step);
double schedule_lr(const eng_options *o, double base_lr, int64_t step); /* resolve + at */

/* ---- callbacks (trainer.c) */
enum { CB_EARLY_STOPPING, CB_REDUCE_LR, CB_CHECKPOINT, CB_COUNT };
extern const eng_variant_desc callback_table[CB_COUNT];
extern const eng_variant_desc model_table[1];
extern const eng_variant_desc fit_table[1];
extern const eng_variant_desc lr_finder_table[1]; /* lr_finder.c */

/* ---- describe.c: how eng_describe grows its document (realloc; the allocation
 * failure test replaces it). */
extern void *(*describe_realloc)(void *, size_t);

/* ---- the model */
#define ENG_MAX_LAYERS 64
/* Seed schemes. SHARED (model files before version 3): one initialization
 * stream through all layers in order and one dropout stream shared by all
 * dropout layers, so inserting a layer or changing an initializer shifted the
 * numbers every later layer drew. PER_LAYER (issue 12, "twin runs"): each layer
 * draws from streams named by the seed, its kind and its position among the
 * layers of that kind (Keras's dense, dense_1, ...; Dropout and AlphaDropout
 * count as one kind), so runs that differ in one knob start from the same
 * weights wherever shapes match and drop the same units. Shuffling has its own
 * stream in both (the trainer's). */
enum { ENG_SEED_SHARED = 1, ENG_SEED_PER_LAYER = 2 };
/* The dropout generators: per layer (PER_LAYER), or layer[0] for all (SHARED). */
typedef struct { eng_rng layer[ENG_MAX_LAYERS]; } dropout_streams;
struct eng_model {
  eng_options opt;
  char spec[512];
  uint32_t input_features;
  uint64_t seed;
  double input_scale;
  bool standardize, adapted, from_logits;
  float *input_mean, *input_inv_std; /* standardize: per feature */
  layer layers[ENG_MAX_LAYERS];
  uint32_t n_layers;
  tensor *tensors;
  uint32_t n_tensors;
  optimizer_state optimizer;
  eng_options schedule;
  schedule_params schedule_params; /* resolved from schedule */
  char schedule_spec[512];
  int64_t iterations;
  bool built;
  uint32_t max_batch;
  /* arenas: one allocation each */
  float *params, *grads, *slots, *acts, *scratch;
  size_t n_params, n_grads;
  float *input;          /* max_batch x input_features */
  float *delta[2];       /* ping-pong gradients, max_batch x max width */
  float *transpose;      /* max in x max out */
  float *probs;          /* max_batch x classes (from_logits) */
  uint32_t max_width;
  int first_trainable;   /* no input gradient needed below this layer */
  char *metadata;
  char *summary;
  /* How the seed becomes random streams (recorded in the model file). */
  uint32_t seed_scheme;
  dropout_streams dropout;
  /* Monte Carlo Dropout in progress: dropout layers draw masks even in an
   * inference-mode forward (BatchNormalization stays in inference mode). */
  bool mc_dropout;
};

/* model.c */
#define ENG_MAX_LAYER_TENSORS 4
/* A layer's tensor (at most ENG_MAX_LAYER_TENSORS per layer): its data (and grad
 * when has_grad) are stored in *bind_data (*bind_grad) once the arenas exist. */
tensor *model_add_tensor(struct eng_model *m, uint32_t index, const char *name, uint32_t rows,
                         uint32_t cols, bool has_grad, bool is_kernel, float **bind_data,
                         float **bind_grad);
void model_load_batch(struct eng_model *m, const eng_dataset *ds, const uint32_t *index,
                      uint32_t start, int n);
/* Forward over m->input (n rows); returns the output (probabilities). */
const float *model_forward(struct eng_model *m, int n, bool training, bool update_state);
/* Mean cross-entropy over the batch, counting correct predictions. */
double model_loss(struct eng_model *m, const uint8_t *labels, int n, int *correct);
/* Backward from the loss; fills gradients of trainable tensors (with penalties)
 * and returns the penalties' value (what model_penalty computes). */
double model_backward(struct eng_model *m, const uint8_t *labels, int n, float *layer_grad_std);
double model_penalty(const struct eng_model *m);
void model_apply_constraints(struct eng_model *m);
const float *model_logits(const struct eng_model *m);
eng_status model_snapshot(const struct eng_model *m, float **out);
/* Seeds the dropout generators of the model's seed scheme from seed. */
void model_seed_dropout(struct eng_model *m, uint64_t seed);
/* The generator a dropout layer draws its masks from. */
eng_rng *model_dropout_rng(struct eng_model *m, const layer *l);
void model_restore(struct eng_model *m, const float *snapshot);
void model_update_first_trainable(struct eng_model *m);
/* The in-epoch sample of the layer statistics a step may take (layer_stats.c):
 * its buffers, owned by the trainer. */
typedef struct {
  float *grad_std;
  uint8_t *alive;
  double *out;
} step_sample;
/* One optimizer step at rate lr on the samples index[start..start+n), the
 * trainer's and the learning-rate finder's: forward in training mode, loss,
 * backward, (the layer statistics' sample when `sample` is given: its
 * activations and gradients before the optimizer, which may clip them), update,
 * constraints, (the sample's weight norms and update ratios), iterations + 1.
 * Returns the batch's mean loss with the penalties and sets *correct. When that
 * loss is not finite nothing is updated; *nonfinite is the first tensor whose
 * update was not finite (the weights then hold it; -1: none). */
double model_train_step(struct eng_model *m, const eng_dataset *ds, const uint32_t *index,
                        uint32_t start, int n, double lr, bool record_updates,
                        const step_sample *sample, int *correct, int *nonfinite);
/* Floats of the layers' weights (what the parameter arena and a model file hold). */
uint64_t model_weight_count(const struct eng_model *m);

/* model_inspect.c: the checks every inference over a dataset makes (built,
 * widths, classes, standardization statistics). */
eng_status model_check_dataset(const struct eng_model *m, const eng_dataset *ds);

/* layer_stats.c: the in-epoch sample of the layer statistics, from the step's
 * own buffers. layer_stats_from_step, after the backward pass of a step over n
 * rows (model_backward given grad_std): activation mean/std, saturated share and
 * dead units of the batch, gradient std and kernel-gradient norm; alive: scratch
 * of max_width bytes. layer_stats_weights, after the optimizer step (recorded):
 * weight norm and update/weight ratio. out: n_layers x ENG_STAT_COUNT. */
void layer_stats_from_step(const struct eng_model *m, int n, const float *grad_std, uint8_t *alive,
                           double *out);
void layer_stats_weights(const struct eng_model *m, double *out);

/* serialize.c: the checksum that ends a model file (FNV-1a over all bytes before it). */
uint32_t blob_checksum(const uint8_t *bytes, size_t len);

/* numerics.c: after a step whose update was not finite (tensor index from
 * optimizer_apply), names where the first non-finite value appeared, e.g.
 * "layer 14 (dense) produced Infinity", scanning the batch's activations (n
 * rows) from the input up, then the gradients. */
void model_describe_nonfinite(const struct eng_model *m, int n, int tensor, char *out, size_t cap);

#endif
