// N-API glue of the trueno-gpu CUDA binding: one `CudaLibrary` object per dlopen'ed libcuda,
// whose methods are the driver calls with JS-friendly arguments. Conversions and checks only; the
// policy (contexts, lifetimes, typed errors) lives in src/driver/*.ts.
//
// Conventions: device pointers and opaque handles (contexts, modules, functions, streams, graphs)
// cross as BigInt; host memory as an ArrayBuffer or a view of one (the whole view is copied);
// a failing CUresult throws an Error with `cuCode`, `cuName`, `cuString`, `cuCall` (and `jitLog`
// for a failed module load), which src/driver/cuda-error.ts turns into a typed error.
//
// Lifetimes: async copies read/write JS memory after the call returns. This glue does not retain
// it; the TypeScript CudaStream holds a reference to every buffer of a pending async copy until
// the stream (or the context) is synchronized — the only supported way to reach these methods.
#include <napi.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "../driver/cuda-api.h"
#include "args.h"

namespace {

using trueno_gpu::CudaApi;
using namespace trueno_gpu::napi_args;

class CudaLibrary : public Napi::ObjectWrap<CudaLibrary> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "CudaLibrary",
                       {
                           InstanceMethod("info", &CudaLibrary::Info),
                           InstanceMethod("init", &CudaLibrary::Init),
                           InstanceMethod("driverVersion", &CudaLibrary::DriverVersion),
                           InstanceMethod("deviceCount", &CudaLibrary::DeviceCount),
                           InstanceMethod("device", &CudaLibrary::Device),
                           InstanceMethod("deviceName", &CudaLibrary::DeviceName),
                           InstanceMethod("deviceTotalMem", &CudaLibrary::DeviceTotalMem),
                           InstanceMethod("deviceAttribute", &CudaLibrary::DeviceAttribute),
                           InstanceMethod("memGetInfo", &CudaLibrary::MemGetInfo),
                           InstanceMethod("primaryCtxRetain", &CudaLibrary::PrimaryCtxRetain),
                           InstanceMethod("primaryCtxRelease", &CudaLibrary::PrimaryCtxRelease),
                           InstanceMethod("ctxSetCurrent", &CudaLibrary::CtxSetCurrent),
                           InstanceMethod("ctxSynchronize", &CudaLibrary::CtxSynchronize),
                           InstanceMethod("moduleLoad", &CudaLibrary::ModuleLoad),
                           InstanceMethod("moduleGetFunction", &CudaLibrary::ModuleGetFunction),
                           InstanceMethod("moduleUnload", &CudaLibrary::ModuleUnload),
                           InstanceMethod("funcGetAttribute", &CudaLibrary::FuncGetAttribute),
                           InstanceMethod("funcSetAttribute", &CudaLibrary::FuncSetAttribute),
                           InstanceMethod("memAlloc", &CudaLibrary::MemAlloc),
                           InstanceMethod("memFree", &CudaLibrary::MemFree),
                           InstanceMethod("memAllocHost", &CudaLibrary::MemAllocHost),
                           InstanceMethod("memFreeHost", &CudaLibrary::MemFreeHost),
                           InstanceMethod("memcpyHtoD", &CudaLibrary::MemcpyHtoD),
                           InstanceMethod("memcpyDtoH", &CudaLibrary::MemcpyDtoH),
                           InstanceMethod("memcpyDtoD", &CudaLibrary::MemcpyDtoD),
                           InstanceMethod("memcpyHtoDAsync", &CudaLibrary::MemcpyHtoDAsync),
                           InstanceMethod("memcpyDtoHAsync", &CudaLibrary::MemcpyDtoHAsync),
                           InstanceMethod("memsetD8", &CudaLibrary::MemsetD8),
                           InstanceMethod("streamCreate", &CudaLibrary::StreamCreate),
                           InstanceMethod("streamSynchronize", &CudaLibrary::StreamSynchronize),
                           InstanceMethod("streamDestroy", &CudaLibrary::StreamDestroy),
                           InstanceMethod("launch", &CudaLibrary::Launch),
                           InstanceMethod("streamBeginCapture", &CudaLibrary::StreamBeginCapture),
                           InstanceMethod("streamEndCapture", &CudaLibrary::StreamEndCapture),
                           InstanceMethod("graphInstantiate", &CudaLibrary::GraphInstantiate),
                           InstanceMethod("graphLaunch", &CudaLibrary::GraphLaunch),
                           InstanceMethod("graphExecDestroy", &CudaLibrary::GraphExecDestroy),
                           InstanceMethod("graphDestroy", &CudaLibrary::GraphDestroy),
                           InstanceMethod("errorName", &CudaLibrary::ErrorName),
                           InstanceMethod("errorString", &CudaLibrary::ErrorString),
                       });
  }

  /** new CudaLibrary(path): throws an Error whose message is the reason the library is unusable. */
  explicit CudaLibrary(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CudaLibrary>(info) {
    if (!info[0].IsString()) throw Napi::TypeError::New(info.Env(), "CudaLibrary(path): path must be a string");
    std::string reason;
    api_ = CudaApi::open(info[0].As<Napi::String>().Utf8Value(), &reason);
    if (!api_) throw Napi::Error::New(info.Env(), reason);
  }

 private:
  std::unique_ptr<CudaApi> api_;
  std::unordered_set<void*> pinned_;  // cuMemAllocHost blocks handed to JS, so memFreeHost frees only those

  const char* name_of(CUresult r) const {
    const char* s = nullptr;
    if (api_->cuGetErrorName && api_->cuGetErrorName(r, &s) == CUDA_SUCCESS && s) return s;
    return nullptr;
  }

  Napi::Error error(Napi::Env env, CUresult r, const char* call) const {
    const char* name = name_of(r);
    const char* text = nullptr;
    if (api_->cuGetErrorString && api_->cuGetErrorString(r, &text) != CUDA_SUCCESS) text = nullptr;
    std::string msg = std::string(call) + " failed: " + (name ? name : ("CUresult " + std::to_string(r)));
    if (text) msg += std::string(" (") + text + ")";
    Napi::Error e = Napi::Error::New(env, msg);
    e.Set("cuCode", Napi::Number::New(env, r));
    if (name) e.Set("cuName", name);
    if (text) e.Set("cuString", text);
    e.Set("cuCall", call);
    return e;
  }

  void check(Napi::Env env, CUresult r, const char* call) const {
    if (r != CUDA_SUCCESS) throw error(env, r, call);
  }

  template <typename F>
  F need(Napi::Env env, F fn, const char* name) const {
    if (!fn) {
      Napi::Error e = Napi::Error::New(env, std::string(name) + " is not exported by " + api_->path + " (driver too old?)");
      e.Set("cuCode", Napi::Number::New(env, CUDA_ERROR_NOT_SUPPORTED));
      e.Set("cuName", "CUDA_ERROR_NOT_SUPPORTED");
      e.Set("cuCall", name);
      throw e;
    }
    return fn;
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("path", api_->path);
    Napi::Array missing = Napi::Array::New(env, api_->missing.size());
    for (size_t i = 0; i < api_->missing.size(); ++i) missing.Set(i, api_->missing[i]);
    o.Set("missing", missing);
    o.Set("graphs", api_->graphs());
    o.Set("pinnedHost", api_->cuMemAllocHost_v2 != nullptr && api_->cuMemFreeHost != nullptr);
    return o;
  }

  Napi::Value Init(const Napi::CallbackInfo& info) {
    check(info.Env(), api_->cuInit(0), "cuInit");
    return info.Env().Undefined();
  }

  Napi::Value DriverVersion(const Napi::CallbackInfo& info) {
    int v = 0;
    check(info.Env(), api_->cuDriverGetVersion(&v), "cuDriverGetVersion");
    return Napi::Number::New(info.Env(), v);
  }

  Napi::Value DeviceCount(const Napi::CallbackInfo& info) {
    int n = 0;
    check(info.Env(), api_->cuDeviceGetCount(&n), "cuDeviceGetCount");
    return Napi::Number::New(info.Env(), n);
  }

  Napi::Value Device(const Napi::CallbackInfo& info) {
    CUdevice d = 0;
    check(info.Env(), api_->cuDeviceGet(&d, static_cast<int>(int_arg(info, 0, "ordinal"))), "cuDeviceGet");
    return Napi::Number::New(info.Env(), d);
  }

  Napi::Value DeviceName(const Napi::CallbackInfo& info) {
    char name[256] = {0};
    check(info.Env(), api_->cuDeviceGetName(name, sizeof(name) - 1, static_cast<CUdevice>(int_arg(info, 0, "device"))), "cuDeviceGetName");
    return Napi::String::New(info.Env(), name);
  }

  Napi::Value DeviceTotalMem(const Napi::CallbackInfo& info) {
    size_t bytes = 0;
    check(info.Env(), api_->cuDeviceTotalMem_v2(&bytes, static_cast<CUdevice>(int_arg(info, 0, "device"))), "cuDeviceTotalMem_v2");
    return Napi::Number::New(info.Env(), static_cast<double>(bytes));
  }

  Napi::Value DeviceAttribute(const Napi::CallbackInfo& info) {
    int v = 0;
    check(info.Env(),
          api_->cuDeviceGetAttribute(&v, static_cast<int>(int_arg(info, 1, "attribute")), static_cast<CUdevice>(int_arg(info, 0, "device"))),
          "cuDeviceGetAttribute");
    return Napi::Number::New(info.Env(), v);
  }

  Napi::Value MemGetInfo(const Napi::CallbackInfo& info) {
    size_t free = 0, total = 0;
    check(info.Env(), need(info.Env(), api_->cuMemGetInfo_v2, "cuMemGetInfo_v2")(&free, &total), "cuMemGetInfo_v2");
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("free", static_cast<double>(free));
    o.Set("total", static_cast<double>(total));
    return o;
  }

  Napi::Value PrimaryCtxRetain(const Napi::CallbackInfo& info) {
    CUcontext c = nullptr;
    check(info.Env(), api_->cuDevicePrimaryCtxRetain(&c, static_cast<CUdevice>(int_arg(info, 0, "device"))), "cuDevicePrimaryCtxRetain");
    return big_handle(info.Env(), c);
  }

  Napi::Value PrimaryCtxRelease(const Napi::CallbackInfo& info) {
    check(info.Env(), api_->cuDevicePrimaryCtxRelease_v2(static_cast<CUdevice>(int_arg(info, 0, "device"))), "cuDevicePrimaryCtxRelease_v2");
    return info.Env().Undefined();
  }

  Napi::Value CtxSetCurrent(const Napi::CallbackInfo& info) {
    check(info.Env(), api_->cuCtxSetCurrent(handle_arg<CUcontext>(info, 0, "context")), "cuCtxSetCurrent");
    return info.Env().Undefined();
  }

  Napi::Value CtxSynchronize(const Napi::CallbackInfo& info) {
    check(info.Env(), api_->cuCtxSynchronize(), "cuCtxSynchronize");
    return info.Env().Undefined();
  }

  /**
   * moduleLoad(ptx, verbose): {module, infoLog, wallMs}. The JIT writes its messages into the two
   * log buffers; a failure throws with the error log (ptxas' line-numbered complaints) as `jitLog`.
   */
  Napi::Value ModuleLoad(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsString()) throw Napi::TypeError::New(env, "ptx must be a string");
    const std::string ptx = info[0].As<Napi::String>().Utf8Value();
    const bool verbose = info.Length() > 1 && info[1].ToBoolean().Value();
    constexpr size_t kLog = 16384;
    std::vector<char> infoLog(kLog, 0), errorLog(kLog, 0);
    float wallMs = 0;
    CUjit_option opts[] = {CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES, CU_JIT_ERROR_LOG_BUFFER,
                           CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, CU_JIT_WALL_TIME, CU_JIT_LOG_VERBOSE};
    // Option values travel as void*: sizes and flags are cast in, and the driver writes the used log
    // sizes and the wall time (a float in the pointer's low bits) back into the same slots.
    void* vals[] = {infoLog.data(), reinterpret_cast<void*>(static_cast<uintptr_t>(kLog - 1)), errorLog.data(),
                    reinterpret_cast<void*>(static_cast<uintptr_t>(kLog - 1)), nullptr,
                    reinterpret_cast<void*>(static_cast<uintptr_t>(verbose ? 1 : 0))};
    CUmodule mod = nullptr;
    const CUresult r = api_->cuModuleLoadDataEx(&mod, ptx.c_str(), 6, opts, vals);
    std::memcpy(&wallMs, &vals[4], sizeof(float));
    if (r != CUDA_SUCCESS) {
      Napi::Error e = error(env, r, "cuModuleLoadDataEx");
      e.Set("jitLog", std::string(errorLog.data()));
      e.Set("jitInfoLog", std::string(infoLog.data()));
      throw e;
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("module", big_handle(env, mod));
    o.Set("infoLog", std::string(infoLog.data()));
    o.Set("wallMs", static_cast<double>(wallMs));
    return o;
  }

  Napi::Value ModuleGetFunction(const Napi::CallbackInfo& info) {
    if (!info[1].IsString()) throw Napi::TypeError::New(info.Env(), "name must be a string");
    CUfunction f = nullptr;
    const std::string name = info[1].As<Napi::String>().Utf8Value();
    check(info.Env(), api_->cuModuleGetFunction(&f, handle_arg<CUmodule>(info, 0, "module"), name.c_str()), "cuModuleGetFunction");
    return big_handle(info.Env(), f);
  }

  Napi::Value ModuleUnload(const Napi::CallbackInfo& info) {
    check(info.Env(), api_->cuModuleUnload(handle_arg<CUmodule>(info, 0, "module")), "cuModuleUnload");
    return info.Env().Undefined();
  }

  Napi::Value FuncGetAttribute(const Napi::CallbackInfo& info) {
    int v = 0;
    check(info.Env(),
          need(info.Env(), api_->cuFuncGetAttribute, "cuFuncGetAttribute")(&v, static_cast<int>(int_arg(info, 1, "attribute")),
                                                                           handle_arg<CUfunction>(info, 0, "function")),
          "cuFuncGetAttribute");
    return Napi::Number::New(info.Env(), v);
  }

  Napi::Value FuncSetAttribute(const Napi::CallbackInfo& info) {
    check(info.Env(),
          need(info.Env(), api_->cuFuncSetAttribute, "cuFuncSetAttribute")(handle_arg<CUfunction>(info, 0, "function"),
                                                                           static_cast<int>(int_arg(info, 1, "attribute")),
                                                                           static_cast<int>(int_arg(info, 2, "value"))),
          "cuFuncSetAttribute");
    return info.Env().Undefined();
  }

  Napi::Value MemAlloc(const Napi::CallbackInfo& info) {
    CUdeviceptr p = 0;
    check(info.Env(), api_->cuMemAlloc_v2(&p, size_arg(info, 0, "bytes")), "cuMemAlloc_v2");
    return big(info.Env(), p);
  }

  Napi::Value MemFree(const Napi::CallbackInfo& info) {
    check(info.Env(), api_->cuMemFree_v2(u64_arg(info, 0, "pointer")), "cuMemFree_v2");
    return info.Env().Undefined();
  }

  /** memAllocHost(bytes): page-locked host memory as an external ArrayBuffer (freed by memFreeHost only). */
  Napi::Value MemAllocHost(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const size_t bytes = size_arg(info, 0, "bytes");
    void* p = nullptr;
    check(env, need(env, api_->cuMemAllocHost_v2, "cuMemAllocHost_v2")(&p, bytes == 0 ? 1 : bytes), "cuMemAllocHost_v2");
    pinned_.insert(p);
    return Napi::ArrayBuffer::New(env, p, bytes);
  }

  /** memFreeHost(buffer): detaches the ArrayBuffer (so JS cannot touch freed memory), then frees it. */
  Napi::Value MemFreeHost(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsArrayBuffer()) throw Napi::TypeError::New(env, "memFreeHost: expected the ArrayBuffer memAllocHost returned");
    auto buf = info[0].As<Napi::ArrayBuffer>();
    void* p = buf.Data();
    if (!pinned_.count(p)) throw Napi::Error::New(env, "memFreeHost: this ArrayBuffer was not allocated by memAllocHost (or is already freed)");
    buf.Detach();
    pinned_.erase(p);
    check(env, need(env, api_->cuMemFreeHost, "cuMemFreeHost")(p), "cuMemFreeHost");
    return env.Undefined();
  }

  Napi::Value MemcpyHtoD(const Napi::CallbackInfo& info) {
    const HostSpan s = host_arg(info, 1, "source");
    check(info.Env(), api_->cuMemcpyHtoD_v2(u64_arg(info, 0, "destination"), s.data, s.bytes), "cuMemcpyHtoD_v2");
    return info.Env().Undefined();
  }

  Napi::Value MemcpyDtoH(const Napi::CallbackInfo& info) {
    const HostSpan d = host_arg(info, 0, "destination");
    check(info.Env(), api_->cuMemcpyDtoH_v2(d.data, u64_arg(info, 1, "source"), d.bytes), "cuMemcpyDtoH_v2");
    return info.Env().Undefined();
  }

  Napi::Value MemcpyDtoD(const Napi::CallbackInfo& info) {
    check(info.Env(),
          need(info.Env(), api_->cuMemcpyDtoD_v2, "cuMemcpyDtoD_v2")(u64_arg(info, 0, "destination"), u64_arg(info, 1, "source"), size_arg(info, 2, "bytes")),
          "cuMemcpyDtoD_v2");
    return info.Env().Undefined();
  }

  Napi::Value MemcpyHtoDAsync(const Napi::CallbackInfo& info) {
    const HostSpan s = host_arg(info, 1, "source");
    check(info.Env(), api_->cuMemcpyHtoDAsync_v2(u64_arg(info, 0, "destination"), s.data, s.bytes, handle_arg<CUstream>(info, 2, "stream")),
          "cuMemcpyHtoDAsync_v2");
    return info.Env().Undefined();
  }

  Napi::Value MemcpyDtoHAsync(const Napi::CallbackInfo& info) {
    const HostSpan d = host_arg(info, 0, "destination");
    check(info.Env(), api_->cuMemcpyDtoHAsync_v2(d.data, u64_arg(info, 1, "source"), d.bytes, handle_arg<CUstream>(info, 2, "stream")),
          "cuMemcpyDtoHAsync_v2");
    return info.Env().Undefined();
  }

  Napi::Value MemsetD8(const Napi::CallbackInfo& info) {
    const int64_t value = int_arg(info, 1, "value");
    if (value < 0 || value > 255) throw Napi::RangeError::New(info.Env(), "memsetD8: value must be a byte (0..255)");
    check(info.Env(), api_->cuMemsetD8_v2(u64_arg(info, 0, "destination"), static_cast<unsigned char>(value), size_arg(info, 2, "bytes")),
          "cuMemsetD8_v2");
    return info.Env().Undefined();
  }

  Napi::Value StreamCreate(const Napi::CallbackInfo& info) {
    CUstream s = nullptr;
    check(info.Env(), api_->cuStreamCreate(&s, uint_arg(info, 0, "flags")), "cuStreamCreate");
    return big_handle(info.Env(), s);
  }

  Napi::Value StreamSynchronize(const Napi::CallbackInfo& info) {
    check(info.Env(), api_->cuStreamSynchronize(handle_arg<CUstream>(info, 0, "stream")), "cuStreamSynchronize");
    return info.Env().Undefined();
  }

  Napi::Value StreamDestroy(const Napi::CallbackInfo& info) {
    check(info.Env(), api_->cuStreamDestroy_v2(handle_arg<CUstream>(info, 0, "stream")), "cuStreamDestroy_v2");
    return info.Env().Undefined();
  }

  /**
   * launch(fn, gx, gy, gz, bx, by, bz, sharedBytes, stream, slots, count): kernel parameter i is
   * read by the driver from slots[8*i …] (little-endian, its own width: 4 bytes of a u32, 8 of a
   * u64); the driver copies the values before cuLaunchKernel returns, also under stream capture.
   */
  Napi::Value Launch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const HostSpan slots = host_arg(info, 9, "parameter slots");
    const size_t count = size_arg(info, 10, "parameter count");
    if (slots.bytes < count * 8) throw Napi::RangeError::New(env, "launch: parameter slots shorter than 8 bytes per parameter");
    std::vector<void*> params(count + 1, nullptr);
    for (size_t i = 0; i < count; ++i) params[i] = slots.data + 8 * i;
    check(env,
          api_->cuLaunchKernel(handle_arg<CUfunction>(info, 0, "function"), uint_arg(info, 1, "grid.x"), uint_arg(info, 2, "grid.y"),
                               uint_arg(info, 3, "grid.z"), uint_arg(info, 4, "block.x"), uint_arg(info, 5, "block.y"),
                               uint_arg(info, 6, "block.z"), uint_arg(info, 7, "sharedBytes"), handle_arg<CUstream>(info, 8, "stream"),
                               params.data(), nullptr),
          "cuLaunchKernel");
    return env.Undefined();
  }

  Napi::Value StreamBeginCapture(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    check(env,
          need(env, api_->cuStreamBeginCapture_v2, "cuStreamBeginCapture_v2")(handle_arg<CUstream>(info, 0, "stream"),
                                                                              static_cast<int>(int_arg(info, 1, "mode"))),
          "cuStreamBeginCapture_v2");
    return env.Undefined();
  }

  Napi::Value StreamEndCapture(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CUgraph g = nullptr;
    check(env, need(env, api_->cuStreamEndCapture, "cuStreamEndCapture")(handle_arg<CUstream>(info, 0, "stream"), &g), "cuStreamEndCapture");
    return big_handle(env, g);
  }

  Napi::Value GraphInstantiate(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CUgraph g = handle_arg<CUgraph>(info, 0, "graph");
    CUgraphExec e = nullptr;
    if (api_->cuGraphInstantiateWithFlags) {
      check(env, api_->cuGraphInstantiateWithFlags(&e, g, 0), "cuGraphInstantiateWithFlags");
    } else {
      char log[2048] = {0};
      CUgraphNode node = nullptr;
      const CUresult r = need(env, api_->cuGraphInstantiate_v2, "cuGraphInstantiateWithFlags")(&e, g, &node, log, sizeof(log) - 1);
      if (r != CUDA_SUCCESS) {
        Napi::Error err = error(env, r, "cuGraphInstantiate_v2");
        err.Set("jitLog", std::string(log));
        throw err;
      }
    }
    return big_handle(env, e);
  }

  Napi::Value GraphLaunch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    check(env, need(env, api_->cuGraphLaunch, "cuGraphLaunch")(handle_arg<CUgraphExec>(info, 0, "graphExec"), handle_arg<CUstream>(info, 1, "stream")),
          "cuGraphLaunch");
    return env.Undefined();
  }

  Napi::Value GraphExecDestroy(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    check(env, need(env, api_->cuGraphExecDestroy, "cuGraphExecDestroy")(handle_arg<CUgraphExec>(info, 0, "graphExec")), "cuGraphExecDestroy");
    return env.Undefined();
  }

  Napi::Value GraphDestroy(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    check(env, need(env, api_->cuGraphDestroy, "cuGraphDestroy")(handle_arg<CUgraph>(info, 0, "graph")), "cuGraphDestroy");
    return env.Undefined();
  }

  Napi::Value ErrorName(const Napi::CallbackInfo& info) {
    const char* n = name_of(static_cast<CUresult>(int_arg(info, 0, "code")));
    return n ? Napi::Value(Napi::String::New(info.Env(), n)) : info.Env().Undefined();
  }

  Napi::Value ErrorString(const Napi::CallbackInfo& info) {
    const char* s = nullptr;
    if (!api_->cuGetErrorString || api_->cuGetErrorString(static_cast<CUresult>(int_arg(info, 0, "code")), &s) != CUDA_SUCCESS || !s)
      return info.Env().Undefined();
    return Napi::String::New(info.Env(), s);
  }
};

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("CudaLibrary", CudaLibrary::Define(env));
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  return exports;
}

}  // namespace

NODE_API_MODULE(trueno_gpu_native, InitModule)
