// The loop nest shared by every ISA's matmul kernels. A kernel type K provides
//   static constexpr int NT;                      tokens per multi-token call (1 = none)
//   static float dot1(int n, const uint8_t* w, const uint8_t* y);
//   static void dotN(int n, const uint8_t* w, const uint8_t* y, size_t yStride, float* res);
// where dotN dots one weight row with NT activation rows, decoding each weight block once, and
// optionally
//   static constexpr int NR;                      rows per micro-kernel (default 1)
//   static void dotRN(int n, const uint8_t* w, size_t wStride, const uint8_t* y, size_t yStride,
//                     float (*res)[NT]);          NR rows x NT tokens
// which also reuses each activation load for NR rows.
//
// Tokens are taken in tiles of TOKEN_TILE: within a tile every weight row of [r0, r1) is read
// once for all the tile's tokens (decode and short prompts read each weight row exactly once),
// and the tile's activations (<= 64 rows) stay in L2 while the rows stream past.
#pragma once

#include <type_traits>

#include "kernel-set.h"

namespace trueno {
namespace {

constexpr int TOKEN_TILE = 64;

template <typename K, typename = void>
struct RowsPerKernel {
  static constexpr int value = 1;
};
template <typename K>
struct RowsPerKernel<K, std::void_t<decltype(K::NR)>> {
  static constexpr int value = K::NR;
};

template <typename K>
void rows_loop(const MatmulTask& t, int r0, int r1) {
  constexpr int NR = RowsPerKernel<K>::value;
  for (int tb = 0; tb < t.nTok; tb += TOKEN_TILE) {
    const int te = t.nTok < tb + TOKEN_TILE ? t.nTok : tb + TOKEN_TILE;
    int r = r0;
    if constexpr (NR > 1) {
      // NR x NT tiles while NT tokens remain; leftover tokens of these rows one by one.
      if (te - tb >= K::NT) {
        for (; r + NR <= r1; r += NR) {
          const uint8_t* w = t.w + (size_t)r * t.wRowBytes;
          int tk = tb;
          for (; tk + K::NT <= te; tk += K::NT) {
            float res[NR][K::NT];
            K::dotRN(t.nIn, w, t.wRowBytes, t.y + (size_t)tk * t.yRowBytes, t.yRowBytes, res);
            for (int i = 0; i < NR; ++i)
              for (int j = 0; j < K::NT; ++j) t.out[(size_t)(tk + j) * t.ldo + r + i] = res[i][j];
          }
          for (; tk < te; ++tk) {
            for (int i = 0; i < NR; ++i) {
              t.out[(size_t)tk * t.ldo + r + i] = K::dot1(t.nIn, w + (size_t)i * t.wRowBytes, t.y + (size_t)tk * t.yRowBytes);
            }
          }
        }
      }
    }
    for (; r < r1; ++r) {
      const uint8_t* w = t.w + (size_t)r * t.wRowBytes;
      int tk = tb;
      if constexpr (K::NT > 1) {
        for (; tk + K::NT <= te; tk += K::NT) {
          float res[K::NT];
          K::dotN(t.nIn, w, t.y + (size_t)tk * t.yRowBytes, t.yRowBytes, res);
          for (int j = 0; j < K::NT; ++j) t.out[(size_t)(tk + j) * t.ldo + r] = res[j];
        }
      }
      for (; tk < te; ++tk) t.out[(size_t)tk * t.ldo + r] = K::dot1(t.nIn, w, t.y + (size_t)tk * t.yRowBytes);
    }
  }
}

}  // namespace
}  // namespace trueno
