// help.js: one or two sentences per control, in the spirit of chapter 11 of
// "Hands-On Machine Learning": what the technique does and when it helps.
// Defaults and ranges are not here: they come from the engine (description.js).
// A layer kind's help is its module's (core/layers/).
import description from '../../core/description.js';

// An activation's help is the engine's (engine/activations.c activation_info),
// so a new activation needs no entry here.
export const ACTIVATION_HELP = Object.fromEntries(Object.entries(description.activation_info).map(([name, a]) => [name, a.help]));

export const INITIALIZER_HELP = {
  glorot_uniform: 'Glorot/Xavier: Var(W) = 2 / (fan_in + fan_out); for sigmoid, tanh, softmax',
  glorot_normal: 'Glorot with a truncated normal distribution',
  he_normal: 'He: Var(W) = 2 / fan_in; for ReLU and its variants',
  he_uniform: 'He with a uniform distribution',
  lecun_normal: 'LeCun: Var(W) = 1 / fan_in; for SELU',
  lecun_uniform: 'LeCun with a uniform distribution',
  random_normal: 'a normal distribution with the stddev you choose (1.0 shows the vanishing-gradient problem)',
  random_uniform: 'a uniform distribution between minval and maxval',
  truncated_normal: 'a normal distribution cut at two standard deviations',
  variance_scaling: 'the general form of Glorot, He and LeCun: Var(W) = scale / n, with n = fan_in, fan_out or their average (fan_avg); Glorot normal is scale 1, fan_avg, truncated normal',
  constant: 'every weight the same value: every neuron stays identical (exercise 1: symmetry)',
  zeros: 'all zeros: the layer cannot break symmetry',
  ones: 'all ones: the layer cannot break symmetry',
};

export const OPTION_HELP = {
  units: 'Neurons in the layer. The output layer needs one per class.',
  activation: 'The nonlinearity applied to each neuron\'s output.',
  alpha: 'Slope for negative inputs (LeakyReLU) or the negative saturation value (ELU).',
  kernel_initializer: 'How the weights start. A good choice keeps the signal\'s variance steady through the layers.',
  use_bias: 'A dense layer right before batch normalization needs no bias (BN has its own offset).',
  l1: 'L1 penalty λ·Σ|w| on the weights: pushes many of them to exactly zero (a sparse model).',
  l2: 'L2 penalty λ·Σw² on the weights: keeps them small, which reduces overfitting.',
  max_norm: 'After each step, rescales each neuron\'s incoming weights to norm ≤ r. Regularizes and limits exploding gradients.',
  stddev: 'Standard deviation of the initial weights.',
  mean: 'Mean of the initial weights.',
  minval: 'Lower bound of the initial weights.',
  maxval: 'Upper bound of the initial weights.',
  value: 'The value of every initial weight.',
  scale: 'The variance of the initial weights is scale / n (2 for He, 1 for Glorot and LeCun).',
  mode: 'What n counts: the layer\'s inputs (fan_in, LeCun and He), its outputs (fan_out), or their average (fan_avg, Glorot).',
  distribution: 'truncated_normal (cut at two standard deviations, rescaled so the variance is still scale / n), untruncated_normal, or uniform in ±√(3·scale / n).',
  alpha_initializer: 'Where the learned slopes start: zeros (Keras\'s default: a ReLU at first), ones, or a constant (He et al. used 0.25).',
  lower: 'The smallest random slope for negative inputs in training (1/8 in the paper and PyTorch).',
  upper: 'The largest random slope for negative inputs in training (1/3); at inference the slope is (lower + upper) / 2.',
  momentum_bn: 'How fast the moving mean and variance (used at inference) follow the batches.',
  epsilon_bn: 'Added to the variance to avoid dividing by zero.',
  rate: 'Fraction of the inputs dropped at each training step; 0.1–0.5 is typical.',
  // optimizers
  learning_rate: 'Step size of each update. Too high: the loss diverges; too low: training crawls.',
  momentum: 'Keeps a velocity: each step adds the gradient to a decaying sum of past ones (β). Faster through plateaus and ravines.',
  nesterov: 'Measures the gradient a bit ahead, in the direction of the momentum: usually a little faster than plain momentum.',
  beta_1: 'Decay of the running mean of gradients (momentum part).',
  beta_2: 'Decay of the running mean of squared gradients (scaling part).',
  rho: 'Decay of the running mean of squared gradients; RMSprop forgets old gradients, unlike Adagrad.',
  epsilon: 'Tiny constant that avoids division by zero.',
  initial_accumulator_value: 'Starting value of the per-weight sum of squared gradients.',
  centered: 'Divides by the estimated variance of the gradient instead of its second moment.',
  weight_decay: 'Shrinks the weights a little at every step (decoupled from the gradient).',
  clipvalue: 'Clips each gradient component to [-v, v]. Can change the gradient\'s direction.',
  clipnorm: 'Rescales each gradient tensor whose norm exceeds c. Keeps the direction.',
  global_clipnorm: 'Rescales all gradients together if their joint norm exceeds c.',
  // schedules
  initial_learning_rate: 'The rate at step 0. A schedule replaces the optimizer\'s learning rate.',
  decay_steps: 'How many steps one decay takes. Fixed: it does not follow the run when you change epochs, images or batch size.',
  decay_epochs: 'How many epochs one decay takes; turned into steps (× steps per epoch) when training starts.',
  decay_rate: 'Factor applied every decay_steps steps (exponential) or the decay strength (power).',
  staircase: 'Decay in whole jumps instead of smoothly.',
  power: 'Exponent of power scheduling; 1 is Keras\'s InverseTimeDecay.',
  boundaries: 'Steps at which the rate changes, comma separated (steps = epochs × steps per epoch). Fixed: they do not follow the run.',
  boundaries_epochs: 'Epochs after which the rate changes, comma separated (e.g. 10, 20); turned into steps when training starts.',
  boundaries_fraction: 'Where the rate changes, as fractions of the run, comma separated (0.5 = halfway); they follow any change of epochs, images or batch size.',
  values: 'The rate in each interval, one more than boundaries.',
  max_learning_rate: 'The peak rate, reached halfway through the cycle.',
  total_steps: 'Length of the whole cycle in steps. Fixed: choose "the whole run" to follow the run.',
  total_epochs: 'Length of the whole cycle in epochs.',
  start_learning_rate: 'Rate at the start and end of the cycle (default: max / 10).',
  last_learning_rate: 'Rate of the final steps (default: start / 1000).',
  // callbacks
  monitor: 'The quantity to watch at the end of each epoch.',
  patience: 'Epochs without improvement before acting.',
  min_delta: 'Smaller changes do not count as an improvement.',
  restore_best_weights: 'When stopping, go back to the weights of the best epoch.',
  start_from_epoch: 'Warm-up epochs that are not monitored.',
  factor: 'The rate is multiplied by this when progress stalls.',
  cooldown: 'Epochs to wait after a reduction before counting again.',
  min_lr: 'The rate never goes below this.',
  // fit and data
  epochs: 'Passes over the training set.',
  batch_size: 'Images per gradient step. Steps per epoch = ceil(training images / batch size).',
  shuffle: 'Reshuffle the training images every epoch.',
  seed: 'Seeds initialization, shuffling and dropout: the same seed gives the same run.',
  train_count: 'How many training images to use (the experiments use the first N).',
  train_start: 'Index of the first training image.',
  validation: 'Images the model never trains on, to measure generalization after every epoch.',
  validation_count: 'How many validation images.',
  validation_start: 'Index of the first validation image in its split.',
  standardize: 'Subtract each pixel\'s mean and divide by its std over the training set (SELU needs this).',
  test: 'Also evaluate on a test subset once, after training.',
  stats: 'Layer health is measured in every run: after each epoch on this many validation images (activation mean/std, saturation, dead units, gradient and weight norms), and every 200 batches from the training batch itself.',
  prune: 'After training, set this fraction of the smallest weights to zero, then fine-tune with them held at zero (exercise 6).',
  fine_tune_epochs: 'Epochs of training after pruning.',
  transfer: 'Reuse the first layers of another run of this plan (transfer learning); train that run first.',
  transfer_mode: 'Frozen: only the new layers learn. Fine-tuned: all learn from the start. The book\'s way: frozen for a few epochs while the new output layer learns, then unfrozen and compiled again with a lower learning rate, so the reused weights are not wrecked by the new layer\'s first large errors.',
  freeze_epochs: 'Epochs with the reused layers frozen; the rest of the run (fit epochs) trains them too.',
  fine_tune_learning_rate: 'Learning rate after unfreezing (a new optimizer: its momentum and other state start over, as recompiling in Keras does). The book lowers it, e.g. ten times.',
  trainable: 'Unticked: the layer is frozen (layer.trainable = False): its weights do not change in training; a frozen batch-normalization layer also runs in inference mode, as in Keras.',
  classes: 'Train, validate and test on these classes only, relabelled 0, 1, … in this order (the book\'s transfer-learning tasks). The output layer gets one unit per class.',
};

export const OPTIMIZER_HELP = {
  sgd: 'Plain gradient descent: w ← w − η∇. Simple and reliable; add momentum to speed it up.',
  adagrad: 'Scales down steps along steep dimensions; the rate keeps shrinking, so it can stop too early on deep nets.',
  rmsprop: 'Like Adagrad, but only remembers recent gradients, so it does not stall.',
  adam: 'Momentum + RMSprop with bias correction. A good default; try 0.001.',
  adamw: 'Adam with decoupled weight decay, which regularizes better than L2 with Adam.',
  nadam: 'Adam with Nesterov momentum: often slightly faster than Adam.',
  adamax: 'Adam with the max norm instead of the L2 norm of past gradients.',
};

export const SCHEDULE_HELP = {
  constant: 'The optimizer\'s learning rate throughout.',
  exponential_decay: 'Exponential scheduling: lr = lr₀ · rate^(step / decay_steps). Divides the rate by 10 every s steps with rate 0.1.',
  piecewise_constant_decay: 'Piecewise constant: a fixed rate per interval, e.g. 0.01 then 0.005 then 0.001.',
  inverse_time_decay: 'Power scheduling: lr = lr₀ / (1 + rate · step / s)^c. Drops fast at first, then slowly.',
  one_cycle: '1cycle: rate rises linearly to a peak over the first half, falls back, then drops a few orders of magnitude at the end.',
};

export const CALLBACK_HELP = {
  early_stopping: 'Stops training when the monitored value has not improved for "patience" epochs. Set many epochs and let it decide.',
  reduce_lr_on_plateau: 'Multiplies the learning rate by "factor" when the monitored value stalls for "patience" epochs.',
  model_checkpoint: 'Keeps the weights of the best epoch in memory.',
};
