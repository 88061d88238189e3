// Q4_K, Q5_K and Q6_K dot products with Q8_K activations, AVX2 (ggml's x86 paths, restated).
// Included by the AVX2 and AVX-512 TUs; the latter compiles the same code with EVEX encodings.
#pragma once

#include "simd-avx2.h"

namespace trueno {
namespace {

// The 12 scale bytes of a Q4_K / Q5_K block unpacked to 8 scales (bytes 0..7 of utmp) and 8 mins
// (bytes 8..15); returns accm + dmin * (mins . pairwise sums of Q8_K's bsums) in 4 float lanes:
// the min term, computed without touching the quants.
inline __m128 k4_scales_mins(const uint8_t* scales12, const uint8_t* yb, float dmin, uint32_t utmp[4], __m128 accm) {
  constexpr uint32_t kmask1 = 0x3F3F3F3F, kmask2 = 0x0F0F0F0F, kmask3 = 0x03030303;
  std::memcpy(utmp, scales12, 12);
  utmp[3] = ((utmp[2] >> 4) & kmask2) | (((utmp[1] >> 6) & kmask3) << 4);
  const uint32_t uaux = utmp[1] & kmask1;
  utmp[1] = (utmp[2] & kmask2) | (((utmp[0] >> 6) & kmask3) << 4);
  utmp[2] = uaux;
  utmp[0] &= kmask1;
  const __m128i mins = _mm_cvtepu8_epi16(_mm_set_epi32(0, 0, (int)utmp[3], (int)utmp[2]));
  const __m256i bsums = loadu256(yb + Q8_K_BSUMS);
  const __m128i q8s = _mm_hadd_epi16(_mm256_castsi256_si128(bsums), _mm256_extracti128_si256(bsums, 1));
  return _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(_mm_madd_epi16(mins, q8s)), accm);
}

// Q4_K: value = d*sc*q - dmin*m with 6-bit sc, m per 32 values. The min term is computed from
// Q8_K's bsums (sums of 16 quants) without touching the quants: dmin * sum_j m_j * bsum_j.
struct Q4K_AVX2 {
  static constexpr int NT = 1;
  static float dot1(int n, const uint8_t* x, const uint8_t* y) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256 acc = _mm256_setzero_ps();
    __m128 accm = _mm_setzero_ps();
    for (int i = 0; i < n / QK_K; ++i) {
      const uint8_t* xb = x + (size_t)i * Q4_K_BYTES;
      const uint8_t* yb = y + (size_t)i * Q8_K_BYTES;
      const float yd = load_f32(yb);
      const float d = yd * f16s(xb);
      const float dmin = -yd * f16s(xb + 2);
      uint32_t utmp[4];
      accm = k4_scales_mins(xb + 4, yb, dmin, utmp, accm);

      const uint8_t* sc = (const uint8_t*)utmp;
      const uint8_t* q4 = xb + 16;
      const uint8_t* q8 = yb + Q8_K_QS;
      __m256i sumi = _mm256_setzero_si256();
      for (int j = 0; j < QK_K / 64; ++j) {
        const __m256i bits = loadu256(q4);
        q4 += 32;
        const __m256i lo = _mm256_and_si256(bits, m4);
        const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
        // maddubs: u8 nibbles x s8 quants, pair sums <= 2*15*127: no saturation.
        __m256i pl = _mm256_maddubs_epi16(lo, loadu256(q8));
        __m256i ph = _mm256_maddubs_epi16(hi, loadu256(q8 + 32));
        q8 += 64;
        pl = _mm256_madd_epi16(_mm256_set1_epi16(sc[2 * j]), pl);
        ph = _mm256_madd_epi16(_mm256_set1_epi16(sc[2 * j + 1]), ph);
        sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(pl, ph));
      }
      acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum_ps(acc) + hsum_ps128(accm);
  }
  static void dotN(int, const uint8_t*, const uint8_t*, size_t, float*) {}
};

// Q5_K: Q4_K plus a fifth bit per value in qh: bit 2j of qh[l] for value l of the low nibbles of
// 64-value group j, bit 2j + 1 for the high nibbles (ggml_vec_dot_q5_K_q8_K).
struct Q5K_AVX2 {
  static constexpr int NT = 1;
  static float dot1(int n, const uint8_t* x, const uint8_t* y) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    const __m256i mone = _mm256_set1_epi8(1);
    __m256 acc = _mm256_setzero_ps();
    __m128 accm = _mm_setzero_ps();
    for (int i = 0; i < n / QK_K; ++i) {
      const uint8_t* xb = x + (size_t)i * Q5_K_BYTES;
      const uint8_t* yb = y + (size_t)i * Q8_K_BYTES;
      const float yd = load_f32(yb);
      const float d = yd * f16s(xb);
      const float dmin = -yd * f16s(xb + 2);
      uint32_t utmp[4];
      accm = k4_scales_mins(xb + 4, yb, dmin, utmp, accm);

      const uint8_t* sc = (const uint8_t*)utmp;
      const __m256i hbits = loadu256(xb + 16);
      const uint8_t* q5 = xb + 48;
      const uint8_t* q8 = yb + Q8_K_QS;
      __m256i sumi = _mm256_setzero_si256();
      for (int j = 0; j < QK_K / 64; ++j, q5 += 32, q8 += 64) {
        const __m256i bits = loadu256(q5);
        // (hbits & 1 << b) >> b << 4: the fifth bit as 16.
        const __m256i h0 = _mm256_slli_epi16(_mm256_srli_epi16(_mm256_and_si256(hbits, _mm256_slli_epi16(mone, 2 * j)), 2 * j), 4);
        const __m256i h1 = _mm256_slli_epi16(_mm256_srli_epi16(_mm256_and_si256(hbits, _mm256_slli_epi16(mone, 2 * j + 1)), 2 * j + 1), 4);
        const __m256i lo = _mm256_add_epi8(_mm256_and_si256(bits, m4), h0);
        const __m256i hi = _mm256_add_epi8(_mm256_and_si256(_mm256_srli_epi16(bits, 4), m4), h1);
        // maddubs: u8 (0..31) x s8, pair sums <= 2*31*127: no saturation.
        const __m256i pl = _mm256_madd_epi16(_mm256_set1_epi16(sc[2 * j]), _mm256_maddubs_epi16(lo, loadu256(q8)));
        const __m256i ph = _mm256_madd_epi16(_mm256_set1_epi16(sc[2 * j + 1]), _mm256_maddubs_epi16(hi, loadu256(q8 + 32)));
        sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(pl, ph));
      }
      acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum_ps(acc) + hsum_ps128(accm);
  }
  static void dotN(int, const uint8_t*, const uint8_t*, size_t, float*) {}
};

// Q6_K: value = d*sc*(q - 32), q 6-bit (4 low bits in ql, 2 high in qh), int8 sc per 16 values.
// maddubs needs an unsigned operand, so compute q*y - 32*y as two maddubs.
struct Q6K_AVX2 {
  static constexpr int NT = 1;
  static float dot1(int n, const uint8_t* x, const uint8_t* y) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    const __m256i m2 = _mm256_set1_epi8(3);
    const __m256i m32s = _mm256_set1_epi8(32);
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < n / QK_K; ++i) {
      const uint8_t* xb = x + (size_t)i * Q6_K_BYTES;
      const uint8_t* yb = y + (size_t)i * Q8_K_BYTES;
      const float d = load_f32(yb) * f16s(xb + 208);
      const uint8_t* ql = xb;
      const uint8_t* qh = xb + 128;
      const int8_t* sc = (const int8_t*)(xb + 192);
      const uint8_t* q8 = yb + Q8_K_QS;
      __m256i sumi = _mm256_setzero_si256();
      for (int j = 0; j < QK_K / 128; ++j, sc += 8) {
        const __m256i b1 = loadu256(ql);
        const __m256i b2 = loadu256(ql + 32);
        const __m256i bh = loadu256(qh);
        ql += 64;
        qh += 32;
        const __m256i h0 = _mm256_slli_epi16(_mm256_and_si256(bh, m2), 4);
        const __m256i h1 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(bh, 2), m2), 4);
        const __m256i h2 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(bh, 4), m2), 4);
        const __m256i h3 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(bh, 6), m2), 4);
        const __m256i q[4] = {
            _mm256_or_si256(_mm256_and_si256(b1, m4), h0),
            _mm256_or_si256(_mm256_and_si256(b2, m4), h1),
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(b1, 4), m4), h2),
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(b2, 4), m4), h3),
        };
        for (int k = 0; k < 4; ++k) {
          const __m256i q8v = loadu256(q8 + 32 * k);
          const __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(q[k], q8v), _mm256_maddubs_epi16(m32s, q8v));
          // 16-bit lanes 0..7 hold values 0..15 of this 32 (scale 2k), lanes 8..15 values 16..31.
          const __m256i s = _mm256_set_m128i(_mm_set1_epi16(sc[2 * k + 1]), _mm_set1_epi16(sc[2 * k]));
          sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, s));
        }
        q8 += 128;
      }
      acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum_ps(acc);
  }
  static void dotN(int, const uint8_t*, const uint8_t*, size_t, float*) {}
};

}  // namespace
}  // namespace trueno
