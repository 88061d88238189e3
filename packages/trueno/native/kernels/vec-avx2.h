// 8-lane float vector traits for ops-simd.h (AVX2 + FMA), with a vector exp. Internal linkage:
// included only by translation units compiled with -mavx2 -mfma.
#pragma once

#include <immintrin.h>

namespace trueno {
namespace {

struct VecAvx2 {
  using R = __m256;
  using M = __m256i;
  static constexpr int W = 8;

  static R zero() { return _mm256_setzero_ps(); }
  static R set1(float f) { return _mm256_set1_ps(f); }
  static R load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, R v) { _mm256_storeu_ps(p, v); }
  /** Lanes 0..m-1 on (0 <= m < 8). */
  static M mask(int m) { return _mm256_cmpgt_epi32(_mm256_set1_epi32(m), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)); }
  // vmaskmov never faults on masked-off lanes, so a row's tail can be read in place.
  static R loadm(const float* p, M m) { return _mm256_maskload_ps(p, m); }
  static void storem(float* p, M m, R v) { _mm256_maskstore_ps(p, m, v); }
  static R select(M m, R a, R b) { return _mm256_blendv_ps(b, a, _mm256_castsi256_ps(m)); }
  static R add(R a, R b) { return _mm256_add_ps(a, b); }
  static R sub(R a, R b) { return _mm256_sub_ps(a, b); }
  static R mul(R a, R b) { return _mm256_mul_ps(a, b); }
  static R div(R a, R b) { return _mm256_div_ps(a, b); }
  static R fmadd(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static R max(R a, R b) { return _mm256_max_ps(a, b); }

  static float hsum(R v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static float hmax(R v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  /** out[0..4) = the lane sums of a0..a3. */
  static void hsum4(R a0, R a1, R a2, R a3, float* out) {
    const R t0 = _mm256_hadd_ps(a0, a1);  // a0 01 23, a1 01 23 | a0 45 67, a1 45 67
    const R t1 = _mm256_hadd_ps(a2, a3);
    const R t2 = _mm256_hadd_ps(t0, t1);  // a0 a1 a2 a3 (lanes 0-3) | a0 a1 a2 a3 (lanes 4-7)
    _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(t2), _mm256_extractf128_ps(t2, 1)));
  }

  /**
   * e^x within ~1 ulp: x = n ln2 + r with n = round(x / ln2) and |r| <= ln2 / 2 (ln2 split in two
   * floats, the products exact inside FMA), e^r by its degree-7 Taylor polynomial (truncation
   * error < 0.05 ulp there), then times 2^n built in the exponent bits. x is clamped to
   * [-104, 89] first (e^-104 is below the smallest subnormal, e^89 above FLT_MAX), and 2^n is
   * applied as two factors 2^(n - n/2) and 2^(n/2), each a normal float for every n in
   * [-150, 128], so overflow gives inf and deep underflow 0 by the final rounding. NaN stays NaN.
   */
  static R exp(R x) {
    // max/min return their second operand when one is NaN: NaN passes through the clamp.
    x = _mm256_min_ps(_mm256_set1_ps(89.0f), _mm256_max_ps(_mm256_set1_ps(-104.0f), x));
    const R n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    R r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693147182464599609375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-1.904654323148236e-09f), r);
    R p = _mm256_set1_ps(1.0f / 5040);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    const __m256i ni = _mm256_cvtps_epi32(n);
    const __m256i hi = _mm256_srai_epi32(ni, 1);
    const __m256i lo = _mm256_sub_epi32(ni, hi);
    const __m256i bias = _mm256_set1_epi32(127);
    const R s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(hi, bias), 23));
    const R s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(lo, bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
  }
};

}  // namespace
}  // namespace trueno
