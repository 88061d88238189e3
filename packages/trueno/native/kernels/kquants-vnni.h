// Q4_K, Q5_K and Q6_K dot products with Q8_K activations on AVX512-VNNI. The AVX2 kernels
// (kquants-avx2.h) take maddubs + madd + add per 32 values; here one 512-bit _mm512_dpbusd_epi32
// sums the u8 x s8 products of 64 values into 16 lanes of 4, and one _mm512_dpwssd_epi32 scales
// and accumulates them. Included by the AVX-512 TU only.
//
// The scale step relies on a range: a lane of dpbusd is a sum of four products, at most
// 4 * 15 * 127 (Q4_K), 4 * 31 * 127 (Q5_K) or 4 * 63 * 127 = 32004 (Q6_K) in magnitude, so it fits in the lane's low
// 16 bits as a signed value. dpwssd multiplies those low halves by scales held in the low halves
// of a second register (high halves zero): lane * scale exactly, added to the accumulator.
// Results are the same integers as the AVX2 kernels'; only the float accumulation differs.
//
// Each weight block is unpacked once for N tokens (the multi-token micro-kernel of rows-loop.h).
// Measured on one core (Sapphire Rapids, rows of 4864, weights in L2) against the AVX2 kernels:
// 4 tokens Q4_K 1.7x, Q5_K 2.3x, Q6_K 2.7x; 1 token Q5_K 1.15x, Q6_K 1.5x, while Q4_K keeps the
// AVX2 kernel (with 512-bit ops in flight only ports 0 and 5 take vector work, and its VNNI form
// came out 0.9x).
#pragma once

#include "kquants-avx2.h"

namespace trueno {
namespace {

inline __m512i loadu512(const uint8_t* p) { return _mm512_loadu_si512((const void*)p); }

// 32 bytes in both halves of a 512-bit register, the upper copy's 16-bit lanes shifted right by
// `shift`: [b | b >> shift] (with bits crossing byte boundaries, masked off by the caller).
template <int shift>
inline __m512i halves_shifted(const uint8_t* p) {
  const __m512i b = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i*)p));
  return _mm512_mask_srli_epi16(b, (__mmask32)0xFFFF0000u, b, shift);
}

// Lane l of the result = lane (base + l / group) of v: spreads scales over the lanes they cover.
template <int base, int group>
inline __m512i spread_lanes(__m512i v) {
  return _mm512_permutexvar_epi32(
      _mm512_setr_epi32(base + 0 / group, base + 1 / group, base + 2 / group, base + 3 / group, base + 4 / group,
                        base + 5 / group, base + 6 / group, base + 7 / group, base + 8 / group, base + 9 / group,
                        base + 10 / group, base + 11 / group, base + 12 / group, base + 13 / group, base + 14 / group,
                        base + 15 / group),
      v);
}

// The 12 scale bytes of a Q4_K / Q5_K block (ggml's get_scale_min_k4) unpacked with two byte
// shuffles: bytes 0..7 of the result are the 8 six-bit scales, bytes 8..15 the 8 mins. Scale and
// min j < 4 are the low 6 bits of bytes j and j + 4; j >= 4 take 4 bits of byte j + 4 (low nibble
// for the scale, high for the min) and their top 2 bits from the top of bytes j - 4 and j. Reads
// 16 bytes at p: the block goes on past its 12 scale bytes.
inline __m128i k4_unpack(const uint8_t* p) {
  const __m128i v = _mm_loadu_si128((const __m128i*)p);
  const __m128i a = _mm_shuffle_epi8(v, _mm_setr_epi8(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 8, 9, 10, 11));
  const __m128i lo = _mm_or_si128(_mm_and_si128(a, _mm_setr_epi8(63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 0, 0, 0, 0)),
                                  _mm_and_si128(_mm_srli_epi16(a, 4), _mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15, 15, 15, 15)));
  const __m128i h = _mm_shuffle_epi8(v, _mm_setr_epi8(-1, -1, -1, -1, 0, 1, 2, 3, -1, -1, -1, -1, 4, 5, 6, 7));
  // (byte >> 6) << 4 as (byte & 0xC0) >> 2: nothing crosses into the neighbour byte.
  return _mm_or_si128(lo, _mm_srli_epi16(_mm_and_si128(h, _mm_set1_epi8((char)0xC0)), 2));
}

// The min term of a Q4_K / Q5_K block, accumulated in 8 float lanes: dmin * sum_j m_j * (bsum_2j +
// bsum_2j+1), from Q8_K's bsums (sums of 16 quants) without touching the quants. `sm` is
// k4_unpack's result; each min is paired with its two bsums by one madd.
inline __m256 k4_min_term(__m128i sm, const uint8_t* yb, float dmin, __m256 accm) {
  const __m128i mins2 = _mm_shuffle_epi8(sm, _mm_setr_epi8(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15));
  const __m256i prod = _mm256_madd_epi16(_mm256_cvtepu8_epi16(mins2), loadu256(yb + Q8_K_BSUMS));
  return _mm256_fmadd_ps(_mm256_set1_ps(dmin), _mm256_cvtepi32_ps(prod), accm);
}

// Q4_K: per 64 values (sub-blocks 2j and 2j + 1), the 32 quant bytes give both nibble halves in
// one register, matching the 64 contiguous activations; lanes 0..7 take scale 2j, 8..15 2j + 1.
struct Q4K_VNNI {
  static constexpr int NT = 4;
  template <int N>
  static void dot(int n, const uint8_t* x, const uint8_t* y, size_t ys, float* res) {
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const __m512i zero = _mm512_setzero_si512();
    __m512 acc[N];
    __m256 accm[N];
    for (int t = 0; t < N; ++t) {
      acc[t] = _mm512_setzero_ps();
      accm[t] = _mm256_setzero_ps();
    }
    for (int i = 0; i < n / QK_K; ++i) {
      const uint8_t* xb = x + (size_t)i * Q4_K_BYTES;
      const float d = f16s(xb);
      const float dmin = -f16s(xb + 2);
      const __m128i sm = k4_unpack(xb + 4);
      // The 8 six-bit scales zero-extended to 32-bit lanes 0..7.
      const __m512i sc32 = _mm512_zextsi256_si512(_mm256_cvtepu8_epi32(sm));
      const uint8_t* q4 = xb + 16;
      const __m512i q0 = _mm512_and_si512(halves_shifted<4>(q4), m4);
      const __m512i q1 = _mm512_and_si512(halves_shifted<4>(q4 + 32), m4);
      const __m512i q2 = _mm512_and_si512(halves_shifted<4>(q4 + 64), m4);
      const __m512i q3 = _mm512_and_si512(halves_shifted<4>(q4 + 96), m4);
      const __m512i sc0 = spread_lanes<0, 8>(sc32), sc1 = spread_lanes<2, 8>(sc32);
      const __m512i sc2 = spread_lanes<4, 8>(sc32), sc3 = spread_lanes<6, 8>(sc32);
      for (int t = 0; t < N; ++t) {
        const uint8_t* yb = y + t * ys + (size_t)i * Q8_K_BYTES;
        const uint8_t* q8 = yb + Q8_K_QS;
        const float yd = load_f32(yb);
        // Two chains: dpwssd's latency would bound a single one.
        __m512i s0 = _mm512_dpwssd_epi32(zero, _mm512_dpbusd_epi32(zero, q0, loadu512(q8)), sc0);
        __m512i s1 = _mm512_dpwssd_epi32(zero, _mm512_dpbusd_epi32(zero, q1, loadu512(q8 + 64)), sc1);
        s0 = _mm512_dpwssd_epi32(s0, _mm512_dpbusd_epi32(zero, q2, loadu512(q8 + 128)), sc2);
        s1 = _mm512_dpwssd_epi32(s1, _mm512_dpbusd_epi32(zero, q3, loadu512(q8 + 192)), sc3);
        acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(d * yd), _mm512_cvtepi32_ps(_mm512_add_epi32(s0, s1)), acc[t]);
        accm[t] = k4_min_term(sm, yb, dmin * yd, accm[t]);
      }
    }
    for (int t = 0; t < N; ++t) res[t] = _mm512_reduce_add_ps(acc[t]) + hsum_ps(accm[t]);
  }
  // One token: the AVX2 kernel (EVEX-encoded here) measured 1.1x faster than dot<1>, whose
  // unpacking is not shared by other tokens.
  static float dot1(int n, const uint8_t* x, const uint8_t* y) { return Q4K_AVX2::dot1(n, x, y); }
  static void dotN(int n, const uint8_t* x, const uint8_t* y, size_t ys, float* res) { dot<NT>(n, x, y, ys, res); }
};

// Q5_K: Q4_K's layout plus qh: bit 2j of qh[l] adds 16 to value l of the low nibbles of 64-value
// group j, bit 2j + 1 to the high nibbles. [qh | qh >> 1] puts both under bit 2j of one register,
// and a byte test mask adds the 16s (a lane of dpbusd is at most 4 * 31 * 127 = 15748).
struct Q5K_VNNI {
  static constexpr int NT = 4;
  template <int j>
  static __m512i unpack(const uint8_t* q5, __m512i hb) {
    const __m512i q = _mm512_and_si512(halves_shifted<4>(q5 + 32 * j), _mm512_set1_epi8(0x0F));
    const __mmask64 hi = _mm512_test_epi8_mask(hb, _mm512_set1_epi8((char)(1 << (2 * j))));
    return _mm512_mask_add_epi8(q, hi, q, _mm512_set1_epi8(16));
  }
  template <int N>
  static void dot(int n, const uint8_t* x, const uint8_t* y, size_t ys, float* res) {
    const __m512i zero = _mm512_setzero_si512();
    __m512 acc[N];
    __m256 accm[N];
    for (int t = 0; t < N; ++t) {
      acc[t] = _mm512_setzero_ps();
      accm[t] = _mm256_setzero_ps();
    }
    for (int i = 0; i < n / QK_K; ++i) {
      const uint8_t* xb = x + (size_t)i * Q5_K_BYTES;
      // Decode prefetch (simd-avx2.h), 1 / 2 threads, GB/s, none -> 2 KiB: 3.1/3.8, 5.5/5.2, 5.9/6.2
      // -> 8.6/8.5, 8.6/8.2, 9.2/8.4 (1 KiB 7.4/8.0, 8.7/8.0, 8.1/7.7).
      if (N == 1) prefetch_ahead<Q5_K_BYTES>(xb, 2048);
      const float d = f16s(xb);
      const float dmin = -f16s(xb + 2);
      const __m128i sm = k4_unpack(xb + 4);
      const __m512i sc32 = _mm512_zextsi256_si512(_mm256_cvtepu8_epi32(sm));
      const __m512i hb = halves_shifted<1>(xb + 16);
      const uint8_t* q5 = xb + 48;
      const __m512i q0 = unpack<0>(q5, hb), q1 = unpack<1>(q5, hb), q2 = unpack<2>(q5, hb), q3 = unpack<3>(q5, hb);
      const __m512i sc0 = spread_lanes<0, 8>(sc32), sc1 = spread_lanes<2, 8>(sc32);
      const __m512i sc2 = spread_lanes<4, 8>(sc32), sc3 = spread_lanes<6, 8>(sc32);
      for (int t = 0; t < N; ++t) {
        const uint8_t* yb = y + t * ys + (size_t)i * Q8_K_BYTES;
        const uint8_t* q8 = yb + Q8_K_QS;
        const float yd = load_f32(yb);
        __m512i s0 = _mm512_dpwssd_epi32(zero, _mm512_dpbusd_epi32(zero, q0, loadu512(q8)), sc0);
        __m512i s1 = _mm512_dpwssd_epi32(zero, _mm512_dpbusd_epi32(zero, q1, loadu512(q8 + 64)), sc1);
        s0 = _mm512_dpwssd_epi32(s0, _mm512_dpbusd_epi32(zero, q2, loadu512(q8 + 128)), sc2);
        s1 = _mm512_dpwssd_epi32(s1, _mm512_dpbusd_epi32(zero, q3, loadu512(q8 + 192)), sc3);
        acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(d * yd), _mm512_cvtepi32_ps(_mm512_add_epi32(s0, s1)), acc[t]);
        accm[t] = k4_min_term(sm, yb, dmin * yd, accm[t]);
      }
    }
    for (int t = 0; t < N; ++t) res[t] = _mm512_reduce_add_ps(acc[t]) + hsum_ps(accm[t]);
  }
  static float dot1(int n, const uint8_t* x, const uint8_t* y) {
    float r;
    dot<1>(n, x, y, 0, &r);
    return r;
  }
  static void dotN(int n, const uint8_t* x, const uint8_t* y, size_t ys, float* res) { dot<NT>(n, x, y, ys, res); }
};

// Q6_K: the quants q (0..63) are dotted unsigned and the offset -32 is applied once per block as
// -32 * sum_g scale_g * bsum_g from Q8_K's bsums (16-value sums, Q6_K's scale granularity), in
// place of the AVX2 kernel's second maddubs per 32 values. Per 128 values j: [q0 | q1] are the
// low nibbles of ql[0..63] with qh bits 0-1 | 2-3, [q2 | q3] the high nibbles with bits 4-5 | 6-7;
// lanes of 4 values take scale 8j + lane / 4 (+ 4 for the second 64).
struct Q6K_VNNI {
  static constexpr int NT = 4;
  // The 64-value groups [q0 | q1] and [q2 | q3] of 128 values j.
  template <int j>
  static void unpack(const uint8_t* xb, __m512i& qa, __m512i& qb) {
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const __m512i m3 = _mm512_set1_epi8(3);
    const __m512i l = loadu512(xb + 64 * j);
    const __m512i h = halves_shifted<2>(xb + 128 + 32 * j);  // [qh | qh >> 2]
    qa = _mm512_or_si512(_mm512_and_si512(l, m4), _mm512_slli_epi16(_mm512_and_si512(h, m3), 4));
    qb = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), m4),
                         _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(h, 4), m3), 4));
  }
  template <int N>
  static void dot(int n, const uint8_t* x, const uint8_t* y, size_t ys, float* res) {
    const __m512i zero = _mm512_setzero_si512();
    __m256 acc[N];
    for (int t = 0; t < N; ++t) acc[t] = _mm256_setzero_ps();
    for (int i = 0; i < n / QK_K; ++i) {
      const uint8_t* xb = x + (size_t)i * Q6_K_BYTES;
      // Decode prefetch (simd-avx2.h), 1 / 2 threads, GB/s, none -> 1 KiB: 7.4/4.2, 7.3/4.3, 7.6/6.9
      // -> 8.7/7.9, 8.9/7.9, 8.8/8.0 (2 KiB the same, 512 B ~5% less).
      if (N == 1) prefetch_ahead<Q6_K_BYTES>(xb, 1024);
      const float d = f16s(xb + 208);
      const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(xb + 192)));
      // The 16 signed scales in the low halves of 32-bit lanes, high halves zero.
      const __m512i sc32 = _mm512_cvtepu16_epi32(sc16);
      __m512i q[4];
      unpack<0>(xb, q[0], q[1]);
      unpack<1>(xb, q[2], q[3]);
      const __m512i sc0 = spread_lanes<0, 4>(sc32), sc1 = spread_lanes<4, 4>(sc32);
      const __m512i sc2 = spread_lanes<8, 4>(sc32), sc3 = spread_lanes<12, 4>(sc32);
      for (int t = 0; t < N; ++t) {
        const uint8_t* yb = y + t * ys + (size_t)i * Q8_K_BYTES;
        const uint8_t* q8 = yb + Q8_K_QS;
        __m512i s0 = _mm512_dpwssd_epi32(zero, _mm512_dpbusd_epi32(zero, q[0], loadu512(q8)), sc0);
        __m512i s1 = _mm512_dpwssd_epi32(zero, _mm512_dpbusd_epi32(zero, q[1], loadu512(q8 + 64)), sc1);
        s0 = _mm512_dpwssd_epi32(s0, _mm512_dpbusd_epi32(zero, q[2], loadu512(q8 + 128)), sc2);
        s1 = _mm512_dpwssd_epi32(s1, _mm512_dpbusd_epi32(zero, q[3], loadu512(q8 + 192)), sc3);
        const __m512i s = _mm512_add_epi32(s0, s1);
        const __m256i off = _mm256_madd_epi16(loadu256(yb + Q8_K_BSUMS), sc16);
        __m256i sumi = _mm256_add_epi32(_mm512_castsi512_si256(s), _mm512_extracti64x4_epi64(s, 1));
        sumi = _mm256_sub_epi32(sumi, _mm256_slli_epi32(off, 5));
        acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * load_f32(yb)), _mm256_cvtepi32_ps(sumi), acc[t]);
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
