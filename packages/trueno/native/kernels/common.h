// Shared definitions of the native kernels: ggml block layouts, the ggml type ids we handle, and
// scalar helpers (fp16 <-> fp32, unaligned loads, C conversions) whose results are bit-identical
// to the TypeScript reference in src/quant/*.ts. Plain C++17, no intrinsics: every translation
// unit (generic, AVX2, AVX-512) includes this file. The helpers are `static inline`: an
// out-of-line copy compiled with -mavx512f must never be shared with the generic TU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace trueno {

// ggml block sizes (values per block) and block bytes.
constexpr int QK8_0 = 32;
constexpr int QK_K = 256;
constexpr size_t Q8_0_BYTES = 34;   // fp16 d, int8 qs[32]
constexpr size_t Q8_1_BYTES = 36;   // fp16 d, fp16 s = d * sum(qs), int8 qs[32]
constexpr size_t Q4_0_BYTES = 18;   // fp16 d, uint8 qs[16] (two nibbles each)
constexpr size_t Q4_1_BYTES = 20;   // fp16 d, fp16 m, uint8 qs[16]
constexpr size_t Q5_0_BYTES = 22;   // fp16 d, uint32 qh, uint8 qs[16]
constexpr size_t Q5_1_BYTES = 24;   // fp16 d, fp16 m, uint32 qh, uint8 qs[16]
constexpr size_t Q2_K_BYTES = 84;   // scales[16] (scale | min << 4), qs[64], fp16 d, fp16 dmin
constexpr size_t Q3_K_BYTES = 110;  // hmask[32], qs[64], scales[12], fp16 d (unaligned blocks)
constexpr size_t Q4_K_BYTES = 144;  // fp16 d, fp16 dmin, scales[12], qs[128]
constexpr size_t Q5_K_BYTES = 176;  // fp16 d, fp16 dmin, scales[12], qh[32], qs[128]
constexpr size_t Q6_K_BYTES = 210;  // ql[128], qh[64], int8 scales[16], fp16 d (unaligned blocks)
constexpr size_t Q8_K_BYTES = 292;  // f32 d, int8 qs[256], int16 bsums[16]
constexpr size_t Q8_K_QS = 4;
constexpr size_t Q8_K_BSUMS = 260;

// ggml type ids (ggml.h enum ggml_type) of the weight types that have native kernels.
enum GgmlType : int {
  GGML_F32 = 0,
  GGML_F16 = 1,
  GGML_Q4_0 = 2,
  GGML_Q4_1 = 3,
  GGML_Q5_0 = 6,
  GGML_Q5_1 = 7,
  GGML_Q8_0 = 8,
  GGML_Q8_1 = 9,
  GGML_Q2_K = 10,
  GGML_Q3_K = 11,
  GGML_Q4_K = 12,
  GGML_Q5_K = 13,
  GGML_Q6_K = 14,
  GGML_Q8_K = 15,
  GGML_BF16 = 30,
};

// Dense index of a supported weight type into kernel tables.
enum Kind : int {
  K_F32, K_F16, K_Q4_0, K_Q5_0, K_Q8_0, K_Q4_K, K_Q6_K,
  K_Q4_1, K_Q5_1, K_Q2_K, K_Q3_K, K_Q5_K, K_BF16,
  K_COUNT
};

// The activation format a weight kind is dotted with (ggml's vec_dot_type), plus one native-only
// layout: ACT_Q8_0_PAIRS, Q8_0 blocks regrouped for 512-bit kernels (see q8_0_pairs in
// quantize-impl.h).
enum ActFormat : int { ACT_F32, ACT_F16, ACT_Q8_0, ACT_Q8_K, ACT_Q8_0_PAIRS, ACT_Q8_1, ACT_BF16 };

// ACT_Q8_0_PAIRS: per pair of Q8_0 blocks, 64 int8 quants then 16 floats (8 copies of each
// block's scale); an odd last block is padded with zero quants and scales. 64-byte aligned.
constexpr size_t Q8_0_PAIR_BYTES = 128;

/** Kind of ggml type `t`, or -1 when there is no native kernel for it. */
static inline int kind_of(int t) {
  switch (t) {
    case GGML_F32: return K_F32;
    case GGML_F16: return K_F16;
    case GGML_Q4_0: return K_Q4_0;
    case GGML_Q5_0: return K_Q5_0;
    case GGML_Q8_0: return K_Q8_0;
    case GGML_Q4_K: return K_Q4_K;
    case GGML_Q6_K: return K_Q6_K;
    case GGML_Q4_1: return K_Q4_1;
    case GGML_Q5_1: return K_Q5_1;
    case GGML_Q2_K: return K_Q2_K;
    case GGML_Q3_K: return K_Q3_K;
    case GGML_Q5_K: return K_Q5_K;
    case GGML_BF16: return K_BF16;
    default: return -1;
  }
}

/** Values per block of weight kind `k`. */
static inline int block_size(int k) {
  switch (k) {
    case K_F32:
    case K_F16:
    case K_BF16: return 1;
    case K_Q2_K:
    case K_Q3_K:
    case K_Q4_K:
    case K_Q5_K:
    case K_Q6_K: return QK_K;
    default: return QK8_0;
  }
}

/** Bytes of a weight row of `n` values of kind `k` (n a multiple of the block size). */
static inline size_t row_bytes(int k, size_t n) {
  switch (k) {
    case K_F32: return n * 4;
    case K_F16: return n * 2;
    case K_Q4_0: return n / QK8_0 * Q4_0_BYTES;
    case K_Q5_0: return n / QK8_0 * Q5_0_BYTES;
    case K_Q8_0: return n / QK8_0 * Q8_0_BYTES;
    case K_Q4_K: return n / QK_K * Q4_K_BYTES;
    case K_Q6_K: return n / QK_K * Q6_K_BYTES;
    case K_Q4_1: return n / QK8_0 * Q4_1_BYTES;
    case K_Q5_1: return n / QK8_0 * Q5_1_BYTES;
    case K_Q2_K: return n / QK_K * Q2_K_BYTES;
    case K_Q3_K: return n / QK_K * Q3_K_BYTES;
    case K_Q5_K: return n / QK_K * Q5_K_BYTES;
    case K_BF16: return n * 2;
    default: return 0;
  }
}

// The standard (ggml) activation format of weight kind k; a kernel set may use its own layout.
static inline ActFormat ggml_act_format(int k) {
  switch (k) {
    case K_F32: return ACT_F32;
    case K_F16: return ACT_F16;
    case K_BF16: return ACT_BF16;
    case K_Q4_1:
    case K_Q5_1: return ACT_Q8_1;
    case K_Q2_K:
    case K_Q3_K:
    case K_Q4_K:
    case K_Q5_K:
    case K_Q6_K: return ACT_Q8_K;
    default: return ACT_Q8_0;
  }
}

/** Bytes of one activation row of `n` values in format `f`. */
static inline size_t act_row_bytes(ActFormat f, size_t n) {
  switch (f) {
    case ACT_F32: return n * 4;
    case ACT_F16: return n * 2;
    case ACT_Q8_0: return n / QK8_0 * Q8_0_BYTES;
    case ACT_Q8_K: return n / QK_K * Q8_K_BYTES;
    case ACT_Q8_0_PAIRS: return (n / QK8_0 + 1) / 2 * Q8_0_PAIR_BYTES;
    case ACT_Q8_1: return n / QK8_0 * Q8_1_BYTES;
    case ACT_BF16: return n * 2;
  }
  return 0;
}

// Unaligned little-endian loads (blocks sit at any byte offset: Q6_K blocks are 210 bytes).
static inline uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
static inline uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
static inline float load_f32(const uint8_t* p) {
  float v;
  std::memcpy(&v, p, 4);
  return v;
}
static inline int16_t load_i16(const uint8_t* p) {
  int16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

static inline float f32_from_bits(uint32_t w) {
  float f;
  std::memcpy(&f, &w, 4);
  return f;
}
static inline uint32_t f32_bits(float f) {
  uint32_t w;
  std::memcpy(&w, &f, 4);
  return w;
}

// ggml_compute_fp16_to_fp32 (ggml-impl.h): exact; the float multiply of the denormal path makes
// NaNs quiet, as the reference table (fp16.ts) does.
static inline float fp16_to_fp32(uint16_t h) {
  const uint32_t w = (uint32_t)h << 16;
  const uint32_t sign = w & 0x80000000u;
  const uint32_t two_w = w + w;
  const uint32_t exp_offset = 0xE0u << 23;
  const float exp_scale = f32_from_bits(0x7800000u);  // 2^-112
  const float normalized = f32_from_bits((two_w >> 4) + exp_offset) * exp_scale;
  const uint32_t magic_mask = 126u << 23;
  const float magic_bias = 0.5f;
  const float denormalized = f32_from_bits((two_w >> 17) | magic_mask) - magic_bias;
  const uint32_t denormalized_cutoff = 1u << 27;
  const uint32_t result = sign | (two_w < denormalized_cutoff ? f32_bits(denormalized) : f32_bits(normalized));
  return f32_from_bits(result);
}

// ggml_compute_fp32_to_fp16: round to nearest even via a scaled float addition; NaN -> 0x7E00.
// Same algorithm, same float operations as fp32BitsToFp16 in fp16.ts.
static inline uint16_t fp32_to_fp16(float f) {
  const float scale_to_inf = f32_from_bits(0x77800000u);   // 2^112
  const float scale_to_zero = f32_from_bits(0x08800000u);  // 2^-110
  float base = ((f < 0 ? -f : f) * scale_to_inf) * scale_to_zero;
  const uint32_t w = f32_bits(f);
  const uint32_t shl1_w = w + w;
  const uint32_t sign = w & 0x80000000u;
  uint32_t bias = shl1_w & 0xFF000000u;
  if (bias < 0x71000000u) bias = 0x71000000u;
  base = f32_from_bits((bias >> 1) + 0x07800000u) + base;
  const uint32_t bits = f32_bits(base);
  const uint32_t exp_bits = (bits >> 13) & 0x00007C00u;
  const uint32_t mantissa_bits = bits & 0x00000FFFu;
  const uint32_t nonsign = exp_bits + mantissa_bits;
  return (uint16_t)((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

static inline float load_fp16(const uint8_t* p) { return fp16_to_fp32(load_u16(p)); }

// ggml_compute_fp32_to_bf16 (ggml-impl.h), as fp32BitsToBf16 in bf16.ts: round to nearest even
// by adding 0x7FFF + the kept lsb; a NaN keeps its sign and top payload and is forced quiet.
static inline uint16_t fp32_to_bf16(float f) {
  const uint32_t u = f32_bits(f);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 64);
  return (uint16_t)((u + (0x7FFFu + ((u >> 16) & 1))) >> 16);
}

// bf16 -> fp32 is exact: the bf16 bits are the top half of the float's.
static inline float load_bf16(const uint8_t* p) { return f32_from_bits((uint32_t)load_u16(p) << 16); }

// C's float -> int32 conversion as x86-64 executes it (cvttss2si): truncation; NaN and values out
// of range give INT32_MIN. Written out so that it is defined behaviour in C++ (the reference,
// block-io.ts `cvtt`, mirrors the hardware).
static inline int32_t cvtt_i32(float v) {
  return (v >= -2147483648.0f && v < 2147483648.0f) ? (int32_t)v : INT32_MIN;
}

// cvtt_i32(roundf(v)) without a libm call: roundf rounds half away from zero; for |v| < 2^23 the
// truncation t and the fraction v - t are exact, so comparing the fraction with 0.5 is exact.
// |v| >= 2^23 (and NaN/inf) are already integral, where roundf is the identity.
static inline int32_t round_away_i32(float v) {
  const float a = v < 0 ? -v : v;
  if (!(a < 8388608.0f)) return cvtt_i32(v);
  int32_t t = (int32_t)v;
  const float frac = v - (float)t;
  if (frac >= 0.5f) t += 1;
  else if (frac <= -0.5f) t -= 1;
  return t;
}

// ggml's nearest_int: add 1.5 * 2^23 and read the low mantissa bits (round half to even for
// |x| <= 4194303; the same bit garbage as ggml outside, 0 for NaN).
static inline int nearest_int(float fval) {
  const float val = fval + 12582912.0f;
  int32_t i;
  std::memcpy(&i, &val, 4);
  return (i & 0x007FFFFF) - 0x00400000;
}

}  // namespace trueno
