// The non-matmul bricks of a forward pass (see src/backend/backend.ts for their semantics, and the
// ref-*.ts files for the float order each one follows). Plain C++17 on raw pointers; arguments are
// validated by the N-API glue before any of these runs.
//
// Two groups:
// - ISA-independent ops (rms_norm, rope, add, add_bias, store_kv, get_rows, argmax): no reduction
//   that SIMD would reorder, or a double sum kept sequential on purpose, so one plain C++ version
//   serves every kernel set and agrees with the reference bit for bit.
// - Ops whose speed depends on SIMD (attention's q.k and p.V loops, exp in softmax and SwiGLU):
//   one OpsKernels table per ISA, chosen by the matmul kernel set's name (ops_kernels_for).
#pragma once

#include <cstddef>
#include <cstdint>

#include "thread-pool.h"

namespace trueno {

/** Per-ISA kernels of the exp-heavy and attention ops. */
struct OpsKernels {
  const char* name;  // "generic", "avx2", "avx512"
  /**
   * One (query token, head) of causal attention: scores_j = q . k_j for j < nKv, softmax of
   * scale * scores, out = sum_j p_j v_j. k and v are the KV head's rows (nKv, headDim);
   * `scratch` holds attn_scratch_floats(nKv, headDim) floats, 64-byte aligned.
   */
  void (*attn_head)(const float* q, const float* k, const float* v, int nKv, int headDim, float scale, float* scratch,
                    float* out);
  /** In place: x[0..n) = softmax(scale * x) (ggml soft_max: max, exp(x - max), sum, times 1/sum). */
  void (*softmax_row)(float* x, int n, float scale);
  /** out[i] = silu(gate[i]) * up[i], silu(x) = x / (1 + e^-x); out may alias gate or up. */
  void (*swiglu)(const float* gate, const float* up, size_t n, float* out);
};

const OpsKernels* ops_generic();
#if defined(__x86_64__) || defined(_M_X64)
const OpsKernels* ops_avx2();
const OpsKernels* ops_avx512();
#endif
/** The ops table for the matmul kernel set named `isa` (generic when there is none of that name). */
const OpsKernels* ops_kernels_for(const char* isa);

/** Floats of per-thread scratch attn_head needs (scores, and the generic kernel's double sums). */
inline size_t attn_scratch_floats(int nKv, int headDim) {
  const size_t scores = ((size_t)nKv + 15) / 16 * 16;
  const size_t acc = ((size_t)headDim * 2 + 15) / 16 * 16;  // headDim doubles
  return scores + acc;
}

/** Shapes of one attention call, as AttentionParams in backend.ts. */
struct AttnShape {
  int nTok;
  int nHeads;
  int nKvHeads;  // nHeads is a multiple of it (GQA)
  int headDim;
  int ctxLen;    // positions one cache head holds: cache (nKvHeads, ctxLen, headDim)
  int pos0;      // token t sits at pos0 + t and attends to positions 0..pos0 + t
  float scale;
};

/**
 * Causal GQA attention: out (nTok, nHeads * headDim) from q (nTok, nHeads * headDim) over the
 * caches (nKvHeads, ctxLen, headDim), split over the pool by (token, head) work items.
 * `scratch` holds pool.size() slices of `stride` floats (stride >= attn_scratch_floats for
 * nKv = pos0 + nTok, a multiple of 16), 64-byte aligned.
 */
void attention(ThreadPool& pool, const OpsKernels& ks, const AttnShape& s, const float* q, const float* kCache,
               const float* vCache, float* out, float* scratch, size_t stride);

/** Copies k, v (nTok, nKvHeads * headDim) into the caches at positions pos0 .. pos0 + nTok - 1. */
void store_kv(const AttnShape& s, const float* k, const float* v, float* kCache, float* vCache);

/** out (nTok, dim) = x / sqrt(mean(x^2) + eps) * weight, ggml rms_norm then mul. out may be x. */
void rms_norm(const float* x, const float* weight, float eps, int nTok, int dim, float* out);

/** In place: x (nTok, n) += bias (n) per row. */
void add_bias(float* x, const float* bias, int nTok, int n);

/** out[i] = a[i] + b[i], i < n; out may alias a or b. */
void add(const float* a, const float* b, size_t n, float* out);

/** Index of the largest of x[0..n): the first on ties; NaNs never win (ggml_argmax); 0 when none beats -inf. */
int argmax(const float* x, int n);

/** RoPE parameters, as RopeParams in backend.ts with defaults applied. */
struct RopeShape {
  bool neox;              // rotate halves (x[i], x[i + nRot/2]) instead of adjacent pairs
  int nRot;               // leading dimensions of each head that rotate (even, <= headDim)
  double freqBase;       // as given (the YaRN range uses it unrounded, theta_scale rounds it to float)
  float freqScale;
  const float* freqFactors;  // nRot / 2 divisors of theta, or nullptr
  float extFactor;        // YaRN mix, 0 = off
  float attnFactor;
  double betaFast;       // unrounded, as the reference's yarnCorrDims takes them
  double betaSlow;
  int nCtxOrig;           // needed when extFactor != 0
};

/** In place: x (nTok, nHeads, headDim) rotated by positions[t]; `cache` holds nRot floats. */
void rope(float* x, int nTok, int nHeads, int headDim, const int32_t* positions, const RopeShape& p, float* cache);

/** True when get_rows has a native dequantizer for ggml type `type`. */
bool get_rows_supports(int type);
/** Writes the ggml type ids get_rows supports to out[0..*count) (at most 16). */
void get_rows_types(int* out, int* count);
/** Values per block of ggml type `type` (get_rows types only). */
int get_rows_block_size(int type);
/** Bytes of a row of `n` values of ggml type `type` (n a whole number of blocks; get_rows types only). */
size_t get_rows_row_bytes(int type, size_t n);
/** out (nIds, n) = dequantized rows ids[] of w (rows of n values, get_rows_row_bytes apart). */
void get_rows(int type, const uint8_t* w, int n, const int32_t* ids, int nIds, float* out);

}  // namespace trueno
