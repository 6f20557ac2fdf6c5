/* status.c: the last error message, readable through the ABI, and the memory-limit
 * check whose message names the size that does not fit. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>

static char last_error[512];

eng_status eng_fail(eng_status code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, ap);
  va_end(ap);
  return code;
}

void eng_clear_error(void) { last_error[0] = '\0'; }

const char *eng_last_error(void) { return last_error; }

const char *eng_version(void) { return "1.0.0"; }

const char *eng_format_bytes(uint64_t bytes, char *buf, size_t cap) {
  static const char *const units[] = {"KB", "MB", "GB"};
  if (bytes < 1024) {
    snprintf(buf, cap, "%u bytes", (unsigned)bytes);
    return buf;
  }
  double v = (double)bytes / 1024;
  int u = 0;
  while (u < 2 && v >= 1024) v /= 1024, u++;
  snprintf(buf, cap, "%.1f %s", v, units[u]);
  return buf;
}

eng_status eng_check_memory(uint64_t bytes, const char *what, const char *detail,
                            const char *hint) {
  if (bytes <= ENG_MEMORY_LIMIT) return ENG_OK;
  char need[32], limit[32];
  return eng_fail(ENG_ERR_NOMEM, "out of memory: %s needs %s%s; the engine can hold %s%s", what,
                  eng_format_bytes(bytes, need, sizeof need), detail ? detail : "",
                  eng_format_bytes(ENG_MEMORY_LIMIT, limit, sizeof limit), hint ? hint : "");
}
