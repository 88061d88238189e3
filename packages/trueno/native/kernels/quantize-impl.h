// Activation quantizers, written once in plain C++ and compiled into every ISA translation unit
// (static functions: each TU gets its own copy, auto-vectorized for its flags). They must give the
// same bytes as the TypeScript reference quantizers, so they use only exact operations: no
// -ffast-math, no FMA contraction (the build passes -ffp-contract=off), roundf and nearest_int
// written out in common.h.
#pragma once

#include <cmath>

#include "common.h"

namespace trueno {
namespace {

// One 32-value block as quantize_row_q8_0_ref / quantize_row_q8_1_ref (quantizeBlock8 in q8-0.ts):
// d = amax / 127, q = roundf(x / d) computed as x * (1 / d). Writes fp16 d at `yd`, the quants at
// `qs` and, when `ys` is set, Q8_1's s = fp16(sum(q) * d) (the int sum is exact in float).
inline void quantize_block8(const float* xb, uint8_t* yd, uint8_t* qs, uint8_t* ys) {
  float amax = 0.0f;
  for (int j = 0; j < QK8_0; ++j) {
    const float av = std::fabs(xb[j]);  // fabs, not x < 0 ? -x : x, which keeps -0's sign
    amax = amax > av ? amax : av;  // C's MAX(): a NaN in av resets amax, as in ggml
  }
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  const uint16_t dh = fp32_to_fp16(d);
  std::memcpy(yd, &dh, 2);
  int sum = 0;
  for (int j = 0; j < QK8_0; ++j) {
    const int8_t q = (int8_t)(uint8_t)(round_away_i32(xb[j] * id) & 0xFF);  // int8_t assignment
    qs[j] = (uint8_t)q;
    sum += q;
  }
  if (ys) {
    const uint16_t sh = fp32_to_fp16((float)sum * d);
    std::memcpy(ys, &sh, 2);
  }
}

[[maybe_unused]] void quantize_q8_0_impl(const float* x, uint8_t* y, int n) {
  for (int i = 0; i < n / QK8_0; ++i) {
    uint8_t* yb = y + i * Q8_0_BYTES;
    quantize_block8(x + i * QK8_0, yb, yb + 2, nullptr);
  }
}

// Q8_1 (the activations of Q4_1 / Q5_1): d at 0, s at 2, quants at 4.
[[maybe_unused]] void quantize_q8_1_impl(const float* x, uint8_t* y, int n) {
  for (int i = 0; i < n / QK8_0; ++i) {
    uint8_t* yb = y + i * Q8_1_BYTES;
    quantize_block8(x + i * QK8_0, yb, yb + 4, yb + 2);
  }
}

// quantize_row_q8_K_ref: the signed extreme maps to -127 (not -128), levels by nearest_int, and
// bsums (sums of 16 consecutive quants) for the K-quant dot products' min terms.
[[maybe_unused]] void quantize_q8_K_impl(const float* x, uint8_t* y, int n) {
  const int nb = n / QK_K;
  for (int i = 0; i < nb; ++i) {
    const float* xb = x + i * QK_K;
    uint8_t* yb = y + i * Q8_K_BYTES;
    float max = 0.0f;
    float amax = 0.0f;
    for (int j = 0; j < QK_K; ++j) {
      const float ax = std::fabs(xb[j]);
      if (ax > amax) {
        amax = ax;
        max = xb[j];
      }
    }
    if (amax == 0.0f) {
      std::memset(yb, 0, Q8_K_BYTES);
      continue;
    }
    const float iscale = -127.0f / max;
    int8_t* qs = (int8_t*)(yb + Q8_K_QS);
    for (int j = 0; j < QK_K; ++j) {
      const int v = nearest_int(iscale * xb[j]);
      qs[j] = (int8_t)(v < 127 ? v : 127);
    }
    for (int j = 0; j < QK_K / 16; ++j) {
      int sum = 0;
      for (int k = 0; k < 16; ++k) sum += qs[16 * j + k];
      const int16_t s = (int16_t)sum;
      std::memcpy(yb + Q8_K_BSUMS + 2 * j, &s, 2);
    }
    const float d = 1.0f / iscale;
    std::memcpy(yb, &d, 4);
  }
}

// ACT_Q8_0_PAIRS (common.h): the Q8_0 bytes of quantize_q8_0_impl, regrouped so a 512-bit kernel
// loads two blocks' quants and their broadcast scales with one aligned load each.
[[maybe_unused]] void q8_0_pairs_impl(const float* x, uint8_t* y, int n) {
  const int nb = n / QK8_0;
  for (int p = 0; p < (nb + 1) / 2; ++p) {
    uint8_t* out = y + (size_t)p * Q8_0_PAIR_BYTES;
    float* d = (float*)(out + 64);
    for (int h = 0; h < 2; ++h) {
      const int b = 2 * p + h;
      if (b < nb) {
        uint8_t blk[Q8_0_BYTES];
        quantize_q8_0_impl(x + (size_t)b * QK8_0, blk, QK8_0);
        std::memcpy(out + 32 * h, blk + 2, 32);
        const float db = fp16_to_fp32(load_u16(blk));
        for (int k = 0; k < 8; ++k) d[8 * h + k] = db;
      } else {
        std::memset(out + 32 * h, 0, 32);
        for (int k = 0; k < 8; ++k) d[8 * h + k] = 0.0f;
      }
    }
  }
}

// ggml_fp32_to_bf16_row: bf16 activations of BF16 weights (ggml's vec_dot_type of BF16).
[[maybe_unused]] void to_bf16_impl(const float* x, uint8_t* y, int n) {
  for (int i = 0; i < n; ++i) {
    const uint16_t h = fp32_to_bf16(x[i]);
    std::memcpy(y + 2 * i, &h, 2);
  }
}

[[maybe_unused]] void to_f16_impl(const float* x, uint8_t* y, int n) {
  for (int i = 0; i < n; ++i) {
    const uint16_t h = fp32_to_fp16(x[i]);
    std::memcpy(y + 2 * i, &h, 2);
  }
}

}  // namespace
}  // namespace trueno
