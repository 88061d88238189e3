// Plain C++ kernels: the fallback for CPUs without AVX2. Each dot product is a line-by-line port
// of the TypeScript reference (src/quant/*.ts, itself ggml's *_generic), in the same float
// order, so on this ISA native and ref agree bit for bit (the conformance test checks it).
#include "kernel-set.h"
#include "quantize-impl.h"
#include "rows-loop.h"

namespace trueno {
namespace {

// 6-bit scale / min j (0..7) of a K4 scale block (get_scale_min_k4).
inline int scale_k4(int j, const uint8_t* q) {
  return j < 4 ? (q[j] & 63) : ((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
}
inline int min_k4(int j, const uint8_t* q) {
  return j < 4 ? (q[j + 4] & 63) : ((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
}

// ggml_vec_dot_f32 scalar: float products summed in double, stored as float.
struct F32 {
  static constexpr int NT = 1;
  static float dot1(int n, const uint8_t* w, const uint8_t* y) {
    const float* a = (const float*)w;
    const float* b = (const float*)y;
    double sum = 0;
    for (int i = 0; i < n; ++i) sum += (double)(a[i] * b[i]);
    return (float)sum;
  }
  static void dotN(int, const uint8_t*, const uint8_t*, size_t, float*) {}
};

// ggml_vec_dot_f16 scalar: half x half is exact in float, summed in double.
struct F16 {
  static constexpr int NT = 1;
  static float dot1(int n, const uint8_t* w, const uint8_t* y) {
    double sum = 0;
    for (int i = 0; i < n; ++i) sum += (double)(load_fp16(w + 2 * i) * load_fp16(y + 2 * i));
    return (float)sum;
  }
  static void dotN(int, const uint8_t*, const uint8_t*, size_t, float*) {}
};

struct Q8_0 {
  static constexpr int NT = 1;
  static float dot1(int n, const uint8_t* x, const uint8_t* y) {
    float sumf = 0;
    for (int ib = 0; ib < n / QK8_0; ++ib) {
      const uint8_t* xb = x + ib * Q8_0_BYTES;
      const uint8_t* yb = y + ib * Q8_0_BYTES;
      int sumi = 0;
      for (int j = 0; j < QK8_0; ++j) sumi += (int8_t)xb[2 + j] * (int8_t)yb[2 + j];
      sumf += (float)sumi * (load_fp16(xb) * load_fp16(yb));
    }
    return sumf;
  }
  static void dotN(int, const uint8_t*, const uint8_t*, size_t, float*) {}
};

struct Q4_0 {
  static constexpr int NT = 1;
  static float dot1(int n, const uint8_t* x, const uint8_t* y) {
    float sumf = 0;
    for (int ib = 0; ib < n / QK8_0; ++ib) {
      const uint8_t* xb = x + ib * Q4_0_BYTES;
      const uint8_t* yb = y + ib * Q8_0_BYTES;
      int sumi0 = 0, sumi1 = 0;
      for (int j = 0; j < 16; ++j) {
        sumi0 += ((xb[2 + j] & 0x0F) - 8) * (int8_t)yb[2 + j];
        sumi1 += ((xb[2 + j] >> 4) - 8) * (int8_t)yb[2 + 16 + j];
      }
      sumf += (float)(sumi0 + sumi1) * load_fp16(xb) * load_fp16(yb);
    }
    return sumf;
  }
  static void dotN(int, const uint8_t*, const uint8_t*, size_t, float*) {}
};

struct Q5_0 {
  static constexpr int NT = 1;
  static float dot1(int n, const uint8_t* x, const uint8_t* y) {
    float sumf = 0;
    for (int ib = 0; ib < n / QK8_0; ++ib) {
      const uint8_t* xb = x + ib * Q5_0_BYTES;
      const uint8_t* yb = y + ib * Q8_0_BYTES;
      const uint32_t qh = load_u32(xb + 2);
      int sumi0 = 0, sumi1 = 0;
      for (int j = 0; j < 16; ++j) {
        const int xh0 = ((qh >> j) << 4) & 0x10;
        const int xh1 = (qh >> (j + 12)) & 0x10;
        sumi0 += (((xb[6 + j] & 0x0F) | xh0) - 16) * (int8_t)yb[2 + j];
        sumi1 += (((xb[6 + j] >> 4) | xh1) - 16) * (int8_t)yb[2 + 16 + j];
      }
      sumf += (load_fp16(xb) * load_fp16(yb)) * (float)(sumi0 + sumi1);
    }
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

const KernelSet kSet = {
    "generic",
    {rows_loop<F32>, rows_loop<F16>, rows_loop<Q4_0>, rows_loop<Q5_0>, rows_loop<Q8_0>, rows_loop<Q4_K>, rows_loop<Q6_K>},
    TRUENO_GGML_ACTS,
    quantize_q8_0_impl,
    quantize_q8_K_impl,
    to_f16_impl,
    nullptr,
};

}  // namespace

const KernelSet* kernels_generic() { return &kSet; }

}  // namespace trueno
