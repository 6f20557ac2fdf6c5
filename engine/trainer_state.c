/* trainer_state.c: a training checkpoint, what keras.callbacks.BackupAndRestore
 * keeps so that an interrupted fit resumes where it stopped: the model file
 * (weights, BN moving statistics, optimizer slots and iterations, the current
 * learning rate, the dropout generator) plus this trainer section, written in
 * the model blob's versioned, checksummed format (serialize.c):
 *   str fit spec, u32 train count, u32 validation count (0: none),
 *   u32 callbacks, {str spec, f64 best, u32 wait, u32 cooldown_counter,
 *   u32 best_epoch, u64 n, f32 best_weights[n] (n = 0: none)} per callback,
 *   u32 epoch, u32 batch, u32 done, u32 diverged, f64 loss_sum, f64 train_seconds,
 *   u64 correct, u64 seen, f64 best_metric, u64 shuffle state, u64 increment,
 *   u32 n, u32 order[n] (the shuffled sample order, kept across epochs),
 *   u64 n, f32 snapshot[n] (the weights at the start of the epoch),
 *   u32 metrics count, f64 metrics[], u32 progress count, f64 progress[],
 *   and since model file version 3: u64 n, f32 initial[n] (the weights the fit
 *   started from, for the loss slice; n = 0: not kept). A checkpoint without
 *   them loads, and its loss slice says why it cannot be drawn.
 * Resuming from it gives the same bits as never stopping: every piece of
 * state the training step reads is in the file. */
#include "blob.h"
#include "trainer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void trainer_state_write(writer *w, const eng_trainer *t) {
  const eng_model *m = t->m;
  put_str(w, t->spec);
  put_u32(w, t->train->count), put_u32(w, t->val ? t->val->count : 0);
  put_u32(w, (uint32_t)t->n_callbacks);
  for (int ci = 0; ci < t->n_callbacks; ci++) {
    const callback *c = &t->callbacks[ci];
    put_str(w, c->spec);
    put_f64(w, c->best);
    put_u32(w, (uint32_t)c->wait), put_u32(w, (uint32_t)c->cooldown_counter), put_u32(w, (uint32_t)c->best_epoch);
    put_u64(w, c->best_weights ? m->n_params : 0);
    if (c->best_weights) put_floats(w, c->best_weights, m->n_params);
  }
  put_u32(w, t->epoch), put_u32(w, t->batch), put_u32(w, t->done), put_u32(w, t->diverged);
  put_f64(w, t->loss_sum), put_f64(w, t->train_seconds);
  put_u64(w, (uint64_t)t->correct), put_u64(w, (uint64_t)t->seen);
  put_f64(w, t->best_metric);
  put_u64(w, t->shuffle_rng.state), put_u64(w, t->shuffle_rng.inc);
  put_u32(w, t->train->count);
  for (uint32_t i = 0; i < t->train->count; i++) put_u32(w, t->order[i]);
  put_u64(w, m->n_params);
  put_floats(w, t->snapshot, m->n_params);
  put_u32(w, ENG_METRIC_COUNT);
  for (int i = 0; i < ENG_METRIC_COUNT; i++) put_f64(w, t->metrics[i]);
  put_u32(w, ENG_PROGRESS_COUNT);
  for (int i = 0; i < ENG_PROGRESS_COUNT; i++) put_f64(w, t->progress[i]);
  put_u64(w, t->has_initial ? m->n_params : 0);
  if (t->has_initial) put_floats(w, t->initial, m->n_params);
}

eng_status eng_trainer_save(const eng_trainer *t, const char *metadata, uint8_t **out, size_t *out_len) {
  *out = NULL, *out_len = 0;
  if (t->diverged) return eng_fail(ENG_ERR_STATE, "training has diverged; there is nothing to resume");
  return blob_save(t->m, t, metadata, out, out_len);
}

#define CORRUPT(what) eng_fail(ENG_ERR_FORMAT, "training checkpoint is corrupt (in %s)", what)

/* Reads n u32 values that must be a permutation of 0..n-1. */
static bool get_order(reader *r, uint32_t *order, uint32_t n) {
  if ((r->len - r->pos) / 4 < n) return false;
  uint8_t *seen = calloc(n ? n : 1, 1);
  if (!seen) return false;
  bool ok = true;
  for (uint32_t i = 0; i < n && ok; i++) {
    get_u32(r, &order[i]);
    ok = order[i] < n && !seen[order[i]];
    if (ok) seen[order[i]] = 1;
  }
  free(seen);
  return ok;
}

/* A weights copy of exactly n_params floats, or none (count 0). */
static bool get_weights(reader *r, const eng_model *m, float **dst, bool required) {
  uint64_t n;
  if (!get_u64(r, &n)) return false;
  if (n == 0 && !required) return true;
  if (n != m->n_params || (r->len - r->pos) / 4 < n) return false;
  if (!*dst && !(*dst = malloc((m->n_params ? m->n_params : 1) * sizeof(float)))) return false;
  return get_floats(r, *dst, (size_t)n);
}

static eng_status read_state(reader *r, eng_trainer *t, const eng_dataset *train) {
  uint32_t epoch, batch, done, diverged, n;
  uint64_t correct, seen;
  if (!get_u32(r, &epoch) || !get_u32(r, &batch) || !get_u32(r, &done) || !get_u32(r, &diverged) ||
      epoch > t->epochs || batch >= t->batches_per_epoch || done > 1 || diverged != 0 ||
      (epoch == t->epochs && (batch != 0 || !done)))
    return CORRUPT("position");
  t->epoch = epoch, t->batch = batch, t->done = done != 0;
  if (!get_f64(r, &t->loss_sum) || !get_f64(r, &t->train_seconds) || !get_u64(r, &correct) ||
      !get_u64(r, &seen) || correct > seen || seen > (uint64_t)train->count || !get_f64(r, &t->best_metric))
    return CORRUPT("epoch totals");
  t->correct = (long)correct, t->seen = (long)seen;
  if (!get_u64(r, &t->shuffle_rng.state) || !get_u64(r, &t->shuffle_rng.inc) || (t->shuffle_rng.inc & 1) == 0)
    return CORRUPT("shuffling generator");
  if (!get_u32(r, &n) || n != train->count || !get_order(r, t->order, n)) return CORRUPT("sample order");
  if (!get_weights(r, t->m, &t->snapshot, true)) return CORRUPT("weights of the last good epoch");
  if (!get_u32(r, &n) || n != ENG_METRIC_COUNT) return CORRUPT("metrics");
  for (int i = 0; i < ENG_METRIC_COUNT; i++)
    if (!get_f64(r, &t->metrics[i])) return CORRUPT("metrics");
  if (!get_u32(r, &n) || n != ENG_PROGRESS_COUNT) return CORRUPT("progress");
  for (int i = 0; i < ENG_PROGRESS_COUNT; i++)
    if (!get_f64(r, &t->progress[i])) return CORRUPT("progress");
  /* The initial weights: absent in checkpoints of model file version 2. */
  t->has_initial = false;
  if (r->pos == r->len) return ENG_OK;
  size_t at = r->pos;
  if (!get_weights(r, t->m, &t->initial, false)) return CORRUPT("initial weights");
  t->has_initial = r->pos - at > 8; /* more than the count: the weights */
  return ENG_OK;
}

static eng_status read_callbacks(reader *r, eng_trainer *t) {
  uint32_t n;
  if (!get_u32(r, &n) || n > MAX_CALLBACKS) return CORRUPT("callbacks");
  for (uint32_t ci = 0; ci < n; ci++) {
    char spec[512];
    if (!get_str(r, spec, sizeof spec)) return CORRUPT("callbacks");
    /* Added while epoch and batch are still 0 (the position is read next). */
    eng_status st = eng_trainer_add_callback(t, spec);
    if (st != ENG_OK) return st;
    callback *c = &t->callbacks[ci];
    uint32_t wait, cooldown, best_epoch;
    if (!get_f64(r, &c->best) || !get_u32(r, &wait) || !get_u32(r, &cooldown) || !get_u32(r, &best_epoch) ||
        wait > 1000000 || cooldown > 1000000 || best_epoch > 1000000 || !get_weights(r, t->m, &c->best_weights, false))
      return CORRUPT("callbacks");
    c->wait = (int)wait, c->cooldown_counter = (int)cooldown, c->best_epoch = (int)best_epoch;
  }
  return ENG_OK;
}

eng_status eng_trainer_load(const uint8_t *bytes, size_t len, uint32_t max_batch,
                            const eng_dataset *train, const eng_dataset *val, eng_model **model_out,
                            eng_trainer **out) {
  *model_out = NULL, *out = NULL;
  if (!train) return eng_fail(ENG_ERR_INVALID, "no training data");
  eng_model *m = NULL;
  const uint8_t *section;
  size_t section_len;
  eng_status st = blob_load(bytes, len, max_batch, &m, &section, &section_len);
  if (st != ENG_OK) return st;
  if (section_len == 0) {
    eng_model_free(m);
    return eng_fail(ENG_ERR_FORMAT, "this file holds a model, not a training checkpoint to resume");
  }
  /* The trainer re-seeds the model's dropout stream from a fit seed: the saved
   * generator is put back afterwards. */
  reader r = {section, section_len, 0};
  char spec[512];
  uint32_t train_count, val_count;
  dropout_streams dropout = m->dropout;
  eng_trainer *t = NULL;
  if (!get_str(&r, spec, sizeof spec) || !get_u32(&r, &train_count) || !get_u32(&r, &val_count))
    st = CORRUPT("fit spec");
  else if (train_count != train->count || val_count != (val ? val->count : 0))
    st = eng_fail(ENG_ERR_INVALID,
                  "the checkpoint was trained on %u training and %u validation images, not %u and %u: "
                  "load the same data to resume it",
                  train_count, val_count, train->count, val ? val->count : 0);
  else if ((st = eng_trainer_create(m, train, val, spec, &t)) == ENG_OK &&
           (st = read_callbacks(&r, t)) == ENG_OK && (st = read_state(&r, t, train)) == ENG_OK &&
           r.pos != r.len)
    st = CORRUPT("trailing bytes");
  if (st != ENG_OK) {
    eng_trainer_free(t);
    eng_model_free(m);
    return st;
  }
  m->dropout = dropout;
  t->epoch_start = eng_seconds();
  *model_out = m, *out = t;
  return ENG_OK;
}
