// Argument conversions of the trueno-gpu addon: bigint handles and device pointers, sizes,
// 32-bit launch dimensions and host memory views, each with a TypeError/RangeError naming the
// argument.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

namespace trueno_gpu::napi_args {

inline uint64_t u64_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  const Napi::Value v = info[i];
  if (v.IsBigInt()) {
    bool lossless = true;
    const uint64_t r = v.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throw Napi::RangeError::New(info.Env(), std::string(name) + " does not fit in 64 bits");
    return r;
  }
  if (v.IsNumber()) {
    const double d = v.As<Napi::Number>().DoubleValue();
    if (d < 0 || d != static_cast<double>(static_cast<uint64_t>(d))) throw Napi::RangeError::New(info.Env(), std::string(name) + " must be a non-negative integer");
    return static_cast<uint64_t>(d);
  }
  throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a bigint");
}

template <typename H>
H handle_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return reinterpret_cast<H>(static_cast<uintptr_t>(u64_arg(info, i, name)));
}

inline int64_t int_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().Int64Value();
}

inline size_t size_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  const double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d != static_cast<double>(static_cast<uint64_t>(d))) throw Napi::RangeError::New(info.Env(), std::string(name) + " must be a non-negative integer");
  return static_cast<size_t>(d);
}

inline unsigned uint_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  const int64_t v = int_arg(info, i, name);
  if (v < 0 || v > 0xFFFFFFFFLL) throw Napi::RangeError::New(info.Env(), std::string(name) + " must be a 32-bit unsigned integer");
  return static_cast<unsigned>(v);
}

struct HostSpan {
  uint8_t* data;
  size_t bytes;
};

inline HostSpan host_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  const Napi::Value v = info[i];
  if (v.IsTypedArray()) {
    auto t = v.As<Napi::TypedArray>();
    return {static_cast<uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset(), t.ByteLength()};
  }
  if (v.IsDataView()) {
    auto d = v.As<Napi::DataView>();
    return {static_cast<uint8_t*>(d.ArrayBuffer().Data()) + d.ByteOffset(), d.ByteLength()};
  }
  if (v.IsArrayBuffer()) {
    auto b = v.As<Napi::ArrayBuffer>();
    return {static_cast<uint8_t*>(b.Data()), b.ByteLength()};
  }
  throw Napi::TypeError::New(info.Env(), std::string(name) + " must be an ArrayBuffer or a view of one");
}

inline Napi::BigInt big(Napi::Env env, uint64_t v) { return Napi::BigInt::New(env, v); }
template <typename H>
Napi::BigInt big_handle(Napi::Env env, H h) {
  return Napi::BigInt::New(env, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(h)));
}

}  // namespace trueno_gpu::napi_args
