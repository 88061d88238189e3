// K-quant dot products with Q8_K activations in plain C++: ports of ggml's
// ggml_vec_dot_q{2,3,4,5,6}_K_q8_K_generic by way of the TypeScript reference (src/quant/q*-k.ts),
// in the same float order, so that the generic kernel set equals the reference bit for bit.
// Integer sums are exact; only the float accumulation order matters. Included by dot-generic.cpp.
#pragma once

#include "common.h"

namespace trueno {
namespace {

// 6-bit scale / min j (0..7) of a K4 scale block (get_scale_min_k4).
inline int scale_k4(int j, const uint8_t* q) {
  return j < 4 ? (q[j] & 63) : ((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
}
inline int min_k4(int j, const uint8_t* q) {
  return j < 4 ? (q[j + 4] & 63) : ((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
}

// ggml_vec_dot_q2_K_q8_K_generic: 2-bit quants, per 16 values a 4-bit scale (low nibble) and a
// 4-bit min (high nibble); the min term comes from Q8_K's bsums without touching the quants.
struct Q2_K {
  static constexpr int NT = 1;
  static float dot1(int n, const uint8_t* x, const uint8_t* y) {
    float sumf = 0;
    for (int i = 0; i < n / QK_K; ++i) {
      const uint8_t* xb = x + i * Q2_K_BYTES;
      const uint8_t* yb = y + i * Q8_K_BYTES;
      const uint8_t* sc = xb;
      const uint8_t* q2 = xb + 16;
      const int8_t* q8 = (const int8_t*)(yb + Q8_K_QS);
      int summs = 0;
      for (int j = 0; j < 16; ++j) summs += load_i16(yb + Q8_K_BSUMS + 2 * j) * (sc[j] >> 4);
      const float yd = load_f32(yb);
      const float dall = yd * load_fp16(xb + 80);
      const float dmin = yd * load_fp16(xb + 82);
      int isum = 0;
      int is = 0;
      for (int k = 0; k < QK_K / 128; ++k, q2 += 32) {
        for (int shift = 0; shift < 8; shift += 2, q8 += 32) {
          int d = sc[is++] & 0xF;
          int isuml = 0;
          for (int l = 0; l < 16; ++l) isuml += q8[l] * ((q2[l] >> shift) & 3);
          isum += d * isuml;
          d = sc[is++] & 0xF;
          isuml = 0;
          for (int l = 16; l < 32; ++l) isuml += q8[l] * ((q2[l] >> shift) & 3);
          isum += d * isuml;
        }
      }
      sumf += dall * (float)isum - dmin * (float)summs;
    }
    return sumf;
  }
  static void dotN(int, const uint8_t*, const uint8_t*, size_t, float*) {}
};

// 6-bit scale j (0..15) of the 12-byte Q3_K scale block, still offset by 32 (scaleQ3K in q3-k.ts:
// low nibbles in bytes 0..7, the two high bits in bytes 8..11).
inline int scale_q3k(int j, const uint8_t* q) {
  const int low = j < 8 ? (q[j] & 0xF) : (q[j - 8] >> 4);
  return low | (((q[8 + (j & 3)] >> (2 * (j >> 2))) & 3) << 4);
}

// ggml_vec_dot_q3_K_q8_K_generic: q in [-4, 3] (2 low bits in qs, the high bit in hmask, set
// meaning "no -4"), a signed 6-bit scale per 16 values.
struct Q3_K {
  static constexpr int NT = 1;
  static float dot1(int n, const uint8_t* x, const uint8_t* y) {
    float sums[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int8_t aux8[QK_K];
    for (int i = 0; i < n / QK_K; ++i) {
      const uint8_t* xb = x + i * Q3_K_BYTES;
      const uint8_t* yb = y + i * Q8_K_BYTES;
      const uint8_t* hm = xb;
      const uint8_t* q3 = xb + 32;
      int a = 0;
      int m = 1;
      for (int j = 0; j < QK_K; j += 128, q3 += 32) {
        for (int shift = 0; shift < 8; shift += 2, a += 32, m <<= 1) {
          for (int l = 0; l < 32; ++l) aux8[a + l] = (int8_t)(((q3[l] >> shift) & 3) - (hm[l] & m ? 0 : 4));
        }
      }
      int aux32[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      const int8_t* q8 = (const int8_t*)(yb + Q8_K_QS);
      for (int j = 0; j < QK_K / 16; ++j) {
        const int scale = scale_q3k(j, xb + 96) - 32;
        for (int k = 16 * j; k < 16 * j + 16; ++k) aux32[k & 7] += scale * (q8[k] * aux8[k]);
      }
      const float d = load_fp16(xb + 108) * load_f32(yb);
      for (int l = 0; l < 8; ++l) sums[l] += d * (float)aux32[l];
    }
    float sumf = 0;
    for (int l = 0; l < 8; ++l) sumf += sums[l];
    return sumf;
  }
  static void dotN(int, const uint8_t*, const uint8_t*, size_t, float*) {}
};

// ggml_vec_dot_q4_K_q8_K_generic: integer sums per 8-lane column scaled by the 6-bit sub-block
// scales; the min term from Q8_K's bsums; per-lane float sums added at the end.
struct Q4_K {
  static constexpr int NT = 1;
  static float dot1(int n, const uint8_t* x, const uint8_t* y) {
    float sums[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    float sumf = 0;
    int8_t aux8[QK_K];
    for (int i = 0; i < n / QK_K; ++i) {
      const uint8_t* xb = x + i * Q4_K_BYTES;
      const uint8_t* yb = y + i * Q8_K_BYTES;
      const uint8_t* sc = xb + 4;
      const uint8_t* q4 = xb + 16;
      for (int a = 0; a < QK_K; a += 64, q4 += 32) {
        for (int l = 0; l < 32; ++l) aux8[a + l] = (int8_t)(q4[l] & 0xF);
        for (int l = 0; l < 32; ++l) aux8[a + 32 + l] = (int8_t)(q4[l] >> 4);
      }
      int sumi = 0;
      for (int j = 0; j < QK_K / 16; ++j) sumi += load_i16(yb + Q8_K_BSUMS + 2 * j) * min_k4(j >> 1, sc);
      int aux32[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      const int8_t* q8 = (const int8_t*)(yb + Q8_K_QS);
      for (int j = 0; j < QK_K / 32; ++j) {
        const int scale = scale_k4(j, sc);
        for (int k = 32 * j; k < 32 * j + 32; ++k) aux32[k & 7] += scale * (q8[k] * aux8[k]);
      }
      const float yd = load_f32(yb);
      const float d = load_fp16(xb) * yd;
      for (int l = 0; l < 8; ++l) sums[l] += d * (float)aux32[l];
      const float dmin = load_fp16(xb + 2) * yd;
      sumf -= dmin * (float)sumi;
    }
    for (int l = 0; l < 8; ++l) sumf += sums[l];
    return sumf;
  }
  static void dotN(int, const uint8_t*, const uint8_t*, size_t, float*) {}
};

// ggml_vec_dot_q5_K_q8_K_generic: Q4_K's layout plus a fifth bit per value in qh (bit 2k for the
// low nibbles of 64-value group k, bit 2k + 1 for the high nibbles).
struct Q5_K {
  static constexpr int NT = 1;
  static float dot1(int n, const uint8_t* x, const uint8_t* y) {
    float sums[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    float sumf = 0;
    int8_t aux8[QK_K];
    for (int i = 0; i < n / QK_K; ++i) {
      const uint8_t* xb = x + i * Q5_K_BYTES;
      const uint8_t* yb = y + i * Q8_K_BYTES;
      const uint8_t* sc = xb + 4;
      const uint8_t* hm = xb + 16;
      const uint8_t* q4 = xb + 48;
      int m = 1;
      for (int a = 0; a < QK_K; a += 64, q4 += 32) {
        for (int l = 0; l < 32; ++l) aux8[a + l] = (int8_t)((q4[l] & 0xF) + (hm[l] & m ? 16 : 0));
        m <<= 1;
        for (int l = 0; l < 32; ++l) aux8[a + 32 + l] = (int8_t)((q4[l] >> 4) + (hm[l] & m ? 16 : 0));
        m <<= 1;
      }
      int sumi = 0;
      for (int j = 0; j < QK_K / 16; ++j) sumi += load_i16(yb + Q8_K_BSUMS + 2 * j) * min_k4(j >> 1, sc);
      int aux32[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      const int8_t* q8 = (const int8_t*)(yb + Q8_K_QS);
      for (int j = 0; j < QK_K / 32; ++j) {
        const int scale = scale_k4(j, sc);
        for (int k = 32 * j; k < 32 * j + 32; ++k) aux32[k & 7] += scale * (q8[k] * aux8[k]);
      }
      const float yd = load_f32(yb);
      const float d = load_fp16(xb) * yd;
      for (int l = 0; l < 8; ++l) sums[l] += d * (float)aux32[l];
      const float dmin = load_fp16(xb + 2) * yd;
      sumf -= dmin * (float)sumi;
    }
    for (int l = 0; l < 8; ++l) sumf += sums[l];
    return sumf;
  }
  static void dotN(int, const uint8_t*, const uint8_t*, size_t, float*) {}
};

// ggml_vec_dot_q6_K_q8_K_generic.
struct Q6_K {
  static constexpr int NT = 1;
  static float dot1(int n, const uint8_t* x, const uint8_t* y) {
    float sums[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int8_t aux8[QK_K];
    for (int i = 0; i < n / QK_K; ++i) {
      const uint8_t* xb = x + i * Q6_K_BYTES;
      const uint8_t* yb = y + i * Q8_K_BYTES;
      const uint8_t* q4 = xb;
      const uint8_t* qh = xb + 128;
      for (int a = 0; a < QK_K; a += 128, q4 += 64, qh += 32) {
        for (int l = 0; l < 32; ++l) {
          aux8[a + l] = (int8_t)(((q4[l] & 0xF) | ((qh[l] & 3) << 4)) - 32);
          aux8[a + l + 32] = (int8_t)(((q4[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
          aux8[a + l + 64] = (int8_t)(((q4[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
          aux8[a + l + 96] = (int8_t)(((q4[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
        }
      }
      int aux32[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      const int8_t* q8 = (const int8_t*)(yb + Q8_K_QS);
      for (int j = 0; j < QK_K / 16; ++j) {
        const int scale = (int8_t)xb[192 + j];
        for (int k = 0; k < 16; ++k) aux32[k & 7] += scale * (q8[16 * j + k] * aux8[16 * j + k]);
      }
      const float d = load_fp16(xb + 208) * load_f32(yb);
      for (int l = 0; l < 8; ++l) sums[l] += d * (float)aux32[l];
    }
    float sumf = 0;
    for (int l = 0; l < 8; ++l) sumf += sums[l];
    return sumf;
  }
  static void dotN(int, const uint8_t*, const uint8_t*, size_t, float*) {}
};

}  // namespace
}  // namespace trueno
