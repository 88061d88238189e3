// The ISA-independent bricks: RMSNorm, bias, residual add, argmax and the KV-cache store. None has
// a reduction SIMD could reorder except RMSNorm's sum of squares, which ggml keeps in double and
// in order; so one plain C++ version, compiled without -m flags (the compiler still uses SSE2 for
// the element-wise loops, which rounds exactly as scalar code), matches the reference bit for bit.
// Built with -ffp-contract=off: no product is fused into an add behind our back.
#include <cmath>
#include <cstring>

#include "ops.h"

namespace trueno {

void rms_norm(const float* x, const float* weight, float eps, int nTok, int dim, float* out) {
  for (int t = 0; t < nTok; ++t) {
    const float* xr = x + (size_t)t * dim;
    float* o = out + (size_t)t * dim;
    // ggml_float sum of float squares, in order.
    double sum = 0;
    for (int i = 0; i < dim; ++i) sum += (double)(xr[i] * xr[i]);
    const float mean = (float)(sum / dim);
    // sqrtf and the float division are correctly rounded, as Math.sqrt/1/ rounded to float are.
    const float scale = 1.0f / std::sqrt(mean + eps);
    // ggml_vec_scale_f32, then llama.cpp's separate mul by the norm weight: two float roundings.
    for (int i = 0; i < dim; ++i) {
      const float v = xr[i] * scale;
      o[i] = v * weight[i];
    }
  }
}

void add_bias(float* x, const float* bias, int nTok, int n) {
  for (int t = 0; t < nTok; ++t) {
    float* r = x + (size_t)t * n;
    for (int i = 0; i < n; ++i) r[i] += bias[i];
  }
}

void add(const float* a, const float* b, size_t n, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

int argmax(const float* x, int n) {
  // Strict '>' from -inf: the first index of the maximum wins and a NaN never compares greater.
  // (ggml_vec_argmax_f32 keeps the last index on ties; greedy sampling here takes the lowest id,
  // as the sampler's argmax does, so the two agree on tied logits.)
  float best = -INFINITY;
  int idx = 0;
  for (int i = 0; i < n; ++i) {
    if (x[i] > best) {
      best = x[i];
      idx = i;
    }
  }
  return idx;
}

void store_kv(const AttnShape& s, const float* k, const float* v, float* kCache, float* vCache) {
  const size_t kvDim = (size_t)s.nKvHeads * s.headDim;
  const size_t rowBytes = (size_t)s.headDim * sizeof(float);
  for (int t = 0; t < s.nTok; ++t) {
    for (int h = 0; h < s.nKvHeads; ++h) {
      const size_t src = t * kvDim + (size_t)h * s.headDim;
      const size_t dst = ((size_t)h * s.ctxLen + s.pos0 + t) * s.headDim;
      std::memcpy(kCache + dst, k + src, rowBytes);
      std::memcpy(vCache + dst, v + src, rowBytes);
    }
  }
}

}  // namespace trueno
