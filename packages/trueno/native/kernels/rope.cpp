// RoPE, a line-by-line port of src/backend/ref-rope.ts (itself ggml-cpu's rope_f32 forward with
// ggml_rope_cache_init / rope_yarn). Every rounding the reference makes with Math.fround is a
// float operation or an explicit (float) here; where the reference computes in double (JS numbers
// that are not rounded, libm calls) this does too, so native and ref agree bit for bit as long as
// the C library's cos/sin/log/pow round like V8's (both are within an ulp in double; a float
// result differs only when the double lies on a float rounding boundary, which the conformance
// bounds tolerate). RoPE is a few microseconds per token: no SIMD, one thread.
#include <algorithm>
#include <cmath>

#include "ops.h"

namespace trueno {
namespace {

constexpr double kPi = 3.14159265358979323846;

// ggml_rope_yarn_corr_dim for one beta, with the reference's roundings.
double corr_dim(int nDims, int nCtxOrig, double beta, double freqBase) {
  const float twoPiBeta = (float)((double)(float)(beta * 2) * (double)(float)kPi);
  const float lg = (float)std::log((double)(float)((double)nCtxOrig / twoPiBeta));
  const float den = (float)(2.0 * (double)(float)std::log(freqBase));
  return (double)(float)(((double)nDims * lg) / den);
}

// rope_yarn_ramp: 1 below `low`, 0 above `high`, linear between (by pair index i0 / 2).
float yarn_ramp(double low, double high, int i0) {
  const double den = std::max(0.001, (double)(float)(high - low));
  const float y = (float)((double)(float)((double)(i0 >> 1) - low) / den);
  return (float)(1.0 - std::min(1.0, std::max(0.0, (double)y)));
}

// ggml_rope_cache_init: (cos, sin) of every pair for one position.
void rope_cache(int32_t pos, int nRot, float thetaScale, const RopeShape& p, double low, double high, float* cache) {
  float mscale = p.attnFactor;
  if (p.extFactor != 0) {
    const float inv = (float)(1.0 / (double)p.freqScale);
    const float lg = (float)std::log((double)inv);
    const float t = (float)(0.1 * (double)lg);
    mscale = mscale * (float)(1.0 + (double)t);
  }
  float theta = (float)pos;
  for (int i0 = 0; i0 < nRot; i0 += 2) {
    const float thetaExtrap = p.freqFactors ? theta / p.freqFactors[i0 >> 1] : theta;
    const float thetaInterp = p.freqScale * thetaExtrap;
    float th = thetaInterp;
    if (p.extFactor != 0) {
      const float rampMix = yarn_ramp(low, high, i0) * p.extFactor;
      const float a = thetaInterp * (1.0f - rampMix);
      const float b = thetaExtrap * rampMix;
      th = a + b;
    }
    cache[i0] = (float)std::cos((double)th) * mscale;
    cache[i0 + 1] = (float)std::sin((double)th) * mscale;
    theta = theta * thetaScale;
  }
}

}  // namespace

void rope(float* x, int nTok, int nHeads, int headDim, const int32_t* positions, const RopeShape& p, float* cache) {
  const int nRot = p.nRot;
  double low = 0, high = 0;
  if (p.extFactor != 0) {
    const double start = std::floor(corr_dim(nRot, p.nCtxOrig, p.betaFast, p.freqBase));
    const double end = std::ceil(corr_dim(nRot, p.nCtxOrig, p.betaSlow, p.freqBase));
    low = std::max(0.0, start);
    high = std::min((double)(nRot - 1), end);
  }
  // C: powf(freq_base, -2.0f/n_dims); the reference rounds both operands to float first.
  const float thetaScale = (float)std::pow((double)(float)p.freqBase, (double)(float)(-2.0 / nRot));
  const int half = nRot >> 1;
  for (int t = 0; t < nTok; ++t) {
    rope_cache(positions[t], nRot, thetaScale, p, low, high, cache);
    for (int h = 0; h < nHeads; ++h) {
      float* b = x + ((size_t)t * nHeads + h) * headDim;
      for (int i0 = 0; i0 < nRot; i0 += 2) {
        const float c = cache[i0];
        const float s = cache[i0 + 1];
        // normal: pair (i0, i0 + 1); neox: pair (i0 / 2, i0 / 2 + nRot / 2).
        float* x0p = p.neox ? b + (i0 >> 1) : b + i0;
        float* x1p = p.neox ? x0p + half : x0p + 1;
        const float x0 = *x0p;
        const float x1 = *x1p;
        const float a0 = x0 * c, b0 = x1 * s;
        const float a1 = x0 * s, b1 = x1 * c;
        *x0p = a0 - b0;
        *x1p = a1 + b1;
      }
      // Dimensions nRot..headDim pass through unchanged (ggml copies them).
    }
  }
}

}  // namespace trueno
