// AVX-512 (F, BW, VL, VNNI) kernels, compiled with those -m flags and chosen only when cpuid has
// all of them. The Q8_0 family takes two 32-value blocks per 512-bit register and multiplies with
// VNNI's _mm512_dpbusd_epi32 (u8 x s8 -> s32 in one instruction, replacing AVX2's
// maddubs + madd); f32/f16/bf16 use 16-lane FMAs with masked tails; Q4_K/Q5_K/Q6_K have VNNI
// kernels (kquants-vnni.h). Q2_K/Q3_K reuse the AVX2 code, which this TU compiles with EVEX
// encodings; Q4_1/Q5_1 too, where the AVX2 header switches its u8 x s8 sums to 256-bit VNNI.
#include "kernel-set.h"
#include "kquants-avx2.h"
#include "kquants-low-avx2.h"
#include "kquants-vnni.h"
#include "q4-1-q5-1-avx2.h"
#include "quantize-impl.h"
#include "rows-loop.h"
#include "simd-avx2.h"

namespace trueno {
namespace {

inline __m512i join256(__m256i lo, __m256i hi) { return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); }

// [a x8 | b x8]: the scales of the two blocks in one register.
inline __m512 pair_ps(float a, float b) { return _mm512_mask_blend_ps(0xFF00, _mm512_set1_ps(a), _mm512_set1_ps(b)); }


// Q8_0-family weights against ACT_Q8_0_PAIRS activations (quantized once per call, then
// regrouped so each pair of blocks is one aligned 64-byte load of quants and one of broadcast
// scales: the per-token work is load, sign, dpbusd, scale, FMA). |x| is the unsigned VNNI operand
// and y takes x's sign (negated where x < 0, a masked subtract), so |x| * sign(y, x) = x * y.
// Each weight pair is decoded once for N tokens, each activation pair loaded once for R rows.
template <typename U>
struct LegacyAVX512 {
  static constexpr int NT = 4;
  static constexpr int NR = 4;  // rows per micro-kernel: each activation load serves four rows
  // Decode streams each weight row once from DRAM. The hardware prefetchers alone left one
  // thread at ~7 GB/s on a 2-vCPU Sapphire Rapids VM; a software prefetch about one row (1 KiB)
  // ahead raised it to ~9 GB/s (1 thread) and 10-13 -> 16-17 GB/s (2 threads) in an A/B of the
  // 896 x 151936 lm_head (512 B ahead was too close, 2-4 KiB no better).
  static constexpr int PF = 1024;

  template <int R, int N>
  static void dot(int n, const uint8_t* w, size_t wStride, const uint8_t* y, size_t ys, float (*res)[N]) {
    const int nb = n / QK8_0;
    const __m512i zero = _mm512_setzero_si512();
    __m512 acc[R][N];
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < N; ++t) acc[r][t] = _mm512_setzero_ps();
    for (int ib = 0; ib < nb; ib += 2) {
      const bool full = ib + 1 < nb;  // an odd last block pairs with zeros (its activation pad is 0)
      __m512i ax[R];
      __mmask64 neg[R];
      __m512 dw[R];
      for (int r = 0; r < R; ++r) {
        const uint8_t* w0 = w + r * wStride + ib * U::BYTES;
        if (N == 1) _mm_prefetch((const char*)w0 + PF, _MM_HINT_T0);
        const __m512i x = join256(U::load(w0), full ? U::load(w0 + U::BYTES) : _mm256_setzero_si256());
        ax[r] = _mm512_abs_epi8(x);
        neg[r] = _mm512_movepi8_mask(x);
        dw[r] = pair_ps(f16s(w0), full ? f16s(w0 + U::BYTES) : 0.0f);
      }
      const size_t yo = (size_t)(ib / 2) * Q8_0_PAIR_BYTES;
      for (int t = 0; t < N; ++t) {
        const uint8_t* yp = y + t * ys + yo;
        const __m512i qy = _mm512_load_si512((const void*)yp);
        const __m512 dy = _mm512_load_ps((const float*)(yp + 64));
        for (int r = 0; r < R; ++r) {
          const __m512i dp = _mm512_dpbusd_epi32(zero, ax[r], _mm512_mask_sub_epi8(qy, neg[r], zero, qy));
          acc[r][t] = _mm512_fmadd_ps(_mm512_mul_ps(dw[r], dy), _mm512_cvtepi32_ps(dp), acc[r][t]);
        }
      }
    }
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < N; ++t) res[r][t] = _mm512_reduce_add_ps(acc[r][t]);
  }

  static float dot1(int n, const uint8_t* w, const uint8_t* y) {
    float r[1][1];
    dot<1, 1>(n, w, 0, y, 0, r);
    return r[0][0];
  }
  static void dotN(int n, const uint8_t* w, const uint8_t* y, size_t ys, float* res) {
    dot<1, NT>(n, w, 0, y, ys, reinterpret_cast<float(*)[NT]>(res));
  }
  static void dotRN(int n, const uint8_t* w, size_t wStride, const uint8_t* y, size_t ys, float (*res)[NT]) {
    dot<NR, NT>(n, w, wStride, y, ys, res);
  }
};

inline __mmask16 tail_mask(int k) { return (__mmask16)((1u << k) - 1u); }

struct F32_AVX512 {
  static constexpr int NT = 4;
  template <int N>
  static void dot(int n, const uint8_t* w, const uint8_t* y, size_t ys, float* res) {
    const float* a = (const float*)w;
    __m512 acc[N];
    for (int t = 0; t < N; ++t) acc[t] = _mm512_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
      const __m512 av = _mm512_loadu_ps(a + i);
      for (int t = 0; t < N; ++t) acc[t] = _mm512_fmadd_ps(av, _mm512_loadu_ps((const float*)(y + t * ys) + i), acc[t]);
    }
    if (i < n) {
      const __mmask16 m = tail_mask(n - i);
      const __m512 av = _mm512_maskz_loadu_ps(m, a + i);
      for (int t = 0; t < N; ++t) acc[t] = _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(m, (const float*)(y + t * ys) + i), acc[t]);
    }
    for (int t = 0; t < N; ++t) res[t] = _mm512_reduce_add_ps(acc[t]);
  }
  static float dot1(int n, const uint8_t* w, const uint8_t* y) {
    // Four accumulators for one token: the FMA latency, not bandwidth, bounds a lone chain.
    const float* a = (const float*)w;
    const float* b = (const float*)y;
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    int i = 0;
    for (; i + 64 <= n; i += 64) {
      s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
      s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
      s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), s2);
      s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), s3);
    }
    float r;
    dot<1>(n - i, (const uint8_t*)(a + i), (const uint8_t*)(b + i), 0, &r);
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3))) + r;
  }
  static void dotN(int n, const uint8_t* w, const uint8_t* y, size_t ys, float* res) { dot<NT>(n, w, y, ys, res); }
};

// 16 f16 or bf16 values as floats, and the first k of them (k < 16) with zeros after.
// PF: the decode prefetch distance (prefetch_ahead). Streaming 4864 x 16 K rows, 1 / 2 threads,
// GB/s without -> with 512 B: bf16 6.8/6.6, 7.0/7.3, 5.7/3.4 -> 8.3/7.5, 8.0/7.6, 7.9/7.3; f16
// (its cvtph is one uop) showed no gain at 512-2048 B, and f32 neither.
struct Half16F16 {
  static constexpr int PF = 0;
  static __m512 v16(const uint8_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)p)); }
  static __m512 tail(const uint8_t* p, __mmask16 m) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p)); }
};
struct Half16BF16 {
  static constexpr int PF = 512;
  static __m512 widen(__m256i h) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)); }
  static __m512 v16(const uint8_t* p) { return widen(_mm256_loadu_si256((const __m256i*)p)); }
  static __m512 tail(const uint8_t* p, __mmask16 m) { return widen(_mm256_maskz_loadu_epi16(m, p)); }
};

// F16 and BF16 weights (with activations of the same format).
template <typename H>
struct HalfAVX512 {
  static constexpr int NT = 4;
  template <int N>
  static void dot(int n, const uint8_t* w, const uint8_t* y, size_t ys, float* res) {
    __m512 acc[N];
    for (int t = 0; t < N; ++t) acc[t] = _mm512_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
      const __m512 av = H::v16(w + 2 * i);
      for (int t = 0; t < N; ++t) acc[t] = _mm512_fmadd_ps(av, H::v16(y + t * ys + 2 * i), acc[t]);
    }
    if (i < n) {
      const __mmask16 m = tail_mask(n - i);
      const __m512 av = H::tail(w + 2 * i, m);
      for (int t = 0; t < N; ++t) acc[t] = _mm512_fmadd_ps(av, H::tail(y + t * ys + 2 * i, m), acc[t]);
    }
    for (int t = 0; t < N; ++t) res[t] = _mm512_reduce_add_ps(acc[t]);
  }
  static float dot1(int n, const uint8_t* w, const uint8_t* y) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int i = 0;
    for (; i + 32 <= n; i += 32) {
      if (H::PF) prefetch_ahead<64>(w + 2 * i, H::PF);
      s0 = _mm512_fmadd_ps(H::v16(w + 2 * i), H::v16(y + 2 * i), s0);
      s1 = _mm512_fmadd_ps(H::v16(w + 2 * i + 32), H::v16(y + 2 * i + 32), s1);
    }
    float r;
    dot<1>(n - i, w + 2 * i, y + 2 * i, 0, &r);
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1)) + r;
  }
  static void dotN(int n, const uint8_t* w, const uint8_t* y, size_t ys, float* res) { dot<NT>(n, w, y, ys, res); }
};

const KernelSet kSet = {
    "avx512",
    {rows_loop<F32_AVX512>, rows_loop<HalfAVX512<Half16F16>>, rows_loop<LegacyAVX512<UnpackQ4_0>>,
     rows_loop<LegacyAVX512<UnpackQ5_0>>, rows_loop<LegacyAVX512<UnpackQ8_0>>, rows_loop<Q4K_VNNI>, rows_loop<Q6K_VNNI>,
     rows_loop<Legacy1AVX2<UnpackQ4_1>>, rows_loop<Legacy1AVX2<UnpackQ5_1>>, rows_loop<Q2K_AVX2>, rows_loop<Q3K_AVX2>,
     rows_loop<Q5K_VNNI>, rows_loop<HalfAVX512<Half16BF16>>},
    {ACT_F32, ACT_F16, ACT_Q8_0_PAIRS, ACT_Q8_0_PAIRS, ACT_Q8_0_PAIRS, ACT_Q8_K, ACT_Q8_K, ACT_Q8_1, ACT_Q8_1, ACT_Q8_K,
     ACT_Q8_K, ACT_Q8_K, ACT_BF16},
    quantize_q8_0_impl,
    quantize_q8_K_impl,
    to_f16_f16c,
    q8_0_pairs_impl,
    quantize_q8_1_impl,
    to_bf16_impl,
};

}  // namespace

const KernelSet* kernels_avx512() { return &kSet; }

}  // namespace trueno
