/* test_schedules.c: learning-rate schedules against their published formulas
 * (keras/src/optimizers/schedules/learning_rate_schedule.py, and the
 * OneCycleScheduler of Geron's "Hands-On Machine Learning", chapter 11), the step
 * the trainer evaluates them at (Keras's optimizer.iterations: the number of
 * updates done before this one), and the configuration errors. */
#include "testlib.h"
#include "nn.h"

#include <string.h>

static eng_options parse(const char *spec) {
  eng_options o;
  memset(&o, 0, sizeof o);
  CHECK_OK(eng_parse_spec(spec, "schedule", schedule_table, SCHED_COUNT, &o));
  return o;
}

static double lr_at(const char *spec, int64_t step) {
  eng_options o = parse(spec);
  return schedule_lr(&o, 0.123, step);
}

static void test_constant(void) {
  /* The optimizer's own learning_rate at every step. */
  CHECK_NEAR(lr_at("constant", 0), 0.123, 0);
  CHECK_NEAR(lr_at("constant", 1000000), 0.123, 0);
}

static void test_exponential_decay(void) {
  /* ExponentialDecay: initial_learning_rate * decay_rate ^ (step / decay_steps);
   * staircase: the exponent is floor(step / decay_steps). */
  const char *smooth = "exponential_decay initial_learning_rate=0.1 decay_steps=1000 decay_rate=0.96";
  const char *stairs =
      "exponential_decay initial_learning_rate=0.1 decay_steps=1000 decay_rate=0.96 staircase=1";
  const int64_t steps[] = {0, 1, 500, 999, 1000, 1001, 2500, 10000, 123456};
  for (size_t k = 0; k < ENG_COUNT_OF(steps); k++) {
    double s = (double)steps[k];
    CHECK_NEAR(lr_at(smooth, steps[k]), 0.1 * pow(0.96, s / 1000.0), 1e-15);
    CHECK_NEAR(lr_at(stairs, steps[k]), 0.1 * pow(0.96, floor(s / 1000.0)), 1e-15);
  }
  /* Hand-worked: 0.1 * 0.96^2.5 = 0.09216 * 0.9798 = 0.0902979899... and the staircase 0.1 * 0.96^2 = 0.09216. */
  CHECK_NEAR(lr_at(smooth, 2500), 0.0902979899, 1e-10);
  CHECK_NEAR(lr_at(stairs, 2500), 0.09216, 1e-15);
  CHECK_NEAR(lr_at(stairs, 999), 0.1, 1e-15);
  /* The book's exponential scheduling lr0 * 0.1^(t/s) with s = 20 epochs of steps. */
  CHECK_NEAR(lr_at("exponential_decay initial_learning_rate=0.01 decay_steps=20 decay_rate=0.1", 40),
             1e-4, 1e-16);
}

static void test_piecewise_constant_decay(void) {
  /* PiecewiseConstantDecay: values[0] while step <= boundaries[0], values[1] while
   * boundaries[0] < step <= boundaries[1], ..., values[-1] after the last boundary. */
  const char *spec = "piecewise_constant_decay boundaries=9380,18760 values=0.01,0.005,0.001";
  CHECK_NEAR(lr_at(spec, 0), 0.01, 0);
  CHECK_NEAR(lr_at(spec, 9379), 0.01, 0);
  CHECK_NEAR(lr_at(spec, 9380), 0.01, 0);
  CHECK_NEAR(lr_at(spec, 9381), 0.005, 0);
  CHECK_NEAR(lr_at(spec, 18760), 0.005, 0);
  CHECK_NEAR(lr_at(spec, 18761), 0.001, 0);
  CHECK_NEAR(lr_at(spec, 10000000), 0.001, 0);
  /* A single boundary. */
  const char *one = "piecewise_constant_decay boundaries=5 values=1,2";
  CHECK_NEAR(lr_at(one, 5), 1, 0);
  CHECK_NEAR(lr_at(one, 6), 2, 0);
}

static void test_inverse_time_decay(void) {
  /* InverseTimeDecay: initial / (1 + decay_rate * step / decay_steps); staircase:
   * floor(step / decay_steps). The engine's power option generalizes it to the
   * book's power scheduling lr0 / (1 + t/s)^c (power = 1 is Keras). */
  const char *spec = "inverse_time_decay initial_learning_rate=0.01 decay_steps=10000 decay_rate=1";
  const char *rate = "inverse_time_decay initial_learning_rate=0.1 decay_steps=1.0 decay_rate=0.5";
  const char *stairs =
      "inverse_time_decay initial_learning_rate=0.1 decay_steps=100 decay_rate=0.5 staircase=1";
  const char *power =
      "inverse_time_decay initial_learning_rate=0.01 decay_steps=10000 decay_rate=1 power=2";
  const int64_t steps[] = {0, 1, 99, 100, 101, 5000, 10000, 250000};
  for (size_t k = 0; k < ENG_COUNT_OF(steps); k++) {
    double s = (double)steps[k];
    CHECK_NEAR(lr_at(spec, steps[k]), 0.01 / (1 + s / 10000.0), 1e-15);
    CHECK_NEAR(lr_at(rate, steps[k]), 0.1 / (1 + 0.5 * s), 1e-15);
    CHECK_NEAR(lr_at(stairs, steps[k]), 0.1 / (1 + 0.5 * floor(s / 100.0)), 1e-15);
    CHECK_NEAR(lr_at(power, steps[k]), 0.01 / pow(1 + s / 10000.0, 2), 1e-15);
  }
  CHECK_NEAR(lr_at(spec, 10000), 0.005, 1e-15); /* halved after s steps */
  CHECK_NEAR(lr_at(stairs, 199), 0.1 / 1.5, 1e-15);
}

/* The book's OneCycleScheduler, transcribed: iterations // 10 + 1 final steps,
 * half_iteration = (iterations - last_iterations) // 2, start = max / 10,
 * last = start / 1000, linear interpolation between the corners:
 *   it < half: start -> max; it < 2 half: max -> start; else start -> last
 * (reaching last at it = iterations). */
static double book_one_cycle(int64_t it, int64_t iterations, double max_rate, double start_rate,
                             double last_rate) {
  if (isnan(start_rate)) start_rate = max_rate / 10;
  if (isnan(last_rate)) last_rate = start_rate / 1000;
  int64_t last_iterations = iterations / 10 + 1;
  int64_t half = (iterations - last_iterations) / 2;
#define INTERPOLATE(i1, i2, r1, r2) (((r2) - (r1)) * (double)(it - (i1)) / (double)((i2) - (i1)) + (r1))
  if (it < half) return INTERPOLATE(0, half, start_rate, max_rate);
  if (it < 2 * half) return INTERPOLATE(half, 2 * half, max_rate, start_rate);
  return INTERPOLATE(2 * half, iterations, start_rate, last_rate);
#undef INTERPOLATE
}

static void test_one_cycle(void) {
  static const struct {
    const char *spec;
    int64_t total;
    double max, start, last;
  } cases[] = {
      {"one_cycle max_learning_rate=0.05 total_steps=100", 100, 0.05, NAN, NAN},
      {"one_cycle max_learning_rate=0.1 total_steps=1719", 1719, 0.1, NAN, NAN},
      {"one_cycle max_learning_rate=0.02 total_steps=37 start_learning_rate=0.004 last_learning_rate=0.0001",
       37, 0.02, 0.004, 0.0001},
      {"one_cycle max_learning_rate=1 total_steps=3", 3, 1, NAN, NAN},
  };
  for (size_t k = 0; k < ENG_COUNT_OF(cases); k++) {
    eng_options o = parse(cases[k].spec);
    int bad = 0;
    for (int64_t it = 0; it <= cases[k].total; it++) {
      double want = book_one_cycle(it, cases[k].total, cases[k].max, cases[k].start, cases[k].last);
      double got = schedule_lr(&o, 0.5, it);
      if (!(fabs(got - want) <= 1e-12 * fmax(1, fabs(want)))) {
        if (bad++ < 3)
          fprintf(stderr, "%s: step %lld gives %.12g, the book %.12g\n", cases[k].spec,
                  (long long)it, got, want);
      }
    }
    CHECK(bad == 0);
    /* After the cycle the rate stays at its last value (the book would extrapolate
     * below it; the engine holds it). */
    double last = book_one_cycle(cases[k].total, cases[k].total, cases[k].max, cases[k].start,
                                 cases[k].last);
    CHECK_NEAR(schedule_lr(&o, 0.5, cases[k].total + 1), last, 1e-15);
    CHECK_NEAR(schedule_lr(&o, 0.5, cases[k].total * 10), last, 1e-15);
  }
  /* Corners of the default case: start 0.005 at 0, max 0.05 at half = 44, back to
   * 0.005 at 88, last = 5e-6 at 100. */
  eng_options o = parse("one_cycle max_learning_rate=0.05 total_steps=100");
  CHECK_NEAR(schedule_lr(&o, 0, 0), 0.005, 1e-15);
  CHECK_NEAR(schedule_lr(&o, 0, 44), 0.05, 1e-15);
  CHECK_NEAR(schedule_lr(&o, 0, 88), 0.005, 1e-15);
  CHECK_NEAR(schedule_lr(&o, 0, 100), 5e-6, 1e-18);
  CHECK_NEAR(schedule_lr(&o, 0, 22), 0.0275, 1e-15);
}

static void test_errors(void) {
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(4, "model", &m));
  if (!m) return;
  CHECK_FAILS(eng_model_set_schedule(m, "piecewise_constant_decay boundaries=10,20 values=1,2"),
              ENG_ERR_INVALID, "values needs one more item than boundaries (2 boundaries, 2 values)");
  CHECK_FAILS(eng_model_set_schedule(m, "piecewise_constant_decay boundaries=10 values=1,2,3"),
              ENG_ERR_INVALID, "one more item");
  CHECK_FAILS(eng_model_set_schedule(m, "piecewise_constant_decay boundaries=20,10 values=1,2,3"),
              ENG_ERR_INVALID, "boundaries must increase");
  CHECK_FAILS(eng_model_set_schedule(m, "piecewise_constant_decay boundaries=10,10 values=1,2,3"),
              ENG_ERR_INVALID, "boundaries must increase");
  CHECK_FAILS(eng_model_set_schedule(m, "piecewise_constant_decay boundaries=10,x values=1,2,3"),
              ENG_ERR_INVALID, "non-numeric item 'x'");
  CHECK_FAILS(eng_model_set_schedule(m, "piecewise_constant_decay values=1"), ENG_ERR_INVALID,
              "option 'boundaries' is required");
  CHECK_FAILS(eng_model_set_schedule(m, "exponential_decay initial_learning_rate=0.1 decay_rate=0.5"),
              ENG_ERR_INVALID, "option 'decay_steps' is required");
  CHECK_FAILS(eng_model_set_schedule(m, "exponential_decay initial_learning_rate=0.1 decay_steps=0 decay_rate=0.5"),
              ENG_ERR_INVALID, "decay_steps = 0 is out of range");
  CHECK_FAILS(eng_model_set_schedule(m, "one_cycle max_learning_rate=0.1"), ENG_ERR_INVALID,
              "option 'total_steps' is required");
  CHECK_FAILS(eng_model_set_schedule(m, "one_cycle max_learning_rate=0.1 total_steps=10.5"),
              ENG_ERR_INVALID, "whole number");
  CHECK_FAILS(eng_model_set_schedule(m, "cosine_decay"), ENG_ERR_INVALID, "'cosine_decay'");
  /* A failed call keeps the previous schedule. */
  CHECK_OK(eng_model_set_schedule(m, "piecewise_constant_decay boundaries=1 values=0.5,0.25"));
  CHECK_FAILS(eng_model_set_schedule(m, "piecewise_constant_decay boundaries=1 values=0.5"),
              ENG_ERR_INVALID, NULL);
  CHECK(m->schedule.variant == SCHED_PIECEWISE);
  CHECK_NEAR(schedule_lr(&m->schedule, 1, 2), 0.25, 0);
  eng_model_free(m);
}

/* The trainer evaluates the schedule at the number of updates already done:
 * batch k (1-based) of training uses step k - 1, as Keras's optimizer does. */
static void test_trainer_uses_iterations(void) {
  const uint32_t count = 12, features = 4;
  eng_dataset ds = {count, 2, 2, 1, features, 2, NULL, NULL};
  ds.pixels = malloc(count * features);
  ds.labels = malloc(count);
  for (uint32_t i = 0; i < count * features; i++) ds.pixels[i] = (uint8_t)(i * 37 % 256);
  for (uint32_t i = 0; i < count; i++) ds.labels[i] = (uint8_t)(i % 2);
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(features, "model seed=1", &m));
  if (!m) return;
  CHECK_OK(eng_model_add(m, "dense units=2 activation=softmax"));
  CHECK_OK(eng_model_set_optimizer(m, "sgd learning_rate=0.5"));
  CHECK_OK(eng_model_set_schedule(m, "piecewise_constant_decay boundaries=2,4 values=0.3,0.2,0.1"));
  CHECK_OK(eng_model_build(m, 4));
  eng_trainer *t = NULL;
  CHECK_OK(eng_trainer_create(m, &ds, NULL, "fit epochs=2 batch_size=4 shuffle=0", &t));
  if (t) {
    /* 3 batches per epoch, 6 in all: steps 0..5 -> 0.3 0.3 0.3 0.2 0.2 0.1 */
    const double expected[6] = {0.3, 0.3, 0.3, 0.2, 0.2, 0.1};
    for (int b = 0; b < 6; b++) {
      int event = 0;
      CHECK_OK(eng_trainer_run(t, 1, &event));
      const double *p = eng_trainer_progress(t);
      CHECK_NEAR(p[ENG_PROGRESS_STEP], b + 1, 0);
      CHECK_NEAR(p[ENG_PROGRESS_LEARNING_RATE], expected[b], 0);
      if (b == 2) CHECK(event == ENG_EVENT_EPOCH);
      if (b == 5) CHECK(event == ENG_EVENT_DONE);
    }
    /* The epoch record carries the rate of its last batch. */
    CHECK_NEAR(eng_trainer_metrics(t)[ENG_METRIC_LEARNING_RATE], 0.1, 0);
    eng_trainer_free(t);
  }
  eng_model_free(m);
  free(ds.pixels), free(ds.labels);
}

int main(void) {
  test_constant();
  test_exponential_decay();
  test_piecewise_constant_decay();
  test_inverse_time_decay();
  test_one_cycle();
  test_errors();
  test_trainer_uses_iterations();
  return test_report("test_schedules");
}
