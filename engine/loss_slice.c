/* loss_slice.c: the loss along the straight line from the weights training
 * started from (theta0) to the current ones (theta), theta(a) = theta0 + a
 * (theta - theta0), a few a from 0 to a little beyond 1: the 1-D "linear path"
 * slice of Goodfellow, Vinyals & Saxe, "Qualitatively characterizing neural
 * network optimization problems" (ICLR 2015). Each point is an ordinary
 * inference-mode evaluation (eng_model_evaluate, regularization included) on
 * the first slice_samples validation images (training images without a
 * validation set). Only the trainable-by-nature tensors move (kernels, biases,
 * BN gamma and beta); BatchNormalization's moving statistics stay the current
 * ones at every point (inference mode, as Keras evaluates), so the slice
 * shows the weights' path under today's normalization, not a re-estimated one
 * (which would need a training pass per point). The trainer keeps theta0 (in
 * its checkpoints too), so a fit that starts again (a two-phase transfer's
 * unfrozen phase, pruning's fine-tuning) slices from where it started. The
 * weights go back exactly, so training gives the same bits with or without the
 * slice (tests/c/test_loss_slice.c). */
#include "trainer.h"

#include <stdlib.h>
#include <string.h>

eng_status trainer_keep_initial(eng_trainer *t) {
  /* Without the memory for a copy, training goes on; only the slice refuses. */
  eng_status st = model_snapshot(t->m, &t->initial);
  t->has_initial = st == ENG_OK;
  eng_clear_error();
  return ENG_OK;
}

eng_status eng_trainer_loss_slice(eng_trainer *t, const double *alphas, uint32_t count, double *loss,
                                  double *accuracy) {
  eng_model *m = t->m;
  if (t->diverged) return eng_fail(ENG_ERR_STATE, "training has diverged; there is no path to show");
  if (!t->has_initial)
    return eng_fail(ENG_ERR_STATE,
                    "the weights training started from are not known (not enough memory to keep "
                    "a copy, or a checkpoint saved by an older version), so the loss slice cannot be drawn");
  if (count == 0 || count > ENG_MAX_SLICE_POINTS)
    return eng_fail(ENG_ERR_INVALID, "the loss slice takes 1 to %d points, not %u", ENG_MAX_SLICE_POINTS, count);
  if (!t->current && !(t->current = malloc((m->n_params ? m->n_params : 1) * sizeof(float))))
    return eng_fail(ENG_ERR_NOMEM, "out of memory keeping a copy of the weights for the loss slice");
  const eng_dataset *ds = t->val ? t->val : t->train;
  memcpy(t->current, m->params, m->n_params * sizeof(float));
  eng_status st = ENG_OK;
  for (uint32_t k = 0; k < count && st == ENG_OK; k++) {
    double a = alphas[k];
    for (uint32_t ti = 0; ti < m->n_tensors; ti++) {
      const tensor *tn = &m->tensors[ti];
      if (!tn->grad) continue; /* moving statistics: the current ones */
      size_t off = (size_t)(tn->data - m->params);
      const float *w0 = t->initial + off, *w1 = t->current + off;
      /* (1 - a) w0 + a w1 in double: exactly w0 at a = 0 and w1 at a = 1. */
      for (size_t i = 0; i < tn->size; i++) tn->data[i] = (float)((1.0 - a) * w0[i] + a * w1[i]);
    }
    st = eng_model_evaluate(m, ds, t->slice_samples, &loss[k], &accuracy[k]);
  }
  memcpy(m->params, t->current, m->n_params * sizeof(float)); /* theta exactly as it was */
  return st;
}
