// 16-lane float vector traits for ops-simd.h (AVX-512F), with a vector exp. Internal linkage:
// included only by translation units compiled with -mavx512f (and the AVX2 flags).
#pragma once

#include <immintrin.h>

#include "vec-avx2.h"

namespace trueno {
namespace {

struct VecAvx512 {
  using R = __m512;
  using M = __mmask16;
  static constexpr int W = 16;

  static R zero() { return _mm512_setzero_ps(); }
  static R set1(float f) { return _mm512_set1_ps(f); }
  static R load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, R v) { _mm512_storeu_ps(p, v); }
  /** Lanes 0..m-1 on (0 <= m < 16). */
  static M mask(int m) { return (M)((1u << m) - 1); }
  // Masked-off lanes are neither read nor written (no fault past the end of a row).
  static R loadm(const float* p, M m) { return _mm512_maskz_loadu_ps(m, p); }
  static void storem(float* p, M m, R v) { _mm512_mask_storeu_ps(p, m, v); }
  static R select(M m, R a, R b) { return _mm512_mask_blend_ps(m, b, a); }
  static R add(R a, R b) { return _mm512_add_ps(a, b); }
  static R sub(R a, R b) { return _mm512_sub_ps(a, b); }
  static R mul(R a, R b) { return _mm512_mul_ps(a, b); }
  static R div(R a, R b) { return _mm512_div_ps(a, b); }
  static R fmadd(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static R max(R a, R b) { return _mm512_max_ps(a, b); }

  static __m256 lo(R v) { return _mm512_castps512_ps256(v); }
  static __m256 hi(R v) { return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)); }
  static float hsum(R v) { return VecAvx2::hsum(_mm256_add_ps(lo(v), hi(v))); }
  static float hmax(R v) { return VecAvx2::hmax(_mm256_max_ps(lo(v), hi(v))); }
  /** out[0..4) = the lane sums of a0..a3. */
  static void hsum4(R a0, R a1, R a2, R a3, float* out) {
    VecAvx2::hsum4(_mm256_add_ps(lo(a0), hi(a0)), _mm256_add_ps(lo(a1), hi(a1)), _mm256_add_ps(lo(a2), hi(a2)),
                   _mm256_add_ps(lo(a3), hi(a3)), out);
  }

  /** e^x, the same range reduction and polynomial as VecAvx2::exp; vscalefps applies 2^n with IEEE overflow/underflow. */
  static R exp(R x) {
    x = _mm512_min_ps(_mm512_set1_ps(89.0f), _mm512_max_ps(_mm512_set1_ps(-104.0f), x));
    const R n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    R r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693147182464599609375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-1.904654323148236e-09f), r);
    R p = _mm512_set1_ps(1.0f / 5040);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
  }
};

}  // namespace
}  // namespace trueno
