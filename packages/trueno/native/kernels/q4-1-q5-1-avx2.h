// Q4_1 and Q5_1 dot products with Q8_1 activations (ggml_vec_dot_q4_1_q8_1 and
// ggml_vec_dot_q5_1_q8_1, arch/x86/quants.c), restated with the multi-token micro-kernel of the
// Q8_0 family. Included by the AVX2 and AVX-512 TUs: the latter has AVX512-VNNI + VL, where the
// u8 x s8 block sum is one _mm256_dpbusd_epi32 (as ggml's mul_sum_us8_pairs_float).
//
// The weights are unsigned (q in 0..15 or 0..31, value q*d + m): the quants are dotted as they
// are, and the min term m * sum(y) is m * s with Q8_1's s = d_y * sum(q_y), one float product per
// block and token, kept in a separate 4-lane accumulator (lane t = token t).
#pragma once

#include "simd-avx2.h"

namespace trueno {
namespace {

// Sum of the 32 products of unsigned `ux` and signed `sy` bytes, as 8 float lanes.
inline __m256 mul_sum_us8(__m256i ux, __m256i sy) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
  return _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(_mm256_setzero_si256(), ux, sy));
#else
  // maddubs pair sums <= 2*31*127: no saturation.
  return _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(ux, sy), _mm256_set1_epi16(1)));
#endif
}

// Weight blocks unpacked to 32 unsigned bytes; fp16 d at 0 and m at 2 in both.
struct UnpackQ4_1 {
  static constexpr size_t BYTES = Q4_1_BYTES;
  static __m256i load(const uint8_t* b) { return nibbles32(b + 4); }
};
struct UnpackQ5_1 {
  static constexpr size_t BYTES = Q5_1_BYTES;
  static __m256i load(const uint8_t* b) {
    return _mm256_or_si256(nibbles32(b + 8), _mm256_and_si256(bits32(b + 4), _mm256_set1_epi8(0x10)));
  }
};

template <typename U>
struct Legacy1AVX2 {
  static constexpr int NT = 4;
  static constexpr int NR = 2;  // 8 accumulators + 2 min accumulators + 2 weight vectors

  // R rows x N tokens: each weight block unpacked once for N tokens, each activation block loaded
  // once for R rows.
  template <int R, int N>
  static void dot(int n, const uint8_t* w, size_t wStride, const uint8_t* y, size_t ys, float (*res)[N]) {
    const int nb = n / QK8_0;
    __m256 acc[R][N];
    __m128 accm[R];
    for (int r = 0; r < R; ++r) {
      accm[r] = _mm_setzero_ps();
      for (int t = 0; t < N; ++t) acc[r][t] = _mm256_setzero_ps();
    }
    for (int ib = 0; ib < nb; ++ib) {
      __m256i qx[R];
      float dw[R], mw[R];
      for (int r = 0; r < R; ++r) {
        const uint8_t* wb = w + r * wStride + ib * U::BYTES;
        qx[r] = U::load(wb);
        dw[r] = f16s(wb);
        mw[r] = f16s(wb + 2);
      }
      alignas(16) float sy[4] = {0, 0, 0, 0};
      for (int t = 0; t < N; ++t) {
        const uint8_t* yb = y + t * ys + ib * Q8_1_BYTES;
        sy[t] = f16s(yb + 2);
        const __m256i qy = loadu256(yb + 4);
        const float dy = f16s(yb);
        for (int r = 0; r < R; ++r) acc[r][t] = _mm256_fmadd_ps(_mm256_set1_ps(dw[r] * dy), mul_sum_us8(qx[r], qy), acc[r][t]);
      }
      const __m128 s4 = _mm_load_ps(sy);
      for (int r = 0; r < R; ++r) accm[r] = _mm_fmadd_ps(_mm_set1_ps(mw[r]), s4, accm[r]);
    }
    for (int r = 0; r < R; ++r) {
      alignas(16) float m[4];
      _mm_store_ps(m, accm[r]);
      for (int t = 0; t < N; ++t) res[r][t] = hsum_ps(acc[r][t]) + m[t];
    }
  }

  static float dot1(int n, const uint8_t* w, const uint8_t* y) {
    float r[1][1];
    dot<1, 1>(n, w, 0, y, 0, r);
    return r[0][0];
  }
  static void dotN(int n, const uint8_t* w, const uint8_t* y, size_t ys, float* res) {
    dot<1, NT>(n, w, 0, y, ys, reinterpret_cast<float(*)[NT]>(res));
  }
  static void dotRN(int n, const uint8_t* w, size_t wStride, const uint8_t* y, size_t ys, float (*res)[NT]) {
    dot<NR, NT>(n, w, wStride, y, ys, res);
  }
};

}  // namespace
}  // namespace trueno
