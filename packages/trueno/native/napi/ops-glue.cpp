// N-API glue of the non-matmul bricks; see ops-glue.h. Every size is checked against the typed
// arrays' lengths before a kernel runs, with products in size_t (no int overflow), so a wrong
// call throws TypeError/RangeError instead of reading or writing out of bounds.
#include "ops-glue.h"

#include <string>

#include "../kernels/ops.h"

namespace trueno {
namespace napi_ops {
namespace {

struct Args {
  const Napi::CallbackInfo& info;
  const char* op;

  [[noreturn]] void type_error(const std::string& m) const { throw Napi::TypeError::New(info.Env(), std::string(op) + ": " + m); }
  [[noreturn]] void range_error(const std::string& m) const { throw Napi::RangeError::New(info.Env(), std::string(op) + ": " + m); }

  void count(size_t n, const char* signature) const {
    if (info.Length() < n) type_error(std::string(signature) + ": " + std::to_string(n) + " arguments expected");
  }
  Napi::Float32Array f32(size_t i, const char* name) const {
    if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      type_error(std::string(name) + " must be a Float32Array");
    }
    return info[i].As<Napi::Float32Array>();
  }
  Napi::Int32Array i32(size_t i, const char* name) const {
    if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
      type_error(std::string(name) + " must be an Int32Array");
    }
    return info[i].As<Napi::Int32Array>();
  }
  Napi::Uint8Array u8(size_t i, const char* name) const {
    if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      type_error(std::string(name) + " must be a Uint8Array");
    }
    return info[i].As<Napi::Uint8Array>();
  }
  double num(size_t i, const char* name) const {
    if (!info[i].IsNumber()) type_error(std::string(name) + " must be a number");
    return info[i].As<Napi::Number>().DoubleValue();
  }
  /** An integer in [lo, 2^31). */
  int integer(size_t i, const char* name, int lo) const {
    const double v = num(i, name);
    if (!(v >= lo && v < 2147483648.0) || v != (double)(int)v) {
      range_error(std::string(name) + " must be an integer >= " + std::to_string(lo) + ", got " + std::to_string(v));
    }
    return (int)v;
  }
  /** `a` holds at least `n` values. */
  template <typename A>
  void need(const A& a, size_t n, const char* name) const {
    if (a.ElementLength() < n) {
      range_error(std::string(name) + " needs " + std::to_string(n) + " values, has " + std::to_string(a.ElementLength()));
    }
  }
};

bool overlap(const float* a, size_t na, const float* b, size_t nb) { return a < b + nb && b < a + na; }

/** `out` must be `in` itself (element-wise in place) or not overlap it. */
void same_or_apart(const Args& a, const float* in, const float* out, size_t n, const char* names) {
  if (in != out && overlap(in, n, out, n)) a.range_error(std::string(names) + " overlap without being the same array");
}

OpsContext* ctx_of(const Napi::CallbackInfo& info) { return static_cast<OpsContext*>(info.Data()); }
const OpsKernels& ops_of(const OpsContext* c) { return *ops_kernels_for(c->engine->kernels()->name); }

// rmsNorm(x, weight, eps, nTok, dim, out)
Napi::Value RmsNorm(const Napi::CallbackInfo& info) {
  Args a{info, "rmsNorm"};
  a.count(6, "rmsNorm(x, weight, eps, nTok, dim, out)");
  auto x = a.f32(0, "x");
  auto w = a.f32(1, "weight");
  const float eps = (float)a.num(2, "eps");
  const int nTok = a.integer(3, "nTok", 1);
  const int dim = a.integer(4, "dim", 1);
  auto out = a.f32(5, "out");
  const size_t n = (size_t)nTok * dim;
  a.need(x, n, "x (nTok, dim)");
  a.need(out, n, "out (nTok, dim)");
  a.need(w, (size_t)dim, "weight (dim)");
  same_or_apart(a, x.Data(), out.Data(), n, "x and out");
  rms_norm(x.Data(), w.Data(), eps, nTok, dim, out.Data());
  return info.Env().Undefined();
}

// rope(x, nTok, nHeads, headDim, positions, neox, nRot, freqBase, freqScale, extFactor, attnFactor,
//      betaFast, betaSlow, nCtxOrig, freqFactors | null)
Napi::Value Rope(const Napi::CallbackInfo& info) {
  Args a{info, "rope"};
  a.count(15, "rope(x, nTok, nHeads, headDim, positions, neox, nRot, freqBase, freqScale, extFactor, attnFactor, betaFast, betaSlow, nCtxOrig, freqFactors)");
  auto x = a.f32(0, "x");
  const int nTok = a.integer(1, "nTok", 1);
  const int nHeads = a.integer(2, "nHeads", 1);
  const int headDim = a.integer(3, "headDim", 1);
  auto pos = a.i32(4, "positions");
  if (!info[5].IsBoolean()) a.type_error("neox must be a boolean");
  RopeShape p;
  p.neox = info[5].As<Napi::Boolean>().Value();
  p.nRot = a.integer(6, "nRot", 2);
  p.freqBase = a.num(7, "freqBase");
  p.freqScale = (float)a.num(8, "freqScale");
  p.extFactor = (float)a.num(9, "extFactor");
  p.attnFactor = (float)a.num(10, "attnFactor");
  p.betaFast = a.num(11, "betaFast");
  p.betaSlow = a.num(12, "betaSlow");
  p.nCtxOrig = a.integer(13, "nCtxOrig", 0);
  p.freqFactors = nullptr;
  if (p.nRot % 2 != 0 || p.nRot > headDim) a.range_error("nRot must be even and in 2.." + std::to_string(headDim) + ", got " + std::to_string(p.nRot));
  if (p.extFactor != 0 && p.nCtxOrig < 1) a.range_error("YaRN (extFactor != 0) needs nCtxOrig >= 1");
  if (!info[14].IsNull() && !info[14].IsUndefined()) {
    auto ff = a.f32(14, "freqFactors");
    a.need(ff, (size_t)p.nRot / 2, "freqFactors (nRot / 2)");
    p.freqFactors = ff.Data();
  }
  a.need(x, (size_t)nTok * nHeads * headDim, "x (nTok, nHeads, headDim)");
  a.need(pos, (size_t)nTok, "positions (nTok)");
  OpsContext* c = ctx_of(info);
  if (c->ropeCache.size() < (size_t)p.nRot) c->ropeCache.resize(p.nRot);
  rope(x.Data(), nTok, nHeads, headDim, pos.Data(), p, c->ropeCache.data());
  return info.Env().Undefined();
}

// addBias(x, bias, nTok, n)
Napi::Value AddBias(const Napi::CallbackInfo& info) {
  Args a{info, "addBias"};
  a.count(4, "addBias(x, bias, nTok, n)");
  auto x = a.f32(0, "x");
  auto b = a.f32(1, "bias");
  const int nTok = a.integer(2, "nTok", 1);
  const int n = a.integer(3, "n", 1);
  a.need(x, (size_t)nTok * n, "x (nTok, n)");
  a.need(b, (size_t)n, "bias (n)");
  if (overlap(x.Data(), (size_t)nTok * n, b.Data(), (size_t)n)) a.range_error("x and bias overlap");
  add_bias(x.Data(), b.Data(), nTok, n);
  return info.Env().Undefined();
}

// add(a, b, n, out)
Napi::Value Add(const Napi::CallbackInfo& info) {
  Args a{info, "add"};
  a.count(4, "add(a, b, n, out)");
  auto x = a.f32(0, "a");
  auto y = a.f32(1, "b");
  const int n = a.integer(2, "n", 0);
  auto out = a.f32(3, "out");
  a.need(x, (size_t)n, "a");
  a.need(y, (size_t)n, "b");
  a.need(out, (size_t)n, "out");
  same_or_apart(a, x.Data(), out.Data(), (size_t)n, "a and out");
  same_or_apart(a, y.Data(), out.Data(), (size_t)n, "b and out");
  add(x.Data(), y.Data(), (size_t)n, out.Data());
  return info.Env().Undefined();
}

// swiglu(gate, up, n, out)
Napi::Value Swiglu(const Napi::CallbackInfo& info) {
  Args a{info, "swiglu"};
  a.count(4, "swiglu(gate, up, n, out)");
  auto g = a.f32(0, "gate");
  auto u = a.f32(1, "up");
  const int n = a.integer(2, "n", 0);
  auto out = a.f32(3, "out");
  a.need(g, (size_t)n, "gate");
  a.need(u, (size_t)n, "up");
  a.need(out, (size_t)n, "out");
  same_or_apart(a, g.Data(), out.Data(), (size_t)n, "gate and out");
  same_or_apart(a, u.Data(), out.Data(), (size_t)n, "up and out");
  ops_of(ctx_of(info)).swiglu(g.Data(), u.Data(), (size_t)n, out.Data());
  return info.Env().Undefined();
}

// softmax(x, nRows, n, scale)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Args a{info, "softmax"};
  a.count(4, "softmax(x, nRows, n, scale)");
  auto x = a.f32(0, "x");
  const int nRows = a.integer(1, "nRows", 0);
  const int n = a.integer(2, "n", 1);
  const float scale = (float)a.num(3, "scale");
  a.need(x, (size_t)nRows * n, "x (nRows, n)");
  const OpsKernels& ks = ops_of(ctx_of(info));
  for (int r = 0; r < nRows; ++r) ks.softmax_row(x.Data() + (size_t)r * n, n, scale);
  return info.Env().Undefined();
}

/** Reads and checks the attention shape at info[i..i+5] (nTok, nHeads?, nKvHeads, headDim, ctxLen, pos0). */
AttnShape shape(const Args& a, size_t i, bool withHeads) {
  AttnShape s;
  s.nTok = a.integer(i++, "nTok", 1);
  s.nHeads = withHeads ? a.integer(i++, "nHeads", 1) : 0;
  s.nKvHeads = a.integer(i++, "nKvHeads", 1);
  s.headDim = a.integer(i++, "headDim", 1);
  s.ctxLen = a.integer(i++, "ctxLen", 1);
  s.pos0 = a.integer(i++, "pos0", 0);
  s.scale = withHeads ? (float)a.num(i, "scale") : 1.0f;
  if (withHeads && s.nHeads % s.nKvHeads != 0) {
    a.range_error("nHeads (" + std::to_string(s.nHeads) + ") must be a multiple of nKvHeads (" + std::to_string(s.nKvHeads) + ")");
  }
  if ((size_t)s.pos0 + s.nTok > (size_t)s.ctxLen) {
    a.range_error("positions " + std::to_string(s.pos0) + ".." + std::to_string((size_t)s.pos0 + s.nTok - 1) +
                  " do not fit a cache of " + std::to_string(s.ctxLen) + " positions");
  }
  return s;
}

// storeKv(k, v, kCache, vCache, nTok, nKvHeads, headDim, ctxLen, pos0)
Napi::Value StoreKv(const Napi::CallbackInfo& info) {
  Args a{info, "storeKv"};
  a.count(9, "storeKv(k, v, kCache, vCache, nTok, nKvHeads, headDim, ctxLen, pos0)");
  auto k = a.f32(0, "k");
  auto v = a.f32(1, "v");
  auto kc = a.f32(2, "kCache");
  auto vc = a.f32(3, "vCache");
  const AttnShape s = shape(a, 4, false);
  const size_t nIn = (size_t)s.nTok * s.nKvHeads * s.headDim;
  const size_t nCache = (size_t)s.nKvHeads * s.ctxLen * s.headDim;
  a.need(k, nIn, "k (nTok, nKvHeads * headDim)");
  a.need(v, nIn, "v (nTok, nKvHeads * headDim)");
  a.need(kc, nCache, "kCache (nKvHeads, ctxLen, headDim)");
  a.need(vc, nCache, "vCache (nKvHeads, ctxLen, headDim)");
  for (const float* src : {k.Data(), v.Data()}) {
    if (overlap(src, nIn, kc.Data(), nCache) || overlap(src, nIn, vc.Data(), nCache)) a.range_error("k/v overlap a cache");
  }
  store_kv(s, k.Data(), v.Data(), kc.Data(), vc.Data());
  return info.Env().Undefined();
}

// attention(q, kCache, vCache, out, nTok, nHeads, nKvHeads, headDim, ctxLen, pos0, scale)
Napi::Value Attention(const Napi::CallbackInfo& info) {
  Args a{info, "attention"};
  a.count(11, "attention(q, kCache, vCache, out, nTok, nHeads, nKvHeads, headDim, ctxLen, pos0, scale)");
  auto q = a.f32(0, "q");
  auto kc = a.f32(1, "kCache");
  auto vc = a.f32(2, "vCache");
  auto out = a.f32(3, "out");
  const AttnShape s = shape(a, 4, true);
  const size_t nQ = (size_t)s.nTok * s.nHeads * s.headDim;
  const size_t nCache = (size_t)s.nKvHeads * s.ctxLen * s.headDim;
  a.need(q, nQ, "q (nTok, nHeads * headDim)");
  a.need(out, nQ, "out (nTok, nHeads * headDim)");
  a.need(kc, nCache, "kCache (nKvHeads, ctxLen, headDim)");
  a.need(vc, nCache, "vCache (nKvHeads, ctxLen, headDim)");
  if (overlap(out.Data(), nQ, q.Data(), nQ) || overlap(out.Data(), nQ, kc.Data(), nCache) || overlap(out.Data(), nQ, vc.Data(), nCache)) {
    a.range_error("out overlaps q or a cache");
  }
  OpsContext* c = ctx_of(info);
  const size_t stride = (attn_scratch_floats(s.pos0 + s.nTok, s.headDim) + 15) / 16 * 16;
  float* scratch = c->scratch(stride * (size_t)c->engine->pool().size());
  attention(c->engine->pool(), ops_of(c), s, q.Data(), kc.Data(), vc.Data(), out.Data(), scratch, stride);
  return info.Env().Undefined();
}

// getRows(w, type, n, nRows, ids, nIds, out)
Napi::Value GetRows(const Napi::CallbackInfo& info) {
  Args a{info, "getRows"};
  a.count(7, "getRows(w, type, n, nRows, ids, nIds, out)");
  auto w = a.u8(0, "w");
  const int type = a.integer(1, "type", 0);
  const int n = a.integer(2, "n", 1);
  const int nRows = a.integer(3, "nRows", 1);
  auto ids = a.i32(4, "ids");
  const int nIds = a.integer(5, "nIds", 0);
  auto out = a.f32(6, "out");
  if (!get_rows_supports(type)) a.type_error("ggml type " + std::to_string(type) + " has no native get_rows");
  if (n % get_rows_block_size(type) != 0) {
    a.range_error("n " + std::to_string(n) + " is not a whole number of blocks of " + std::to_string(get_rows_block_size(type)));
  }
  const size_t need = get_rows_row_bytes(type, (size_t)n) * (size_t)nRows;
  if (w.ByteLength() < need) a.range_error("w holds " + std::to_string(w.ByteLength()) + " bytes, needs " + std::to_string(need));
  a.need(ids, (size_t)nIds, "ids");
  a.need(out, (size_t)nIds * n, "out (nIds, n)");
  const int32_t* id = ids.Data();
  for (int t = 0; t < nIds; ++t) {
    if (id[t] < 0 || id[t] >= nRows) {
      a.range_error("row id " + std::to_string(id[t]) + " at index " + std::to_string(t) + " is out of range 0.." + std::to_string(nRows - 1));
    }
  }
  get_rows(type, w.Data(), n, id, nIds, out.Data());
  return info.Env().Undefined();
}

// argmax(x, n)
Napi::Value Argmax(const Napi::CallbackInfo& info) {
  Args a{info, "argmax"};
  a.count(2, "argmax(x, n)");
  auto x = a.f32(0, "x");
  const int n = a.integer(1, "n", 1);
  a.need(x, (size_t)n, "x");
  return Napi::Number::New(info.Env(), argmax(x.Data(), n));
}

}  // namespace

float* OpsContext::scratch(size_t floats) {
  if (floats > cap_) {
    size_t cap = cap_ + cap_ / 2;
    if (cap < floats) cap = floats;
    mem_.reset(new float[cap + 16]);
    const uintptr_t base = reinterpret_cast<uintptr_t>(mem_.get());
    aligned_ = mem_.get() + ((64 - (base & 63)) & 63) / sizeof(float);
    cap_ = cap;
  }
  return aligned_;
}

void define(Napi::Env env, Napi::Object exports, OpsContext* ctx) {
  const struct {
    const char* name;
    Napi::Value (*fn)(const Napi::CallbackInfo&);
  } fns[] = {
      {"rmsNorm", RmsNorm}, {"rope", Rope},     {"addBias", AddBias},     {"add", Add},         {"swiglu", Swiglu},
      {"softmax", Softmax}, {"storeKv", StoreKv}, {"attention", Attention}, {"getRows", GetRows}, {"argmax", Argmax},
  };
  for (const auto& f : fns) exports.Set(f.name, Napi::Function::New(env, f.fn, f.name, ctx));
}

void add_info(Napi::Env env, Napi::Object info, const OpsContext* ctx) {
  int types[16];
  int count = 0;
  get_rows_types(types, &count);
  Napi::Array arr = Napi::Array::New(env, count);
  for (int i = 0; i < count; ++i) arr.Set(i, types[i]);
  info.Set("getRowsTypes", arr);
  info.Set("opsScratchBytes", (double)ctx->scratch_bytes());
}

}  // namespace napi_ops
}  // namespace trueno
