// The SIMD kernels of the attention/softmax/SwiGLU ops, written once over a vector traits type V
// (vec-avx2.h, vec-avx512.h) and instantiated by each ISA's translation unit. Internal linkage
// (anonymous namespace): every TU compiles its own copy with its own -m flags.
//
// Numerics differ from the reference in rounding only: float lanes and FMA instead of the
// reference's double sums, and a polynomial exp within ~1 ulp of the C library's (vec-*.h).
// The bounds in src/native/tolerances.ts (OP_NMSE) cover this.
//
// V provides: R (vector), M (tail mask), W (lanes), zero, set1, load, store, loadm/storem (masked,
// never touching memory outside the mask), mask(m) (first m < W lanes), select(M, a, b), add,
// sub, mul, div, fmadd(a, b, c) = a * b + c, max, hsum, hmax, hsum4 (four sums at once), exp.
#pragma once

#include <cmath>

namespace trueno {
namespace {

// Softmax of x[0..n) after multiplying by `scale`, in place: max, e^(x - max), sum, times 1/sum.
template <typename V>
void softmax_row_simd(float* x, int n, float scale) {
  using R = typename V::R;
  constexpr int W = V::W;
  const int nv = n / W * W;
  const int rem = n - nv;
  const R sc = V::set1(scale);
  const R ninf = V::set1(-INFINITY);
  R mx = ninf;
  for (int i = 0; i < nv; i += W) {
    const R v = V::mul(V::load(x + i), sc);
    V::store(x + i, v);
    mx = V::max(mx, v);
  }
  const auto tail = V::mask(rem);
  if (rem) {
    const R v = V::mul(V::loadm(x + nv, tail), sc);
    V::storem(x + nv, tail, v);
    mx = V::max(mx, V::select(tail, v, ninf));
  }
  const R m = V::set1(V::hmax(mx));
  R sum = V::zero();
  for (int i = 0; i < nv; i += W) {
    const R e = V::exp(V::sub(V::load(x + i), m));
    V::store(x + i, e);
    sum = V::add(sum, e);
  }
  if (rem) {
    const R e = V::select(tail, V::exp(V::sub(V::loadm(x + nv, tail), m)), V::zero());
    V::storem(x + nv, tail, e);
    sum = V::add(sum, e);
  }
  const R inv = V::set1((float)(1.0 / (double)V::hsum(sum)));
  for (int i = 0; i < nv; i += W) V::store(x + i, V::mul(V::load(x + i), inv));
  if (rem) V::storem(x + nv, tail, V::mul(V::loadm(x + nv, tail), inv));
}

// out = silu(gate) * up, silu(x) = x / (1 + e^-x).
template <typename V>
void swiglu_simd(const float* gate, const float* up, size_t n, float* out) {
  using R = typename V::R;
  constexpr int W = V::W;
  const R one = V::set1(1.0f);
  const size_t nv = n / W * W;
  for (size_t i = 0; i < nv; i += W) {
    const R g = V::load(gate + i);
    const R s = V::div(g, V::add(one, V::exp(V::sub(V::zero(), g))));
    V::store(out + i, V::mul(s, V::load(up + i)));
  }
  const int rem = (int)(n - nv);
  if (rem) {
    const auto tail = V::mask(rem);
    const R g = V::loadm(gate + nv, tail);
    const R s = V::div(g, V::add(one, V::exp(V::sub(V::zero(), g))));
    V::storem(out + nv, tail, V::mul(s, V::loadm(up + nv, tail)));
  }
}

// scores[j] = q . k_j for four keys at once: four independent FMA chains hide the FMA latency,
// and one combined horizontal sum replaces four.
template <typename V>
void qk_scores(const float* q, const float* k, int nKv, int headDim, float* scores) {
  using R = typename V::R;
  constexpr int W = V::W;
  const int nv = headDim / W * W;
  const int rem = headDim - nv;
  const auto tail = V::mask(rem);
  int j = 0;
  for (; j + 4 <= nKv; j += 4) {
    const float* k0 = k + (size_t)j * headDim;
    const float* k1 = k0 + headDim;
    const float* k2 = k1 + headDim;
    const float* k3 = k2 + headDim;
    R a0 = V::zero(), a1 = V::zero(), a2 = V::zero(), a3 = V::zero();
    for (int d = 0; d < nv; d += W) {
      const R qv = V::load(q + d);
      a0 = V::fmadd(qv, V::load(k0 + d), a0);
      a1 = V::fmadd(qv, V::load(k1 + d), a1);
      a2 = V::fmadd(qv, V::load(k2 + d), a2);
      a3 = V::fmadd(qv, V::load(k3 + d), a3);
    }
    if (rem) {
      const R qv = V::loadm(q + nv, tail);
      a0 = V::fmadd(qv, V::loadm(k0 + nv, tail), a0);
      a1 = V::fmadd(qv, V::loadm(k1 + nv, tail), a1);
      a2 = V::fmadd(qv, V::loadm(k2 + nv, tail), a2);
      a3 = V::fmadd(qv, V::loadm(k3 + nv, tail), a3);
    }
    V::hsum4(a0, a1, a2, a3, scores + j);
  }
  for (; j < nKv; ++j) {
    const float* kj = k + (size_t)j * headDim;
    R a = V::zero();
    for (int d = 0; d < nv; d += W) a = V::fmadd(V::load(q + d), V::load(kj + d), a);
    if (rem) a = V::fmadd(V::loadm(q + nv, tail), V::loadm(kj + nv, tail), a);
    scores[j] = V::hsum(a);
  }
}

// out[d] = sum_j p_j v_j[d]. Columns in blocks of 4 vectors held in registers across all keys
// (headDim 64: one block in AVX-512, two in AVX2), then single vectors, then a masked one.
template <typename V>
void pv_accumulate(const float* p, const float* v, int nKv, int headDim, float* out) {
  using R = typename V::R;
  constexpr int W = V::W;
  int d0 = 0;
  for (; d0 + 4 * W <= headDim; d0 += 4 * W) {
    R a0 = V::zero(), a1 = V::zero(), a2 = V::zero(), a3 = V::zero();
    const float* vj = v + d0;
    for (int j = 0; j < nKv; ++j, vj += headDim) {
      const R pj = V::set1(p[j]);
      a0 = V::fmadd(pj, V::load(vj), a0);
      a1 = V::fmadd(pj, V::load(vj + W), a1);
      a2 = V::fmadd(pj, V::load(vj + 2 * W), a2);
      a3 = V::fmadd(pj, V::load(vj + 3 * W), a3);
    }
    V::store(out + d0, a0);
    V::store(out + d0 + W, a1);
    V::store(out + d0 + 2 * W, a2);
    V::store(out + d0 + 3 * W, a3);
  }
  for (; d0 < headDim; d0 += W) {
    const int cnt = headDim - d0 < W ? headDim - d0 : W;
    const auto m = V::mask(cnt < W ? cnt : 0);
    // Two accumulators over alternate keys halve the dependent FMA chain.
    R a0 = V::zero(), a1 = V::zero();
    const float* vj = v + d0;
    int j = 0;
    if (cnt == W) {
      for (; j + 2 <= nKv; j += 2, vj += 2 * headDim) {
        a0 = V::fmadd(V::set1(p[j]), V::load(vj), a0);
        a1 = V::fmadd(V::set1(p[j + 1]), V::load(vj + headDim), a1);
      }
      if (j < nKv) a0 = V::fmadd(V::set1(p[j]), V::load(vj), a0);
      V::store(out + d0, V::add(a0, a1));
    } else {
      for (; j + 2 <= nKv; j += 2, vj += 2 * headDim) {
        a0 = V::fmadd(V::set1(p[j]), V::loadm(vj, m), a0);
        a1 = V::fmadd(V::set1(p[j + 1]), V::loadm(vj + headDim, m), a1);
      }
      if (j < nKv) a0 = V::fmadd(V::set1(p[j]), V::loadm(vj, m), a0);
      V::storem(out + d0, m, V::add(a0, a1));
    }
  }
}

// One (query token, head) of attention; see OpsKernels::attn_head.
template <typename V>
void attn_head_simd(const float* q, const float* k, const float* v, int nKv, int headDim, float scale, float* scratch,
                    float* out) {
  qk_scores<V>(q, k, nKv, headDim, scratch);
  softmax_row_simd<V>(scratch, nKv, scale);
  pv_accumulate<V>(scratch, v, nKv, headDim, out);
}

}  // namespace
}  // namespace trueno
