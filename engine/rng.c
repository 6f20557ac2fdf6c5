/* rng.c: PCG32 (O'Neill 2014, pcg-random.org, "pcg32_random_r") with one stream
 * per purpose, and a normal sampler that gives identical bits on every platform. */
#include "internal.h"

#include <math.h>

uint32_t eng_rng_u32(eng_rng *r) {
  uint64_t old = r->state;
  r->state = old * 6364136223846793005ULL + r->inc;
  uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
  uint32_t rot = (uint32_t)(old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

void eng_rng_seed(eng_rng *r, uint64_t seed, uint64_t stream) {
  r->state = 0;
  r->inc = (stream << 1u) | 1u;
  eng_rng_u32(r);
  r->state += seed;
  eng_rng_u32(r);
}

void eng_rng_advance(eng_rng *r, uint64_t delta) {
  /* Jump the LCG ahead by delta steps in O(log delta) (Brown 1994, as in the
   * PCG reference's pcg_advance_lcg_64). */
  uint64_t cur_mult = 6364136223846793005ULL, cur_plus = r->inc, acc_mult = 1, acc_plus = 0;
  while (delta > 0) {
    if (delta & 1) {
      acc_mult *= cur_mult;
      acc_plus = acc_plus * cur_mult + cur_plus;
    }
    cur_plus = (cur_mult + 1) * cur_plus;
    cur_mult *= cur_mult;
    delta /= 2;
  }
  r->state = acc_mult * r->state + acc_plus;
}

double eng_rng_uniform(eng_rng *r) {
  /* 53 random bits from two draws. */
  uint64_t hi = eng_rng_u32(r) >> 5, lo = eng_rng_u32(r) >> 6;
  return (double)(hi * 67108864.0 + lo) / 9007199254740992.0;
}

uint32_t eng_rng_below(eng_rng *r, uint32_t n) {
  /* Lemire's debiased multiply (arXiv:1805.10941). */
  uint64_t m = (uint64_t)eng_rng_u32(r) * n;
  uint32_t l = (uint32_t)m;
  if (l < n) {
    uint32_t t = (uint32_t)(-n) % n;
    while (l < t) {
      m = (uint64_t)eng_rng_u32(r) * n;
      l = (uint32_t)m;
    }
  }
  return (uint32_t)(m >> 32);
}

double eng_det_log(double x) {
  /* x = m * 2^e with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(s), s = (m-1)/(m+1),
   * atanh(s) = s + s^3/3 + s^5/5 + ... (|s| < 0.172, 12 terms reach 1e-17). */
  int e = 0;
  double m = frexp(x, &e); /* exact on every IEEE platform */
  if (m < 0.70710678118654752) {
    m *= 2.0;
    e -= 1;
  }
  double s = (m - 1.0) / (m + 1.0), s2 = s * s, term = s, sum = 0.0;
  for (int k = 1; k <= 25; k += 2) {
    sum += term / k;
    term *= s2;
  }
  return 2.0 * sum + e * 0.69314718055994530942;
}

double eng_rng_normal(eng_rng *r) {
  /* Marsaglia polar method; only + - * / sqrt (IEEE exact) and eng_det_log. */
  for (;;) {
    double u = 2.0 * eng_rng_uniform(r) - 1.0, v = 2.0 * eng_rng_uniform(r) - 1.0;
    double s = u * u + v * v;
    if (s > 0.0 && s < 1.0) return u * sqrt(-2.0 * eng_det_log(s) / s);
  }
}
