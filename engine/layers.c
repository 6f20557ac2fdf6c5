/* layers.c: the table of layer kinds and their options (Keras names and defaults). */
#include "nn.h"

#include <math.h>

static const char *const bias_initializers[] = {"zeros", "ones", "constant", NULL};
#define BIG 1e9

static const eng_opt_desc dense_opts[] = {
    {"units", OPT_INT, NAN, 1, 1 << 20, NULL, NULL, true, "number of neurons"},
    {"activation", OPT_NAME, NAN, 0, 0, "linear", activation_names, false, "activation function"},
    {"alpha", OPT_FLOAT, NAN, -BIG, BIG, NULL, NULL, false,
     "leaky_relu negative_slope (Keras 0.3) or elu alpha (Keras 1.0)"},
    {"use_bias", OPT_BOOL, 1, 0, 1, NULL, NULL, false, "add a bias vector"},
    {"kernel_initializer", OPT_NAME, NAN, 0, 0, "glorot_uniform", initializer_names, false,
     "how the kernel is initialized"},
    {"kernel_mean", OPT_FLOAT, 0.0, -BIG, BIG, NULL, NULL, false, "random_normal/truncated_normal mean"},
    {"kernel_stddev", OPT_FLOAT, 0.05, 0, BIG, NULL, NULL, false, "random_normal/truncated_normal stddev"},
    {"kernel_minval", OPT_FLOAT, -0.05, -BIG, BIG, NULL, NULL, false, "random_uniform lower bound"},
    {"kernel_maxval", OPT_FLOAT, 0.05, -BIG, BIG, NULL, NULL, false, "random_uniform upper bound"},
    {"kernel_value", OPT_FLOAT, 0.0, -BIG, BIG, NULL, NULL, false, "constant initializer value"},
    {"kernel_scale", OPT_FLOAT, 1.0, 1e-12, BIG, NULL, NULL, false,
     "variance_scaling scale: the weights' variance is scale / n"},
    {"kernel_mode", OPT_NAME, NAN, 0, 0, "fan_in", variance_scaling_modes, false,
     "variance_scaling mode: n is the layer's inputs (fan_in), outputs (fan_out) or their mean (fan_avg)"},
    {"kernel_distribution", OPT_NAME, NAN, 0, 0, "truncated_normal", variance_scaling_distributions,
     false, "variance_scaling distribution"},
    {"bias_initializer", OPT_NAME, NAN, 0, 0, "zeros", bias_initializers, false,
     "how the bias is initialized"},
    {"bias_value", OPT_FLOAT, 0.0, -BIG, BIG, NULL, NULL, false, "constant bias value"},
    {"kernel_l1", OPT_FLOAT, 0.0, 0, BIG, NULL, NULL, false, "L1 penalty factor on the kernel"},
    {"kernel_l2", OPT_FLOAT, 0.0, 0, BIG, NULL, NULL, false, "L2 penalty factor on the kernel"},
    {"max_norm", OPT_FLOAT, NAN, 1e-12, BIG, NULL, NULL, false,
     "MaxNorm constraint: each neuron's incoming weight vector norm <= max_norm"},
    {"trainable", OPT_BOOL, 1, 0, 1, NULL, NULL, false, "false freezes the layer"},
};
static const eng_opt_desc bn_opts[] = {
    {"momentum", OPT_FLOAT, 0.99, 0, 1, NULL, NULL, false, "moving statistics momentum"},
    {"epsilon", OPT_FLOAT, 1e-3, 1e-12, 1, NULL, NULL, false, "added to the variance"},
    {"center", OPT_BOOL, 1, 0, 1, NULL, NULL, false, "learn an offset beta"},
    {"scale", OPT_BOOL, 1, 0, 1, NULL, NULL, false, "learn a scale gamma"},
    {"trainable", OPT_BOOL, 1, 0, 1, NULL, NULL, false,
     "false freezes gamma/beta and runs the layer in inference mode (as Keras does)"},
};
static const eng_opt_desc activation_opts[] = {
    {"activation", OPT_NAME, NAN, 0, 0, NULL, activation_names, true, "activation function"},
    {"alpha", OPT_FLOAT, NAN, -BIG, BIG, NULL, NULL, false, "leaky_relu slope / elu alpha"},
};
/* keras.layers.PReLU: alpha_initializer "zeros" (the Keras default; He et al.
 * 2015 start at 0.25, a constant), alpha_regularizer as L1/L2 factors. */
static const eng_opt_desc prelu_opts[] = {
    {"alpha_initializer", OPT_NAME, NAN, 0, 0, "zeros", bias_initializers, false,
     "how the learned slopes start"},
    {"alpha_value", OPT_FLOAT, 0.0, -BIG, BIG, NULL, NULL, false, "constant slope initializer value"},
    {"alpha_l1", OPT_FLOAT, 0.0, 0, BIG, NULL, NULL, false, "L1 penalty factor on the slopes"},
    {"alpha_l2", OPT_FLOAT, 0.0, 0, BIG, NULL, NULL, false, "L2 penalty factor on the slopes"},
    {"trainable", OPT_BOOL, 1, 0, 1, NULL, NULL, false, "false freezes the slopes"},
};
/* RReLU (Xu et al. 2015, arXiv:1505.00853; torch.nn.RReLU's defaults 1/8 and 1/3). */
static const eng_opt_desc rrelu_opts[] = {
    {"lower", OPT_FLOAT, 0.125, 0, 1, NULL, NULL, false, "smallest random slope for negative inputs"},
    {"upper", OPT_FLOAT, 1.0 / 3.0, 0, 1, NULL, NULL, false, "largest random slope for negative inputs"},
};
static const eng_opt_desc dropout_opts[] = {
    {"rate", OPT_FLOAT, NAN, 0, 0.999, NULL, NULL, true, "fraction of inputs dropped in training"},
};

const eng_variant_desc layer_table[LAYER_COUNT] = {
    {"dense", "Dense", dense_opts, ENG_COUNT_OF(dense_opts),
     "fully connected: output = activation(input . kernel + bias)"},
    {"batch_normalization", "BatchNormalization", bn_opts, ENG_COUNT_OF(bn_opts),
     "normalizes each feature over the batch, then scales and shifts"},
    {"activation", "Activation", activation_opts, ENG_COUNT_OF(activation_opts),
     "applies an activation function"},
    {"dropout", "Dropout", dropout_opts, ENG_COUNT_OF(dropout_opts),
     "drops inputs at random in training, scaling the rest by 1/(1-rate)"},
    {"alpha_dropout", "AlphaDropout", dropout_opts, ENG_COUNT_OF(dropout_opts),
     "dropout that keeps SELU's mean and variance"},
    {"prelu", "PReLU", prelu_opts, ENG_COUNT_OF(prelu_opts),
     "leaky ReLU whose slope for negative inputs is learned, one per unit: x > 0 ? x : alpha * x"},
    {"rrelu", "RReLU", rrelu_opts, ENG_COUNT_OF(rrelu_opts),
     "leaky ReLU with a random slope in [lower, upper] per input in training, the mean slope at "
     "inference (not in Keras or TF.js)"},
};
ENG_TABLE_CHECK(layer_table, LAYER_COUNT);

const layer_ops *const layer_ops_table[LAYER_COUNT] = {
    [LAYER_DENSE] = &dense_ops, [LAYER_BATCH_NORM] = &batchnorm_ops,
    [LAYER_ACTIVATION] = &activation_ops, [LAYER_DROPOUT] = &dropout_ops,
    [LAYER_ALPHA_DROPOUT] = &alpha_dropout_ops, [LAYER_PRELU] = &prelu_ops,
    [LAYER_RRELU] = &rrelu_ops};
ENG_TABLE_CHECK(layer_ops_table, LAYER_COUNT);
