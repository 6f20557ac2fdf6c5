// presets.js: the experiments of chapter 11 (shared/spec/chapter11-experiments.md)
// and the chapter's exercises, as run configurations. Each experiment is a list
// of runs (its variants) with the numbers the reference Keras notebook reported.
// The page's preset buttons and the CLI (`npm run train -- exp04/elu`) read this.

const FMNIST = 'fashion-mnist';
const first = (count) => ({ split: 'train', start: 0, count });
const VAL_2000 = { split: 'test', start: 0, count: 2000 };
const OUTPUT = { type: 'dense', units: 10, activation: 'softmax' };
const dense = (units, activation, kernel_initializer, extra = {}) => ({ type: 'dense', units, activation, kernel_initializer, ...extra });
const repeat = (n, make) => Array.from({ length: n }, (_, i) => make(i)).flat();
const data = (count, extra = {}) => ({ dataset: FMNIST, train: first(count), validation: VAL_2000, ...extra });
const sgd = (extra = {}) => ({ type: 'sgd', learning_rate: 0.01, ...extra });
const HE_RELU = (units) => dense(units, 'relu', 'he_normal');

function run(id, label, config, reference = {}) {
  return { id, label, reference, config: { name: id, seed: 42, ...config } };
}

const exp01 = {
  id: 'exp01', title: 'Vanishing gradients', topic: 'Saturating activations',
  description: 'An untrained deep net with sigmoid activations and weights drawn from a normal distribution with standard deviation 1: most neurons sit in the flat tails of the sigmoid, where gradients vanish. The table shows, per hidden layer, the mean and standard deviation of the outputs and the share of saturated outputs (below 0.01 or above 0.99) over 1000 training images.',
  analysis: true,
  runs: [run('exp01/sigmoid', 'sigmoid, RandomNormal(1.0)', {
    data: data(1000, { validation: null }),
    model: [...repeat(5, () => dense(100, 'sigmoid', { type: 'random_normal', stddev: 1.0 })), OUTPUT],
    analysis: { type: 'layer_stats', samples: 1000, split: 'train' },
  }, { saturated: [0.693, 0.506, 0.510, 0.495, 0.538], mean: [0.48, 0.58], std: [0.44, 0.46] })],
};

const DEEP_LAYERS = 30; // the spec leaves the depth open; 30 layers make the variance effects of experiment 2 plain
const deep = (init, activation = 'relu') => [...repeat(DEEP_LAYERS, () => dense(100, activation, init)), OUTPUT];
const exp02 = {
  id: 'exp02', title: 'Weight initialization', topic: 'Glorot, He and LeCun',
  description: 'The same deep ReLU net (30 hidden layers of 100) with four initializers, untrained: per-layer standard deviation of the activations (forward) and of the gradients (backward). He initialization (Var(W) = 2 / fan_in) keeps both stable from layer to layer; a stddev of 1 explodes, Glorot and LeCun shrink them with ReLU.',
  analysis: true,
  runs: [
    ['random_normal', 'RandomNormal(1.0)', { type: 'random_normal', stddev: 1.0 }],
    ['glorot', 'Glorot uniform', 'glorot_uniform'],
    ['he', 'He normal', 'he_normal'],
    ['lecun', 'LeCun normal', 'lecun_normal'],
  ].map(([id, label, init]) => run(`exp02/${id}`, label, {
    data: data(1000, { validation: null }),
    model: deep(init),
    analysis: { type: 'layer_stats', samples: 1000, split: 'train' },
  })),
};

const exp03 = {
  id: 'exp03', title: 'Initialization impact', topic: 'Poor vs He initialization',
  description: 'Training the deep net of experiment 2 (30 hidden layers of 100) with a poor initialization (RandomNormal(1.0) with sigmoid, as in experiment 1) against He initialization with ReLU. With the poor one half the neurons sit saturated and training crawls (the reference notebook reports it stuck near chance; here it reaches about 60% in 10 epochs); He initialization trains normally.',
  runs: [
    run('exp03/poor', 'RandomNormal(1.0) + sigmoid', {
      data: data(20000), model: deep({ type: 'random_normal', stddev: 1.0 }, 'sigmoid'),
      optimizer: sgd(), fit: { epochs: 10, batch_size: 32 },
    }, { val_accuracy: 0.10 }),
    run('exp03/he', 'He normal + ReLU', {
      data: data(20000), model: deep('he_normal'),
      optimizer: sgd(), fit: { epochs: 10, batch_size: 32 },
    }, { val_accuracy: 0.85 }),
  ],
};

const activationRun = (id, label, activation, init, reference, extra = {}) => run(`exp04/${id}`, label, {
  data: data(20000, extra.data ?? {}),
  model: [...repeat(3, () => dense(100, activation, init)), OUTPUT],
  optimizer: sgd(), fit: { epochs: 10, batch_size: 32 },
}, reference);
const exp04 = {
  id: 'exp04', title: 'Activation functions', topic: 'ReLU, LeakyReLU, ELU, SELU',
  description: 'Three hidden layers of 100 neurons with each activation: He initialization for the ReLU family, LeCun initialization and standardized inputs for SELU (self-normalization needs them).',
  runs: [
    activationRun('relu', 'ReLU', 'relu', 'he_normal', { val_accuracy: 0.849, accuracy: 0.867 }),
    activationRun('leaky_relu', 'LeakyReLU(0.01)', { type: 'leaky_relu', negative_slope: 0.01 }, 'he_normal', { val_accuracy: 0.849, accuracy: 0.867 }),
    activationRun('elu', 'ELU', 'elu', 'he_normal', { val_accuracy: 0.854, accuracy: 0.867 }),
    activationRun('selu', 'SELU (standardized)', 'selu', 'lecun_normal', { val_accuracy: 0.8515, accuracy: 0.898 }, { data: { standardize: true } }),
  ],
};

const exp05 = {
  id: 'exp05', title: 'Batch normalization', topic: 'Before or after the activation',
  description: 'Three hidden layers of 100 He-initialized neurons without batch normalization, with BN between the dense layer and its ReLU (the dense layer then needs no bias), and with BN after the ReLU.',
  runs: [
    run('exp05/none', 'no BN', { data: data(20000), model: [...repeat(3, () => HE_RELU(100)), OUTPUT], optimizer: sgd(), fit: { epochs: 10, batch_size: 32 } },
      { val_accuracy: 0.845, accuracy: 0.865 }),
    run('exp05/before', 'Dense -> BN -> ReLU', {
      data: data(20000),
      model: [...repeat(3, () => [dense(100, 'linear', 'he_normal', { use_bias: false }), { type: 'batch_normalization' }, { type: 'activation', activation: 'relu' }]), OUTPUT],
      optimizer: sgd(), fit: { epochs: 10, batch_size: 32 },
    }, { val_accuracy: 0.857, accuracy: 0.909 }),
    run('exp05/after', 'Dense(ReLU) -> BN', {
      data: data(20000), model: [...repeat(3, () => [HE_RELU(100), { type: 'batch_normalization' }]), OUTPUT],
      optimizer: sgd(), fit: { epochs: 10, batch_size: 32 },
    }, { val_accuracy: 0.8475, accuracy: 0.918 }),
  ],
};

const clipRun = (id, label, clip, reference) => run(`exp06/${id}`, label, {
  data: data(20000), model: [...repeat(6, () => HE_RELU(200)), OUTPUT],
  optimizer: sgd(clip), fit: { epochs: 10, batch_size: 32 },
}, reference);
const exp06 = {
  id: 'exp06', title: 'Gradient clipping', topic: 'clipvalue vs clipnorm',
  description: 'Six hidden layers of 200 ReLU neurons trained with plain SGD, with every gradient component clipped to [-1, 1] (clipvalue, which can change the gradient direction), and with each gradient tensor rescaled to norm at most 1 (clipnorm, which keeps the direction).',
  runs: [
    clipRun('none', 'no clipping', {}, { val_accuracy: 0.853 }),
    clipRun('clipvalue', 'clipvalue=1.0', { clipvalue: 1.0 }, { val_accuracy: 0.849 }),
    clipRun('clipnorm', 'clipnorm=1.0', { clipnorm: 1.0 }, { val_accuracy: 0.854 }),
  ],
};

const TASK_A = { dataset: FMNIST, train: { split: 'train', classes: [0, 1, 2, 3, 4], count: 15000 }, validation: { split: 'test', classes: [0, 1, 2, 3, 4], count: 1000 } };
const TASK_B = { dataset: FMNIST, train: { split: 'train', classes: [5, 6, 7, 8, 9], count: 5000 }, validation: { split: 'test', classes: [5, 6, 7, 8, 9], count: 1000 } };
const OUTPUT5 = { type: 'dense', units: 5, activation: 'softmax' };
const TRANSFER_MODEL = [...repeat(3, () => HE_RELU(100)), OUTPUT5];
const exp07 = {
  id: 'exp07', title: 'Transfer learning', topic: 'Reusing pretrained layers',
  description: 'Task A: classes 0-4 (15000 images). Task B: classes 5-9 relabelled 0-4, with only 5000 images. Model B is trained from scratch, then built on A\'s hidden layers frozen (only a new output layer learns), then on A\'s hidden layers fine-tuned with a small learning rate, then as the book does it: frozen for 4 epochs while the new output layer learns, then unfrozen with a ten times lower learning rate, in one run (the switch is marked on the charts). Here reuse does not help: the tasks differ too much (negative transfer), as the reference found.',
  runs: [
    run('exp07/a', 'task A (classes 0-4)', { data: TASK_A, model: TRANSFER_MODEL, optimizer: sgd(), fit: { epochs: 15, batch_size: 32 } }, { val_accuracy: 0.854 }),
    run('exp07/scratch', 'B from scratch', { data: TASK_B, model: TRANSFER_MODEL, optimizer: sgd(), fit: { epochs: 15, batch_size: 32 } }, { val_accuracy: 0.937 }),
    run('exp07/frozen', 'B on A, hidden layers frozen', {
      data: TASK_B, model: TRANSFER_MODEL, optimizer: sgd(), fit: { epochs: 15, batch_size: 32 },
      transfer: { from: 'exp07/a', layers: 3, trainable: false },
    }, { val_accuracy: 0.812 }),
    run('exp07/finetune', 'B on A, fine-tuned (lr 0.001)', {
      data: TASK_B, model: TRANSFER_MODEL, optimizer: sgd({ learning_rate: 0.001 }), fit: { epochs: 15, batch_size: 32 },
      transfer: { from: 'exp07/a', layers: 3, trainable: true },
    }, { val_accuracy: 0.899 }),
    // The book's way: a few epochs with the reused layers frozen (the new output
    // layer learns first), then all unfrozen, compiled again with a lower rate.
    run('exp07/two-phase', 'B on A, frozen first, then fine-tuned (lr 0.001)', {
      data: TASK_B, model: TRANSFER_MODEL, optimizer: sgd(), fit: { epochs: 15, batch_size: 32 },
      transfer: { from: 'exp07/a', layers: 3, trainable: false, freeze_epochs: 4, fine_tune_learning_rate: 0.001 },
    }),
  ],
};

const optimizerRun = (id, label, optimizer, best) => run(`exp08/${id}`, label, {
  data: data(20000), model: [...repeat(3, () => HE_RELU(100)), OUTPUT], optimizer, fit: { epochs: 15, batch_size: 32 },
}, { best_val_accuracy: best });
const exp08 = {
  id: 'exp08', title: 'Optimizers', topic: 'Momentum, Nesterov, Adagrad, RMSprop, Adam, Nadam',
  description: 'The same three-layer ReLU net trained for 15 epochs by each optimizer with its usual learning rate.',
  runs: [
    optimizerRun('sgd', 'SGD 0.01', sgd(), 0.8575),
    optimizerRun('momentum', 'SGD momentum 0.9', sgd({ momentum: 0.9 }), 0.867),
    optimizerRun('nesterov', 'Nesterov 0.9', sgd({ momentum: 0.9, nesterov: true }), 0.865),
    optimizerRun('adagrad', 'Adagrad 0.01', { type: 'adagrad', learning_rate: 0.01 }, 0.868),
    optimizerRun('rmsprop', 'RMSprop 0.001', { type: 'rmsprop', learning_rate: 0.001 }, 0.862),
    optimizerRun('adam', 'Adam 0.001', { type: 'adam', learning_rate: 0.001 }, 0.870),
    optimizerRun('nadam', 'Nadam 0.001', { type: 'nadam', learning_rate: 0.001 }, 0.864),
  ],
};

const scheduleRun = (id, label, extra, best) => run(`exp09/${id}`, label, {
  data: data(30000), model: [...repeat(3, () => HE_RELU(100)), OUTPUT],
  optimizer: sgd({ momentum: 0.9 }), fit: { epochs: 30, batch_size: 32 }, ...extra,
}, { best_val_accuracy: best });
const exp09 = {
  id: 'exp09', title: 'Learning-rate scheduling', topic: 'Exponential, piecewise, on plateau',
  description: 'SGD with momentum 0.9 for 30 epochs on 30000 images (938 steps per epoch): a constant rate, exponential decay by 0.96 every 1000 steps (1.066 epochs), a piecewise constant rate (0.01, then 0.005 after the first third of the run, epoch 10, and 0.001 after two thirds, epoch 20), and ReduceLROnPlateau halving the rate when the validation loss stalls for 3 epochs. The schedules are given relative to the run, so they keep their shape with fewer epochs or images.',
  runs: [
    scheduleRun('constant', 'constant 0.01', {}, 0.872),
    // In epochs and fractions of the run (core/schedule-steps.js), so that Quick
    // try and --epochs keep the lesson; at full size they resolve to the spec's
    // steps exactly: decay_steps 1000, boundaries 9380 and 18760 (of 28140).
    scheduleRun('exponential', 'exponential decay', { schedule: { type: 'exponential_decay', initial_learning_rate: 0.01, decay_epochs: 1000 / 938, decay_rate: 0.96 } }, 0.8815),
    scheduleRun('piecewise', 'piecewise constant', { schedule: { type: 'piecewise_constant_decay', boundaries_fraction: [1 / 3, 2 / 3], values: [0.01, 0.005, 0.001] } }, 0.8815),
    scheduleRun('plateau', 'reduce on plateau', { callbacks: [{ type: 'reduce_lr_on_plateau', monitor: 'val_loss', factor: 0.5, patience: 3, min_lr: 1e-4 }] }, 0.893),
  ],
};

const regularizedRun = (id, label, reg, reference) => run(`exp10/${id}`, label, {
  data: data(40000),
  model: [...repeat(3, () => dense(200, 'relu', 'he_normal', { kernel_regularizer: reg })), { ...OUTPUT, kernel_regularizer: reg }],
  optimizer: sgd({ momentum: 0.9 }), fit: { epochs: 20, batch_size: 32 },
}, reference);
const exp10 = {
  id: 'exp10', title: 'L1 and L2 regularization', topic: 'Weight penalties',
  description: 'Three hidden layers of 200 ReLU neurons, SGD with momentum, 20 epochs on 40000 images, with penalties on every kernel. A small L2 penalty closes most of the gap between training and validation accuracy; larger penalties underfit.',
  runs: [
    regularizedRun('none', 'no penalty', null, { val_accuracy: 0.872, overfit_gap: 0.066 }),
    regularizedRun('l2_0.001', 'L2 0.001', { l2: 0.001 }, { val_accuracy: 0.869, overfit_gap: 0.015 }),
    regularizedRun('l2_0.01', 'L2 0.01', { l2: 0.01 }, { val_accuracy: 0.818 }),
    regularizedRun('l1_0.001', 'L1 0.001', { l1: 0.001 }, { val_accuracy: 0.8165 }),
    regularizedRun('l1l2_0.001', 'L1+L2 0.001', { l1: 0.001, l2: 0.001 }, { val_accuracy: 0.8015 }),
  ],
};

const dropoutRun = (rate, reference) => run(`exp11/rate_${rate}`, `dropout ${rate}`, {
  data: data(40000),
  model: [...repeat(3, () => [HE_RELU(200), { type: 'dropout', rate }]), OUTPUT],
  optimizer: sgd({ momentum: 0.9 }), fit: { epochs: 20, batch_size: 32 },
}, reference);
const exp11 = {
  id: 'exp11', title: 'Dropout', topic: 'Dropout rates',
  description: 'Three blocks of Dense(200, ReLU) + Dropout at rates 0 to 0.5. Training accuracy is measured with dropout on, so it looks worse than it is; validation accuracy is the fair comparison.',
  runs: [
    dropoutRun(0, { val_accuracy: 0.8755 }), dropoutRun(0.1, { val_accuracy: 0.8865 }), dropoutRun(0.2, { val_accuracy: 0.875 }),
    dropoutRun(0.3, { val_accuracy: 0.8735 }), dropoutRun(0.5, { val_accuracy: 0.865 }),
  ],
};

const block = (units, l2, rate) => [
  dense(units, 'linear', 'he_normal', { kernel_regularizer: { l2 } }), { type: 'batch_normalization' },
  { type: 'activation', activation: 'relu' }, { type: 'dropout', rate },
];
const exp12 = {
  id: 'exp12', title: 'All techniques combined', topic: 'L2 + BN + dropout + Nesterov + callbacks',
  description: 'Three blocks of Dense(200, He, L2 0.001) -> BN -> ReLU -> Dropout(0.2), SGD with Nesterov momentum, the rate halved on plateaus, and early stopping that restores the best weights.',
  runs: [run('exp12/combined', 'combined', {
    data: data(40000),
    model: [...repeat(3, () => block(200, 0.001, 0.2)), OUTPUT],
    optimizer: sgd({ momentum: 0.9, nesterov: true }),
    callbacks: [
      { type: 'reduce_lr_on_plateau', monitor: 'val_loss', factor: 0.5, patience: 5, min_lr: 1e-7 },
      { type: 'early_stopping', monitor: 'val_loss', patience: 10, restore_best_weights: true },
    ],
    fit: { epochs: 50, batch_size: 32 },
  }, { val_accuracy: 0.891, accuracy: 0.950, stop_epoch: 36 })],
};

const exp13 = {
  id: 'exp13', title: 'Production model', topic: 'Everything, on the full dataset',
  description: 'Train on 55000 images, validate on the last 5000 training images, test on the 10000 test images: three blocks [300, 200, 100] of Dense(He, L2 1e-4) -> BN -> ReLU -> Dropout(0.2), SGD Nesterov, reduce on plateau, early stopping with patience 15, and the best validation accuracy kept as a checkpoint.',
  runs: [run('exp13/production', 'production', {
    data: { dataset: FMNIST, train: first(55000), validation: { split: 'train', start: 55000, count: 5000 }, test: { split: 'test', start: 0, count: 10000 } },
    model: [...block(300, 1e-4, 0.2), ...block(200, 1e-4, 0.2), ...block(100, 1e-4, 0.2), OUTPUT],
    optimizer: sgd({ momentum: 0.9, nesterov: true }),
    callbacks: [
      { type: 'reduce_lr_on_plateau', monitor: 'val_loss', factor: 0.5, patience: 5, min_lr: 1e-7 },
      { type: 'early_stopping', monitor: 'val_loss', patience: 15, restore_best_weights: true },
      { type: 'model_checkpoint', monitor: 'val_accuracy' },
    ],
    fit: { epochs: 100, batch_size: 32 },
  }, { test_accuracy: 0.9022, best_val_accuracy: 0.9048, best_epoch: 51, first_epoch: { accuracy: 0.793, val_accuracy: 0.848 } })],
};

const exp14 = {
  id: 'exp14', title: 'CIFAR-10', topic: 'A harder dataset (your own files)',
  description: 'Needs the CIFAR-10 binary batches (data_batch_1..5.bin, test_batch.bin) loaded from your disk. Four blocks [400, 300, 200, 100] of Dense(He) -> BN -> ReLU -> Dropout(0.3), Adam, batch 128.',
  needs: 'cifar10',
  runs: [run('exp14/cifar10', 'CIFAR-10 MLP', {
    data: { dataset: 'cifar10', train: { split: 'train', start: 0, count: 45000 }, validation: { split: 'train', start: 45000, count: 5000 }, test: { split: 'test', start: 0, count: 10000 } },
    model: [...[400, 300, 200, 100].flatMap((u) => [dense(u, 'linear', 'he_normal'), { type: 'batch_normalization' }, { type: 'activation', activation: 'relu' }, { type: 'dropout', rate: 0.3 }]), OUTPUT],
    optimizer: { type: 'adam', learning_rate: 0.001 },
    callbacks: [{ type: 'reduce_lr_on_plateau', monitor: 'val_loss', patience: 3 }, { type: 'early_stopping', monitor: 'val_loss', patience: 10 }],
    fit: { epochs: 30, batch_size: 128 },
  }, { test_accuracy: 0.5675, best_val_accuracy: 0.589 })],
};

// ---- exercises
const ex01 = {
  id: 'ex01', title: 'Exercise 1: the same value for every weight', topic: 'Symmetry',
  description: 'With a constant initializer every neuron of a layer computes the same thing and receives the same gradient, so they stay identical forever: the layer behaves like a single neuron. Compare the weight histograms (one spike) and the accuracy with He initialization.',
  runs: [
    run('ex01/constant', 'constant 0.01', { data: data(10000), model: [...repeat(3, () => dense(100, 'relu', { type: 'constant', value: 0.01 })), OUTPUT], optimizer: sgd(), fit: { epochs: 5, batch_size: 32 } }),
    run('ex01/he', 'He normal', { data: data(10000), model: [...repeat(3, () => HE_RELU(100)), OUTPUT], optimizer: sgd(), fit: { epochs: 5, batch_size: 32 } }),
  ],
};
const ex03 = {
  id: 'ex03', title: 'Exercise 3: SELU self-normalizes', topic: 'Mean 0, std 1 in every layer',
  description: 'Twenty SELU layers with LeCun normal initialization on standardized inputs: the per-layer statistics stay near mean 0 and standard deviation 1, epoch after epoch.',
  runs: [run('ex03/selu', '20 x SELU', {
    data: data(10000, { standardize: true }),
    model: [...repeat(20, () => dense(100, 'selu', 'lecun_normal')), OUTPUT],
    optimizer: sgd(), fit: { epochs: 5, batch_size: 32 }, stats: { every_epoch: true, samples: 1000 },
  // The chapter's claim (Klambauer et al. 2017): every SELU layer's output keeps mean 0 and std 1.
  }, { mean: [0, 0], std: [1, 1] })],
};
const ex05 = {
  id: 'ex05', title: 'Exercise 5: momentum beta', topic: 'beta = 0, 0.5, 0.9, 0.99',
  description: 'SGD with momentum coefficients from none to 0.99: more momentum speeds training up until it overshoots.',
  runs: [0, 0.5, 0.9, 0.99].map((beta) => run(`ex05/beta_${beta}`, `momentum ${beta}`, {
    data: data(20000), model: [...repeat(3, () => HE_RELU(100)), OUTPUT], optimizer: sgd({ momentum: beta }), fit: { epochs: 10, batch_size: 32 },
  })),
};
const ex06 = {
  id: 'ex06', title: 'Exercise 6: sparse models', topic: 'L1, high dropout, magnitude pruning',
  description: 'Three ways to a sparse model: a strong L1 penalty, heavy dropout, and magnitude pruning (the 90% smallest weights set to zero after training, then fine-tuned with them held at zero). The sparsity column shows the share of exact zeros in the kernels.',
  runs: [
    run('ex06/l1', 'L1 0.001', { data: data(20000), model: [...repeat(3, () => dense(200, 'relu', 'he_normal', { kernel_regularizer: { l1: 0.001 } })), OUTPUT], optimizer: sgd({ momentum: 0.9 }), fit: { epochs: 10, batch_size: 32 } }),
    run('ex06/dropout', 'dropout 0.5', { data: data(20000), model: [...repeat(3, () => [HE_RELU(200), { type: 'dropout', rate: 0.5 }]), OUTPUT], optimizer: sgd({ momentum: 0.9 }), fit: { epochs: 10, batch_size: 32 } }),
    run('ex06/pruned', 'pruned 90% + fine-tune', { data: data(20000), model: [...repeat(3, () => HE_RELU(200)), OUTPUT], optimizer: sgd({ momentum: 0.9 }), fit: { epochs: 10, batch_size: 32 }, prune: { fraction: 0.9, fine_tune_epochs: 3 } }),
  ],
};
const ex07 = {
  id: 'ex07', title: 'Exercise 7: dropout and speed', topic: 'Slower convergence, same inference',
  description: 'Dropout slows convergence (more epochs to the same accuracy) but not inference: it is off at prediction time. Compare the epoch times and the inference time of the two models.',
  runs: [
    run('ex07/no_dropout', 'no dropout', { data: data(20000), model: [...repeat(3, () => HE_RELU(200)), OUTPUT], optimizer: sgd({ momentum: 0.9 }), fit: { epochs: 10, batch_size: 32 } }),
    run('ex07/dropout', 'dropout 0.5', { data: data(20000), model: [...repeat(3, () => [HE_RELU(200), { type: 'dropout', rate: 0.5 }]), OUTPUT], optimizer: sgd({ momentum: 0.9 }), fit: { epochs: 10, batch_size: 32 } }),
  ],
};

export const PRESETS = [exp01, exp02, exp03, exp04, exp05, exp06, exp07, exp08, exp09, exp10, exp11, exp12, exp13, exp14, ex01, ex03, ex05, ex06, ex07];

export function findPreset(id) {
  const experiment = PRESETS.find((p) => p.id === id);
  if (experiment) return { experiment, runs: experiment.runs };
  const owner = PRESETS.find((p) => p.runs.some((r) => r.id === id));
  if (!owner) return null;
  // A variant that builds on another run (transfer learning) brings it along.
  const target = owner.runs.find((r) => r.id === id);
  const deps = [];
  for (let r = target; r?.config.transfer; r = owner.runs.find((x) => x.id === r.config.transfer.from)) {
    const dep = owner.runs.find((x) => x.id === r.config.transfer.from);
    if (dep) deps.unshift(dep);
  }
  return { experiment: owner, runs: [...deps, target] };
}
