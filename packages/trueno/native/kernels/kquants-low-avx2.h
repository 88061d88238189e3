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

// Q2_K: value = d*(sc & 15)*q - dmin*(sc >> 4), q 2-bit. The min term from Q8_K's bsums.
struct Q2K_AVX2 {
  static constexpr int NT = 1;
  static float dot1(int n, const uint8_t* x, const uint8_t* y) {
    const __m256i m3 = _mm256_set1_epi8(3);
    const __m128i m4 = _mm_set1_epi8(0xF);
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < n / QK_K; ++i) {
      const uint8_t* xb = x + (size_t)i * Q2_K_BYTES;
      const uint8_t* yb = y + (size_t)i * Q8_K_BYTES;
      const float yd = load_f32(yb);
      const float d = yd * f16s(xb + 80);
      const float dmin = -yd * f16s(xb + 82);
      const __m128i mins_and_scales = _mm_loadu_si128((const __m128i*)xb);
      const __m256i mins = _mm256_cvtepi8_epi16(_mm_and_si128(_mm_srli_epi16(mins_and_scales, 4), m4));
      const __m256i prod = _mm256_madd_epi16(mins, loadu256(yb + Q8_K_BSUMS));
      acc = _mm256_fmadd_ps(_mm256_set1_ps(dmin), _mm256_cvtepi32_ps(prod), acc);
      __m256i scales[2];
      spread_scales16(_mm_and_si128(mins_and_scales, m4), scales);

      const uint8_t* q2 = xb + 16;
      const uint8_t* q8 = yb + Q8_K_QS;
      __m256i sumi = _mm256_setzero_si256();
      for (int j = 0; j < QK_K / 128; ++j, q2 += 32, q8 += 128) {
        const __m256i bits = loadu256(q2);
        // maddubs: u8 (0..3) x s8, pair sums <= 2*3*127: no saturation.
        __m256i p[4];
        for (int k = 0; k < 4; ++k) {
          const __m256i q = _mm256_and_si256(_mm256_srli_epi16(bits, 2 * k), m3);
          p[k] = _mm256_madd_epi16(_mm256_shuffle_epi8(scales[j], scale_pair_shuffle(k)), _mm256_maddubs_epi16(q, loadu256(q8 + 32 * k)));
        }
        sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(_mm256_add_epi32(p[0], p[1]), _mm256_add_epi32(p[2], p[3])));
      }
      acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum_ps(acc);
  }
  static void dotN(int, const uint8_t*, const uint8_t*, size_t, float*) {}
};

// Q3_K: value = d*(sc - 32)*(q - 4*(1 - hbit)), q 2-bit, signed 6-bit scales per 16 values.
// maddubs wants an unsigned operand, so the dot is q_low*y - (4 where hbit is clear)*y.
struct Q3K_AVX2 {
  static constexpr int NT = 1;
  static float dot1(int n, const uint8_t* x, const uint8_t* y) {
    constexpr uint32_t kmask1 = 0x03030303, kmask2 = 0x0F0F0F0F;
    const __m256i m3 = _mm256_set1_epi8(3);
    const __m256i mone = _mm256_set1_epi8(1);
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < n / QK_K; ++i) {
      const uint8_t* xb = x + (size_t)i * Q3_K_BYTES;
      const uint8_t* yb = y + (size_t)i * Q8_K_BYTES;
      const float d = load_f32(yb) * f16s(xb + 108);
      // The 12 scale bytes -> 16 six-bit scales (low nibbles, then two high bits each), minus 32.
      uint32_t aux[3];
      std::memcpy(aux, xb + 96, 12);
      const __m128i scales128 = _mm_sub_epi8(
          _mm_set_epi32((int)(((aux[1] >> 4) & kmask2) | (((aux[2] >> 6) & kmask1) << 4)),
                        (int)(((aux[0] >> 4) & kmask2) | (((aux[2] >> 4) & kmask1) << 4)),
                        (int)((aux[1] & kmask2) | (((aux[2] >> 2) & kmask1) << 4)),
                        (int)((aux[0] & kmask2) | ((aux[2] & kmask1) << 4))),
          _mm_set1_epi8(32));
      __m256i scales[2];
      spread_scales16(scales128, scales);
      const __m256i hbits = loadu256(xb);

      const uint8_t* q3 = xb + 32;
      const uint8_t* q8 = yb + Q8_K_QS;
      __m256i sumi = _mm256_setzero_si256();
      int bit = 0;
      for (int j = 0; j < QK_K / 128; ++j, q3 += 32, q8 += 128) {
        const __m256i bits = loadu256(q3);
        __m256i p[4];
        for (int k = 0; k < 4; ++k, ++bit) {
          const __m256i ql = _mm256_and_si256(_mm256_srli_epi16(bits, 2 * k), m3);
          // 4 where the high bit is clear, else 0.
          const __m256i qh = _mm256_slli_epi16(_mm256_srli_epi16(_mm256_andnot_si256(hbits, _mm256_slli_epi16(mone, bit)), bit), 2);
          const __m256i q8k = loadu256(q8 + 32 * k);
          const __m256i p16 = _mm256_sub_epi16(_mm256_maddubs_epi16(ql, q8k), _mm256_maddubs_epi16(qh, q8k));
          p[k] = _mm256_madd_epi16(_mm256_shuffle_epi8(scales[j], scale_pair_shuffle(k)), p16);
        }
        sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(_mm256_add_epi32(p[0], p[1]), _mm256_add_epi32(p[2], p[3])));
      }
      acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum_ps(acc);
  }
  static void dotN(int, const uint8_t*, const uint8_t*, size_t, float*) {}
};

}  // namespace
}  // namespace trueno
