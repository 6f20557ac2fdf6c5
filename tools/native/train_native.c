/* train_native.c: trains a model natively on Fashion-MNIST and prints one JSON
 * line per epoch. Used by the Node tests (native vs WASM numbers) and the
 * benchmark (the native W1 epoch).
 *   train_native [--threads N] [--batch B] [--epochs E] [--train N] [--val N]
 *                [--model "model seed=42"] [--optimizer "sgd ..."] LAYER_SPEC... */
#include "testlib.h"

#include <string.h>

int main(int argc, char **argv) {
  int threads = 1, batch = 32, epochs = 1;
  unsigned train_count = 60000, val_count = 0;
  const char *model_spec = "model seed=42", *optimizer = "sgd";
  const char *layers[64];
  int n_layers = 0;
  for (int i = 1; i < argc; i++) {
    if (i + 1 < argc && strcmp(argv[i], "--threads") == 0) threads = atoi(argv[++i]);
    else if (i + 1 < argc && strcmp(argv[i], "--batch") == 0) batch = atoi(argv[++i]);
    else if (i + 1 < argc && strcmp(argv[i], "--epochs") == 0) epochs = atoi(argv[++i]);
    else if (i + 1 < argc && strcmp(argv[i], "--train") == 0) train_count = (unsigned)atoi(argv[++i]);
    else if (i + 1 < argc && strcmp(argv[i], "--val") == 0) val_count = (unsigned)atoi(argv[++i]);
    else if (i + 1 < argc && strcmp(argv[i], "--model") == 0) model_spec = argv[++i];
    else if (i + 1 < argc && strcmp(argv[i], "--optimizer") == 0) optimizer = argv[++i];
    else if (n_layers < 64) layers[n_layers++] = argv[i];
  }
  eng_dataset *all = test_load_fashion("train"), *test = test_load_fashion("t10k");
  if (!all || !test) {
    fprintf(stderr, "Fashion-MNIST not found in %s\n", FASHION_MNIST_DIR);
    return 1;
  }
  eng_dataset *train = NULL, *val = NULL;
  eng_model *m = NULL;
  eng_trainer *t = NULL;
  eng_set_threads(threads);
  char fit[128];
  snprintf(fit, sizeof fit, "fit epochs=%d batch_size=%d", epochs, batch);
  eng_status st = eng_dataset_slice(all, 0, train_count < all->count ? train_count : all->count, &train);
  if (st == ENG_OK && val_count) st = eng_dataset_slice(test, 0, val_count, &val);
  if (st == ENG_OK) st = eng_model_create(all->features, model_spec, &m);
  for (int i = 0; st == ENG_OK && i < n_layers; i++) st = eng_model_add(m, layers[i]);
  if (st == ENG_OK) st = eng_model_set_optimizer(m, optimizer);
  if (st == ENG_OK) st = eng_model_build(m, (uint32_t)batch);
  if (st == ENG_OK) st = eng_trainer_create(m, train, val, fit, &t);
  int event = ENG_EVENT_NONE;
  while (st == ENG_OK && event != ENG_EVENT_DONE) {
    st = eng_trainer_run(t, 1u << 30, &event);
    if (st == ENG_OK && event != ENG_EVENT_NONE) {
      const double *mt = eng_trainer_metrics(t);
      printf("{\"epoch\":%.0f,\"loss\":%.17g,\"accuracy\":%.17g,\"val_loss\":%.17g,\"val_accuracy\":%.17g,"
             "\"seconds\":%.6f,\"samples_per_second\":%.1f,\"threads\":%d}\n",
             mt[ENG_METRIC_EPOCH], mt[ENG_METRIC_LOSS], mt[ENG_METRIC_ACCURACY],
             val ? mt[ENG_METRIC_VAL_LOSS] : 0.0, val ? mt[ENG_METRIC_VAL_ACCURACY] : 0.0,
             mt[ENG_METRIC_SECONDS], mt[ENG_METRIC_SAMPLES_PER_SECOND], eng_get_threads());
      fflush(stdout);
    }
  }
  if (st != ENG_OK) fprintf(stderr, "error: %s\n", eng_last_error());
  eng_trainer_free(t);
  eng_model_free(m);
  eng_dataset_free(train), eng_dataset_free(val), eng_dataset_free(all), eng_dataset_free(test);
  eng_pool_stop();
  return st == ENG_OK ? 0 : 1;
}
