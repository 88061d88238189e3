// Q4_K, Q5_K and Q6_K dot products with Q8_K activations, AVX2 (ggml's x86 paths, restated, with
// a multi-token form: each weight block is unpacked once for the N tokens of rows-loop.h's
// micro-kernel, which made 4-token prefill 1.7x (Q4_K), 1.9x (Q5_K) and 2.2x (Q6_K) the speed of
// four single-token calls, rows of 4864 in L2, one core). Included by the AVX2 and AVX-512 TUs;
// the latter compiles the same code with EVEX encodings.
#pragma once

#include "simd-avx2.h"

namespace trueno {
namespace {

// The 12 scale bytes of a Q4_K / Q5_K block unpacked to 8 scales (bytes 0..7 of utmp) and 8 mins
// (bytes 8..15); returns the mins as 16-bit lanes.
inline __m128i k4_scales_mins(const uint8_t* scales12, uint32_t utmp[4]) {
  constexpr uint32_t kmask1 = 0x3F3F3F3F, kmask2 = 0x0F0F0F0F, kmask3 = 0x03030303;
  std::memcpy(utmp, scales12, 12);
  utmp[3] = ((utmp[2] >> 4) & kmask2) | (((utmp[1] >> 6) & kmask3) << 4);
  const uint32_t uaux = utmp[1] & kmask1;
  utmp[1] = (utmp[2] & kmask2) | (((utmp[0] >> 6) & kmask3) << 4);
  utmp[2] = uaux;
  utmp[0] &= kmask1;
  return _mm_cvtepu8_epi16(_mm_set_epi32(0, 0, (int)utmp[3], (int)utmp[2]));
}

// accm + dmin * (mins . pairwise sums of Q8_K's bsums) in 4 float lanes: the min term of a Q4_K /
// Q5_K block, computed without touching the quants.
inline __m128 k4_min_acc(__m128i mins, const uint8_t* yb, float dmin, __m128 accm) {
  const __m256i bsums = loadu256(yb + Q8_K_BSUMS);
  const __m128i q8s = _mm_hadd_epi16(_mm256_castsi256_si128(bsums), _mm256_extracti128_si256(bsums, 1));
  return _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(_mm_madd_epi16(mins, q8s)), accm);
}

// Q4_K: value = d*sc*q - dmin*m with 6-bit sc, m per 32 values. The min term is computed from
// Q8_K's bsums (sums of 16 quants) without touching the quants: dmin * sum_j m_j * bsum_j.
struct Q4K_AVX2 {
  static constexpr int NT = 4;
  // N tokens at once (N = 4 in prefill, 1 in decode): each block's nibbles and scales are
  // unpacked once for all of them.
  template <int N>
  static void dot(int n, const uint8_t* x, const uint8_t* y, size_t ys, float* res) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256 acc[N];
    __m128 accm[N];
    for (int t = 0; t < N; ++t) {
      acc[t] = _mm256_setzero_ps();
      accm[t] = _mm_setzero_ps();
    }
    for (int i = 0; i < n / QK_K; ++i) {
      const uint8_t* xb = x + (size_t)i * Q4_K_BYTES;
      // Decode prefetch (simd-avx2.h), 1 / 2 threads, GB/s, none -> 1 KiB: AVX-512 set 5.6/5.8,
      // 6.2/5.7, 6.1/5.8 -> 7.9/7.5, 7.8/7.5, 7.6/7.2; AVX2 set 5.4/5.2, 5.6/5.5 -> 7.8/7.1, 6.9/4.5
      // (2 KiB: 7.6/6.7 avg on AVX-512, 8.4/6.4 on AVX2: a wash).
      if (N == 1) prefetch_ahead<Q4_K_BYTES>(xb, 1024);
      const float d = f16s(xb);
      const float dmin = -f16s(xb + 2);
      uint32_t utmp[4];
      const __m128i mins = k4_scales_mins(xb + 4, utmp);
      const uint8_t* sc = (const uint8_t*)utmp;
      __m256i sumi[N];
      for (int t = 0; t < N; ++t) sumi[t] = _mm256_setzero_si256();
      for (int j = 0; j < QK_K / 64; ++j) {
        const __m256i bits = loadu256(xb + 16 + 32 * j);
        const __m256i lo = _mm256_and_si256(bits, m4);
        const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
        const __m256i sl = _mm256_set1_epi16(sc[2 * j]), sh = _mm256_set1_epi16(sc[2 * j + 1]);
        for (int t = 0; t < N; ++t) {
          const uint8_t* q8 = y + t * ys + (size_t)i * Q8_K_BYTES + Q8_K_QS + 64 * j;
          const __m256i pl = _mm256_madd_epi16(sl, _mm256_maddubs_epi16(lo, loadu256(q8)));
          const __m256i ph = _mm256_madd_epi16(sh, _mm256_maddubs_epi16(hi, loadu256(q8 + 32)));
          sumi[t] = _mm256_add_epi32(sumi[t], _mm256_add_epi32(pl, ph));
        }
      }
      for (int t = 0; t < N; ++t) {
        const uint8_t* yb = y + t * ys + (size_t)i * Q8_K_BYTES;
        const float yd = load_f32(yb);
        accm[t] = k4_min_acc(mins, yb, dmin * yd, accm[t]);
        acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * yd), _mm256_cvtepi32_ps(sumi[t]), acc[t]);
      }
    }
    for (int t = 0; t < N; ++t) res[t] = hsum_ps(acc[t]) + hsum_ps128(accm[t]);
  }
  static float dot1(int n, const uint8_t* x, const uint8_t* y) {
    float r;
    dot<1>(n, x, y, 0, &r);
    return r;
  }
  static void dotN(int n, const uint8_t* x, const uint8_t* y, size_t ys, float* res) { dot<NT>(n, x, y, ys, res); }
};

// Q5_K: Q4_K plus a fifth bit per value in qh: bit 2j of qh[l] for value l of the low nibbles of
// 64-value group j, bit 2j + 1 for the high nibbles (ggml_vec_dot_q5_K_q8_K).
struct Q5K_AVX2 {
  static constexpr int NT = 4;
  // N tokens at once, as Q4_K.
  template <int N>
  static void dot(int n, const uint8_t* x, const uint8_t* y, size_t ys, float* res) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    const __m256i mone = _mm256_set1_epi8(1);
    __m256 acc[N];
    __m128 accm[N];
    for (int t = 0; t < N; ++t) {
      acc[t] = _mm256_setzero_ps();
      accm[t] = _mm_setzero_ps();
    }
    for (int i = 0; i < n / QK_K; ++i) {
      const uint8_t* xb = x + (size_t)i * Q5_K_BYTES;
      // Decode prefetch 2 KiB ahead, as Q5K_VNNI (measured there).
      if (N == 1) prefetch_ahead<Q5_K_BYTES>(xb, 2048);
      const float d = f16s(xb);
      const float dmin = -f16s(xb + 2);
      uint32_t utmp[4];
      const __m128i mins = k4_scales_mins(xb + 4, utmp);
      const uint8_t* sc = (const uint8_t*)utmp;
      const __m256i hbits = loadu256(xb + 16);
      __m256i sumi[N];
      for (int t = 0; t < N; ++t) sumi[t] = _mm256_setzero_si256();
      for (int j = 0; j < QK_K / 64; ++j) {
        const __m256i bits = loadu256(xb + 48 + 32 * j);
        const __m256i h0 = _mm256_slli_epi16(_mm256_srli_epi16(_mm256_and_si256(hbits, _mm256_slli_epi16(mone, 2 * j)), 2 * j), 4);
        const __m256i h1 = _mm256_slli_epi16(_mm256_srli_epi16(_mm256_and_si256(hbits, _mm256_slli_epi16(mone, 2 * j + 1)), 2 * j + 1), 4);
        const __m256i lo = _mm256_add_epi8(_mm256_and_si256(bits, m4), h0);
        const __m256i hi = _mm256_add_epi8(_mm256_and_si256(_mm256_srli_epi16(bits, 4), m4), h1);
        const __m256i sl = _mm256_set1_epi16(sc[2 * j]), sh = _mm256_set1_epi16(sc[2 * j + 1]);
        for (int t = 0; t < N; ++t) {
          const uint8_t* q8 = y + t * ys + (size_t)i * Q8_K_BYTES + Q8_K_QS + 64 * j;
          const __m256i pl = _mm256_madd_epi16(sl, _mm256_maddubs_epi16(lo, loadu256(q8)));
          const __m256i ph = _mm256_madd_epi16(sh, _mm256_maddubs_epi16(hi, loadu256(q8 + 32)));
          sumi[t] = _mm256_add_epi32(sumi[t], _mm256_add_epi32(pl, ph));
        }
      }
      for (int t = 0; t < N; ++t) {
        const uint8_t* yb = y + t * ys + (size_t)i * Q8_K_BYTES;
        const float yd = load_f32(yb);
        accm[t] = k4_min_acc(mins, yb, dmin * yd, accm[t]);
        acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * yd), _mm256_cvtepi32_ps(sumi[t]), acc[t]);
      }
    }
    for (int t = 0; t < N; ++t) res[t] = hsum_ps(acc[t]) + hsum_ps128(accm[t]);
  }
  static float dot1(int n, const uint8_t* x, const uint8_t* y) {
    float r;
    dot<1>(n, x, y, 0, &r);
    return r;
  }
  static void dotN(int n, const uint8_t* x, const uint8_t* y, size_t ys, float* res) { dot<NT>(n, x, y, ys, res); }
};

// Q6_K: value = d*sc*(q - 32), q 6-bit (4 low bits in ql, 2 high in qh), int8 sc per 16 values.
// maddubs needs an unsigned operand: q is dotted as it is and the -32 applied once per block.
struct Q6K_AVX2 {
  static constexpr int NT = 4;
  // N tokens at once, as Q4_K; the -32 offset is applied per block as -32 * sum_g sc_g * bsum_g
  // from Q8_K's bsums (16-value sums: Q6_K's scale granularity) instead of ggml's second maddubs
  // per 32 values and token.
  template <int N>
  static void dot(int n, const uint8_t* x, const uint8_t* y, size_t ys, float* res) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    const __m256i m2 = _mm256_set1_epi8(3);
    __m256 acc[N];
    for (int t = 0; t < N; ++t) acc[t] = _mm256_setzero_ps();
    for (int i = 0; i < n / QK_K; ++i) {
      const uint8_t* xb = x + (size_t)i * Q6_K_BYTES;
      // Decode prefetch 1 KiB ahead, as Q6K_VNNI (measured there).
      if (N == 1) prefetch_ahead<Q6_K_BYTES>(xb, 1024);
      const float d = f16s(xb + 208);
      const int8_t* sc = (const int8_t*)(xb + 192);
      const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)sc));
      __m256i sumi[N];
      for (int t = 0; t < N; ++t) sumi[t] = _mm256_setzero_si256();
      for (int j = 0; j < QK_K / 128; ++j) {
        const __m256i b1 = loadu256(xb + 64 * j);
        const __m256i b2 = loadu256(xb + 64 * j + 32);
        const __m256i bh = loadu256(xb + 128 + 32 * j);
        const __m256i q[4] = {
            _mm256_or_si256(_mm256_and_si256(b1, m4), _mm256_slli_epi16(_mm256_and_si256(bh, m2), 4)),
            _mm256_or_si256(_mm256_and_si256(b2, m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(bh, 2), m2), 4)),
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(b1, 4), m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(bh, 4), m2), 4)),
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(b2, 4), m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(bh, 6), m2), 4)),
        };
        for (int k = 0; k < 4; ++k) {
          // 16-bit lanes 0..7 hold values 0..15 of this 32 (scale 2k), lanes 8..15 values 16..31.
          const __m256i s = _mm256_set_m128i(_mm_set1_epi16(sc[8 * j + 2 * k + 1]), _mm_set1_epi16(sc[8 * j + 2 * k]));
          for (int t = 0; t < N; ++t) {
            const __m256i q8v = loadu256(y + t * ys + (size_t)i * Q8_K_BYTES + Q8_K_QS + 128 * j + 32 * k);
            sumi[t] = _mm256_add_epi32(sumi[t], _mm256_madd_epi16(_mm256_maddubs_epi16(q[k], q8v), s));
          }
        }
      }
      for (int t = 0; t < N; ++t) {
        const uint8_t* yb = y + t * ys + (size_t)i * Q8_K_BYTES;
        const __m256i off = _mm256_madd_epi16(loadu256(yb + Q8_K_BSUMS), sc16);
        const __m256i s = _mm256_sub_epi32(sumi[t], _mm256_slli_epi32(off, 5));
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
