// Q2_K and Q3_K dot products with Q8_K activations, AVX2: ggml_vec_dot_q2_K_q8_K and
// ggml_vec_dot_q3_K_q8_K (arch/x86/quants.c), restated. Included by the AVX2 and AVX-512 TUs; the
// latter compiles the same code with EVEX encodings.
//
// Both store one scale per 16 values. Each 32-byte group of activations spans two scales, so a
// 256-bit register of 16-bit scales is shuffled to [scale 2k x8 | scale 2k+1 x8] per group
// (ggml's get_scale_shuffle_q3k, here built from constants instead of a table).
#pragma once

#include "simd-avx2.h"

namespace trueno {
namespace {

// Byte shuffle that broadcasts 16-bit scale 2k of each 128-bit lane to the low lane and scale
// 2k + 1 to the high lane (both lanes of `scales` hold the same 8 scales).
inline __m256i scale_pair_shuffle(int k) {
  const short lo = (short)(((4 * k + 1) << 8) | (4 * k));
  const short hi = (short)(((4 * k + 3) << 8) | (4 * k + 2));
  return _mm256_set_m128i(_mm_set1_epi16(hi), _mm_set1_epi16(lo));
}

// 16 signed 8-bit scales -> the two 256-bit registers of 16-bit scales the 128-value halves use:
// [s0..s7 | s0..s7] and [s8..s15 | s8..s15].
inline void spread_scales16(__m128i scales8, __m256i out[2]) {
  const __m256i all = _mm256_cvtepi8_epi16(scales8);
  const __m128i lo = _mm256_castsi256_si128(all);
  const __m128i hi = _mm256_extracti128_si256(all, 1);
  out[0] = _mm256_set_m128i(lo, lo);
  out[1] = _mm256_set_m128i(hi, hi);
}

// Both kernels unpack each weight block once for N tokens (N = 4 in prefill: rows-loop.h's
// multi-token micro-kernel; N = 1 in decode) and keep one integer accumulator per token.

// Q2_K: value = d*(sc & 15)*q - dmin*(sc >> 4), q 2-bit. The min term from Q8_K's bsums.
struct Q2K_AVX2 {
  static constexpr int NT = 4;
  template <int N>
  static void dot(int n, const uint8_t* x, const uint8_t* y, size_t ys, float* res) {
    const __m256i m3 = _mm256_set1_epi8(3);
    const __m128i m4 = _mm_set1_epi8(0xF);
    __m256 acc[N];
    for (int t = 0; t < N; ++t) acc[t] = _mm256_setzero_ps();
    for (int i = 0; i < n / QK_K; ++i) {
      const uint8_t* xb = x + (size_t)i * Q2_K_BYTES;
      // Decode prefetch (simd-avx2.h), 1 / 2 threads, GB/s, none -> 2 KiB: 4.3/4.5, 3.7/3.4, 4.2/4.0
      // -> 8.0/6.1, 7.6/7.3, 8.6/7.7 (1 KiB ~15% less).
      if (N == 1) prefetch_ahead<Q2_K_BYTES>(xb, 2048);
      const float d = f16s(xb + 80);
      const float dmin = -f16s(xb + 82);
      const __m128i mins_and_scales = _mm_loadu_si128((const __m128i*)xb);
      const __m256i mins = _mm256_cvtepi8_epi16(_mm_and_si128(_mm_srli_epi16(mins_and_scales, 4), m4));
      __m256i scales[2];
      spread_scales16(_mm_and_si128(mins_and_scales, m4), scales);
      __m256i sumi[N];
      for (int t = 0; t < N; ++t) sumi[t] = _mm256_setzero_si256();
      for (int j = 0; j < QK_K / 128; ++j) {
        const __m256i bits = loadu256(xb + 16 + 32 * j);
        for (int k = 0; k < 4; ++k) {
          const __m256i q = _mm256_and_si256(_mm256_srli_epi16(bits, 2 * k), m3);
          const __m256i sc = _mm256_shuffle_epi8(scales[j], scale_pair_shuffle(k));
          for (int t = 0; t < N; ++t) {
            // maddubs: u8 (0..3) x s8, pair sums <= 2*3*127: no saturation.
            const __m256i q8 = loadu256(y + t * ys + (size_t)i * Q8_K_BYTES + Q8_K_QS + 128 * j + 32 * k);
            sumi[t] = _mm256_add_epi32(sumi[t], _mm256_madd_epi16(sc, _mm256_maddubs_epi16(q, q8)));
          }
        }
      }
      for (int t = 0; t < N; ++t) {
        const uint8_t* yb = y + t * ys + (size_t)i * Q8_K_BYTES;
        const float yd = load_f32(yb);
        const __m256i prod = _mm256_madd_epi16(mins, loadu256(yb + Q8_K_BSUMS));
        acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(dmin * yd), _mm256_cvtepi32_ps(prod), acc[t]);
        acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * yd), _mm256_cvtepi32_ps(sumi[t]), acc[t]);
      }
    }
    for (int t = 0; t < N; ++t) res[t] = hsum_ps(acc[t]);
  }
  static float dot1(int n, const uint8_t* x, const uint8_t* y) {
    float r;
    dot<1>(n, x, y, 0, &r);
    return r;
  }
  static void dotN(int n, const uint8_t* x, const uint8_t* y, size_t ys, float* res) { dot<NT>(n, x, y, ys, res); }
};

// Q3_K: value = d*(sc - 32)*(q - 4), q = 2 low bits | high bit << 2 in 0..7 (ggml stores the high
// bit set for "no -4"), signed 6-bit scales per 16 values. q is dotted unsigned and the -4 applied
// once per block as -4 * sum_g sc_g * bsum_g from Q8_K's bsums (16-value sums: Q3_K's scale
// granularity), where ggml's kernel spends a second maddubs per 32 values.
struct Q3K_AVX2 {
  static constexpr int NT = 4;
  template <int N>
  static void dot(int n, const uint8_t* x, const uint8_t* y, size_t ys, float* res) {
    constexpr uint32_t kmask1 = 0x03030303, kmask2 = 0x0F0F0F0F;
    const __m256i m3 = _mm256_set1_epi8(3);
    const __m256i mone = _mm256_set1_epi8(1);
    __m256 acc[N];
    for (int t = 0; t < N; ++t) acc[t] = _mm256_setzero_ps();
    for (int i = 0; i < n / QK_K; ++i) {
      const uint8_t* xb = x + (size_t)i * Q3_K_BYTES;
      // Decode prefetch, none -> 2 KiB: 4.6/4.5, 3.8/2.2, 4.6/4.5 -> 6.7/5.3, 8.2/8.3, 7.4/7.0 GB/s.
      if (N == 1) prefetch_ahead<Q3_K_BYTES>(xb, 2048);
      const float d = f16s(xb + 108);
      // The 12 scale bytes -> 16 six-bit scales (low nibbles, then two high bits each), minus 32.
      uint32_t aux[3];
      std::memcpy(aux, xb + 96, 12);
      const __m128i scales128 = _mm_sub_epi8(
          _mm_set_epi32((int)(((aux[1] >> 4) & kmask2) | (((aux[2] >> 6) & kmask1) << 4)),
                        (int)(((aux[0] >> 4) & kmask2) | (((aux[2] >> 4) & kmask1) << 4)),
                        (int)((aux[1] & kmask2) | (((aux[2] >> 2) & kmask1) << 4)),
                        (int)((aux[0] & kmask2) | ((aux[2] & kmask1) << 4))),
          _mm_set1_epi8(32));
      const __m256i sc16 = _mm256_cvtepi8_epi16(scales128);
      __m256i scales[2];
      spread_scales16(scales128, scales);
      const __m256i hbits = loadu256(xb);
      __m256i sumi[N];
      for (int t = 0; t < N; ++t) sumi[t] = _mm256_setzero_si256();
      for (int j = 0; j < QK_K / 128; ++j) {
        const __m256i bits = loadu256(xb + 32 + 32 * j);
        for (int k = 0; k < 4; ++k) {
          const int bit = 4 * j + k;
          // 4 where the high bit is set, else 0.
          const __m256i qh = _mm256_slli_epi16(_mm256_srli_epi16(_mm256_and_si256(hbits, _mm256_slli_epi16(mone, bit)), bit), 2);
          const __m256i q = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(bits, 2 * k), m3), qh);
          const __m256i sc = _mm256_shuffle_epi8(scales[j], scale_pair_shuffle(k));
          for (int t = 0; t < N; ++t) {
            // maddubs: u8 (0..7) x s8, pair sums <= 2*7*127: no saturation.
            const __m256i q8 = loadu256(y + t * ys + (size_t)i * Q8_K_BYTES + Q8_K_QS + 128 * j + 32 * k);
            sumi[t] = _mm256_add_epi32(sumi[t], _mm256_madd_epi16(sc, _mm256_maddubs_epi16(q, q8)));
          }
        }
      }
      for (int t = 0; t < N; ++t) {
        const uint8_t* yb = y + t * ys + (size_t)i * Q8_K_BYTES;
        const __m256i off = _mm256_madd_epi16(loadu256(yb + Q8_K_BSUMS), sc16);
        const __m256i s = _mm256_sub_epi32(sumi[t], _mm256_slli_epi32(off, 2));
        acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * load_f32(yb)), _mm256_cvtepi32_ps(s), acc[t]);
      }
    }
    for (int t = 0; t < N; ++t) res[t] = hsum_ps(acc[t]);
  }
  static float dot1(int n, const uint8_t* x, const uint8_t* y) {
    float r;
    dot<1>(n, x, y, 0, &r);
    return r;
  }
  static void dotN(int n, const uint8_t* x, const uint8_t* y, size_t ys, float* res) { dot<NT>(n, x, y, ys, res); }
};

}  // namespace
}  // namespace trueno
