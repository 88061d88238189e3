// The plain C++ ops table: a line-by-line port of the reference (ref-attention.ts, ref-ops.ts) in
// its float order, double sums included, with exp computed in double and rounded to float as
// Math.exp then Math.fround do. It agrees with the reference bit for bit except where the C
// library's exp and V8's round a double differently to float (rare, within the OP_NMSE bounds).
// This is the fallback for CPUs without AVX2; it is not meant to be fast.
#include <cmath>

#include "ops.h"

namespace trueno {
namespace {

inline float expf_ref(float x) { return (float)std::exp((double)x); }

// ref-ops.ts softmaxRow.
void softmax_row_generic(float* x, int n, float scale) {
  float max = -INFINITY;
  for (int i = 0; i < n; ++i) {
    const float v = x[i] * scale;
    x[i] = v;
    if (v > max) max = v;
  }
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    const float e = expf_ref(x[i] - max);
    x[i] = e;
    sum += e;
  }
  const float inv = (float)(1.0 / sum);
  for (int i = 0; i < n; ++i) x[i] *= inv;
}

// ref-ops.ts swigluRef / silu: x / (1 + e^-x), each step rounded to float.
void swiglu_generic(const float* gate, const float* up, size_t n, float* out) {
  for (size_t i = 0; i < n; ++i) {
    const float g = gate[i];
    const float den = 1.0f + (float)std::exp(-(double)g);
    const float s = g / den;
    out[i] = s * up[i];
  }
}

// ref-attention.ts attentionRef for one (token, head): float products summed in double.
void attn_head_generic(const float* q, const float* k, const float* v, int nKv, int headDim, float scale,
                       float* scratch, float* out) {
  float* scores = scratch;  // (nKv)
  double* acc = reinterpret_cast<double*>(scratch + ((size_t)nKv + 15) / 16 * 16);  // (headDim)
  for (int j = 0; j < nKv; ++j) {
    const float* kj = k + (size_t)j * headDim;
    double dot = 0;
    for (int d = 0; d < headDim; ++d) dot += (double)(kj[d] * q[d]);
    scores[j] = (float)dot;
  }
  softmax_row_generic(scores, nKv, scale);
  for (int d = 0; d < headDim; ++d) acc[d] = 0;
  for (int j = 0; j < nKv; ++j) {
    const float pj = scores[j];
    const float* vj = v + (size_t)j * headDim;
    for (int d = 0; d < headDim; ++d) acc[d] += (double)(vj[d] * pj);
  }
  for (int d = 0; d < headDim; ++d) out[d] = (float)acc[d];
}

const OpsKernels kOps = {"generic", attn_head_generic, softmax_row_generic, swiglu_generic};

}  // namespace

const OpsKernels* ops_generic() { return &kOps; }

}  // namespace trueno
