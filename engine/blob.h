/* blob.h: the little-endian writer and bounds-checked reader of the engine's
 * versioned binary format (serialize.c), shared by the model file and the
 * training checkpoint (trainer_state.c). Every get_* checks the remaining
 * length before it reads. */
#ifndef ENGINE_BLOB_H
#define ENGINE_BLOB_H

#include "nn.h"

typedef struct { uint8_t *p; size_t len, cap; bool failed; } writer;
typedef struct { const uint8_t *p; size_t len, pos; } reader;

void put(writer *w, const void *data, size_t n);
void put_u32(writer *w, uint32_t v);
void put_u64(writer *w, uint64_t v);
void put_f64(writer *w, double v);
void put_str(writer *w, const char *s);
void put_floats(writer *w, const float *f, size_t n);
bool get_u32(reader *r, uint32_t *v);
bool get_u64(reader *r, uint64_t *v);
bool get_f64(reader *r, double *v);
bool get_str(reader *r, char *buf, size_t cap);
bool get_floats(reader *r, float *f, size_t n);

/* The model blob with an optional trainer section (eng_trainer_save). */
eng_status blob_save(const eng_model *m, const eng_trainer *t, const char *metadata,
                     uint8_t **out, size_t *out_len);
/* Loads the model; *trainer_section/_len point into bytes at the trainer
 * section (length 0 when the blob has none). */
eng_status blob_load(const uint8_t *bytes, size_t len, uint32_t max_batch, eng_model **out,
                     const uint8_t **trainer_section, size_t *trainer_len);

/* trainer_state.c */
void trainer_state_write(writer *w, const eng_trainer *t);

#endif
