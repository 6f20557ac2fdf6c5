/* test_options.c: the option tables' failure paths that no spec string reaches:
 * asking a variant for an option it does not declare, and eng_describe when
 * memory runs out (issue 11: both used to read as a plausible answer). */
#include "testlib.h"
#include "nn.h"

#include <string.h>

/* An option name the variant lacks has no value: never another option's slot. */
static void test_unknown_option_name(void) {
  eng_options o;
  CHECK_OK(eng_parse_spec("dense units=3 activation=relu", "layer", layer_table, LAYER_COUNT, &o));
  CHECK(strcmp(eng_opt_name(&o, layer_table, "activation"), "relu") == 0);
  CHECK(eng_opt_name(&o, layer_table, "no_such_option") == NULL);
  CHECK(isnan(eng_opt_num(&o, layer_table, "no_such_option")));
  int index = 0;
  CHECK_FAILS(eng_opt_choice(&o, layer_table, "no_such_option", activation_names, &index),
              ENG_ERR_INVALID, "no option 'no_such_option'");
  CHECK(index < 0);
  CHECK_OK(eng_opt_choice(&o, layer_table, "activation", activation_names, &index));
  CHECK(index == ACT_RELU);
}

static int allocations_left;
static void *failing_realloc(void *p, size_t n) {
  return allocations_left-- > 0 ? realloc(p, n) : NULL;
}

/* Out of memory at the first allocation or while growing: NULL and a message,
 * never a truncated (or empty "{}") document; the next call succeeds. */
static void test_describe_out_of_memory(void) {
  void *(*saved)(void *, size_t) = describe_realloc;
  for (int budget = 0; budget <= 1; budget++) {
    describe_realloc = failing_realloc;
    allocations_left = budget; /* 0: the first buffer fails; 1: its growth fails */
    const char *json = eng_describe();
    if (json) fprintf(stderr, "budget %d: got %zu bytes ending in '%s'\n", budget, strlen(json),
                      json + (strlen(json) > 20 ? strlen(json) - 20 : 0));
    CHECK(json == NULL);
    CHECK(strstr(eng_last_error(), "out of memory describing") != NULL);
    describe_realloc = saved;
  }
  const char *json = eng_describe();
  CHECK(json != NULL);
  if (json) {
    size_t n = strlen(json);
    CHECK(n > 16384); /* the growth path above was exercised */
    CHECK(json[0] == '{' && json[n - 1] == '}');
    CHECK(strstr(json, "\"stats\":[") != NULL);
  }
}

int main(void) {
  test_unknown_option_name();
  test_describe_out_of_memory();
  return test_report("test_options");
}
