/* describe.c: every variant table as one JSON document, so hosts (the page's
 * controls, the configuration schema test) read names and Keras defaults from
 * the engine instead of repeating them. */
#include "nn.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *json;
static size_t len, cap;
static bool failed; /* a growth failed: the document is incomplete and is not returned */

void *(*describe_realloc)(void *, size_t) = realloc;

static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emit(const char *fmt, ...) {
  va_list ap;
  while (!failed) {
    va_start(ap, fmt);
    int n = vsnprintf(json + len, cap - len, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < cap - len) {
      len += (size_t)n;
      return;
    }
    char *p = describe_realloc(json, cap * 2 + 4096);
    if (!p) {
      failed = true;
      return;
    }
    json = p, cap = cap * 2 + 4096;
  }
}

static void emit_number(double v) {
  if (isnan(v)) emit("null");
  else if (isinf(v)) emit(v > 0 ? "1e308" : "-1e308");
  else emit("%.17g", v);
}

/* A JSON string (or null): help texts may hold quotes. */
static void emit_string(const char *s) {
  if (!s) {
    emit("null");
    return;
  }
  emit("\"");
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') emit("\\%c", *s);
    else emit("%c", *s);
  }
  emit("\"");
}

static void emit_table(const char *key, const eng_variant_desc *t, int n) {
  emit("\"%s\":{", key);
  for (int i = 0; i < n; i++) {
    emit("%s\"%s\":{\"keras\":%s%s%s,\"help\":\"%s\",\"options\":{", i ? "," : "", t[i].name,
         t[i].keras ? "\"" : "", t[i].keras ? t[i].keras : "null", t[i].keras ? "\"" : "", t[i].help);
    for (int k = 0; k < t[i].n_opts; k++) {
      const eng_opt_desc *d = &t[i].opts[k];
      static const char *const types[] = {"number", "integer", "boolean", "name", "list"};
      emit("%s\"%s\":{\"type\":\"%s\",\"required\":%s,\"help\":\"%s\",\"default\":", k ? "," : "",
           d->name, types[d->type], d->required ? "true" : "false", d->help);
      if (d->type == OPT_NAME) {
        if (d->def_name) emit("\"%s\"", d->def_name);
        else emit("null");
        if (d->choices) {
          emit(",\"choices\":[");
          for (int c = 0; d->choices[c]; c++) emit("%s\"%s\"", c ? "," : "", d->choices[c]);
          emit("]");
        }
      } else if (d->type == OPT_BOOL) {
        emit(d->def != 0 ? "true" : "false");
      } else {
        emit_number(d->def);
        if (d->type != OPT_LIST) {
          emit(",\"minimum\":");
          emit_number(d->min);
          emit(",\"maximum\":");
          emit_number(d->max);
        }
      }
      emit("}");
    }
    emit("}}");
  }
  emit("}");
}

/* eng_status by name, so hosts read a status as the engine names it. */
static const char *const status_names[] = {
    [ENG_OK] = "ok",           [ENG_ERR_INVALID] = "invalid",   [ENG_ERR_NOMEM] = "nomem",
    [ENG_ERR_FORMAT] = "format", [ENG_ERR_DIVERGED] = "diverged", [ENG_ERR_STATE] = "state"};

const char *eng_describe(void) {
  if (json) return json;
  /* 16 KB holds the tables today; emit grows it if they outgrow it. */
  json = describe_realloc(NULL, 16384);
  cap = json ? 16384 : 0, len = 0, failed = !json;
  emit("{\"version\":\"%s\",", eng_version());
  emit("\"memory_limit_bytes\":%llu,", (unsigned long long)ENG_MEMORY_LIMIT);
  emit_table("layers", layer_table, LAYER_COUNT), emit(",");
  emit_table("optimizers", optimizer_table, OPT_COUNT), emit(",");
  emit_table("schedules", schedule_table, SCHED_COUNT), emit(",");
  emit_table("callbacks", callback_table, CB_COUNT), emit(",");
  emit_table("model", model_table, 1), emit(",");
  emit_table("fit", fit_table, 1), emit(",");
  emit_table("lr_finder", lr_finder_table, 1), emit(",");
  emit("\"activations\":[");
  for (int i = 0; activation_names[i]; i++) emit("%s\"%s\"", i ? "," : "", activation_names[i]);
  emit("],\"activation_info\":{");
  for (int i = 0; i < ACT_COUNT; i++) {
    const activation_desc *a = &activation_info[i];
    emit("%s\"%s\":{\"help\":", i ? "," : "", activation_names[i]);
    emit_string(a->help);
    emit(",\"tfjs\":");
    emit_string(a->tfjs);
    emit(",\"alpha\":");
    if (a->alpha_keras) {
      emit("{\"keras\":\"%s\",\"default\":", a->alpha_keras);
      emit_number(a->alpha_default);
      emit("}");
    } else {
      emit("null");
    }
    emit("}");
  }
  emit("},\"initializers\":[");
  for (int i = 0; initializer_names[i]; i++) emit("%s\"%s\"", i ? "," : "", initializer_names[i]);
  emit("],\"initializer_params\":{");
  for (int i = 0; i < INIT_COUNT; i++) {
    emit("%s\"%s\":[", i ? "," : "", initializer_names[i]);
    const char *p = initializer_params[i];
    for (int k = 0; p && *p; k++) {
      size_t n = strcspn(p, " ");
      emit("%s\"%.*s\"", k ? "," : "", (int)n, p);
      p += n + (p[n] == ' ');
    }
    emit("]");
  }
  /* Glorot, He and LeCun as VarianceScaling arguments (the TF.js format writes them so). */
  emit("},\"initializer_variance_scaling\":{");
  for (int i = 0, k = 0; i < INIT_COUNT; i++) {
    const variance_scaling_args *a = &initializer_variance_scaling[i];
    if (a->scale == 0) continue;
    emit("%s\"%s\":{\"scale\":", k++ ? "," : "", initializer_names[i]);
    emit_number(a->scale);
    emit(",\"mode\":\"%s\",\"distribution\":\"%s\"}", variance_scaling_modes[a->mode],
         variance_scaling_distributions[a->distribution]);
  }
  emit("}");
  emit(",\"metrics\":[");
  for (int i = 0; i < ENG_METRIC_COUNT; i++) emit("%s\"%s\"", i ? "," : "", eng_metric_name(i));
  emit("],\"progress\":[");
  for (int i = 0; i < ENG_PROGRESS_COUNT; i++) emit("%s\"%s\"", i ? "," : "", eng_progress_name(i));
  emit("],\"statuses\":[");
  for (size_t i = 0; i < ENG_COUNT_OF(status_names); i++) emit("%s\"%s\"", i ? "," : "", status_names[i]);
  emit("],\"stats\":[");
  for (int i = 0; i < ENG_STAT_COUNT; i++) emit("%s\"%s\"", i ? "," : "", eng_stat_name(i));
  emit("]}");
  if (failed) {
    /* A truncated document would parse as (or fail as) something else in the host:
     * say what happened instead, and try again on the next call. */
    free(json);
    json = NULL;
    eng_fail(ENG_ERR_NOMEM, "out of memory describing the engine's tables");
    return NULL;
  }
  return json;
}
