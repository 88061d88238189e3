// N-API glue of the trueno native addon: argument checks and conversions only; the numerics live
// in ../kernels. This file holds the engine and matmul; the other bricks' exports are in
// ops-glue.cpp. One Engine (kernel set, thread pool, activation scratch) per JS environment, so
// the addon is safe to load in worker threads. Calls are synchronous: the JS thread is worker 0
// of the pool and returns when the matmul is done. Typed arrays are passed in and written in
// place; nothing is allocated per call once the scratch has grown to the largest batch.
#include <napi.h>

#include <cstdlib>
#include <iterator>
#include <memory>
#include <string>

#include "../kernels/dispatch.h"
#include "../kernels/matmul.h"
#include "../kernels/thread-pool.h"
#include "ops-glue.h"

namespace {

using trueno::Engine;

bool is_typed(const Napi::Value& v, napi_typedarray_type type) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == type;
}

int32_t int_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().Int32Value();
}

class TruenoAddon : public Napi::Addon<TruenoAddon> {
 public:
  TruenoAddon(Napi::Env env, Napi::Object exports) {
    const char* isaEnv = std::getenv("TRUENO_ISA");
    const trueno::KernelSet* ks = isaEnv && *isaEnv ? trueno::find_kernel_set(isaEnv) : nullptr;
    engine_ = std::make_unique<Engine>(ks ? ks : trueno::best_kernel_set(), trueno::physical_cores());
    DefineAddon(exports, {
                             InstanceMethod("info", &TruenoAddon::Info),
                             InstanceMethod("setThreads", &TruenoAddon::SetThreads),
                             InstanceMethod("setIsa", &TruenoAddon::SetIsa),
                             InstanceMethod("setSpinMicros", &TruenoAddon::SetSpinMicros),
                             InstanceMethod("matmul", &TruenoAddon::Matmul),
                             InstanceMethod("quantizeRow", &TruenoAddon::QuantizeRow),
                         });
    ops_ = std::make_unique<trueno::napi_ops::OpsContext>(engine_.get());
    trueno::napi_ops::define(env, exports, ops_.get());
  }

 private:
  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("isa", engine_->kernels()->name);
    const auto sets = trueno::supported_kernel_sets();
    Napi::Array isas = Napi::Array::New(env, sets.size());
    for (size_t i = 0; i < sets.size(); ++i) isas.Set(i, sets[i]->name);
    o.Set("isas", isas);
    o.Set("threads", engine_->pool().size());
    o.Set("physicalCores", trueno::physical_cores());
    static const int kTypes[] = {trueno::GGML_F32, trueno::GGML_F16, trueno::GGML_Q4_0, trueno::GGML_Q5_0,
                                 trueno::GGML_Q8_0, trueno::GGML_Q4_K, trueno::GGML_Q6_K,
                                 trueno::GGML_Q4_1, trueno::GGML_Q5_1, trueno::GGML_Q2_K, trueno::GGML_Q3_K, trueno::GGML_Q5_K, trueno::GGML_BF16};
    Napi::Array types = Napi::Array::New(env, std::size(kTypes));
    for (size_t i = 0; i < std::size(kTypes); ++i) types.Set(i, kTypes[i]);
    o.Set("types", types);
    o.Set("scratchBytes", (double)engine_->scratch_bytes());
    const trueno::AmxState& amx = engine_->amx();
    o.Set("amx", amx.on);
    if (!amx.on) o.Set("amxReason", amx.reason);
    o.Set("amxMinTokens", amx.minTokens);
    trueno::napi_ops::add_info(env, o, ops_.get());
#if defined(__clang__)
    o.Set("compiler", std::string("clang ") + __clang_version__);
#elif defined(__GNUC__)
    o.Set("compiler", std::string("gcc ") + __VERSION__);
#else
    o.Set("compiler", "unknown");
#endif
    return o;
  }

  Napi::Value SetThreads(const Napi::CallbackInfo& info) {
    const int n = int_arg(info, 0, "threads");
    if (n < 1 || n > 1024) throw Napi::RangeError::New(info.Env(), "threads must be in 1..1024");
    engine_->pool().resize(n);
    return Napi::Number::New(info.Env(), engine_->pool().size());
  }

  Napi::Value SetIsa(const Napi::CallbackInfo& info) {
    if (!info[0].IsString()) throw Napi::TypeError::New(info.Env(), "isa must be a string");
    const trueno::KernelSet* ks = trueno::find_kernel_set(info[0].As<Napi::String>().Utf8Value());
    if (ks) engine_->set_kernels(ks);
    return Napi::Boolean::New(info.Env(), ks != nullptr);
  }

  Napi::Value SetSpinMicros(const Napi::CallbackInfo& info) {
    const int us = int_arg(info, 0, "micros");
    engine_->pool().set_spin_us(us < 0 ? 0 : us);
    return info.Env().Undefined();
  }

  // matmul(w: Uint8Array, type, nIn, nOut, x: Float32Array, nTok, out: Float32Array)
  Napi::Value Matmul(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 7) throw Napi::TypeError::New(env, "matmul(w, type, nIn, nOut, x, nTok, out): 7 arguments expected");
    if (!is_typed(info[0], napi_uint8_array)) throw Napi::TypeError::New(env, "w must be a Uint8Array");
    if (!is_typed(info[4], napi_float32_array)) throw Napi::TypeError::New(env, "x must be a Float32Array");
    if (!is_typed(info[6], napi_float32_array)) throw Napi::TypeError::New(env, "out must be a Float32Array");
    const int type = int_arg(info, 1, "type");
    const int nIn = int_arg(info, 2, "nIn");
    const int nOut = int_arg(info, 3, "nOut");
    const int nTok = int_arg(info, 5, "nTok");
    const int kind = trueno::kind_of(type);
    if (kind < 0) throw Napi::TypeError::New(env, "ggml type " + std::to_string(type) + " has no native kernel");
    if (nIn < 1 || nOut < 1 || nTok < 1) throw Napi::RangeError::New(env, "nIn, nOut and nTok must be positive");
    if (nIn % trueno::block_size(kind) != 0) {
      throw Napi::RangeError::New(env, "nIn " + std::to_string(nIn) + " is not a whole number of blocks of " +
                                           std::to_string(trueno::block_size(kind)));
    }
    Napi::Uint8Array w = info[0].As<Napi::Uint8Array>();
    Napi::Float32Array x = info[4].As<Napi::Float32Array>();
    Napi::Float32Array out = info[6].As<Napi::Float32Array>();
    const size_t wBytes = trueno::row_bytes(kind, (size_t)nIn) * (size_t)nOut;
    if (w.ByteLength() < wBytes) throw Napi::RangeError::New(env, "w holds " + std::to_string(w.ByteLength()) + " bytes, needs " + std::to_string(wBytes));
    if (x.ElementLength() < (size_t)nTok * nIn) throw Napi::RangeError::New(env, "x is shorter than nTok * nIn");
    if (out.ElementLength() < (size_t)nTok * nOut) throw Napi::RangeError::New(env, "out is shorter than nTok * nOut");
    const float* xp = x.Data();
    float* op = out.Data();
    // f32 weights read x while out is written: the two must not overlap.
    if (op < xp + (size_t)nTok * nIn && xp < op + (size_t)nTok * nOut) throw Napi::RangeError::New(env, "x and out overlap");
    engine_->matmul(kind, w.Data(), nIn, nOut, xp, nTok, op);
    return env.Undefined();
  }

  // quantizeRow(format: 'q8_0' | 'q8_1' | 'q8_K' | 'f16' | 'bf16', x: Float32Array, y: Uint8Array)
  Napi::Value QuantizeRow(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsString()) throw Napi::TypeError::New(env, "format must be a string");
    if (!is_typed(info[1], napi_float32_array)) throw Napi::TypeError::New(env, "x must be a Float32Array");
    if (!is_typed(info[2], napi_uint8_array)) throw Napi::TypeError::New(env, "y must be a Uint8Array");
    const std::string f = info[0].As<Napi::String>().Utf8Value();
    trueno::ActFormat fmt;
    int block;
    if (f == "q8_0") fmt = trueno::ACT_Q8_0, block = trueno::QK8_0;
    else if (f == "q8_K") fmt = trueno::ACT_Q8_K, block = trueno::QK_K;
    else if (f == "f16") fmt = trueno::ACT_F16, block = 1;
    else if (f == "q8_1") fmt = trueno::ACT_Q8_1, block = trueno::QK8_0;
    else if (f == "bf16") fmt = trueno::ACT_BF16, block = 1;
    else throw Napi::TypeError::New(env, "format must be q8_0, q8_1, q8_K, f16 or bf16, got " + f);
    Napi::Float32Array x = info[1].As<Napi::Float32Array>();
    Napi::Uint8Array y = info[2].As<Napi::Uint8Array>();
    const size_t n = x.ElementLength();
    if (n % block != 0) throw Napi::RangeError::New(env, "x length is not a whole number of blocks");
    if (y.ByteLength() < trueno::act_row_bytes(fmt, n)) throw Napi::RangeError::New(env, "y is too small");
    engine_->quantize(fmt, x.Data(), y.Data(), (int)n);
    return env.Undefined();
  }

  std::unique_ptr<Engine> engine_;
  std::unique_ptr<trueno::napi_ops::OpsContext> ops_;  // after engine_: destroyed first
};

}  // namespace

NODE_API_ADDON(TruenoAddon)
