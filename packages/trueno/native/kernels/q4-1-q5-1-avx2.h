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

// [d, m] of a weight block times [d_y, s_y] of its Q8_1 activation block (both fp16 pairs at
// offset 0), converted with one F16C instruction each: [d*d_y, m*s_y, 0, 0].
inline __m128 dm_times_ds(const uint8_t* wb, const uint8_t* yb) {
  return _mm_mul_ps(_mm_cvtph_ps(_mm_cvtsi32_si128((int)load_u32(wb))), _mm_cvtph_ps(_mm_cvtsi32_si128((int)load_u32(yb))));
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
      // Kept in registers and joined with setr: a store of floats reloaded as one vector would
      // stall on store forwarding every block.
      float sy[4] = {0, 0, 0, 0};
      for (int t = 0; t < N; ++t) {
        const uint8_t* yb = y + t * ys + ib * Q8_1_BYTES;
        sy[t] = f16s(yb + 2);
        const __m256i qy = loadu256(yb + 4);
        const float dy = f16s(yb);
        for (int r = 0; r < R; ++r) acc[r][t] = _mm256_fmadd_ps(_mm256_set1_ps(dw[r] * dy), mul_sum_us8(qx[r], qy), acc[r][t]);
      }
      const __m128 s4 = _mm_setr_ps(sy[0], sy[1], sy[2], sy[3]);
      for (int r = 0; r < R; ++r) accm[r] = _mm_fmadd_ps(_mm_set1_ps(mw[r]), s4, accm[r]);
    }
    for (int r = 0; r < R; ++r) {
      alignas(16) float m[4];
      _mm_store_ps(m, accm[r]);
      for (int t = 0; t < N; ++t) res[r][t] = hsum_ps(acc[r][t]) + m[t];
    }
  }

  // One token (decode): two blocks per step on two accumulators to hide the FMA latency. Each
  // block's two fp16 pairs are converted at once: [d, m] x [d_y, s_y] = [d*d_y, m*s_y], lane 0
  // scales the quant sums, lane 1 (the min term) is summed in `accm`.
  static float dot1(int n, const uint8_t* w, const uint8_t* y) {
    const int nb = n / QK8_0;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    __m128 accm = _mm_setzero_ps();
    int ib = 0;
    for (; ib + 2 <= nb; ib += 2) {
      const uint8_t* w0 = w + ib * U::BYTES;
      const uint8_t* y0 = y + ib * Q8_1_BYTES;
      // 1 / 2 threads, GB/s (simd-avx2.h prefetch_ahead), none -> 2 KiB ahead (1 KiB was ~10% less):
      // AVX-512 set Q4_1 3.9/3.8, 3.8/3.7 -> 7.9/7.3, 9.7/8.6; Q5_1 4.0/2.6, 3.5/3.7 -> 6.7/7.5,
      // 8.7/8.7; AVX2 set Q4_1 4.1/4.1, 4.2/3.4 -> 8.4/7.7, 7.8/7.9.
      prefetch_ahead<2 * U::BYTES>(w0, 2048);
      const __m128 p0 = dm_times_ds(w0, y0);
      const __m128 p1 = dm_times_ds(w0 + U::BYTES, y0 + Q8_1_BYTES);
      accm = _mm_add_ps(accm, _mm_add_ps(p0, p1));
      acc0 = _mm256_fmadd_ps(_mm256_broadcastss_ps(p0), mul_sum_us8(U::load(w0), loadu256(y0 + 4)), acc0);
      acc1 = _mm256_fmadd_ps(_mm256_broadcastss_ps(p1), mul_sum_us8(U::load(w0 + U::BYTES), loadu256(y0 + Q8_1_BYTES + 4)), acc1);
    }
    if (ib < nb) {
      const uint8_t* w0 = w + ib * U::BYTES;
      const uint8_t* y0 = y + ib * Q8_1_BYTES;
      const __m128 p0 = dm_times_ds(w0, y0);
      accm = _mm_add_ps(accm, p0);
      acc0 = _mm256_fmadd_ps(_mm256_broadcastss_ps(p0), mul_sum_us8(U::load(w0), loadu256(y0 + 4)), acc0);
    }
    return hsum_ps(_mm256_add_ps(acc0, acc1)) + _mm_cvtss_f32(_mm_movehdup_ps(accm));
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
