/* schedules.c: learning-rate schedules of keras.optimizers.schedules, evaluated
 * at the optimizer's step (number of updates done before this one), plus the
 * 1cycle policy (Smith 2018) as written in the book's OneCycleScheduler. */
#include "nn.h"

#include <math.h>
#include <string.h>

#define BIG 1e12
static const eng_opt_desc exponential_opts[] = {
    {"initial_learning_rate", OPT_FLOAT, NAN, 0, BIG, NULL, NULL, true, "rate at step 0"},
    {"decay_steps", OPT_FLOAT, NAN, 1e-9, BIG, NULL, NULL, true, "steps per decay_rate factor"},
    {"decay_rate", OPT_FLOAT, NAN, 0, BIG, NULL, NULL, true, "factor per decay_steps"},
    {"staircase", OPT_BOOL, 0, 0, 1, NULL, NULL, false, "decay in whole steps"}};
static const eng_opt_desc piecewise_opts[] = {
    {"boundaries", OPT_LIST, NAN, 0, 0, NULL, NULL, true, "step boundaries, increasing"},
    {"values", OPT_LIST, NAN, 0, 0, NULL, NULL, true, "one more value than boundaries"}};
static const eng_opt_desc inverse_time_opts[] = {
    {"initial_learning_rate", OPT_FLOAT, NAN, 0, BIG, NULL, NULL, true, "rate at step 0"},
    {"decay_steps", OPT_FLOAT, NAN, 1e-9, BIG, NULL, NULL, true, "steps scale s"},
    {"decay_rate", OPT_FLOAT, NAN, 0, BIG, NULL, NULL, true, "decay factor"},
    {"staircase", OPT_BOOL, 0, 0, 1, NULL, NULL, false, "decay in whole steps"},
    {"power", OPT_FLOAT, 1.0, 0, 100, NULL, NULL, false, "exponent c (1 = Keras InverseTimeDecay)"}};
static const eng_opt_desc one_cycle_opts[] = {
    {"max_learning_rate", OPT_FLOAT, NAN, 0, BIG, NULL, NULL, true, "peak rate"},
    {"total_steps", OPT_INT, NAN, 1, BIG, NULL, NULL, true, "steps in the whole cycle"},
    {"start_learning_rate", OPT_FLOAT, NAN, 0, BIG, NULL, NULL, false, "default max/10"},
    {"last_learning_rate", OPT_FLOAT, NAN, 0, BIG, NULL, NULL, false, "default start/1000"}};

const eng_variant_desc schedule_table[SCHED_COUNT] = {
    {"constant", NULL, NULL, 0, "the optimizer's learning_rate throughout"},
    {"exponential_decay", "ExponentialDecay", exponential_opts, ENG_COUNT_OF(exponential_opts),
     "lr = initial * decay_rate ^ (step / decay_steps)"},
    {"piecewise_constant_decay", "PiecewiseConstantDecay", piecewise_opts,
     ENG_COUNT_OF(piecewise_opts), "values[i] while step <= boundaries[i]"},
    {"inverse_time_decay", "InverseTimeDecay", inverse_time_opts, ENG_COUNT_OF(inverse_time_opts),
     "power scheduling: lr = initial / (1 + decay_rate * step / decay_steps) ^ power"},
    {"one_cycle", NULL, one_cycle_opts, ENG_COUNT_OF(one_cycle_opts),
     "1cycle: up to max in the first half, back down, then a final drop"},
};
ENG_TABLE_CHECK(schedule_table, SCHED_COUNT);

static double interpolate(double i0, double i1, double r0, double r1, double it) {
  return (r1 - r0) * (it - i0) / (i1 - i0) + r0;
}

void schedule_resolve(const eng_options *o, schedule_params *out) {
  const eng_variant_desc *tab = schedule_table;
  schedule_params s = {.variant = o->variant};
  s.initial_learning_rate = eng_opt_num(o, tab, "initial_learning_rate");
  s.decay_steps = eng_opt_num(o, tab, "decay_steps");
  s.decay_rate = eng_opt_num(o, tab, "decay_rate");
  s.power = eng_opt_num(o, tab, "power");
  s.staircase = eng_opt_num(o, tab, "staircase") == 1;
  s.max_learning_rate = eng_opt_num(o, tab, "max_learning_rate");
  s.total_steps = eng_opt_num(o, tab, "total_steps");
  /* 1cycle's defaults, as the book's OneCycleScheduler: start max/10, last start/1000. */
  s.start_learning_rate = eng_opt_num(o, tab, "start_learning_rate");
  if (isnan(s.start_learning_rate)) s.start_learning_rate = s.max_learning_rate / 10.0;
  s.last_learning_rate = eng_opt_num(o, tab, "last_learning_rate");
  if (isnan(s.last_learning_rate)) s.last_learning_rate = s.start_learning_rate / 1000.0;
  if (o->variant == SCHED_PIECEWISE) {
    int bi = eng_opt_index(&tab[SCHED_PIECEWISE], "boundaries");
    int vi = eng_opt_index(&tab[SCHED_PIECEWISE], "values");
    s.n_boundaries = o->list_len[bi];
    memcpy(s.boundaries, o->list[bi], sizeof s.boundaries);
    memcpy(s.values, o->list[vi], sizeof s.values);
  }
  *out = s;
}

eng_status schedule_configure(const char *spec, eng_options *opt, schedule_params *out) {
  eng_options o;
  eng_status st = eng_parse_spec(spec, "schedule", schedule_table, SCHED_COUNT, &o);
  if (st != ENG_OK) return st;
  schedule_params s;
  schedule_resolve(&o, &s);
  if (o.variant == SCHED_PIECEWISE) {
    int values = o.list_len[eng_opt_index(&schedule_table[SCHED_PIECEWISE], "values")];
    if (values != s.n_boundaries + 1)
      return eng_fail(ENG_ERR_INVALID,
                      "schedule piecewise_constant_decay: values needs one more item than "
                      "boundaries (%d boundaries, %d values)", s.n_boundaries, values);
    for (int i = 1; i < s.n_boundaries; i++)
      if (!(s.boundaries[i] > s.boundaries[i - 1]))
        return eng_fail(ENG_ERR_INVALID,
                        "schedule piecewise_constant_decay: boundaries must increase");
  }
  *opt = o, *out = s;
  return ENG_OK;
}

double schedule_at(const schedule_params *s, double base_lr, int64_t step_i) {
  double step = (double)step_i;
  switch (s->variant) {
  case SCHED_EXPONENTIAL: {
    double p = step / s->decay_steps;
    if (s->staircase) p = floor(p);
    return s->initial_learning_rate * pow(s->decay_rate, p);
  }
  case SCHED_PIECEWISE: {
    int nb = s->n_boundaries;
    for (int i = 0; i < nb; i++)
      if (step <= s->boundaries[i]) return s->values[i];
    return s->values[nb];
  }
  case SCHED_INVERSE_TIME: {
    double p = step / s->decay_steps;
    if (s->staircase) p = floor(p);
    return s->initial_learning_rate / pow(1.0 + s->decay_rate * p, s->power);
  }
  case SCHED_ONE_CYCLE: {
    double total = s->total_steps, max = s->max_learning_rate;
    double start = s->start_learning_rate, last = s->last_learning_rate;
    double last_iters = floor(total / 10.0) + 1, half = floor((total - last_iters) / 2.0);
    if (half < 1) half = 1;
    if (step < half) return interpolate(0, half, start, max, step);
    if (step < 2 * half) return interpolate(half, 2 * half, max, start, step);
    if (step >= total) return last;
    return interpolate(2 * half, total, start, last, step);
  }
  default:
    return base_lr;
  }
}

double schedule_lr(const eng_options *o, double base_lr, int64_t step) {
  schedule_params s;
  schedule_resolve(o, &s);
  return schedule_at(&s, base_lr, step);
}

double eng_schedule_lr(const char *spec, double base_lr, double step) {
  eng_options o;
  if (eng_parse_spec(spec, "schedule", schedule_table, SCHED_COUNT, &o) != ENG_OK) return NAN;
  return schedule_lr(&o, base_lr, (int64_t)step);
}
