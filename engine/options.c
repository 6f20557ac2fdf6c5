/* options.c: parsing of spec strings ("variant key=value ...") against the
 * option tables of each kind of variant, with messages a student understands. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int eng_name_index(const char *const *names, const char *name) {
  if (!name) return -1;
  for (int i = 0; names[i]; i++)
    if (strcmp(names[i], name) == 0) return i;
  return -1;
}

int eng_opt_index(const eng_variant_desc *v, const char *name) {
  for (int i = 0; i < v->n_opts; i++)
    if (strcmp(v->opts[i].name, name) == 0) return i;
  return -1;
}

double eng_opt_num(const eng_options *o, const eng_variant_desc *table, const char *name) {
  int i = eng_opt_index(&table[o->variant], name);
  return i < 0 ? NAN : o->num[i];
}

const char *eng_opt_name(const eng_options *o, const eng_variant_desc *table, const char *name) {
  /* An option the variant does not declare has no value: NULL, never another
   * option's slot (issue 11), so eng_name_index gives -1 and the caller fails. */
  int i = eng_opt_index(&table[o->variant], name);
  return i < 0 ? NULL : o->name[i];
}

eng_status eng_opt_choice(const eng_options *o, const eng_variant_desc *table, const char *name,
                          const char *const *names, int *out) {
  *out = eng_name_index(names, eng_opt_name(o, table, name));
  if (*out < 0)
    return eng_fail(ENG_ERR_INVALID, "%s has no option '%s' naming one of its choices (an engine bug)",
                    table[o->variant].name, name);
  return ENG_OK;
}

static bool parse_number(const char *s, double *out) {
  if (strcmp(s, "none") == 0 || strcmp(s, "None") == 0 || strcmp(s, "null") == 0) {
    *out = NAN;
    return true;
  }
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end != '\0' || errno == ERANGE) return false;
  *out = v;
  return true;
}

static eng_status set_value(const char *kind, const eng_variant_desc *v, int oi,
                            const char *value, eng_options *out) {
  const eng_opt_desc *d = &v->opts[oi];
  double x;
  switch (d->type) {
  case OPT_NAME:
    if (d->choices && eng_name_index(d->choices, value) < 0) {
      char allowed[400] = "";
      for (int i = 0; d->choices[i]; i++) {
        if (i) strncat(allowed, ", ", sizeof allowed - strlen(allowed) - 1);
        strncat(allowed, d->choices[i], sizeof allowed - strlen(allowed) - 1);
      }
      return eng_fail(ENG_ERR_INVALID, "%s %s: unknown %s '%s' (choose one of: %s)", kind,
                      v->name, d->name, value, allowed);
    }
    if (strlen(value) >= ENG_NAME_LEN)
      return eng_fail(ENG_ERR_INVALID, "%s %s: %s '%s' is too long", kind, v->name, d->name, value);
    strcpy(out->name[oi], value);
    return ENG_OK;
  case OPT_LIST: {
    int n = 0;
    const char *p = value;
    while (*p) {
      char item[64];
      size_t len = strcspn(p, ",");
      if (len == 0 || len >= sizeof item || n >= ENG_MAX_LIST)
        return eng_fail(ENG_ERR_INVALID, "%s %s: %s must be a comma-separated list of at most %d numbers",
                        kind, v->name, d->name, ENG_MAX_LIST);
      memcpy(item, p, len);
      item[len] = '\0';
      if (!parse_number(item, &x) || !isfinite(x))
        return eng_fail(ENG_ERR_INVALID, "%s %s: %s has a non-numeric item '%s'", kind, v->name,
                        d->name, item);
      out->list[oi][n++] = x;
      p += len;
      if (*p == ',') p++;
    }
    out->list_len[oi] = n;
    return ENG_OK;
  }
  case OPT_BOOL:
    if (strcmp(value, "1") == 0 || strcmp(value, "true") == 0) x = 1;
    else if (strcmp(value, "0") == 0 || strcmp(value, "false") == 0) x = 0;
    else
      return eng_fail(ENG_ERR_INVALID, "%s %s: %s must be true or false, not '%s'", kind, v->name,
                      d->name, value);
    out->num[oi] = x;
    return ENG_OK;
  case OPT_INT:
  case OPT_FLOAT:
    if (!parse_number(value, &x))
      return eng_fail(ENG_ERR_INVALID, "%s %s: %s must be a number, not '%s'", kind, v->name,
                      d->name, value);
    if (isnan(x)) {
      if (d->required || !isnan(d->def))
        return eng_fail(ENG_ERR_INVALID, "%s %s: %s cannot be None", kind, v->name, d->name);
      out->num[oi] = x;
      return ENG_OK;
    }
    if (d->type == OPT_INT && x != floor(x))
      return eng_fail(ENG_ERR_INVALID, "%s %s: %s must be a whole number, not %s", kind, v->name,
                      d->name, value);
    if (!(x >= d->min && x <= d->max))
      return eng_fail(ENG_ERR_INVALID, "%s %s: %s = %s is out of range [%g, %g]", kind, v->name,
                      d->name, value, d->min, d->max);
    out->num[oi] = x;
    return ENG_OK;
  }
  return ENG_ERR_INVALID;
}

eng_status eng_parse_spec(const char *spec, const char *kind, const eng_variant_desc *table,
                          int n_variants, eng_options *out) {
  memset(out, 0, sizeof *out);
  if (!spec) return eng_fail(ENG_ERR_INVALID, "%s: missing specification", kind);
  char buf[1024];
  if (strlen(spec) >= sizeof buf) return eng_fail(ENG_ERR_INVALID, "%s: specification too long", kind);
  strcpy(buf, spec);
  char *save = NULL;
  char *tok = strtok_r(buf, " \t\n", &save);
  if (!tok) return eng_fail(ENG_ERR_INVALID, "%s: empty specification", kind);
  int vi = -1;
  for (int i = 0; i < n_variants; i++)
    if (strcmp(table[i].name, tok) == 0) vi = i;
  if (vi < 0) {
    char allowed[400] = "";
    for (int i = 0; i < n_variants; i++) {
      if (i) strncat(allowed, ", ", sizeof allowed - strlen(allowed) - 1);
      strncat(allowed, table[i].name, sizeof allowed - strlen(allowed) - 1);
    }
    return eng_fail(ENG_ERR_INVALID, "%s: unknown type '%s' (choose one of: %s)", kind, tok, allowed);
  }
  const eng_variant_desc *v = &table[vi];
  out->variant = vi;
  for (int i = 0; i < v->n_opts; i++) {
    out->num[i] = v->opts[i].def;
    if (v->opts[i].def_name) snprintf(out->name[i], ENG_NAME_LEN, "%s", v->opts[i].def_name);
  }
  while ((tok = strtok_r(NULL, " \t\n", &save))) {
    char *eq = strchr(tok, '=');
    if (!eq || eq == tok)
      return eng_fail(ENG_ERR_INVALID, "%s %s: expected key=value, got '%s'", kind, v->name, tok);
    *eq = '\0';
    int oi = eng_opt_index(v, tok);
    if (oi < 0) {
      char allowed[600] = "";
      for (int i = 0; i < v->n_opts; i++) {
        if (i) strncat(allowed, ", ", sizeof allowed - strlen(allowed) - 1);
        strncat(allowed, v->opts[i].name, sizeof allowed - strlen(allowed) - 1);
      }
      return eng_fail(ENG_ERR_INVALID, "%s %s has no option '%s' (options: %s)", kind, v->name,
                      tok, v->n_opts ? allowed : "none");
    }
    if (out->given[oi])
      return eng_fail(ENG_ERR_INVALID, "%s %s: option '%s' given twice", kind, v->name, tok);
    eng_status st = set_value(kind, v, oi, eq + 1, out);
    if (st != ENG_OK) return st;
    out->given[oi] = true;
  }
  for (int i = 0; i < v->n_opts; i++)
    if (v->opts[i].required && !out->given[i])
      return eng_fail(ENG_ERR_INVALID, "%s %s: option '%s' is required", kind, v->name,
                      v->opts[i].name);
  return ENG_OK;
}
