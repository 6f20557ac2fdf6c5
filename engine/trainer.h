/* trainer.h: the trainer's state inside the engine (trainer.c runs it,
 * trainer_state.c saves and restores it). */
#ifndef ENGINE_TRAINER_H
#define ENGINE_TRAINER_H

#include "nn.h"

#define MAX_CALLBACKS 8
typedef struct {
  eng_options opt;
  char spec[512];    /* as given (a checkpoint re-creates the callback from it) */
  int metric;
  bool maximize;
  /* Options resolved when the callback is added (NaN where the variant has none). */
  double min_delta, factor, min_lr;
  int patience, cooldown, start_from_epoch;
  bool restore_best_weights;
  double best;
  int wait, cooldown_counter, best_epoch;
  float *best_weights;
} callback;

struct eng_trainer {
  eng_model *m;
  char spec[512];    /* the fit spec, as given */
  const eng_dataset *train, *val;
  uint32_t epochs, batch_size, batches_per_epoch, stats_samples, stats_every;
  bool shuffle, stats, done, diverged;
  eng_rng shuffle_rng;
  uint32_t *order;
  uint32_t epoch, batch;
  double loss_sum, train_seconds, epoch_start;
  long correct, seen;
  float *snapshot;
  callback callbacks[MAX_CALLBACKS];
  int n_callbacks;
  double best_metric;
  int checkpoint_cb;
  double metrics[ENG_METRIC_COUNT];
  double progress[ENG_PROGRESS_COUNT];
  double *layer_stats; /* the last epoch end's or in-epoch sample's */
  float *grad_std;     /* per layer, the in-epoch sample's backward pass */
  uint8_t *alive;      /* max_width: units seen non-zero in the sample */
  /* Loss slice (loss_slice.c): the weights training started from, a copy of
   * the current ones while the slice moves them, and the images it uses. */
  float *initial, *current;
  bool has_initial;
  uint32_t slice_samples;
};

/* Keeps the weights training starts from (never fails: without memory for
 * them only the loss slice is refused). */
eng_status trainer_keep_initial(eng_trainer *t);

#endif
