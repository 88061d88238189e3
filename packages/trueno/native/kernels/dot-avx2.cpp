// AVX2 + FMA + F16C kernels (compiled with -mavx2 -mfma -mf16c; chosen only when cpuid has them).
// Integer dot products as ggml's x86 path: int8 x int8 via _mm256_maddubs_epi16 on |x| and
// sign(y, x) (maddubs wants one unsigned operand), pairs widened with madd, one float FMA per
// 32-value block with the product of the two block scales.
#include "kernel-set.h"
#include "kquants-avx2.h"
#include "kquants-low-avx2.h"
#include "q4-1-q5-1-avx2.h"
#include "quantize-impl.h"
#include "rows-loop.h"
#include "simd-avx2.h"

namespace trueno {
namespace {

// Sum of the 32 int8 products x[i]*y[i] of one block pair, as 8 float lanes.
inline __m256 mul_sum_i8(__m256i ax, __m256i x, __m256i y) {
  const __m256i sy = _mm256_sign_epi8(y, x);
  const __m256i p16 = _mm256_maddubs_epi16(ax, sy);
  return _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
}

// Weight blocks of the Q8_0 family (Q8_0, Q4_0, Q5_0) against Q8_0 activations. dotN decodes
// each weight block once for NT tokens: this is where prefill saves the unpacking work.
template <typename U>
struct LegacyAVX2 {
  static constexpr int NT = 4;
  static float dot1(int n, const uint8_t* w, const uint8_t* y) {
    const int nb = n / QK8_0;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int ib = 0;
    // Two independent accumulators hide the FMA latency.
    for (; ib + 2 <= nb; ib += 2) {
      const uint8_t* w0 = w + ib * U::BYTES;
      const uint8_t* y0 = y + ib * Q8_0_BYTES;
      // Q8_0, TRUENO_ISA=avx2, 1 / 2 threads: 6.1/3.2, 6.1/4.6 -> 8.0/8.3, 8.9/8.6 GB/s (2 KiB;
      // 1 KiB 8.3/7.4, 8.1/8.1).
      prefetch_ahead<2 * U::BYTES>(w0, 2048);
      const __m256i x0 = U::load(w0);
      const __m256i x1 = U::load(w0 + U::BYTES);
      const __m256 p0 = mul_sum_i8(_mm256_sign_epi8(x0, x0), x0, loadu256(y0 + 2));
      const __m256 p1 = mul_sum_i8(_mm256_sign_epi8(x1, x1), x1, loadu256(y0 + Q8_0_BYTES + 2));
      acc0 = _mm256_fmadd_ps(_mm256_set1_ps(f16s(w0) * f16s(y0)), p0, acc0);
      acc1 = _mm256_fmadd_ps(_mm256_set1_ps(f16s(w0 + U::BYTES) * f16s(y0 + Q8_0_BYTES)), p1, acc1);
    }
    if (ib < nb) {
      const uint8_t* w0 = w + ib * U::BYTES;
      const uint8_t* y0 = y + ib * Q8_0_BYTES;
      const __m256i x0 = U::load(w0);
      acc0 = _mm256_fmadd_ps(_mm256_set1_ps(f16s(w0) * f16s(y0)), mul_sum_i8(_mm256_sign_epi8(x0, x0), x0, loadu256(y0 + 2)), acc0);
    }
    return hsum_ps(_mm256_add_ps(acc0, acc1));
  }
  // R rows x N tokens: each weight block decoded once for N tokens, each activation block loaded
  // once for R rows (R = 2, N = 4 fits AVX2's 16 registers: 8 accumulators + 4 weight vectors).
  template <int R, int N>
  static void dot(int n, const uint8_t* w, size_t wStride, const uint8_t* y, size_t ys, float (*res)[N]) {
    const int nb = n / QK8_0;
    __m256 acc[R][N];
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < N; ++t) acc[r][t] = _mm256_setzero_ps();
    for (int ib = 0; ib < nb; ++ib) {
      __m256i x[R], ax[R];
      float dw[R];
      for (int r = 0; r < R; ++r) {
        const uint8_t* wb = w + r * wStride + ib * U::BYTES;
        x[r] = U::load(wb);
        ax[r] = _mm256_sign_epi8(x[r], x[r]);
        dw[r] = f16s(wb);
      }
      for (int t = 0; t < N; ++t) {
        const uint8_t* yb = y + t * ys + ib * Q8_0_BYTES;
        const __m256i qy = loadu256(yb + 2);
        const float dy = f16s(yb);
        for (int r = 0; r < R; ++r) acc[r][t] = _mm256_fmadd_ps(_mm256_set1_ps(dw[r] * dy), mul_sum_i8(ax[r], x[r], qy), acc[r][t]);
      }
    }
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < N; ++t) res[r][t] = hsum_ps(acc[r][t]);
  }
  static constexpr int NR = 2;
  static void dotN(int n, const uint8_t* w, const uint8_t* y, size_t ys, float* res) {
    dot<1, NT>(n, w, 0, y, ys, reinterpret_cast<float(*)[NT]>(res));
  }
  static void dotRN(int n, const uint8_t* w, size_t wStride, const uint8_t* y, size_t ys, float (*res)[NT]) {
    dot<NR, NT>(n, w, wStride, y, ys, res);
  }
};

struct F32_AVX2 {
  static constexpr int NT = 4;
  static float dot1(int n, const uint8_t* w, const uint8_t* y) { return dot_f32_avx2(n, (const float*)w, (const float*)y); }
  static void dotN(int n, const uint8_t* w, const uint8_t* y, size_t ys, float* res) {
    const float* a = (const float*)w;
    const float* b[NT];
    __m256 acc[NT];
    for (int t = 0; t < NT; ++t) {
      b[t] = (const float*)(y + t * ys);
      acc[t] = _mm256_setzero_ps();
    }
    int i = 0;
    for (; i + 8 <= n; i += 8) {
      const __m256 av = _mm256_loadu_ps(a + i);
      for (int t = 0; t < NT; ++t) acc[t] = _mm256_fmadd_ps(av, _mm256_loadu_ps(b[t] + i), acc[t]);
    }
    for (int t = 0; t < NT; ++t) {
      float s = hsum_ps(acc[t]);
      for (int k = i; k < n; ++k) s += a[k] * b[t][k];
      res[t] = s;
    }
  }
};

// F16 and BF16 weights (with activations of the same format).
template <typename H>
struct HalfAVX2 {
  static constexpr int NT = 4;
  static float dot1(int n, const uint8_t* w, const uint8_t* y) { return dot_half_avx2<H>(n, w, y); }
  static void dotN(int n, const uint8_t* w, const uint8_t* y, size_t ys, float* res) {
    __m256 acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
    int i = 0;
    for (; i + 8 <= n; i += 8) {
      const __m256 av = H::v8(w + 2 * i);
      for (int t = 0; t < NT; ++t) acc[t] = _mm256_fmadd_ps(av, H::v8(y + t * ys + 2 * i), acc[t]);
    }
    for (int t = 0; t < NT; ++t) {
      float s = hsum_ps(acc[t]);
      for (int k = i; k < n; ++k) s += H::s(w + 2 * k) * H::s(y + t * ys + 2 * k);
      res[t] = s;
    }
  }
};

const KernelSet kSet = {
    "avx2",
    {rows_loop<F32_AVX2>, rows_loop<HalfAVX2<HalfF16>>, rows_loop<LegacyAVX2<UnpackQ4_0>>, rows_loop<LegacyAVX2<UnpackQ5_0>>,
     rows_loop<LegacyAVX2<UnpackQ8_0>>, rows_loop<Q4K_AVX2>, rows_loop<Q6K_AVX2>, rows_loop<Legacy1AVX2<UnpackQ4_1>>,
     rows_loop<Legacy1AVX2<UnpackQ5_1>>, rows_loop<Q2K_AVX2>, rows_loop<Q3K_AVX2>, rows_loop<Q5K_AVX2>, rows_loop<HalfAVX2<HalfBF16>>},
    TRUENO_GGML_ACTS,
    quantize_q8_0_impl,
    quantize_q8_K_impl,
    to_f16_f16c,
    nullptr,
    quantize_q8_1_impl,
    to_bf16_impl,
};

}  // namespace

const KernelSet* kernels_avx2() { return &kSet; }

}  // namespace trueno
