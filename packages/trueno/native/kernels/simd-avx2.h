// AVX2 helpers shared by the AVX2 and AVX-512 translation units. Everything here has internal
// linkage (anonymous namespace): each TU compiles its own copy with its own -m flags, so an
// AVX-512 encoded copy can never be linked into the AVX2 path (the ODR trap of shared inline code).
#pragma once

#include <immintrin.h>

#include "common.h"

namespace trueno {
namespace {

inline float hsum_ps(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline float hsum_ps128(__m128 s) {
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// fp16 scale at p, exact (F16C).
inline float f16s(const uint8_t* p) { return _cvtsh_ss(load_u16(p)); }

inline __m256i loadu256(const uint8_t* p) { return _mm256_loadu_si256((const __m256i*)p); }

// Decode streams each weight row once from DRAM, and the hardware prefetchers alone leave a core
// well short of the memory bandwidth (see LegacyAVX512 in dot-avx512.cpp). One software prefetch
// per 64-byte line of the BYTES at p + dist, issued by single-token kernels only (the multi-token
// micro-kernels reuse each block and are not bandwidth-bound). The distances were tuned per
// kernel by A/B on a 2-vCPU Sapphire Rapids VM streaming ~160 MB of weights (nIn 896, or 4864
// for K-quants); the numbers are at each call.
template <int BYTES>
inline void prefetch_ahead(const uint8_t* p, int dist) {
  for (int k = 0; k < (BYTES + 63) / 64; ++k) _mm_prefetch((const char*)p + dist + 64 * k, _MM_HINT_T0);
}

// 16 bytes of nibbles -> 32 bytes: low nibbles (values 0..15 of a block), then high nibbles (16..31).
inline __m256i nibbles32(const uint8_t* p) {
  const __m128i t = _mm_loadu_si128((const __m128i*)p);
  const __m256i b = _mm256_set_m128i(_mm_srli_epi16(t, 4), t);
  return _mm256_and_si256(b, _mm256_set1_epi8(0x0F));
}

// Bit j of the u32 at p -> byte j = 0xFF when set, 0 when clear (ggml bytes_from_bits_32).
inline __m256i bits32(const uint8_t* p) {
  const uint32_t x32 = load_u32(p);
  const __m256i shuf = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0x0000000000000000);
  __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32((int)x32), shuf);
  bytes = _mm256_or_si256(bytes, _mm256_set1_epi64x(0x7FBFDFEFF7FBFDFE));
  return _mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1));
}

// Weight blocks of the Q8_0 family unpacked to 32 signed int8 values, with their fp16 scale.
struct UnpackQ8_0 {
  static constexpr size_t BYTES = Q8_0_BYTES;
  static __m256i load(const uint8_t* b) { return loadu256(b + 2); }
};
struct UnpackQ4_0 {
  static constexpr size_t BYTES = Q4_0_BYTES;
  static __m256i load(const uint8_t* b) { return _mm256_sub_epi8(nibbles32(b + 2), _mm256_set1_epi8(8)); }
};
// Q5_0: q - 16 = nibble | 0xF0 where the fifth bit is clear (a negative int8), else the nibble.
struct UnpackQ5_0 {
  static constexpr size_t BYTES = Q5_0_BYTES;
  static __m256i load(const uint8_t* b) {
    const __m256i hi = _mm256_andnot_si256(bits32(b + 2), _mm256_set1_epi8((char)0xF0));
    return _mm256_or_si256(nibbles32(b + 6), hi);
  }
};

// F32 and F16 rows have no blocks: any length, with a scalar tail.
inline float dot_f32_avx2(int n, const float* a, const float* b) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
    s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  float sum = hsum_ps(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

inline __m256 load_ph8(const uint8_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)p)); }

// 8 bf16 values as floats, exactly: a bf16 is the top half of a float32.
inline __m256 load_bf8(const uint8_t* p) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)p)), 16));
}

// The two 16-bit float formats, for kernels written once for both.
struct HalfF16 {
  static __m256 v8(const uint8_t* p) { return load_ph8(p); }
  static float s(const uint8_t* p) { return f16s(p); }
};
struct HalfBF16 {
  static __m256 v8(const uint8_t* p) { return load_bf8(p); }
  static float s(const uint8_t* p) { return load_bf16(p); }
};

// Products of two f16 (or two bf16) values are exact in float; FMA sums in 8 lanes x 4 chains.
template <typename H>
inline float dot_half_avx2(int n, const uint8_t* a, const uint8_t* b) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm256_fmadd_ps(H::v8(a + 2 * i), H::v8(b + 2 * i), s0);
    s1 = _mm256_fmadd_ps(H::v8(a + 2 * i + 16), H::v8(b + 2 * i + 16), s1);
    s2 = _mm256_fmadd_ps(H::v8(a + 2 * i + 32), H::v8(b + 2 * i + 32), s2);
    s3 = _mm256_fmadd_ps(H::v8(a + 2 * i + 48), H::v8(b + 2 * i + 48), s3);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(H::v8(a + 2 * i), H::v8(b + 2 * i), s0);
  float sum = hsum_ps(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  for (; i < n; ++i) sum += H::s(a + 2 * i) * H::s(b + 2 * i);
  return sum;
}

// f32 -> f16 row with F16C (round to nearest even, as ggml_fp32_to_fp16_row).
void to_f16_f16c(const float* x, uint8_t* y, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm_storeu_si128((__m128i*)(y + 2 * i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
  }
  for (; i < n; ++i) {
    const uint16_t h = _cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT);
    std::memcpy(y + 2 * i, &h, 2);
  }
}

}  // namespace
}  // namespace trueno
