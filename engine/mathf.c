/* mathf.c: float exp and erf written with + - * / only, so the native build and
 * the WASM build (different libm) give the same bits. */
#include "internal.h"

#include <math.h>
#include <string.h>

float eng_expf(float x) {
  /* Cephes expf: x = n ln2 + r, |r| <= ln2/2, exp(r) by a degree-6 polynomial
   * (relative error < 2e-7), then scale by 2^n built in the exponent bits. */
  if (x > 88.3762626647949f) return INFINITY;
  if (x < -87.3365447505531f) return 0.0f;
  if (x != x) return x;
  float fn = floorf(x * 1.44269504088896341f + 0.5f);
  float r = x - fn * 0.693359375f;
  r = r - fn * -2.12194440e-4f;
  float r2 = r * r;
  float p = 1.9875691500E-4f;
  p = p * r + 1.3981999507E-3f;
  p = p * r + 8.3334519073E-3f;
  p = p * r + 4.1665795894E-2f;
  p = p * r + 1.6666665459E-1f;
  p = p * r + 5.0000001201E-1f;
  p = p * r2 + r + 1.0f;
  int n = (int)fn;
  /* 2^n for n in [-126, 127]; fold the extreme cases into two multiplies. */
  float scale = 1.0f;
  if (n < -126) {
    scale = 1.17549435e-38f; /* 2^-126 */
    n += 126;
  } else if (n > 127) {
    scale = 2.0f;
    n -= 1;
  }
  uint32_t bits = (uint32_t)(n + 127) << 23;
  float pow2;
  memcpy(&pow2, &bits, sizeof pow2);
  return p * pow2 * scale;
}

float eng_erff(float x) {
  /* Abramowitz & Stegun 7.1.26 (max abs error 1.5e-7). */
  float sign = x < 0 ? -1.0f : 1.0f;
  float a = fabsf(x);
  float t = 1.0f / (1.0f + 0.3275911f * a);
  float y = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t +
             0.254829592f) * t;
  return sign * (1.0f - y * eng_expf(-a * a));
}
