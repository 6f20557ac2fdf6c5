/* serialize.c: the model as a versioned binary blob and back.
 * Layout (little-endian): "FMNPBLOB", u32 version, u32 input_features,
 * str model spec, str optimizer spec, str schedule spec, u32 layers,
 * {str layer spec, u8 trainable} per layer, u32 has_standardization,
 * [f32 mean[f], f32 inv_std[f]], u32 tensors, {u32 layer, u32 rows, u32 cols,
 * f32 data[]} per tensor, str metadata, u32 FNV-1a checksum of all before it.
 * str = u32 length + bytes.
 * Version 2 adds, after the tensors, what a model needs to train on exactly as
 * it would have (Keras's model.save keeps the optimizer too):
 * u64 iterations, f64 learning_rate (ReduceLROnPlateau may have lowered it),
 * f64 Nadam u_product, u64 dropout generator state, u64 its increment,
 * u64 slot count (k per trainable value, k = the slot blocks the optimizer
 * uses), {f32 slots[k * size]} per tensor with a gradient, u32 pruning masks,
 * {u32 layer, f32 mask[in * out]} per mask, u64 trainer section length +
 * bytes (a training checkpoint, trainer_state.c; 0 in a plain model file).
 * Version 3 adds, after the pruning masks, the seed scheme (nn.h: u32 1 =
 * shared streams, 2 = per layer) and u32 n + {u64 state, u64 increment} per
 * layer of the per-layer dropout generators (n = 0 with shared streams, whose
 * one generator is the version 2 field above). Versions 1 and 2 load with the
 * shared scheme, so they train on with the masks they would have drawn.
 * Version 1 files still load, with a fresh optimizer.
 * A checksum-valid file can still be crafted: every count read from it is
 * checked against the bytes left and the engine's memory limit (in 64 bits)
 * before anything is allocated or read for it (tests/fuzz/fuzz_model.c). */
#include "blob.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BLOB_MAGIC "FMNPBLOB"
#define BLOB_VERSION 3u

void put(writer *w, const void *data, size_t n) {
  if (w->failed) return;
  if (n > SIZE_MAX - w->len || w->len + n > ENG_MEMORY_LIMIT) {
    w->failed = true; /* the doubling below would wrap a 32-bit size_t */
    return;
  }
  if (w->len + n > w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 4096;
    while (cap < w->len + n) cap *= 2;
    uint8_t *p = realloc(w->p, cap);
    if (!p) {
      w->failed = true;
      return;
    }
    w->p = p, w->cap = cap;
  }
  memcpy(w->p + w->len, data, n);
  w->len += n;
}
void put_u32(writer *w, uint32_t v) {
  uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  put(w, b, 4);
}
void put_u64(writer *w, uint64_t v) {
  put_u32(w, (uint32_t)v);
  put_u32(w, (uint32_t)(v >> 32));
}
void put_f64(writer *w, double v) {
  uint64_t bits;
  memcpy(&bits, &v, 8);
  put_u64(w, bits);
}
void put_str(writer *w, const char *s) {
  put_u32(w, (uint32_t)strlen(s));
  put(w, s, strlen(s));
}
void put_floats(writer *w, const float *f, size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint32_t v;
    memcpy(&v, &f[i], 4);
    put_u32(w, v);
  }
}
uint32_t blob_checksum(const uint8_t *p, size_t n) { /* FNV-1a, 32 bits */
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

static void put_training_state(writer *w, const eng_model *m) {
  put_u64(w, (uint64_t)m->iterations);
  put_f64(w, m->optimizer.learning_rate);
  put_f64(w, m->optimizer.u_product);
  put_u64(w, m->dropout.layer[0].state), put_u64(w, m->dropout.layer[0].inc);
  size_t k = (size_t)optimizer_slot_count(m->optimizer.opt.variant);
  put_u64(w, k * m->n_grads);
  for (uint32_t ti = 0; ti < m->n_tensors; ti++)
    if (m->tensors[ti].slots) put_floats(w, m->tensors[ti].slots, k * m->tensors[ti].size);
  uint32_t masks = 0;
  for (uint32_t li = 0; li < m->n_layers; li++) masks += m->layers[li].kernel_mask != NULL;
  put_u32(w, masks);
  for (uint32_t li = 0; li < m->n_layers; li++)
    if (m->layers[li].kernel_mask) {
      put_u32(w, li);
      put_floats(w, m->layers[li].kernel_mask, (size_t)m->layers[li].in * m->layers[li].out);
    }
  put_u32(w, m->seed_scheme);
  uint32_t streams = m->seed_scheme == ENG_SEED_PER_LAYER ? m->n_layers : 0;
  put_u32(w, streams);
  for (uint32_t li = 0; li < streams; li++) put_u64(w, m->dropout.layer[li].state), put_u64(w, m->dropout.layer[li].inc);
}

eng_status eng_model_save(const eng_model *m, const char *metadata, uint8_t **out, size_t *out_len) {
  return blob_save(m, NULL, metadata, out, out_len);
}

eng_status blob_save(const eng_model *m, const eng_trainer *t, const char *metadata, uint8_t **out,
                     size_t *out_len) {
  *out = NULL, *out_len = 0;
  if (!m->built) return eng_fail(ENG_ERR_STATE, "the model is not built yet");
  writer w = {0};
  put(&w, BLOB_MAGIC, 8);
  put_u32(&w, BLOB_VERSION);
  put_u32(&w, m->input_features);
  put_str(&w, m->spec);
  put_str(&w, m->optimizer.spec);
  put_str(&w, m->schedule_spec);
  put_u32(&w, m->n_layers);
  for (uint32_t li = 0; li < m->n_layers; li++) {
    put_str(&w, m->layers[li].spec);
    uint8_t tr = m->layers[li].trainable;
    put(&w, &tr, 1);
  }
  bool norm = m->standardize && m->input_mean;
  put_u32(&w, norm);
  if (norm) {
    put_floats(&w, m->input_mean, m->input_features);
    put_floats(&w, m->input_inv_std, m->input_features);
  }
  put_u32(&w, m->n_tensors);
  for (uint32_t ti = 0; ti < m->n_tensors; ti++) {
    const tensor *tn = &m->tensors[ti];
    put_u32(&w, tn->layer), put_u32(&w, tn->rows), put_u32(&w, tn->cols);
    put_floats(&w, tn->data, tn->size);
  }
  put_training_state(&w, m);
  /* The trainer section's length is patched in once it is written. */
  size_t at = w.len;
  put_u64(&w, 0);
  if (t) {
    trainer_state_write(&w, t);
    if (!w.failed) {
      uint64_t n = w.len - at - 8;
      for (int k = 0; k < 8; k++) w.p[at + k] = (uint8_t)(n >> (8 * k));
    }
  }
  put_str(&w, metadata ? metadata : "");
  if (!w.failed) put_u32(&w, blob_checksum(w.p, w.len));
  if (w.failed) {
    free(w.p);
    return eng_fail(ENG_ERR_NOMEM, "out of memory saving the model");
  }
  *out = w.p, *out_len = w.len;
  return ENG_OK;
}

void eng_blob_free(uint8_t *blob) { free(blob); }

bool get_u32(reader *r, uint32_t *v) {
  if (r->len - r->pos < 4) return false;
  const uint8_t *b = r->p + r->pos;
  *v = b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
  r->pos += 4;
  return true;
}
bool get_u64(reader *r, uint64_t *v) {
  uint32_t lo, hi;
  if (r->len - r->pos < 8) return false;
  get_u32(r, &lo), get_u32(r, &hi);
  *v = (uint64_t)hi << 32 | lo;
  return true;
}
bool get_f64(reader *r, double *v) {
  uint64_t bits;
  if (!get_u64(r, &bits)) return false;
  memcpy(v, &bits, 8);
  return true;
}
bool get_str(reader *r, char *buf, size_t cap) {
  uint32_t n;
  if (!get_u32(r, &n) || n >= cap || r->len - r->pos < n) return false;
  memcpy(buf, r->p + r->pos, n);
  buf[n] = '\0';
  r->pos += n;
  return true;
}
bool get_floats(reader *r, float *f, size_t n) {
  if ((r->len - r->pos) / 4 < n) return false;
  for (size_t i = 0; i < n; i++) {
    uint32_t v = 0;
    get_u32(r, &v);
    memcpy(&f[i], &v, 4);
  }
  return true;
}

#define TRUNCATED(what) \
  (eng_model_free(m), eng_fail(ENG_ERR_FORMAT, "model file is truncated or corrupt (in %s)", what))

/* Version 3's seed scheme and per-layer dropout generators. */
static bool get_seed_scheme(reader *r, eng_model *m) {
  uint32_t scheme, streams;
  if (!get_u32(r, &scheme) || (scheme != ENG_SEED_SHARED && scheme != ENG_SEED_PER_LAYER) || !get_u32(r, &streams) ||
      streams != (scheme == ENG_SEED_PER_LAYER ? m->n_layers : 0))
    return false;
  m->seed_scheme = scheme;
  for (uint32_t li = 0; li < streams; li++) {
    eng_rng *g = &m->dropout.layer[li];
    if (!get_u64(r, &g->state) || !get_u64(r, &g->inc) || (g->inc & 1) == 0) return false;
  }
  return true;
}

/* Version 2's optimizer state, dropout generator and pruning masks; every count
 * is checked against the model before anything is read into it. */
static bool get_training_state(reader *r, eng_model *m, uint32_t version) {
  uint64_t iterations, slots, state, inc;
  double lr, u_product;
  uint32_t masks;
  size_t k = (size_t)optimizer_slot_count(m->optimizer.opt.variant);
  if (!get_u64(r, &iterations) || iterations > INT64_MAX || !get_f64(r, &lr) || !(lr >= 0 && lr < INFINITY) || !get_f64(r, &u_product) ||
      !get_u64(r, &state) || !get_u64(r, &inc) || (inc & 1) == 0 || !get_u64(r, &slots) ||
      slots != k * (uint64_t)m->n_grads || (r->len - r->pos) / 4 < slots)
    return false;
  for (uint32_t ti = 0; ti < m->n_tensors; ti++)
    if (m->tensors[ti].slots) get_floats(r, m->tensors[ti].slots, k * m->tensors[ti].size);
  if (!get_u32(r, &masks) || masks > m->n_layers) return false;
  m->iterations = (int64_t)iterations;
  m->optimizer.learning_rate = lr, m->optimizer.u_product = u_product;
  m->dropout.layer[0].state = state, m->dropout.layer[0].inc = inc;
  for (uint32_t k = 0; k < masks; k++) {
    uint32_t li;
    if (!get_u32(r, &li) || li >= m->n_layers) return false;
    layer *l = &m->layers[li];
    size_t n = (size_t)l->in * l->out;
    if (!l->kernel || l->kernel_mask || (r->len - r->pos) / 4 < n) return false;
    if (!(l->kernel_mask = malloc(n * sizeof(float))) || !get_floats(r, l->kernel_mask, n)) return false;
  }
  return version < 3 || get_seed_scheme(r, m);
}

eng_status eng_model_load(const uint8_t *bytes, size_t len, uint32_t max_batch, eng_model **out) {
  const uint8_t *section;
  size_t section_len;
  return blob_load(bytes, len, max_batch, out, &section, &section_len);
}

eng_status blob_load(const uint8_t *bytes, size_t len, uint32_t max_batch, eng_model **out,
                     const uint8_t **trainer_section, size_t *trainer_len) {
  *out = NULL;
  *trainer_section = NULL, *trainer_len = 0;
  eng_model *m = NULL;
  if (!bytes || len < 8 + 4 + 4 || memcmp(bytes, BLOB_MAGIC, 8) != 0)
    return eng_fail(ENG_ERR_FORMAT, "not a model file of this playground (bad magic)");
  uint32_t stored;
  reader tail = {bytes, len, len - 4};
  get_u32(&tail, &stored);
  if (stored != blob_checksum(bytes, len - 4))
    return eng_fail(ENG_ERR_FORMAT, "model file is corrupt or truncated (checksum mismatch)");
  reader r = {bytes, len - 4, 8};
  uint32_t version, features, n_layers, norm, n_tensors;
  char spec[512], opt_spec[512], sched_spec[512];
  if (!get_u32(&r, &version)) return eng_fail(ENG_ERR_FORMAT, "model file is truncated");
  if (version < 1 || version > BLOB_VERSION)
    return eng_fail(ENG_ERR_FORMAT, "model file version %u is not supported (this engine reads 1 to %u)",
                    version, BLOB_VERSION);
  if (!get_u32(&r, &features) || !get_str(&r, spec, sizeof spec) ||
      !get_str(&r, opt_spec, sizeof opt_spec) || !get_str(&r, sched_spec, sizeof sched_spec) ||
      !get_u32(&r, &n_layers))
    return eng_fail(ENG_ERR_FORMAT, "model file is truncated or corrupt (in header)");
  eng_status st = eng_model_create(features, spec, &m);
  if (st != ENG_OK) return st;
  if (version < 3) m->seed_scheme = ENG_SEED_SHARED; /* before build seeds the dropout streams */
  if (n_layers == 0 || n_layers > ENG_MAX_LAYERS) return TRUNCATED("layer count");
  uint8_t trainable[ENG_MAX_LAYERS];
  for (uint32_t li = 0; li < n_layers; li++) {
    char ls[512];
    if (!get_str(&r, ls, sizeof ls) || r.pos >= r.len) return TRUNCATED("layers");
    trainable[li] = r.p[r.pos++];
    if ((st = eng_model_add(m, ls)) != ENG_OK) {
      eng_model_free(m);
      return st;
    }
  }
  uint64_t weight_bytes = eng_size_mul(model_weight_count(m), sizeof(float));
  if (weight_bytes > r.len - r.pos) {
    char need[32], have[32];
    eng_model_free(m);
    return eng_fail(ENG_ERR_FORMAT,
                    "model file is truncated or corrupt: its layers need %s of weights, the "
                    "file holds %s", eng_format_bytes(weight_bytes, need, sizeof need),
                    eng_format_bytes(len, have, sizeof have));
  }
  if ((st = eng_model_set_optimizer(m, opt_spec)) != ENG_OK || (st = eng_model_set_schedule(m, sched_spec)) != ENG_OK ||
      (st = eng_model_build(m, max_batch)) != ENG_OK) {
    eng_model_free(m);
    return st;
  }
  for (uint32_t li = 0; li < n_layers; li++) m->layers[li].trainable = trainable[li] != 0;
  model_update_first_trainable(m);
  if (!get_u32(&r, &norm)) return TRUNCATED("input statistics");
  if (norm) {
    if (eng_size_mul(features, 2 * sizeof(float)) > r.len - r.pos) return TRUNCATED("input statistics");
    m->input_mean = malloc(features * sizeof(float));
    m->input_inv_std = malloc(features * sizeof(float));
    if (!m->input_mean || !m->input_inv_std) {
      eng_model_free(m);
      return eng_fail(ENG_ERR_NOMEM, "out of memory loading the model");
    }
    if (!get_floats(&r, m->input_mean, features) || !get_floats(&r, m->input_inv_std, features))
      return TRUNCATED("input statistics");
    m->adapted = true;
  }
  if (!get_u32(&r, &n_tensors) || n_tensors != m->n_tensors) return TRUNCATED("tensor count");
  for (uint32_t ti = 0; ti < n_tensors; ti++) {
    uint32_t layer_index, rows, cols;
    tensor *t = &m->tensors[ti];
    if (!get_u32(&r, &layer_index) || !get_u32(&r, &rows) || !get_u32(&r, &cols) ||
        layer_index != t->layer || rows != t->rows || cols != t->cols || !get_floats(&r, t->data, t->size))
      return TRUNCATED("weights");
  }
  if (version >= 2) {
    uint64_t n;
    if (!get_training_state(&r, m, version)) return TRUNCATED("optimizer state");
    if (!get_u64(&r, &n) || n > r.len - r.pos) return TRUNCATED("trainer state");
    *trainer_section = r.p + r.pos, *trainer_len = (size_t)n;
    r.pos += (size_t)n;
  }
  uint32_t meta_len;
  size_t meta_pos = r.pos;
  if (!get_u32(&r, &meta_len) || r.len - r.pos < meta_len) return TRUNCATED("metadata");
  r.pos = meta_pos;
  m->metadata = malloc((size_t)meta_len + 1);
  if (!m->metadata || !get_str(&r, m->metadata, (size_t)meta_len + 1)) return TRUNCATED("metadata");
  if (r.pos != r.len) return TRUNCATED("trailing bytes");
  *out = m;
  return ENG_OK;
}
