/* trainer.c: model.fit as a resumable loop. The host calls eng_trainer_run with
 * a budget of batches and gets control back at least at every epoch end, so it
 * can post metrics, honour pause/stop and stay responsive. Callbacks follow
 * keras.callbacks (EarlyStopping, ReduceLROnPlateau, ModelCheckpoint with
 * save_best_only, kept in memory). */
#include "trainer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIG 1e12
static const char *const monitors[] = {"val_loss", "val_accuracy", "loss", "accuracy", NULL};
static const int monitor_metric[] = {ENG_METRIC_VAL_LOSS, ENG_METRIC_VAL_ACCURACY, ENG_METRIC_LOSS,
                                     ENG_METRIC_ACCURACY};

static const eng_opt_desc fit_opts[] = {
    {"epochs", OPT_INT, 1, 1, 1e6, NULL, NULL, false, "passes over the training set"},
    {"batch_size", OPT_INT, 32, 1, 1 << 16, NULL, NULL, false, "samples per gradient step"},
    {"shuffle", OPT_BOOL, 1, 0, 1, NULL, NULL, false, "reshuffle the training set every epoch"},
    {"seed", OPT_INT, NAN, 0, 4294967295.0, NULL, NULL, false, "shuffling/dropout seed (default: the model's)"},
    {"stats", OPT_BOOL, 1, 0, 1, NULL, NULL, false, "per-layer statistics (layer health): every epoch and every stats_every batches"},
    {"stats_samples", OPT_INT, 1000, 1, 1e7, NULL, NULL, false, "samples used for the statistics at the end of each epoch"},
    {"stats_every", OPT_INT, 200, 0, 1e7, NULL, NULL, false, "batches between in-epoch samples of the layer statistics (0: only at epoch ends)"},
    {"slice_samples", OPT_INT, 500, 1, 1e7, NULL, NULL, false, "validation images of the loss slice (the first ones)"},
};
const eng_variant_desc fit_table[1] = {{"fit", NULL, fit_opts, ENG_COUNT_OF(fit_opts), "training loop options"}};

#define MONITOR(def) {"monitor", OPT_NAME, NAN, 0, 0, def, monitors, false, "quantity to watch"}
static const eng_opt_desc early_opts[] = {
    MONITOR("val_loss"),
    {"min_delta", OPT_FLOAT, 0, 0, BIG, NULL, NULL, false, "smallest change that counts as improvement"},
    {"patience", OPT_INT, 0, 0, 1e6, NULL, NULL, false, "epochs without improvement before stopping"},
    {"restore_best_weights", OPT_BOOL, 0, 0, 1, NULL, NULL, false, "put the best epoch's weights back when stopping"},
    {"start_from_epoch", OPT_INT, 0, 0, 1e6, NULL, NULL, false, "warm-up epochs not monitored"},
};
static const eng_opt_desc plateau_opts[] = {
    MONITOR("val_loss"),
    {"factor", OPT_FLOAT, 0.1, 0, 0.999999, NULL, NULL, false, "new_lr = lr * factor"},
    {"patience", OPT_INT, 10, 0, 1e6, NULL, NULL, false, "epochs without improvement before reducing"},
    {"min_delta", OPT_FLOAT, 1e-4, 0, BIG, NULL, NULL, false, "smallest change that counts"},
    {"cooldown", OPT_INT, 0, 0, 1e6, NULL, NULL, false, "epochs to wait after a reduction"},
    {"min_lr", OPT_FLOAT, 0, 0, BIG, NULL, NULL, false, "lower bound on the rate"},
};
static const eng_opt_desc checkpoint_opts[] = {MONITOR("val_loss")};

const eng_variant_desc callback_table[CB_COUNT] = {
    {"early_stopping", "EarlyStopping", early_opts, ENG_COUNT_OF(early_opts), "stop when the monitored quantity stops improving"},
    {"reduce_lr_on_plateau", "ReduceLROnPlateau", plateau_opts, ENG_COUNT_OF(plateau_opts), "multiply the rate by factor when progress stalls"},
    {"model_checkpoint", "ModelCheckpoint", checkpoint_opts, ENG_COUNT_OF(checkpoint_opts), "keep the best epoch's weights in memory"},
};
ENG_TABLE_CHECK(callback_table, CB_COUNT);

static const char *const metric_names[ENG_METRIC_COUNT] = {
    "epoch", "loss", "accuracy", "val_loss", "val_accuracy", "learning_rate", "seconds",
    "samples_per_second", "lr_reduced", "is_best", "stopped", "restored_epoch", "sparsity"};
static const char *const progress_names[ENG_PROGRESS_COUNT] = {
    "epoch", "batch", "batches", "loss", "accuracy", "learning_rate", "step"};
const char *eng_metric_name(int i) { return i >= 0 && i < ENG_METRIC_COUNT ? metric_names[i] : ""; }
const char *eng_progress_name(int i) { return i >= 0 && i < ENG_PROGRESS_COUNT ? progress_names[i] : ""; }
const double *eng_trainer_metrics(const eng_trainer *t) { return t->metrics; }
const double *eng_trainer_progress(const eng_trainer *t) { return t->progress; }
const double *eng_trainer_layer_stats(const eng_trainer *t) { return t->stats ? t->layer_stats : NULL; }

static eng_status check_data(const eng_model *m, const eng_dataset *ds, const char *what) {
  if (ds->features != m->input_features)
    return eng_fail(ENG_ERR_INVALID, "%s data has %u features per sample, the model expects %u",
                    what, ds->features, m->input_features);
  if (ds->num_classes > eng_model_output_size(m))
    return eng_fail(ENG_ERR_INVALID,
                    "%s data has %u classes but the last layer has %u units; set its units to %u",
                    what, ds->num_classes, eng_model_output_size(m), ds->num_classes);
  if (ds->count == 0) return eng_fail(ENG_ERR_INVALID, "%s data is empty", what);
  return ENG_OK;
}

eng_status eng_trainer_create(eng_model *m, const eng_dataset *train, const eng_dataset *val,
                              const char *spec, eng_trainer **out) {
  *out = NULL;
  if (!m->built) return eng_fail(ENG_ERR_STATE, "build the model before training it");
  if (!train) return eng_fail(ENG_ERR_INVALID, "no training data");
  eng_options o;
  eng_status st = eng_parse_spec(spec && *spec ? spec : "fit", "fit", fit_table, 1, &o);
  if (st != ENG_OK) return st;
  if (spec && strlen(spec) >= sizeof((eng_trainer *)0)->spec)
    return eng_fail(ENG_ERR_INVALID, "fit spec is too long (at most %zu characters)", sizeof((eng_trainer *)0)->spec - 1);
  if ((st = check_data(m, train, "training")) != ENG_OK) return st;
  if (val && (st = check_data(m, val, "validation")) != ENG_OK) return st;
  uint32_t batch = (uint32_t)eng_opt_num(&o, fit_table, "batch_size");
  if (batch > m->max_batch)
    return eng_fail(ENG_ERR_INVALID, "batch_size %u exceeds the %u the model was built for", batch,
                    m->max_batch);
  char detail[48];
  snprintf(detail, sizeof detail, " for %u training samples", train->count);
  if ((st = eng_check_memory(eng_size_mul(train->count, sizeof(uint32_t)), "the shuffling order",
                             detail, NULL)) != ENG_OK)
    return st;
  eng_trainer *t = calloc(1, sizeof *t);
  if (!t) return eng_fail(ENG_ERR_NOMEM, "out of memory creating the trainer");
  t->order = malloc((size_t)train->count * sizeof(uint32_t));
  t->layer_stats = calloc((size_t)m->n_layers * ENG_STAT_COUNT, sizeof(double));
  t->grad_std = calloc(m->n_layers ? m->n_layers : 1, sizeof(float));
  t->alive = calloc(m->max_width ? m->max_width : 1, 1);
  if (!t->order || !t->layer_stats || !t->grad_std || !t->alive || model_snapshot(m, &t->snapshot) != ENG_OK) {
    eng_trainer_free(t);
    return eng_fail(ENG_ERR_NOMEM, "out of memory creating the trainer");
  }
  if (m->standardize && !m->adapted && (st = eng_model_adapt(m, train)) != ENG_OK) {
    eng_trainer_free(t);
    return st;
  }
  t->m = m, t->train = train, t->val = val;
  snprintf(t->spec, sizeof t->spec, "%s", spec && *spec ? spec : "fit");
  t->epochs = (uint32_t)eng_opt_num(&o, fit_table, "epochs");
  t->batch_size = batch;
  t->batches_per_epoch = (train->count + batch - 1) / batch;
  t->shuffle = eng_opt_num(&o, fit_table, "shuffle") != 0;
  t->stats = eng_opt_num(&o, fit_table, "stats") != 0;
  t->stats_samples = (uint32_t)eng_opt_num(&o, fit_table, "stats_samples");
  t->stats_every = (uint32_t)eng_opt_num(&o, fit_table, "stats_every");
  t->slice_samples = (uint32_t)eng_opt_num(&o, fit_table, "slice_samples");
  trainer_keep_initial(t);
  double seed = eng_opt_num(&o, fit_table, "seed");
  uint64_t s = isnan(seed) ? m->seed : (uint64_t)seed;
  eng_rng_seed(&t->shuffle_rng, s, ENG_STREAM_SHUFFLE);
  if (!isnan(seed)) model_seed_dropout(m, s);
  for (uint32_t i = 0; i < train->count; i++) t->order[i] = i;
  t->best_metric = -INFINITY;
  t->checkpoint_cb = -1;
  *out = t;
  return ENG_OK;
}

/* A whole-number option of a callback (0 where the variant has none: (int)NaN is undefined). */
static int callback_int(const eng_options *o, const char *name) {
  double v = eng_opt_num(o, callback_table, name);
  return isnan(v) ? 0 : (int)v;
}

eng_status eng_trainer_add_callback(eng_trainer *t, const char *spec) {
  if (t->n_callbacks >= MAX_CALLBACKS) return eng_fail(ENG_ERR_INVALID, "too many callbacks");
  if (t->epoch > 0 || t->batch > 0) return eng_fail(ENG_ERR_STATE, "callbacks must be added before training starts");
  callback *c = &t->callbacks[t->n_callbacks];
  memset(c, 0, sizeof *c);
  eng_status st = eng_parse_spec(spec, "callback", callback_table, CB_COUNT, &c->opt);
  if (st != ENG_OK) return st;
  if (strlen(spec) >= sizeof c->spec)
    return eng_fail(ENG_ERR_INVALID, "callback spec is too long (at most %zu characters)", sizeof c->spec - 1);
  snprintf(c->spec, sizeof c->spec, "%s", spec);
  int monitor;
  st = eng_opt_choice(&c->opt, callback_table, "monitor", monitors, &monitor);
  if (st != ENG_OK) return st;
  const char *mon = monitors[monitor];
  c->metric = monitor_metric[monitor];
  c->maximize = strstr(mon, "acc") != NULL; /* Keras mode "auto" */
  const eng_options *o = &c->opt;
  c->min_delta = eng_opt_num(o, callback_table, "min_delta");
  c->factor = eng_opt_num(o, callback_table, "factor");
  c->min_lr = eng_opt_num(o, callback_table, "min_lr");
  c->patience = callback_int(o, "patience");
  c->cooldown = callback_int(o, "cooldown");
  c->start_from_epoch = callback_int(o, "start_from_epoch");
  c->restore_best_weights = eng_opt_num(o, callback_table, "restore_best_weights") != 0;
  if (!t->val && (c->metric == ENG_METRIC_VAL_LOSS || c->metric == ENG_METRIC_VAL_ACCURACY))
    return eng_fail(ENG_ERR_INVALID, "callback %s monitors %s but there is no validation data",
                    callback_table[c->opt.variant].name, mon);
  if (c->opt.variant == CB_REDUCE_LR && t->m->schedule.variant != SCHED_CONSTANT)
    return eng_fail(ENG_ERR_INVALID,
                    "reduce_lr_on_plateau needs a constant learning rate: it cannot change a "
                    "schedule (%s); remove one of them", schedule_table[t->m->schedule.variant].name);
  c->best = c->maximize ? -INFINITY : INFINITY;
  if (c->opt.variant == CB_CHECKPOINT) t->checkpoint_cb = t->n_callbacks;
  t->n_callbacks++;
  return ENG_OK;
}

void eng_trainer_free(eng_trainer *t) {
  if (!t) return;
  for (int i = 0; i < t->n_callbacks; i++) free(t->callbacks[i].best_weights);
  free(t->order), free(t->snapshot), free(t->layer_stats), free(t->grad_std), free(t->alive), free(t->initial), free(t->current), free(t);
}

void eng_trainer_stop(eng_trainer *t) { t->done = true; }

eng_status eng_trainer_restore_checkpoint(eng_trainer *t) {
  if (t->checkpoint_cb < 0 || !t->callbacks[t->checkpoint_cb].best_weights)
    return eng_fail(ENG_ERR_STATE, "no checkpoint has been kept");
  model_restore(t->m, t->callbacks[t->checkpoint_cb].best_weights);
  return ENG_OK;
}

static double current_lr(const eng_trainer *t) {
  const eng_model *m = t->m;
  return schedule_at(&m->schedule_params, m->optimizer.learning_rate, m->iterations);
}

static void epoch_begin(eng_trainer *t) {
  if (t->shuffle)
    for (uint32_t i = t->train->count - 1; i > 0; i--) { /* Fisher-Yates */
      uint32_t j = eng_rng_below(&t->shuffle_rng, i + 1), tmp = t->order[i];
      t->order[i] = t->order[j], t->order[j] = tmp;
    }
  model_snapshot(t->m, &t->snapshot); /* buffer exists: cannot fail */
  t->loss_sum = 0, t->correct = 0, t->seen = 0, t->train_seconds = 0;
  t->epoch_start = eng_seconds();
}

static bool improved(const callback *c, double current, double min_delta) {
  return c->maximize ? current - min_delta > c->best : current + min_delta < c->best;
}

static eng_status epoch_end(eng_trainer *t) {
  eng_model *m = t->m;
  double *mt = t->metrics;
  for (int i = 0; i < ENG_METRIC_COUNT; i++) mt[i] = 0;
  mt[ENG_METRIC_EPOCH] = t->epoch + 1;
  mt[ENG_METRIC_LOSS] = t->loss_sum / t->seen;
  mt[ENG_METRIC_ACCURACY] = (double)t->correct / t->seen;
  mt[ENG_METRIC_LEARNING_RATE] = t->progress[ENG_PROGRESS_LEARNING_RATE];
  mt[ENG_METRIC_SAMPLES_PER_SECOND] = t->seen / (t->train_seconds > 0 ? t->train_seconds : 1e-9);
  mt[ENG_METRIC_VAL_LOSS] = mt[ENG_METRIC_VAL_ACCURACY] = NAN;
  if (t->val) {
    eng_status st = eng_model_evaluate(m, t->val, 0, &mt[ENG_METRIC_VAL_LOSS], &mt[ENG_METRIC_VAL_ACCURACY]);
    if (st != ENG_OK) return st;
  }
  double watched = t->val ? mt[ENG_METRIC_VAL_ACCURACY] : mt[ENG_METRIC_ACCURACY];
  if (watched > t->best_metric) t->best_metric = watched, mt[ENG_METRIC_IS_BEST] = 1;
  if (t->stats) {
    const eng_dataset *ds = t->val ? t->val : t->train;
    eng_status st = eng_model_layer_stats(m, ds, t->stats_samples, t->layer_stats);
    if (st != ENG_OK) return st;
  }
  bool stop = false;
  for (int ci = 0; ci < t->n_callbacks; ci++) {
    callback *c = &t->callbacks[ci];
    double current = mt[c->metric];
    if (c->opt.variant == CB_REDUCE_LR) {
      /* keras ReduceLROnPlateau.on_epoch_end */
      if (c->cooldown_counter > 0) c->cooldown_counter--, c->wait = 0;
      /* Keras tests in_cooldown() again after the decrement. */
      if (improved(c, current, c->min_delta)) {
        c->best = current, c->wait = 0;
      } else if (c->cooldown_counter == 0 && ++c->wait >= c->patience) {
        double old_lr = m->optimizer.learning_rate, min_lr = c->min_lr;
        if (old_lr > (float)min_lr) {
          double new_lr = old_lr * c->factor;
          m->optimizer.learning_rate = new_lr > min_lr ? new_lr : min_lr;
          c->cooldown_counter = c->cooldown;
          c->wait = 0;
          mt[ENG_METRIC_LR_REDUCED] = 1;
        }
      }
    } else if (c->opt.variant == CB_EARLY_STOPPING) {
      /* keras EarlyStopping.on_epoch_end */
      if ((int)t->epoch < c->start_from_epoch) continue;
      c->wait++;
      if (improved(c, current, c->min_delta)) {
        c->best = current, c->best_epoch = (int)t->epoch + 1, c->wait = 0;
        if (c->restore_best_weights) {
          eng_status st = model_snapshot(m, &c->best_weights);
          if (st != ENG_OK) return st;
        }
        continue;
      }
      if (c->wait >= c->patience && t->epoch > 0) {
        stop = true;
        mt[ENG_METRIC_STOPPED] = 1;
        if (c->best_weights) {
          model_restore(m, c->best_weights);
          mt[ENG_METRIC_RESTORED_EPOCH] = c->best_epoch;
        }
      }
    } else if (c->opt.variant == CB_CHECKPOINT) {
      if (improved(c, current, 0)) {
        c->best = current, c->best_epoch = (int)t->epoch + 1;
        eng_status st = model_snapshot(m, &c->best_weights);
        if (st != ENG_OK) return st;
      }
    }
  }
  mt[ENG_METRIC_SPARSITY] = eng_model_sparsity(m);
  mt[ENG_METRIC_SECONDS] = eng_seconds() - t->epoch_start;
  t->epoch++;
  t->batch = 0;
  if (stop || t->epoch >= t->epochs) t->done = true;
  return ENG_OK;
}

/* Divergence ends the run and keeps the weights from the end of the previous
 * epoch; the optimizer's state, which a non-finite step may have reached, restarts. */
static eng_status diverged(eng_trainer *t, const char *cause, bool first_step, int *event) {
  model_restore(t->m, t->snapshot);
  optimizer_reset_slots(t->m);
  t->done = t->diverged = true;
  *event = ENG_EVENT_DONE;
  return eng_fail(ENG_ERR_DIVERGED,
                  "training diverged at epoch %u step %u (%s); %s. The weights from the end of "
                  "epoch %u were kept.",
                  t->epoch + 1, t->batch + 1, cause,
                  first_step ? "the starting weights already overflow: try a smaller "
                               "kernel_initializer (he_normal for ReLU) or a lower learning rate"
                             : "try a lower learning rate",
                  t->epoch);
}

eng_status eng_trainer_run(eng_trainer *t, uint32_t max_batches, int *event) {
  *event = ENG_EVENT_NONE;
  if (t->done) {
    *event = ENG_EVENT_DONE;
    return t->diverged ? eng_fail(ENG_ERR_STATE, "training has diverged; start a new run") : ENG_OK;
  }
  eng_model *m = t->m;
  for (uint32_t k = 0; k < max_batches; k++) {
    if (t->batch == 0) epoch_begin(t);
    double t0 = eng_seconds();
    uint32_t start = t->batch * t->batch_size;
    int n = (int)(t->train->count - start < t->batch_size ? t->train->count - start : t->batch_size);
    double lr = current_lr(t);
    /* The in-epoch sample of the layer statistics reads this step's own buffers
     * (never the epoch's last batch: the epoch-end statistics follow it). */
    bool last = t->batch + 1 == t->batches_per_epoch;
    bool sample = t->stats && t->stats_every && !last && (t->batch + 1) % t->stats_every == 0;
    const step_sample buffers = {t->grad_std, t->alive, t->layer_stats};
    int correct = 0, nonfinite;
    double loss = model_train_step(m, t->train, t->order, start, n, lr, last || sample,
                                   sample ? &buffers : NULL, &correct, &nonfinite);
    if (!isfinite(loss)) return diverged(t, isnan(loss) ? "loss = nan" : "loss = inf", false, event);
    if (nonfinite >= 0) {
      /* Non-finite activations or gradients (a ReLU may hide them from the loss). */
      char where[160];
      model_describe_nonfinite(m, n, nonfinite, where, sizeof where);
      return diverged(t, where, m->iterations == 0, event);
    }
    t->loss_sum += loss * n, t->correct += correct, t->seen += n;
    t->batch++;
    t->train_seconds += eng_seconds() - t0;
    double *p = t->progress;
    p[ENG_PROGRESS_EPOCH] = t->epoch + 1, p[ENG_PROGRESS_BATCH] = t->batch;
    p[ENG_PROGRESS_BATCHES] = t->batches_per_epoch, p[ENG_PROGRESS_LOSS] = t->loss_sum / t->seen;
    p[ENG_PROGRESS_ACCURACY] = (double)t->correct / t->seen, p[ENG_PROGRESS_LEARNING_RATE] = lr;
    p[ENG_PROGRESS_STEP] = (double)m->iterations;
    if (t->batch == t->batches_per_epoch) {
      eng_status st = epoch_end(t);
      if (st != ENG_OK) {
        t->done = true;
        return st;
      }
      *event = t->done ? ENG_EVENT_DONE : ENG_EVENT_EPOCH;
      return ENG_OK;
    }
    if (sample) { /* the host reads it before the next step overwrites it */
      *event = ENG_EVENT_STATS;
      return ENG_OK;
    }
  }
  return ENG_OK;
}
