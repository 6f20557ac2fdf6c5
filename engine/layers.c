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
};
ENG_TABLE_CHECK(layer_table, LAYER_COUNT);

const layer_ops *const layer_ops_table[LAYER_COUNT] = {
    [LAYER_DENSE] = &dense_ops, [LAYER_BATCH_NORM] = &batchnorm_ops,
    [LAYER_ACTIVATION] = &activation_ops, [LAYER_DROPOUT] = &dropout_ops,
    [LAYER_ALPHA_DROPOUT] = &alpha_dropout_ops};
ENG_TABLE_CHECK(layer_ops_table, LAYER_COUNT);
