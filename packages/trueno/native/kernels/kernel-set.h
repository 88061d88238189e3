// The per-ISA kernel table. Each instruction set (generic C++, AVX2+FMA+F16C, AVX-512 with VNNI)
// is its own translation unit compiled with its own -m flags; dispatch.cpp picks one table at run
// time by cpuid, so a binary built on any x86-64 machine runs on any other.
#pragma once

#include "common.h"

namespace trueno {

/**
 * One matmul over row-major activations already converted to the weight's vec_dot format:
 * out[t * ldo + r] = dot(weight row r, activation row t) for t < nTok and r in [r0, r1).
 */
struct MatmulTask {
  const uint8_t* w;    // weight rows, wRowBytes apart
  size_t wRowBytes;
  int nIn;             // values per row
  const uint8_t* y;    // activation rows (f32, f16, bf16, Q8_0, Q8_1 or Q8_K), yRowBytes apart
  size_t yRowBytes;
  int nTok;
  float* out;
  size_t ldo;          // floats between output rows of consecutive tokens (nOut)
};

/** Computes the rows [r0, r1) of `t` for every token. */
using RowsFn = void (*)(const MatmulTask& t, int r0, int r1);
/** Converts `n` floats to one activation row (Q8_0, Q8_1, Q8_K, f16 or bf16 bytes). */
using QuantizeFn = void (*)(const float* x, uint8_t* y, int n);

struct KernelSet {
  const char* name;          // "generic", "avx2", "avx512"
  RowsFn rows[K_COUNT];      // by Kind
  ActFormat act[K_COUNT];    // the activation layout rows[kind] reads
  QuantizeFn quantize_q8_0;  // bytes identical to quantize_row_q8_0_ref (q8-0.ts)
  QuantizeFn quantize_q8_K;  // bytes identical to quantize_row_q8_K_ref (q8-k.ts)
  QuantizeFn to_f16;         // ggml_fp32_to_fp16_row (round to nearest even)
  QuantizeFn q8_0_pairs;     // ACT_Q8_0_PAIRS (nullptr where unused)
  QuantizeFn quantize_q8_1;  // bytes identical to quantize_row_q8_1_ref (q8-1.ts)
  QuantizeFn to_bf16;        // ggml_fp32_to_bf16_row (bf16.ts fp32BitsToBf16)
};

/** The converter of activation layout `f` in kernel set `ks` (nullptr for f32: used as is). */
inline QuantizeFn act_converter(const KernelSet& ks, ActFormat f) {
  switch (f) {
    case ACT_F16: return ks.to_f16;
    case ACT_Q8_0: return ks.quantize_q8_0;
    case ACT_Q8_K: return ks.quantize_q8_K;
    case ACT_Q8_0_PAIRS: return ks.q8_0_pairs;
    case ACT_Q8_1: return ks.quantize_q8_1;
    case ACT_BF16: return ks.to_bf16;
    case ACT_F32: break;
  }
  return nullptr;
}

/** The standard layouts for every kind: ggml's vec_dot_type. */
#define TRUENO_GGML_ACTS \
  {ACT_F32, ACT_F16, ACT_Q8_0, ACT_Q8_0, ACT_Q8_0, ACT_Q8_K, ACT_Q8_K, ACT_Q8_1, ACT_Q8_1, ACT_Q8_K, ACT_Q8_K, ACT_Q8_K, ACT_BF16}

const KernelSet* kernels_generic();
#if defined(__x86_64__) || defined(_M_X64)
const KernelSet* kernels_avx2();
const KernelSet* kernels_avx512();
#endif

}  // namespace trueno
