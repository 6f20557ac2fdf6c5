/* status.c: the last error message, readable through the ABI. */
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
