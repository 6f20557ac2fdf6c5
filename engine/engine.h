/* engine.h: the public C API of the training engine.
 *
 * The engine trains fully connected networks on image-classification data with
 * Keras semantics (the reference users expect). Everything a run needs is
 * described by short "spec" strings: a variant name followed by key=value options,
 * for example
 *     "dense units=100 activation=relu kernel_initializer=he_normal kernel_l2=0.001"
 *     "sgd learning_rate=0.01 momentum=0.9 nesterov=1 clipnorm=1"
 * Every variant and its options (with Keras's defaults) is a row of a table;
 * eng_describe() returns all tables as JSON so that hosts never repeat them.
 *
 * Errors are values: every function that can fail returns an eng_status and the
 * message is readable with eng_last_error(). Nothing aborts on bad input or OOM.
 */
#ifndef ENGINE_H
#define ENGINE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  ENG_OK = 0,
  ENG_ERR_INVALID = 1,  /* invalid argument, option or configuration */
  ENG_ERR_NOMEM = 2,    /* an allocation failed */
  ENG_ERR_FORMAT = 3,   /* malformed dataset or model bytes */
  ENG_ERR_DIVERGED = 4, /* loss became NaN or infinite */
  ENG_ERR_STATE = 5     /* call not valid in the object's current state */
} eng_status;

/* The most memory the engine holds, in MiB: the WASM build's maximum heap
 * (CMakeLists.txt passes it to -sMAXIMUM_MEMORY). Models, datasets and model
 * files that would need more are refused with ENG_ERR_NOMEM and their size. */
#define ENG_MEMORY_LIMIT_MB 2048

/* The message of the last failure (empty string if none). */
const char *eng_last_error(void);
/* All variant tables (layers, activations, initializers, optimizers, schedules,
 * callbacks, model/fit options) as one JSON document; NULL (and the reason in
 * eng_last_error) when memory runs out, never a truncated document. */
const char *eng_describe(void);
const char *eng_version(void);

/* ---------------------------------------------------------------- threads */
/* Number of threads used by the kernels (1 = no pool). Results do not depend on
 * it. Returns the number actually running (may be lower if threads cannot be
 * created, e.g. an exhausted browser worker pool). */
int eng_set_threads(int threads);
int eng_get_threads(void);
void eng_pool_stop(void);
/* How the pool uses its threads. ENG_THREADS_ADAPTIVE (the default) measures,
 * on the running workload, jobs with the worker threads against jobs on the
 * calling thread alone and keeps the faster, so that threads never make a busy
 * machine (another process holding a core) slower than one thread;
 * ENG_THREADS_ALL always uses the workers, ENG_THREADS_ONE never does. Results
 * never depend on it. Returns the previous policy. */
enum { ENG_THREADS_ADAPTIVE = 0, ENG_THREADS_ALL = 1, ENG_THREADS_ONE = 2 };
int eng_set_thread_policy(int policy);
/* Share of the pool's busy time since the last call during which adaptive jobs
 * ran on the calling thread alone (1 without workers). */
double eng_thread_alone_share(void);
/* 1 in the relaxed-SIMD WASM build, whose matrix multiply uses fused
 * multiply-add (f32x4.relaxed_madd: results differ in the last bits from the
 * plain build, identical for any thread count); 0 in the plain and native builds. */
int eng_simd_relaxed(void);
/* The kernel profile behind the benchmark's per-kernel table (tools/bench.js):
 * eng_profile(1) clears it and starts timing every training step and, inside
 * steps, every parallel job by kernel (its task function's name; matrix
 * products by shape, "gemm MxNxK", with " T" when A is read transposed);
 * eng_profile(0) stops. eng_profile_report() returns JSON: {"steps",
 * "step_seconds", "kernels": [{"name", "calls", "seconds", "waited"}]}, where
 * waited is the time the calling thread spent waiting for tasks the workers
 * had claimed (0 on one thread). Step time outside every kernel is the steps'
 * serial remainder. Costs two clock reads per job while on; off by default. */
void eng_profile(int on);
const char *eng_profile_report(void);

/* ---------------------------------------------------------------- datasets */
typedef struct eng_dataset {
  uint32_t count;        /* number of samples */
  uint32_t rows, cols, channels;
  uint32_t features;     /* rows * cols * channels */
  uint32_t num_classes;  /* max label + 1 (at least 1) */
  uint8_t *pixels;       /* count * features, as stored in the file */
  uint8_t *labels;       /* count */
} eng_dataset;

/* IDX files (gzip already removed): images (magic 0x00000803, uint8, N x rows x
 * cols) and labels (magic 0x00000801, uint8, N). Counts must agree. */
eng_status eng_dataset_from_idx(const uint8_t *images, size_t images_len,
                                const uint8_t *labels, size_t labels_len,
                                eng_dataset **out);
/* CIFAR-10 binary batches, concatenated: records of 1 label byte + 3072 pixel
 * bytes (1024 red, 1024 green, 1024 blue). */
eng_status eng_dataset_from_cifar(const uint8_t *bytes, size_t len, eng_dataset **out);
/* Samples [start, end) as a new dataset. */
eng_status eng_dataset_slice(const eng_dataset *src, uint32_t start, uint32_t end,
                             eng_dataset **out);
/* Samples whose label is in classes[0..n_classes), in order, relabelled to the
 * label's position in classes (5..9 -> 0..4); at most max_count (0 = all). */
eng_status eng_dataset_filter_classes(const eng_dataset *src, const uint8_t *classes,
                                      uint32_t n_classes, uint32_t max_count,
                                      eng_dataset **out);
void eng_dataset_free(eng_dataset *ds);

/* ---------------------------------------------------------------- models */
typedef struct eng_model eng_model;

/* spec: "model seed=42 standardize=0 from_logits=0 input_scale=0.00392156862745098".
 * Each layer initializes from, and each dropout layer draws its masks from, its
 * own stream of the seed, named by the layer's kind and its position among the
 * layers of that kind (Keras's dense, dense_1, ...): models that differ in one
 * layer start from the same weights in the others wherever shapes match. */
eng_status eng_model_create(uint32_t input_features, const char *spec, eng_model **out);
/* Appends a layer: dense, batch_normalization, activation, dropout, alpha_dropout. */
eng_status eng_model_add(eng_model *m, const char *spec);
/* Sets the optimizer (sgd, adagrad, rmsprop, adam, adamw, nadam, adamax) with its
 * clipping options; the default is "sgd". */
eng_status eng_model_set_optimizer(eng_model *m, const char *spec);
/* The learning rate a schedule spec gives at an optimizer step (base_lr for
 * "constant"); NaN if the spec is invalid (message in eng_last_error). Hosts
 * use it to preview a schedule before training. */
double eng_schedule_lr(const char *spec, double base_lr, double step);
/* Sets the learning-rate schedule (constant, exponential_decay,
 * piecewise_constant_decay, inverse_time_decay, one_cycle); default constant. */
eng_status eng_model_set_schedule(eng_model *m, const char *spec);
/* Allocates every arena and initializes the weights (once). max_batch bounds the
 * batch size of training and inference. */
eng_status eng_model_build(eng_model *m, uint32_t max_batch);
void eng_model_free(eng_model *m);

uint32_t eng_model_layer_count(const eng_model *m);
uint32_t eng_model_output_size(const eng_model *m);
uint32_t eng_model_input_size(const eng_model *m);
/* A Keras-like summary (layers, output sizes, parameter counts). */
const char *eng_model_summary(eng_model *m);
/* Number of parameters: trainable and all (including BN moving statistics). */
uint64_t eng_model_param_count(const eng_model *m, int trainable_only);

/* Weight tensors in Keras order (kernel, bias, gamma, beta, moving_mean,
 * moving_variance per layer). */
uint32_t eng_model_tensor_count(const eng_model *m);
/* Fills layer index, name ("kernel", ...), dims (rows, cols; cols = 0 for
 * vectors) and the data pointer (host copies it). */
eng_status eng_model_tensor_info(const eng_model *m, uint32_t index, uint32_t *layer,
                                 const char **name, uint32_t *rows, uint32_t *cols,
                                 float **data);

eng_status eng_model_set_trainable(eng_model *m, uint32_t layer, int trainable);
/* Whether a layer trains now (Keras's layer.trainable): 1, 0 when frozen, -1
 * when there is no such layer. The TF.js export writes it as the layer's
 * trainable flag (a run stopped before a transfer's unfreeze has them frozen). */
int eng_model_layer_trainable(const eng_model *m, uint32_t layer);
/* Copies the weights of src's layer into dst's layer (same kind and shapes). */
eng_status eng_model_copy_layer(eng_model *dst, uint32_t dst_layer,
                                const eng_model *src, uint32_t src_layer);
/* Per-feature mean/std of the dataset (pixels * input_scale); used when the
 * model's standardize option is on. Called automatically by training if unset. */
eng_status eng_model_adapt(eng_model *m, const eng_dataset *ds);

/* The standardization statistics (per feature: mean and 1/std of pixels *
 * input_scale), or NULLs when the model does not standardize or has none yet. */
void eng_model_input_stats(const eng_model *m, const float **mean, const float **inv_std);

/* Magnitude pruning: zero the given fraction of each dense kernel's smallest
 * weights and keep them at zero during later training. fraction 0 clears it. */
eng_status eng_model_prune(eng_model *m, double fraction);
/* Fraction of dense kernel weights that are exactly zero. */
double eng_model_sparsity(const eng_model *m);

/* Inference-mode evaluation: loss (with regularization, as Keras reports it) and
 * accuracy over the dataset's first count samples (0 = all). */
eng_status eng_model_evaluate(eng_model *m, const eng_dataset *ds, uint32_t count,
                              double *loss, double *accuracy);
/* Class probabilities for samples [start, start+count): out is count x classes. */
eng_status eng_model_predict(eng_model *m, const eng_dataset *ds, uint32_t start,
                             uint32_t count, float *out);
/* Confusion matrix (classes x classes, row = true label) over count samples. */
eng_status eng_model_confusion(eng_model *m, const eng_dataset *ds, uint32_t count,
                               uint32_t *out);

/* Monte Carlo Dropout (Gal & Ghahramani 2016; Geron, Hands-On ML ch. 11): the
 * average of `samples` forward passes over samples [start, start+count) with
 * Dropout and AlphaDropout active and every other layer in inference mode
 * (BatchNormalization uses its moving statistics, as the book's MCDropout
 * subclass does). mean and std (count x classes each; std may be NULL) get the
 * mean probabilities and their standard deviation over the passes (population,
 * as numpy's std); accuracy (may be NULL) is that of the mean's most probable
 * class, mean_std (may be NULL) the average std of that class. The masks come
 * from their own generator seeded with seed (never the training generator), the
 * stream of a batch jumped to its first sample's index, so splitting a long
 * evaluation into calls at multiples of the model's batch gives the same
 * numbers. Without an active dropout layer every pass would be the same: one
 * pass is made and mean is bit-equal to eng_model_predict, std 0. The model's
 * weights, statistics and dropout generator are unchanged afterwards. */
eng_status eng_model_mc_predict(eng_model *m, const eng_dataset *ds, uint32_t start,
                                uint32_t count, uint32_t samples, uint64_t seed, float *mean,
                                float *std, double *accuracy, double *mean_std);
/* 1 when the model has a Dropout or AlphaDropout layer with rate > 0 (Monte
 * Carlo Dropout then differs from the plain prediction), else 0. */
int eng_model_has_dropout(const eng_model *m);

/* The learning-rate range test (Smith 2017; Geron, Hands-On ML ch. 10-11):
 * one optimizer step per batch of train (shuffled with the spec's seed), the
 * rate growing exponentially from min_learning_rate to max_learning_rate over
 * `steps` batches; stops early once the smoothed loss exceeds stop_factor times
 * its minimum. spec: "lr_finder min_learning_rate=1e-5 max_learning_rate=10
 * steps=500 batch_size=32 seed=42 stop_factor=4 smoothing=0.98" (defaults;
 * batch_size at most the model's build batch). losses[i] is the loss at
 * rates[i], smoothed as fastai does (exponential moving average with weight
 * `smoothing`, bias-corrected; smoothing=0 gives each batch's own loss, what
 * the book plots); capacity bounds both arrays (at least `steps`). *count gets
 * the points recorded, *suggested a tenth of the rate at the smoothed loss's
 * minimum (the book's rule). The weights, optimizer state (slots, iterations,
 * learning rate) and dropout generator are put back afterwards: the model's
 * file is byte for byte what it was (a standardizing model without input
 * statistics is adapted to train first, as training would). */
eng_status eng_model_find_lr(eng_model *m, const eng_dataset *train, const char *spec,
                             uint32_t capacity, double *rates, double *losses, uint32_t *count,
                             double *suggested);

/* Per-layer statistics over the first count samples, one row of
 * ENG_STAT_COUNT doubles per layer (see eng_stat_name): output mean, std,
 * fraction saturated (sigmoid < 0.01 or > 0.99, tanh beyond +-0.98), fraction
 * of units whose output is exactly zero for all count samples (dead ReLUs), std
 * of the loss gradient w.r.t. the layer output,
 * norm of the kernel gradient, norm of the kernel, and |update| / |kernel| of the
 * last optimizer step. Activations are taken in inference mode; gradients from
 * a training-mode pass over the first batch that changes no state. */
enum {
  ENG_STAT_MEAN, ENG_STAT_STD, ENG_STAT_SATURATED, ENG_STAT_DEAD,
  ENG_STAT_GRAD_STD, ENG_STAT_GRAD_NORM, ENG_STAT_WEIGHT_NORM, ENG_STAT_UPDATE_RATIO,
  ENG_STAT_COUNT
};
const char *eng_stat_name(int index);
eng_status eng_model_layer_stats(eng_model *m, const eng_dataset *ds, uint32_t count,
                                 double *out);

/* Versioned binary blob: layer descriptions, options, weights, moving statistics,
 * input normalization, the optimizer state (slots, iterations, current learning
 * rate), the seed scheme and dropout generators, pruning masks, and an opaque
 * metadata string (the host's configuration). A loaded model trains on exactly
 * as the saved one would have (files of version 1 load with a fresh optimizer;
 * versions 1 and 2 keep the one dropout stream all layers shared then). */
eng_status eng_model_save(const eng_model *m, const char *metadata, uint8_t **out,
                          size_t *out_len);
void eng_blob_free(uint8_t *blob);
eng_status eng_model_load(const uint8_t *bytes, size_t len, uint32_t max_batch,
                          eng_model **out);
const char *eng_model_metadata(const eng_model *m);

/* ---------------------------------------------------------------- training */
typedef struct eng_trainer eng_trainer;

/* fit spec: "fit epochs=10 batch_size=32 shuffle=1 seed=42 stats=1
 * stats_samples=1000 stats_every=200 slice_samples=500". stats (on by default) takes the layer
 * statistics at every epoch end over stats_samples images (validation, else
 * training) and, every stats_every batches within an epoch, from that training
 * step's own batch (ENG_EVENT_STATS); they change no training result.
 * val may be NULL. The datasets must outlive the trainer. */
eng_status eng_trainer_create(eng_model *m, const eng_dataset *train,
                              const eng_dataset *val, const char *spec,
                              eng_trainer **out);
/* early_stopping, reduce_lr_on_plateau, model_checkpoint (kept in memory). */
eng_status eng_trainer_add_callback(eng_trainer *t, const char *spec);

/* Runs at most max_batches training steps, stopping early at the end of an
 * epoch (event ENG_EVENT_EPOCH), of training (ENG_EVENT_DONE) or after a step
 * that sampled the layer statistics (ENG_EVENT_STATS: eng_trainer_layer_stats
 * holds them, taken at eng_trainer_progress's epoch and batch). The host calls
 * it repeatedly; between calls it can report progress, pause or stop. */
enum { ENG_EVENT_NONE = 0, ENG_EVENT_EPOCH = 1, ENG_EVENT_DONE = 2, ENG_EVENT_STATS = 3 };
eng_status eng_trainer_run(eng_trainer *t, uint32_t max_batches, int *event);
/* Ends training now (a user's stop); keeps the current weights. */
void eng_trainer_stop(eng_trainer *t);
/* A training checkpoint (keras.callbacks.BackupAndRestore): the model blob plus
 * the trainer's whole state (fit spec, callbacks and their best weights,
 * position, shuffle order and generator, epoch totals, last good weights), so
 * that eng_trainer_load + training to the end gives the same bits as never
 * stopping. */
eng_status eng_trainer_save(const eng_trainer *t, const char *metadata, uint8_t **out,
                            size_t *out_len);
/* Rebuilds the model and its trainer from a checkpoint over the same training
 * and validation data (their sizes are checked). Free both when done. */
eng_status eng_trainer_load(const uint8_t *bytes, size_t len, uint32_t max_batch,
                            const eng_dataset *train, const eng_dataset *val, eng_model **model,
                            eng_trainer **out);
/* Puts the in-memory checkpoint's weights back (ENG_ERR_STATE if none). */
eng_status eng_trainer_restore_checkpoint(eng_trainer *t);
void eng_trainer_free(eng_trainer *t);

/* Metrics of the last finished epoch, ENG_METRIC_COUNT doubles (eng_metric_name). */
enum {
  ENG_METRIC_EPOCH, ENG_METRIC_LOSS, ENG_METRIC_ACCURACY, ENG_METRIC_VAL_LOSS,
  ENG_METRIC_VAL_ACCURACY, ENG_METRIC_LEARNING_RATE, ENG_METRIC_SECONDS,
  ENG_METRIC_SAMPLES_PER_SECOND, ENG_METRIC_LR_REDUCED, ENG_METRIC_IS_BEST,
  ENG_METRIC_STOPPED, ENG_METRIC_RESTORED_EPOCH, ENG_METRIC_SPARSITY,
  ENG_METRIC_COUNT
};
const char *eng_metric_name(int index);
const double *eng_trainer_metrics(const eng_trainer *t);
/* Progress within the current epoch, ENG_PROGRESS_COUNT doubles. */
enum {
  ENG_PROGRESS_EPOCH, ENG_PROGRESS_BATCH, ENG_PROGRESS_BATCHES, ENG_PROGRESS_LOSS,
  ENG_PROGRESS_ACCURACY, ENG_PROGRESS_LEARNING_RATE, ENG_PROGRESS_STEP,
  ENG_PROGRESS_COUNT
};
const char *eng_progress_name(int index);
const double *eng_trainer_progress(const eng_trainer *t);
/* The loss slice: the weights along the straight line from those training
 * started from (theta0, kept by eng_trainer_create and in checkpoints) to the
 * current ones, theta(a) = theta0 + a (theta - theta0), evaluated in inference
 * mode (loss with regularization, accuracy) on the first slice_samples (fit
 * option, default 500) validation images, or training images when there is no
 * validation set, at count points alphas[] (at most ENG_MAX_SLICE_POINTS; 0 is
 * the initial model, 1 the current one, beyond 1 the extrapolated path). Only
 * kernels, biases and BN gamma/beta move: BN's moving statistics are the
 * current ones at every point. The weights are put back exactly afterwards, so
 * training goes on with the same bits as without the call. Call it between
 * eng_trainer_run calls (e.g. after an epoch event). */
#define ENG_MAX_SLICE_POINTS 64
eng_status eng_trainer_loss_slice(eng_trainer *t, const double *alphas, uint32_t count,
                                  double *loss, double *accuracy);
/* Per-layer statistics (fit option stats, on by default): the last taken, at
 * the end of an epoch or by the in-epoch sample (ENG_EVENT_STATS; activations of
 * that training batch in training mode, dead = units 0 for its every row),
 * layer_count x ENG_STAT_COUNT doubles; NULL with stats=0. */
const double *eng_trainer_layer_stats(const eng_trainer *t);

/* ---------------------------------------------------------------- benchmark */
/* GFLOP/s of the engine's matrix multiply at M x N x K (layout 0: A B, 1: A^T B). */
double eng_bench_gemm(int M, int N, int K, int layout, int iterations);

#ifdef __cplusplus
}
#endif
#endif
