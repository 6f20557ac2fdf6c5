/* test_layer_stats.c: the live layer statistics (fit option stats, on by
 * default). They must not change training: the same bits with and without them,
 * sampled every batch, for several optimizers and layer kinds. And the in-epoch
 * sample, read from the training step's own buffers, must equal a hand
 * computation (forward and backward in double, written out below) on a tiny net
 * with one dead ReLU unit and one saturated sigmoid unit. */
#include "testlib.h"
#include "nn.h"

#include <string.h>

static uint64_t test_state = 0x5EEDF00DCAFEull;
#define F TEST_BAND_FEATURES

/* Trains 3 epochs with the given fit spec; returns the weights and fills the
 * last epoch's metrics; counts the ENG_EVENT_STATS events. */
static float *train(const char *optimizer, const char *fit, const eng_dataset *ds,
                    const eng_dataset *val, double *metrics, int *stats_events, size_t *n_params) {
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(F, "model seed=11", &m));
  CHECK_OK(eng_model_add(m, "dense units=24 activation=relu kernel_initializer=he_normal kernel_l2=0.001"));
  CHECK_OK(eng_model_add(m, "batch_normalization"));
  CHECK_OK(eng_model_add(m, "dropout rate=0.3"));
  CHECK_OK(eng_model_add(m, "dense units=16 activation=sigmoid"));
  CHECK_OK(eng_model_add(m, "dense units=3 activation=softmax"));
  CHECK_OK(eng_model_set_optimizer(m, optimizer));
  CHECK_OK(eng_model_build(m, 32));
  eng_trainer *t = NULL;
  CHECK_OK(eng_trainer_create(m, ds, val, fit, &t));
  *stats_events = 0;
  int event = ENG_EVENT_NONE, guard = 0;
  while (event != ENG_EVENT_DONE && guard++ < 10000) {
    CHECK_OK(eng_trainer_run(t, 7, &event));
    *stats_events += event == ENG_EVENT_STATS;
  }
  memcpy(metrics, eng_trainer_metrics(t), ENG_METRIC_COUNT * sizeof(double));
  *n_params = m->n_params;
  float *w = malloc(m->n_params * sizeof(float));
  memcpy(w, m->params, m->n_params * sizeof(float));
  eng_trainer_free(t);
  eng_model_free(m);
  return w;
}

static void test_stats_keep_training_bits(void) {
  eng_dataset *ds = test_band_dataset(&test_state, 200, 3, 0);
  eng_dataset *val = test_band_dataset(&test_state, 60, 3, 0);
  const char *optimizers[] = {"sgd learning_rate=0.05", "sgd learning_rate=0.02 momentum=0.9 nesterov=1",
                              "adam learning_rate=0.01", "rmsprop learning_rate=0.001 momentum=0.5",
                              "sgd learning_rate=0.05 clipnorm=0.5"};
  size_t n_params = 0;
  for (size_t k = 0; k < sizeof optimizers / sizeof *optimizers; k++) {
    double off[ENG_METRIC_COUNT], on[ENG_METRIC_COUNT], dflt[ENG_METRIC_COUNT];
    int off_events, on_events, dflt_events;
    float *a = train(optimizers[k], "fit epochs=3 batch_size=16 stats=0", ds, val, off, &off_events, &n_params);
    /* A sample after every step (the most it can interfere) and at every epoch end. */
    float *b = train(optimizers[k], "fit epochs=3 batch_size=16 stats_every=1", ds, val, on, &on_events, &n_params);
    float *c = train(optimizers[k], "fit epochs=3 batch_size=16", ds, val, dflt, &dflt_events, &n_params);
    if (memcmp(a, b, n_params * sizeof(float)) != 0 || memcmp(a, c, n_params * sizeof(float)) != 0) {
      fprintf(stderr, "%s: the weights differ with layer statistics on\n", optimizers[k]);
      test_failures++;
    }
    for (int i = 0; i < ENG_METRIC_COUNT; i++)
      if (i != ENG_METRIC_SECONDS && i != ENG_METRIC_SAMPLES_PER_SECOND && memcmp(&off[i], &on[i], sizeof(double)) != 0) {
        fprintf(stderr, "%s: metric %s differs: %.17g vs %.17g\n", optimizers[k], eng_metric_name(i), off[i], on[i]);
        test_failures++;
      }
    /* 13 batches per epoch: a sample after batches 1..12 (the 13th is the epoch's end). */
    CHECK(off_events == 0);
    CHECK(on_events == 3 * 12);
    CHECK(dflt_events == 0); /* the default interval, 200 batches, is longer than the epoch */
    free(a), free(b), free(c);
  }
  eng_dataset_free(ds);
  eng_dataset_free(val);
}

/* ---- the hand computation: a 3-layer MLP in double */
enum { IN = F, H1 = 4, H2 = 3, OUT = 2, N = 5 };

static double sigmoid(double z) { return 1 / (1 + exp(-z)); }

typedef struct { double mean, std, saturated, dead, grad_std, grad_norm; } expected_row;

static double std_of(const double *v, int n) {
  double s = 0, s2 = 0;
  for (int i = 0; i < n; i++) s += v[i], s2 += v[i] * v[i];
  double mean = s / n, var = s2 / n - mean * mean;
  return var > 0 ? sqrt(var) : 0;
}

static void activation_stats(const double *y, int rows, int cols, double low, double high, expected_row *e) {
  double s = 0, s2 = 0, sat = 0;
  int dead = 0;
  for (int j = 0; j < cols; j++) {
    int alive = 0;
    for (int i = 0; i < rows; i++) alive |= y[i * cols + j] != 0;
    dead += !alive;
  }
  for (int i = 0; i < rows * cols; i++) s += y[i], s2 += y[i] * y[i], sat += y[i] < low || y[i] > high;
  e->mean = s / (rows * cols);
  e->std = sqrt(s2 / (rows * cols) - e->mean * e->mean);
  e->saturated = sat / (rows * cols);
  e->dead = (double)dead / cols;
}

static double norm_of(const double *v, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += v[i] * v[i];
  return sqrt(s);
}

static void test_sample_by_hand(void) {
  eng_dataset *ds = test_band_dataset(&test_state, 3 * N, 2, 0);
  eng_model *m = NULL;
  CHECK_OK(eng_model_create(F, "model seed=3", &m));
  CHECK_OK(eng_model_add(m, "dense units=4 activation=relu kernel_initializer=he_normal"));
  CHECK_OK(eng_model_add(m, "dense units=3 activation=sigmoid"));
  CHECK_OK(eng_model_add(m, "dense units=2 activation=softmax"));
  CHECK_OK(eng_model_set_optimizer(m, "sgd learning_rate=0.1"));
  CHECK_OK(eng_model_build(m, N));
  /* Unit 2 of the ReLU layer dead (negative weights on positive pixels), unit 1
   * of the sigmoid layer saturated (a bias of 9: sigmoid > 0.99). */
  float *k1 = m->layers[0].kernel, *b2 = m->layers[1].bias;
  for (int i = 0; i < IN; i++) k1[i * H1 + 2] = -0.05f;
  /* The other ReLU units alive whatever the initial draw (a bias of 1): with the
   * per-layer random streams, seed 3 drew a second unit dead for these rows. */
  for (int j = 0; j < H1; j++)
    if (j != 2) m->layers[0].bias[j] = 1.0f;
  b2[1] = 9.0f;
  double w1[IN * H1], c1[H1], w2[H1 * H2], c2[H2], w3[H2 * OUT], c3[OUT];
  for (int i = 0; i < IN * H1; i++) w1[i] = k1[i];
  for (int i = 0; i < H1; i++) c1[i] = m->layers[0].bias[i];
  for (int i = 0; i < H1 * H2; i++) w2[i] = m->layers[1].kernel[i];
  for (int i = 0; i < H2; i++) c2[i] = b2[i];
  for (int i = 0; i < H2 * OUT; i++) w3[i] = m->layers[2].kernel[i];
  for (int i = 0; i < OUT; i++) c3[i] = m->layers[2].bias[i];

  eng_trainer *t = NULL;
  CHECK_OK(eng_trainer_create(m, ds, NULL, "fit epochs=1 batch_size=5 shuffle=0 stats_every=1", &t));
  int event = 0;
  CHECK_OK(eng_trainer_run(t, 100, &event));
  CHECK(event == ENG_EVENT_STATS);
  CHECK(eng_trainer_progress(t)[ENG_PROGRESS_BATCH] == 1);
  const double *got = eng_trainer_layer_stats(t);

  /* Forward over the first batch (no shuffling: samples 0..4), pixels / 255. */
  double x[N * IN], z1[N * H1], y1[N * H1], y2[N * H2], z3[N * OUT], p[N * OUT];
  for (int i = 0; i < N * IN; i++) x[i] = (float)ds->pixels[i] * (float)(1.0 / 255.0);
  for (int r = 0; r < N; r++) {
    for (int j = 0; j < H1; j++) {
      double z = c1[j];
      for (int i = 0; i < IN; i++) z += x[r * IN + i] * w1[i * H1 + j];
      z1[r * H1 + j] = z, y1[r * H1 + j] = z > 0 ? z : 0;
    }
    for (int j = 0; j < H2; j++) {
      double z = c2[j];
      for (int i = 0; i < H1; i++) z += y1[r * H1 + i] * w2[i * H2 + j];
      y2[r * H2 + j] = sigmoid(z);
    }
    double mx = -INFINITY, sum = 0;
    for (int j = 0; j < OUT; j++) {
      double z = c3[j];
      for (int i = 0; i < H2; i++) z += y2[r * H2 + i] * w3[i * OUT + j];
      z3[r * OUT + j] = z, mx = z > mx ? z : mx;
    }
    for (int j = 0; j < OUT; j++) sum += exp(z3[r * OUT + j] - mx);
    for (int j = 0; j < OUT; j++) p[r * OUT + j] = exp(z3[r * OUT + j] - mx) / sum;
  }
  /* Backward of the mean cross-entropy: d logits = (p - onehot) / N. */
  double dz3[N * OUT], dy2[N * H2] = {0}, dz2[N * H2], dy1[N * H1] = {0}, dz1[N * H1];
  double g3[H2 * OUT] = {0}, g2[H1 * H2] = {0}, g1[IN * H1] = {0};
  for (int r = 0; r < N; r++)
    for (int j = 0; j < OUT; j++) dz3[r * OUT + j] = (p[r * OUT + j] - (ds->labels[r] == j)) / N;
  for (int r = 0; r < N; r++)
    for (int j = 0; j < OUT; j++)
      for (int i = 0; i < H2; i++) g3[i * OUT + j] += y2[r * H2 + i] * dz3[r * OUT + j], dy2[r * H2 + i] += dz3[r * OUT + j] * w3[i * OUT + j];
  for (int i = 0; i < N * H2; i++) dz2[i] = dy2[i] * y2[i] * (1 - y2[i]);
  for (int r = 0; r < N; r++)
    for (int j = 0; j < H2; j++)
      for (int i = 0; i < H1; i++) g2[i * H2 + j] += y1[r * H1 + i] * dz2[r * H2 + j], dy1[r * H1 + i] += dz2[r * H2 + j] * w2[i * H2 + j];
  for (int i = 0; i < N * H1; i++) dz1[i] = z1[i] > 0 ? dy1[i] : 0;
  for (int r = 0; r < N; r++)
    for (int j = 0; j < H1; j++)
      for (int i = 0; i < IN; i++) g1[i * H1 + j] += x[r * IN + i] * dz1[r * H1 + j];

  expected_row e[3];
  activation_stats(y1, N, H1, -INFINITY, INFINITY, &e[0]);
  activation_stats(y2, N, H2, 0.01, 0.99, &e[1]);
  activation_stats(p, N, OUT, -INFINITY, INFINITY, &e[2]);
  e[0].grad_std = std_of(dy1, N * H1), e[0].grad_norm = norm_of(g1, IN * H1);
  e[1].grad_std = std_of(dy2, N * H2), e[1].grad_norm = norm_of(g2, H1 * H2);
  e[2].grad_std = std_of(dz3, N * OUT), e[2].grad_norm = norm_of(g3, H2 * OUT); /* softmax: w.r.t. its logits */
  CHECK_NEAR(e[0].dead, 0.25, 0); /* the unit made dead */
  CHECK(e[1].saturated >= 1.0 / 3); /* the unit made saturated, every row */
  const int sizes[3] = {IN * H1, H1 * H2, H2 * OUT};
  const double *before[3] = {w1, w2, w3};
  for (int l = 0; l < 3; l++) {
    const double *row = got + l * ENG_STAT_COUNT;
    CHECK_NEAR(row[ENG_STAT_MEAN], e[l].mean, 1e-5);
    CHECK_NEAR(row[ENG_STAT_STD], e[l].std, 1e-5);
    CHECK_NEAR(row[ENG_STAT_SATURATED], e[l].saturated, 1e-12);
    CHECK_NEAR(row[ENG_STAT_DEAD], e[l].dead, 1e-12);
    CHECK_NEAR(row[ENG_STAT_GRAD_STD], e[l].grad_std, 1e-5 * (1 + e[l].grad_std));
    CHECK_NEAR(row[ENG_STAT_GRAD_NORM], e[l].grad_norm, 1e-4 * e[l].grad_norm + 1e-7);
    /* After the step: plain SGD moved W by -0.1 g. */
    const float *after = m->layers[l].kernel;
    double w2sum = 0, u2sum = 0;
    for (int i = 0; i < sizes[l]; i++) w2sum += (double)after[i] * after[i], u2sum += (after[i] - before[l][i]) * (after[i] - before[l][i]);
    CHECK_NEAR(row[ENG_STAT_WEIGHT_NORM], sqrt(w2sum), 1e-6 * sqrt(w2sum));
    CHECK_NEAR(row[ENG_STAT_UPDATE_RATIO], sqrt(u2sum) / sqrt(w2sum), 1e-3 * sqrt(u2sum) / sqrt(w2sum));
    CHECK_NEAR(row[ENG_STAT_UPDATE_RATIO] * row[ENG_STAT_WEIGHT_NORM], 0.1 * e[l].grad_norm, 2e-3 * 0.1 * e[l].grad_norm);
  }
  /* The second step samples again (batch 2); the third ends the epoch and its
   * statistics are the epoch's (over the training set: no validation data). */
  CHECK_OK(eng_trainer_run(t, 100, &event));
  CHECK(event == ENG_EVENT_STATS && eng_trainer_progress(t)[ENG_PROGRESS_BATCH] == 2);
  CHECK_OK(eng_trainer_run(t, 100, &event));
  CHECK(event == ENG_EVENT_DONE);
  CHECK(eng_trainer_layer_stats(t) != NULL);
  eng_trainer_free(t);

  /* stats=0: no statistics at all. */
  CHECK_OK(eng_trainer_create(m, ds, NULL, "fit epochs=1 batch_size=5 stats=0 stats_every=1", &t));
  CHECK_OK(eng_trainer_run(t, 100, &event));
  CHECK(event == ENG_EVENT_DONE);
  CHECK(eng_trainer_layer_stats(t) == NULL);
  eng_trainer_free(t);
  eng_model_free(m);
  eng_dataset_free(ds);
}

int main(void) {
  test_stats_keep_training_bits();
  test_sample_by_hand();
  return test_report("test_layer_stats");
}
