// A fake libcuda.so.1 for the binding's tests on machines without a GPU. The tests compile it
// with g++ into a temp dir and point TRUENO_CUDA_LIB at it, so the real addon, its dlopen/dlsym
// and every JS → C++ → driver conversion run end to end; only the GPU is simulated.
//
// Device memory is host memory (device pointers are host addresses) with bounds checks on every
// copy, so a packing or size bug in the binding fails here. Kernels are not executed except one
// built-in (`fake_axpy_f32`); every launch (also replayed from a graph) is appended as one JSON
// line to the file named by FAKE_CUDA_LOG, with the parameter bytes as the "driver" read them
// using the widths declared in the PTX `.entry` signature.
//
// Behaviour switches:
// - PTX containing FAKE_JIT_ERROR fails to load (CUDA_ERROR_INVALID_PTX) with a ptxas-like log;
//   `.version` above 8.4 fails with CUDA_ERROR_UNSUPPORTED_PTX_VERSION; `.target` above sm_89
//   fails with CUDA_ERROR_INVALID_PTX (the fake device is sm_89).
// - An allocation above FAKE_CUDA_MEM_LIMIT bytes in total (default 1 GiB) is CUDA_ERROR_OUT_OF_MEMORY.
// - FAKE_CUDA_DEVICES=0: cuInit returns CUDA_ERROR_NO_DEVICE.
// - Built with -DFAKE_CUDA_NO_GRAPHS: the stream capture / graph entry points are not exported
//   (an old driver); with -DFAKE_CUDA_GRAPH_V2 cuGraphInstantiate_v2 replaces
//   cuGraphInstantiateWithFlags; with -DFAKE_CUDA_NO_LAUNCH cuLaunchKernel is not exported.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "../driver/cuda-abi.h"

#define EXPORT extern "C" __attribute__((visibility("default")))
#ifdef FAKE_CUDA_NO_GRAPHS
#define GRAPH_EXPORT extern "C" __attribute__((visibility("hidden")))
#else
#define GRAPH_EXPORT EXPORT
#endif
#ifdef FAKE_CUDA_NO_LAUNCH
#define LAUNCH_EXPORT extern "C" __attribute__((visibility("hidden")))
#else
#define LAUNCH_EXPORT EXPORT
#endif

namespace {

constexpr int kIllegalState = 401;
constexpr int kInvalidContext = 201;
constexpr int kUnsupportedPtxVersion = 222;
constexpr int kIllegalAddress = 700;
constexpr int kCaptureInvalidated = 901;

struct Function {
  std::string name;
  std::vector<size_t> paramBytes;  // widths from the .entry signature
  bool moduleAlive = true;
  int maxDynamicShared = 48 * 1024;
};

struct Module {
  std::vector<std::unique_ptr<Function>> functions;
};

struct Launch {
  Function* fn;
  unsigned grid[3], block[3], shared;
  std::vector<uint8_t> params;  // concatenated, each at its declared width
};

struct Op {
  enum Kind { kLaunch, kHtoD, kDtoH } kind;
  Launch launch;
  uint64_t dst = 0, src = 0;
  size_t bytes = 0;
};

struct Stream {
  int id;
  bool capturing = false;
  bool invalidated = false;
  int mode = 0;
  std::vector<Op> captured;
};

struct Graph {
  std::vector<Op> ops;
};

struct State {
  bool initialized = false;
  CUcontext current = nullptr;
  int primaryRetains = 0;
  std::map<uint64_t, size_t> allocations;  // device "address" → bytes
  std::set<void*> pinned;
  size_t used = 0;
  std::vector<std::unique_ptr<Module>> modules;
  std::set<Module*> liveModules;
  std::set<Stream*> streams;
  std::set<Graph*> graphs;
  std::set<std::vector<Op>*> execs;
  int nextStreamId = 1;
  int capturesActive = 0;
  CUresult sticky = CUDA_SUCCESS;  // an asynchronous launch error, reported by the next sync
};

State& st() {
  static State s;
  return s;
}

// The primary context's address is its handle.
struct FakeContext {
  int device;
} g_ctx{0};

size_t memLimit() {
  const char* e = std::getenv("FAKE_CUDA_MEM_LIMIT");
  return e ? static_cast<size_t>(std::strtoull(e, nullptr, 10)) : (size_t{1} << 30);
}

int deviceCount() {
  const char* e = std::getenv("FAKE_CUDA_DEVICES");
  return e ? std::atoi(e) : 1;
}

void logLine(const std::string& line) {
  const char* path = std::getenv("FAKE_CUDA_LOG");
  if (!path || !*path) return;
  if (FILE* f = std::fopen(path, "a")) {
    std::fputs((line + "\n").c_str(), f);
    std::fclose(f);
  }
}

std::string hex(const std::vector<uint8_t>& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (uint8_t b : bytes) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

/** Is [p, p+n) inside one allocation? */
bool inDevice(uint64_t p, size_t n) {
  auto& a = st().allocations;
  auto it = a.upper_bound(p);
  if (it == a.begin()) return false;
  --it;
  return p >= it->first && p + n <= it->first + it->second;
}

CUresult ready() {
  if (!st().initialized) return CUDA_ERROR_NOT_INITIALIZED;
  if (!st().current) return kInvalidContext;
  return CUDA_SUCCESS;
}

/** A synchronous call while a global-mode capture is active invalidates it, as in CUDA. */
CUresult syncAllowed() {
  if (st().capturesActive == 0) return CUDA_SUCCESS;
  for (Stream* s : st().streams) {
    if (s->capturing && s->mode == CU_STREAM_CAPTURE_MODE_GLOBAL) {
      s->invalidated = true;
      return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    }
  }
  return CUDA_SUCCESS;
}

size_t ptxTypeBytes(const std::string& t) {
  if (t == ".u64" || t == ".s64" || t == ".b64" || t == ".f64") return 8;
  if (t == ".u32" || t == ".s32" || t == ".b32" || t == ".f32") return 4;
  if (t == ".u16" || t == ".s16" || t == ".b16" || t == ".f16") return 2;
  if (t == ".u8" || t == ".s8" || t == ".b8") return 1;
  return 0;
}

/** Every `.entry name(.param .type p, …)` of the PTX text, with its parameter widths. */
std::vector<std::unique_ptr<Function>> parseEntries(const std::string& ptx) {
  std::vector<std::unique_ptr<Function>> out;
  size_t pos = 0;
  while ((pos = ptx.find(".entry", pos)) != std::string::npos) {
    pos += 6;
    size_t nameStart = ptx.find_first_not_of(" \t\r\n", pos);
    size_t nameEnd = ptx.find_first_of(" \t\r\n(", nameStart);
    if (nameStart == std::string::npos || nameEnd == std::string::npos) break;
    auto fn = std::make_unique<Function>();
    fn->name = ptx.substr(nameStart, nameEnd - nameStart);
    size_t open = ptx.find('(', nameEnd), brace = ptx.find('{', nameEnd);
    if (open != std::string::npos && (brace == std::string::npos || open < brace)) {
      size_t close = ptx.find(')', open);
      std::string params = ptx.substr(open + 1, close - open - 1);
      size_t p = 0;
      while ((p = params.find(".param", p)) != std::string::npos) {
        p += 6;
        size_t ts = params.find('.', p);
        size_t te = params.find_first_of(" \t\r\n", ts);
        fn->paramBytes.push_back(ptxTypeBytes(params.substr(ts, te - ts)));
      }
    }
    out.push_back(std::move(fn));
  }
  return out;
}

int ptxNumber(const std::string& ptx, const char* directive, int scale) {
  size_t p = ptx.find(directive);
  if (p == std::string::npos) return -1;
  p += std::strlen(directive);
  while (p < ptx.size() && (ptx[p] == ' ' || ptx[p] == '\t')) ++p;
  if (scale == 10) {  // .version 8.4 → 84
    int major = std::atoi(ptx.c_str() + p);
    size_t dot = ptx.find('.', p);
    return major * 10 + (dot != std::string::npos ? std::atoi(ptx.c_str() + dot + 1) : 0);
  }
  return std::atoi(ptx.c_str() + p + 3);  // .target sm_89 → 89
}

void writeLog(CUjit_option* options, void** values, unsigned n, CUjit_option buffer, CUjit_option size, const std::string& text) {
  char* buf = nullptr;
  int sizeIndex = -1;
  for (unsigned i = 0; i < n; ++i) {
    if (options[i] == buffer) buf = static_cast<char*>(values[i]);
    if (options[i] == size) sizeIndex = static_cast<int>(i);
  }
  if (!buf || sizeIndex < 0) return;
  const size_t cap = static_cast<size_t>(reinterpret_cast<uintptr_t>(values[sizeIndex]));
  const size_t len = text.size() < cap ? text.size() : cap - 1;
  std::memcpy(buf, text.data(), len);
  buf[len] = 0;
  values[sizeIndex] = reinterpret_cast<void*>(static_cast<uintptr_t>(len + 1));
}

/** The built-in kernel: y[i] += a * x[i] for i < n, one thread per element. */
CUresult runAxpy(const Launch& l) {
  if (l.params.size() != 24) return CUDA_ERROR_INVALID_VALUE;
  uint64_t y, x;
  float a;
  uint32_t n;
  std::memcpy(&y, l.params.data(), 8);
  std::memcpy(&x, l.params.data() + 8, 8);
  std::memcpy(&a, l.params.data() + 16, 4);
  std::memcpy(&n, l.params.data() + 20, 4);
  const uint64_t threads = uint64_t{l.grid[0]} * l.block[0];
  const uint64_t count = threads < n ? threads : n;
  if (!inDevice(y, count * 4) || !inDevice(x, count * 4)) return kIllegalAddress;
  float* py = reinterpret_cast<float*>(static_cast<uintptr_t>(y));
  const float* px = reinterpret_cast<const float*>(static_cast<uintptr_t>(x));
  for (uint64_t i = 0; i < count; ++i) py[i] += a * px[i];
  return CUDA_SUCCESS;
}

void execute(const Op& op, int streamId, bool fromGraph) {
  if (st().sticky != CUDA_SUCCESS) return;  // a failed context runs nothing more
  if (op.kind == Op::kHtoD || op.kind == Op::kDtoH) {
    std::memcpy(reinterpret_cast<void*>(static_cast<uintptr_t>(op.dst)), reinterpret_cast<const void*>(static_cast<uintptr_t>(op.src)), op.bytes);
    logLine(std::string("{\"op\":\"") + (op.kind == Op::kHtoD ? "htod" : "dtoh") + "\",\"bytes\":" + std::to_string(op.bytes) +
            ",\"stream\":" + std::to_string(streamId) + ",\"graph\":" + (fromGraph ? "true" : "false") + "}");
    return;
  }
  const Launch& l = op.launch;
  logLine("{\"op\":\"launch\",\"fn\":\"" + l.fn->name + "\",\"grid\":[" + std::to_string(l.grid[0]) + "," + std::to_string(l.grid[1]) + "," +
          std::to_string(l.grid[2]) + "],\"block\":[" + std::to_string(l.block[0]) + "," + std::to_string(l.block[1]) + "," +
          std::to_string(l.block[2]) + "],\"shared\":" + std::to_string(l.shared) + ",\"stream\":" + std::to_string(streamId) +
          ",\"graph\":" + (fromGraph ? "true" : "false") + ",\"params\":\"" + hex(l.params) + "\"}");
  if (l.fn->name == "fake_axpy_f32") st().sticky = runAxpy(l);
}

/** Runs `op` on `stream` now, or records it when the stream is being captured. */
CUresult submit(CUstream stream, Op op) {
  Stream* s = reinterpret_cast<Stream*>(stream);
  if (s && !st().streams.count(s)) return CUDA_ERROR_INVALID_HANDLE;
  if (s && s->capturing) {
    s->captured.push_back(std::move(op));
    return CUDA_SUCCESS;
  }
  execute(op, s ? s->id : 0, false);
  return CUDA_SUCCESS;
}

CUresult syncResult() {
  CUresult r = syncAllowed();
  return r != CUDA_SUCCESS ? r : st().sticky;
}

const std::map<int, std::pair<const char*, const char*>>& errorTable() {
  static const std::map<int, std::pair<const char*, const char*>> t = {
      {0, {"CUDA_SUCCESS", "no error"}},
      {1, {"CUDA_ERROR_INVALID_VALUE", "invalid argument"}},
      {2, {"CUDA_ERROR_OUT_OF_MEMORY", "out of memory"}},
      {3, {"CUDA_ERROR_NOT_INITIALIZED", "initialization error"}},
      {100, {"CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"}},
      {201, {"CUDA_ERROR_INVALID_CONTEXT", "invalid device context"}},
      {218, {"CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed"}},
      {222, {"CUDA_ERROR_UNSUPPORTED_PTX_VERSION", "the provided PTX was compiled with an unsupported toolchain."}},
      {400, {"CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"}},
      {401, {"CUDA_ERROR_ILLEGAL_STATE", "the operation cannot be performed in the present state"}},
      {500, {"CUDA_ERROR_NOT_FOUND", "named symbol not found"}},
      {700, {"CUDA_ERROR_ILLEGAL_ADDRESS", "an illegal memory access was encountered"}},
      {900, {"CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED", "operation not permitted when stream is capturing"}},
      {901, {"CUDA_ERROR_STREAM_CAPTURE_INVALIDATED", "operation failed due to a previous error during capture"}},
  };
  return t;
}

}  // namespace

EXPORT CUresult cuInit(unsigned flags) {
  if (flags != 0) return CUDA_ERROR_INVALID_VALUE;
  if (deviceCount() <= 0) return CUDA_ERROR_NO_DEVICE;
  st().initialized = true;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDriverGetVersion(int* v) {
  *v = 12040;  // CUDA 12.4: PTX ISA up to 8.4
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGetCount(int* n) {
  if (!st().initialized) return CUDA_ERROR_NOT_INITIALIZED;
  *n = deviceCount();
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGet(CUdevice* d, int ordinal) {
  if (!st().initialized) return CUDA_ERROR_NOT_INITIALIZED;
  if (ordinal < 0 || ordinal >= deviceCount()) return 101;  // CUDA_ERROR_INVALID_DEVICE
  *d = ordinal;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGetName(char* name, int len, CUdevice d) {
  if (!st().initialized) return CUDA_ERROR_NOT_INITIALIZED;
  std::snprintf(name, static_cast<size_t>(len), "Fake CUDA Device %d (trueno-gpu test)", d);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice) {
  if (!st().initialized) return CUDA_ERROR_NOT_INITIALIZED;
  *bytes = memLimit();
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGetAttribute(int* v, int attr, CUdevice) {
  if (!st().initialized) return CUDA_ERROR_NOT_INITIALIZED;
  switch (attr) {
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *v = 8; break;
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *v = 9; break;
    case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *v = 128; break;
    case CU_DEVICE_ATTRIBUTE_CLOCK_RATE: *v = 2520000; break;
    case CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE: *v = 10501000; break;
    case CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH: *v = 384; break;
    case CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE: *v = 72 * 1024 * 1024; break;
    case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK: *v = 48 * 1024; break;
    case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: *v = 99 * 1024; break;
    case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *v = 1024; break;
    case CU_DEVICE_ATTRIBUTE_WARP_SIZE: *v = 32; break;
    default: return CUDA_ERROR_INVALID_VALUE;
  }
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDevicePrimaryCtxRetain(CUcontext* c, CUdevice d) {
  if (!st().initialized) return CUDA_ERROR_NOT_INITIALIZED;
  g_ctx.device = d;
  st().primaryRetains++;
  *c = reinterpret_cast<CUcontext>(&g_ctx);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDevicePrimaryCtxRelease_v2(CUdevice) {
  if (st().primaryRetains <= 0) return kInvalidContext;
  st().primaryRetains--;
  logLine("{\"op\":\"primaryCtxRelease\",\"retains\":" + std::to_string(st().primaryRetains) + ",\"allocations\":" +
          std::to_string(st().allocations.size()) + ",\"modules\":" + std::to_string(st().liveModules.size()) + ",\"streams\":" +
          std::to_string(st().streams.size()) + "}");
  return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxSetCurrent(CUcontext c) {
  if (!st().initialized) return CUDA_ERROR_NOT_INITIALIZED;
  if (c && c != reinterpret_cast<CUcontext>(&g_ctx)) return kInvalidContext;
  st().current = c;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxSynchronize() {
  if (CUresult r = ready()) return r;
  return syncResult();
}

EXPORT CUresult cuMemGetInfo_v2(size_t* free, size_t* total) {
  if (CUresult r = ready()) return r;
  *total = memLimit();
  *free = memLimit() - st().used;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuModuleLoadDataEx(CUmodule* m, const void* image, unsigned n, CUjit_option* options, void** values) {
  if (CUresult r = ready()) return r;
  const std::string ptx(static_cast<const char*>(image));
  const int version = ptxNumber(ptx, ".version", 10), target = ptxNumber(ptx, ".target", 1);
  std::string err;
  CUresult result = CUDA_SUCCESS;
  if (version > 84) {
    err = "ptxas application ptx input, line 1; fatal   : Unsupported .version " + std::to_string(version / 10) + "." +
          std::to_string(version % 10) + "; current version is '8.4'";
    result = kUnsupportedPtxVersion;
  } else if (target > 89) {
    err = "ptxas fatal   : SM version specified by .target is higher than default SM version assumed";
    result = CUDA_ERROR_INVALID_PTX;
  } else if (size_t at = ptx.find("FAKE_JIT_ERROR"); at != std::string::npos) {
    int line = 1;
    for (size_t i = 0; i < at; ++i) line += ptx[i] == '\n';
    err = "ptxas application ptx input, line " + std::to_string(line) + "; error   : Unknown symbol 'FAKE_JIT_ERROR'\n"
          "ptxas fatal   : Ptx assembly aborted due to errors";
    result = CUDA_ERROR_INVALID_PTX;
  } else if (version < 0 || target < 0) {
    err = "ptxas fatal   : missing .version or .target directive";
    result = CUDA_ERROR_INVALID_PTX;
  }
  if (result != CUDA_SUCCESS) {
    writeLog(options, values, n, CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, err);
    writeLog(options, values, n, CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES, "");
    return result;
  }
  auto mod = std::make_unique<Module>();
  mod->functions = parseEntries(ptx);
  std::string info;
  for (auto& f : mod->functions) info += "ptxas info    : Compiling entry function '" + f->name + "' for 'sm_89'\n";
  writeLog(options, values, n, CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES, info);
  writeLog(options, values, n, CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, "");
  for (unsigned i = 0; i < n; ++i) {
    if (options[i] == CU_JIT_WALL_TIME) {
      float ms = 0.25f;
      values[i] = nullptr;
      std::memcpy(&values[i], &ms, sizeof ms);
    }
  }
  *m = reinterpret_cast<CUmodule>(mod.get());
  st().liveModules.insert(mod.get());
  st().modules.push_back(std::move(mod));
  return CUDA_SUCCESS;
}

EXPORT CUresult cuModuleGetFunction(CUfunction* f, CUmodule m, const char* name) {
  if (CUresult r = ready()) return r;
  Module* mod = reinterpret_cast<Module*>(m);
  if (!st().liveModules.count(mod)) return CUDA_ERROR_INVALID_HANDLE;
  for (auto& fn : mod->functions) {
    if (fn->name == name) {
      *f = reinterpret_cast<CUfunction>(fn.get());
      return CUDA_SUCCESS;
    }
  }
  return CUDA_ERROR_NOT_FOUND;
}

EXPORT CUresult cuModuleUnload(CUmodule m) {
  Module* mod = reinterpret_cast<Module*>(m);
  if (!st().liveModules.erase(mod)) return CUDA_ERROR_INVALID_HANDLE;
  for (auto& fn : mod->functions) fn->moduleAlive = false;  // kept allocated so a stale handle is detected
  return CUDA_SUCCESS;
}

EXPORT CUresult cuFuncGetAttribute(int* v, int attr, CUfunction f) {
  if (CUresult r = ready()) return r;
  Function* fn = reinterpret_cast<Function*>(f);
  if (!fn || !fn->moduleAlive) return CUDA_ERROR_INVALID_HANDLE;
  switch (attr) {
    case CU_FUNC_ATTRIBUTE_NUM_REGS: *v = 32; break;
    case CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *v = 1024; break;
    case CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES: *v = fn->maxDynamicShared; break;
    default: *v = 0;
  }
  return CUDA_SUCCESS;
}

EXPORT CUresult cuFuncSetAttribute(CUfunction f, int attr, int value) {
  if (CUresult r = ready()) return r;
  Function* fn = reinterpret_cast<Function*>(f);
  if (!fn || !fn->moduleAlive) return CUDA_ERROR_INVALID_HANDLE;
  if (attr != CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES || value < 0 || value > 99 * 1024) return CUDA_ERROR_INVALID_VALUE;
  fn->maxDynamicShared = value;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemAlloc_v2(CUdeviceptr* p, size_t bytes) {
  if (CUresult r = ready()) return r;
  if (CUresult r = syncAllowed()) return r;
  if (bytes == 0) return CUDA_ERROR_INVALID_VALUE;
  if (bytes > memLimit() - st().used) return CUDA_ERROR_OUT_OF_MEMORY;
  void* mem = std::malloc(bytes);
  if (!mem) return CUDA_ERROR_OUT_OF_MEMORY;
  std::memset(mem, 0xCD, bytes);  // uninitialized device memory is garbage, not zeros
  *p = reinterpret_cast<uintptr_t>(mem);
  st().allocations[*p] = bytes;
  st().used += bytes;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemFree_v2(CUdeviceptr p) {
  if (CUresult r = ready()) return r;
  auto it = st().allocations.find(p);
  if (it == st().allocations.end()) return CUDA_ERROR_INVALID_VALUE;
  st().used -= it->second;
  st().allocations.erase(it);
  std::free(reinterpret_cast<void*>(static_cast<uintptr_t>(p)));
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemAllocHost_v2(void** pp, size_t bytes) {
  if (CUresult r = ready()) return r;
  *pp = std::calloc(1, bytes);
  st().pinned.insert(*pp);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemFreeHost(void* p) {
  if (!st().pinned.erase(p)) return CUDA_ERROR_INVALID_VALUE;
  std::free(p);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void* src, size_t bytes) {
  if (CUresult r = ready()) return r;
  if (CUresult r = syncResult()) return r;
  if (!inDevice(dst, bytes)) return CUDA_ERROR_INVALID_VALUE;
  std::memcpy(reinterpret_cast<void*>(static_cast<uintptr_t>(dst)), src, bytes);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemcpyDtoH_v2(void* dst, CUdeviceptr src, size_t bytes) {
  if (CUresult r = ready()) return r;
  if (CUresult r = syncResult()) return r;
  if (!inDevice(src, bytes)) return CUDA_ERROR_INVALID_VALUE;
  std::memcpy(dst, reinterpret_cast<const void*>(static_cast<uintptr_t>(src)), bytes);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes) {
  if (CUresult r = ready()) return r;
  if (CUresult r = syncResult()) return r;
  if (!inDevice(dst, bytes) || !inDevice(src, bytes)) return CUDA_ERROR_INVALID_VALUE;
  std::memmove(reinterpret_cast<void*>(static_cast<uintptr_t>(dst)), reinterpret_cast<const void*>(static_cast<uintptr_t>(src)), bytes);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void* src, size_t bytes, CUstream s) {
  if (CUresult r = ready()) return r;
  if (!inDevice(dst, bytes)) return CUDA_ERROR_INVALID_VALUE;
  Op op{Op::kHtoD, {}, dst, reinterpret_cast<uintptr_t>(src), bytes};
  return submit(s, std::move(op));
}

EXPORT CUresult cuMemcpyDtoHAsync_v2(void* dst, CUdeviceptr src, size_t bytes, CUstream s) {
  if (CUresult r = ready()) return r;
  if (!inDevice(src, bytes)) return CUDA_ERROR_INVALID_VALUE;
  Op op{Op::kDtoH, {}, reinterpret_cast<uintptr_t>(dst), src, bytes};
  return submit(s, std::move(op));
}

EXPORT CUresult cuMemsetD8_v2(CUdeviceptr dst, unsigned char value, size_t count) {
  if (CUresult r = ready()) return r;
  if (CUresult r = syncAllowed()) return r;
  if (!inDevice(dst, count)) return CUDA_ERROR_INVALID_VALUE;
  std::memset(reinterpret_cast<void*>(static_cast<uintptr_t>(dst)), value, count);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamCreate(CUstream* s, unsigned flags) {
  if (CUresult r = ready()) return r;
  if (flags > CU_STREAM_NON_BLOCKING) return CUDA_ERROR_INVALID_VALUE;
  Stream* stream = new Stream();
  stream->id = st().nextStreamId++;
  st().streams.insert(stream);
  *s = reinterpret_cast<CUstream>(stream);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamSynchronize(CUstream s) {
  if (CUresult r = ready()) return r;
  Stream* stream = reinterpret_cast<Stream*>(s);
  if (stream && !st().streams.count(stream)) return CUDA_ERROR_INVALID_HANDLE;
  if (stream && stream->capturing) {
    stream->invalidated = true;
    return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
  }
  return syncResult();
}

EXPORT CUresult cuStreamDestroy_v2(CUstream s) {
  Stream* stream = reinterpret_cast<Stream*>(s);
  if (!st().streams.erase(stream)) return CUDA_ERROR_INVALID_HANDLE;
  if (stream->capturing) st().capturesActive--;
  delete stream;
  return CUDA_SUCCESS;
}

LAUNCH_EXPORT CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                                      unsigned shared, CUstream s, void** params, void** extra) {
  if (CUresult r = ready()) return r;
  Function* fn = reinterpret_cast<Function*>(f);
  if (!fn || !fn->moduleAlive) return CUDA_ERROR_INVALID_HANDLE;
  if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0 || uint64_t{bx} * by * bz > 1024) return CUDA_ERROR_INVALID_VALUE;
  if (shared > static_cast<unsigned>(fn->maxDynamicShared)) return CUDA_ERROR_INVALID_VALUE;
  if (extra) return CUDA_ERROR_INVALID_VALUE;  // the binding passes kernelParams only
  Op op{Op::kLaunch, {fn, {gx, gy, gz}, {bx, by, bz}, shared, {}}};
  // As the driver does: read each parameter at its declared width, copying the values now.
  for (size_t i = 0; i < fn->paramBytes.size(); ++i) {
    if (!params || !params[i]) return CUDA_ERROR_INVALID_VALUE;
    const uint8_t* p = static_cast<const uint8_t*>(params[i]);
    op.launch.params.insert(op.launch.params.end(), p, p + fn->paramBytes[i]);
  }
  return submit(s, std::move(op));
}

GRAPH_EXPORT CUresult cuStreamBeginCapture_v2(CUstream s, int mode) {
  if (CUresult r = ready()) return r;
  Stream* stream = reinterpret_cast<Stream*>(s);
  if (!stream) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;  // the legacy NULL stream cannot be captured
  if (!st().streams.count(stream)) return CUDA_ERROR_INVALID_HANDLE;
  if (stream->capturing) return kIllegalState;
  stream->capturing = true;
  stream->invalidated = false;
  stream->mode = mode;
  stream->captured.clear();
  st().capturesActive++;
  return CUDA_SUCCESS;
}

GRAPH_EXPORT CUresult cuStreamEndCapture(CUstream s, CUgraph* g) {
  if (CUresult r = ready()) return r;
  Stream* stream = reinterpret_cast<Stream*>(s);
  if (!stream || !st().streams.count(stream)) return CUDA_ERROR_INVALID_HANDLE;
  if (!stream->capturing) return kIllegalState;
  stream->capturing = false;
  st().capturesActive--;
  if (stream->invalidated) {
    *g = nullptr;
    return kCaptureInvalidated;
  }
  Graph* graph = new Graph{std::move(stream->captured)};
  stream->captured.clear();
  st().graphs.insert(graph);
  *g = reinterpret_cast<CUgraph>(graph);
  return CUDA_SUCCESS;
}

#ifdef FAKE_CUDA_GRAPH_V2
#define INSTANTIATE_FLAGS_EXPORT extern "C" __attribute__((visibility("hidden")))
#define INSTANTIATE_V2_EXPORT GRAPH_EXPORT
#else
#define INSTANTIATE_FLAGS_EXPORT GRAPH_EXPORT
#define INSTANTIATE_V2_EXPORT extern "C" __attribute__((visibility("hidden")))
#endif

INSTANTIATE_FLAGS_EXPORT CUresult cuGraphInstantiateWithFlags(CUgraphExec* e, CUgraph g, unsigned long long flags) {
  if (CUresult r = ready()) return r;
  Graph* graph = reinterpret_cast<Graph*>(g);
  if (!st().graphs.count(graph)) return CUDA_ERROR_INVALID_HANDLE;
  auto* exec = new std::vector<Op>(graph->ops);
  st().execs.insert(exec);
  *e = reinterpret_cast<CUgraphExec>(exec);
  return CUDA_SUCCESS;
}

// The pre-CUDA-12 form, exported instead of the one above with -DFAKE_CUDA_GRAPH_V2.
INSTANTIATE_V2_EXPORT CUresult cuGraphInstantiate_v2(CUgraphExec* e, CUgraph g, CUgraphNode* errorNode, char* log, size_t logSize) {
  if (errorNode) *errorNode = nullptr;
  if (log && logSize) log[0] = 0;
  return cuGraphInstantiateWithFlags(e, g, 0);
}

GRAPH_EXPORT CUresult cuGraphLaunch(CUgraphExec e, CUstream s) {
  if (CUresult r = ready()) return r;
  auto* exec = reinterpret_cast<std::vector<Op>*>(e);
  if (!st().execs.count(exec)) return CUDA_ERROR_INVALID_HANDLE;
  Stream* stream = reinterpret_cast<Stream*>(s);
  if (stream && !st().streams.count(stream)) return CUDA_ERROR_INVALID_HANDLE;
  logLine("{\"op\":\"graphLaunch\",\"nodes\":" + std::to_string(exec->size()) + "}");
  for (const Op& op : *exec) execute(op, stream ? stream->id : 0, true);
  return CUDA_SUCCESS;
}

GRAPH_EXPORT CUresult cuGraphExecDestroy(CUgraphExec e) {
  auto* exec = reinterpret_cast<std::vector<Op>*>(e);
  if (!st().execs.erase(exec)) return CUDA_ERROR_INVALID_HANDLE;
  delete exec;
  return CUDA_SUCCESS;
}

GRAPH_EXPORT CUresult cuGraphDestroy(CUgraph g) {
  Graph* graph = reinterpret_cast<Graph*>(g);
  if (!st().graphs.erase(graph)) return CUDA_ERROR_INVALID_HANDLE;
  delete graph;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuGetErrorName(CUresult e, const char** s) {
  auto it = errorTable().find(e);
  if (it == errorTable().end()) return CUDA_ERROR_INVALID_VALUE;
  *s = it->second.first;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuGetErrorString(CUresult e, const char** s) {
  auto it = errorTable().find(e);
  if (it == errorTable().end()) return CUDA_ERROR_INVALID_VALUE;
  *s = it->second.second;
  return CUDA_SUCCESS;
}

// Every fake entry point has exactly the binding's pointer type (cuda-abi.h), so an ABI slip in
// either file fails this compile rather than a test at run time.
#define FAKE_CUDA_SAME_TYPE(name, required) static_assert(std::is_same<decltype(&name), PFN_##name>::value, #name);
TRUENO_CUDA_ENTRY_POINTS(FAKE_CUDA_SAME_TYPE)
