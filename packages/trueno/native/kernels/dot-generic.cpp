// Plain C++ kernels: the fallback for CPUs without AVX2. Each dot product is a line-by-line port
// of the TypeScript reference (src/quant/*.ts, itself ggml's *_generic), in the same float
// order, so on this ISA native and ref agree bit for bit (the conformance test checks it).
#include "kernel-set.h"
#include "kquants-generic.h"
#include "quantize-impl.h"
#include "rows-loop.h"

namespace trueno {
namespace {

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

// ggml_vec_dot_bf16 scalar: bf16 x bf16 is exact in float (8-bit significands), summed in double.
struct BF16 {
  static constexpr int NT = 1;
  static float dot1(int n, const uint8_t* w, const uint8_t* y) {
    double sum = 0;
    for (int i = 0; i < n; ++i) sum += (double)(load_bf16(w + 2 * i) * load_bf16(y + 2 * i));
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

// ggml_vec_dot_q4_1_q8_1_generic: unsigned nibbles; the min term m * sum(y) comes from Q8_1's
// s = d_y * sum(q_y), so the quants are dotted without an offset.
struct Q4_1 {
  static constexpr int NT = 1;
  static float dot1(int n, const uint8_t* x, const uint8_t* y) {
    float sumf = 0;
    for (int ib = 0; ib < n / QK8_0; ++ib) {
      const uint8_t* xb = x + ib * Q4_1_BYTES;
      const uint8_t* yb = y + ib * Q8_1_BYTES;
      int sumi0 = 0, sumi1 = 0;
      for (int j = 0; j < 16; ++j) {
        sumi0 += (xb[4 + j] & 0x0F) * (int8_t)yb[4 + j];
        sumi1 += (xb[4 + j] >> 4) * (int8_t)yb[4 + 16 + j];
      }
      sumf += (load_fp16(xb) * load_fp16(yb)) * (float)(sumi0 + sumi1) + load_fp16(xb + 2) * load_fp16(yb + 2);
    }
    return sumf;
  }
  static void dotN(int, const uint8_t*, const uint8_t*, size_t, float*) {}
};

// ggml_vec_dot_q5_1_q8_1_generic: Q4_1 plus a fifth bit per value in qh (as Q5_0), no offset.
struct Q5_1 {
  static constexpr int NT = 1;
  static float dot1(int n, const uint8_t* x, const uint8_t* y) {
    float sumf = 0;
    for (int ib = 0; ib < n / QK8_0; ++ib) {
      const uint8_t* xb = x + ib * Q5_1_BYTES;
      const uint8_t* yb = y + ib * Q8_1_BYTES;
      const uint32_t qh = load_u32(xb + 4);
      int sumi0 = 0, sumi1 = 0;
      for (int j = 0; j < 16; ++j) {
        const int xh0 = ((qh >> j) << 4) & 0x10;
        const int xh1 = (qh >> (j + 12)) & 0x10;
        sumi0 += ((xb[8 + j] & 0x0F) | xh0) * (int8_t)yb[4 + j];
        sumi1 += ((xb[8 + j] >> 4) | xh1) * (int8_t)yb[4 + 16 + j];
      }
      sumf += (load_fp16(xb) * load_fp16(yb)) * (float)(sumi0 + sumi1) + load_fp16(xb + 2) * load_fp16(yb + 2);
    }
    return sumf;
  }
  static void dotN(int, const uint8_t*, const uint8_t*, size_t, float*) {}
};

const KernelSet kSet = {
    "generic",
    {rows_loop<F32>, rows_loop<F16>, rows_loop<Q4_0>, rows_loop<Q5_0>, rows_loop<Q8_0>, rows_loop<Q4_K>, rows_loop<Q6_K>,
     rows_loop<Q4_1>, rows_loop<Q5_1>, rows_loop<Q2_K>, rows_loop<Q3_K>, rows_loop<Q5_K>, rows_loop<BF16>},
    TRUENO_GGML_ACTS,
    quantize_q8_0_impl,
    quantize_q8_K_impl,
    to_f16_impl,
    nullptr,
    quantize_q8_1_impl,
    to_bf16_impl,
};

}  // namespace

const KernelSet* kernels_generic() { return &kSet; }

}  // namespace trueno
