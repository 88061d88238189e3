// The part of the CUDA driver API (cuda.h) this binding calls, declared here so the addon builds
// without the CUDA toolkit. The driver ABI is stable: the types are opaque handles and plain
// integers, the enum values below are fixed by NVIDIA, and the `_v2` names are the exported
// symbols the cuda.h macros (cuMemAlloc → cuMemAlloc_v2, …) resolve to since CUDA 4.0 / 11.0.
// Only the values used are listed; cross-checked against cuda.h 13.0.
#pragma once

#include <cstddef>

extern "C" {

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;  // a device address: 64 bits on every 64-bit platform
typedef struct CUctx_st* CUcontext;
typedef struct CUmod_st* CUmodule;
typedef struct CUfunc_st* CUfunction;
typedef struct CUstream_st* CUstream;
typedef struct CUgraph_st* CUgraph;
typedef struct CUgraphExec_st* CUgraphExec;
typedef struct CUgraphNode_st* CUgraphNode;
typedef int CUjit_option;

enum : CUresult {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_INVALID_VALUE = 1,
  CUDA_ERROR_OUT_OF_MEMORY = 2,
  CUDA_ERROR_NOT_INITIALIZED = 3,
  CUDA_ERROR_NO_DEVICE = 100,
  CUDA_ERROR_INVALID_IMAGE = 200,
  CUDA_ERROR_INVALID_PTX = 218,
  CUDA_ERROR_INVALID_HANDLE = 400,
  CUDA_ERROR_NOT_FOUND = 500,
  CUDA_ERROR_NOT_SUPPORTED = 801,
  CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED = 900,
  CUDA_ERROR_UNKNOWN = 999,
};

enum : int {
  CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1,
  CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK = 8,
  CU_DEVICE_ATTRIBUTE_WARP_SIZE = 10,
  CU_DEVICE_ATTRIBUTE_CLOCK_RATE = 13,               // kHz
  CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16,
  CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE = 36,        // kHz
  CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH = 37,  // bits
  CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE = 38,            // bytes
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
  CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97,
};

enum : CUjit_option {
  CU_JIT_WALL_TIME = 2,
  CU_JIT_INFO_LOG_BUFFER = 3,
  CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4,
  CU_JIT_ERROR_LOG_BUFFER = 5,
  CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6,
  CU_JIT_LOG_VERBOSE = 12,
};

enum : int {
  CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 0,
  CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES = 1,
  CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES = 3,
  CU_FUNC_ATTRIBUTE_NUM_REGS = 4,
  CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8,
};

enum : unsigned { CU_STREAM_DEFAULT = 0, CU_STREAM_NON_BLOCKING = 1 };
enum : int { CU_STREAM_CAPTURE_MODE_GLOBAL = 0, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1, CU_STREAM_CAPTURE_MODE_RELAXED = 2 };

// Entry points, as pointer types for dlsym. X(name, return, params) lists each once; the binding
// and the test fake both expand it. `required` ones must resolve for the driver to load at all.
typedef CUresult (*PFN_cuInit)(unsigned flags);
typedef CUresult (*PFN_cuDriverGetVersion)(int* version);
typedef CUresult (*PFN_cuDeviceGetCount)(int* count);
typedef CUresult (*PFN_cuDeviceGet)(CUdevice* dev, int ordinal);
typedef CUresult (*PFN_cuDeviceGetName)(char* name, int len, CUdevice dev);
typedef CUresult (*PFN_cuDeviceTotalMem_v2)(size_t* bytes, CUdevice dev);
typedef CUresult (*PFN_cuDeviceGetAttribute)(int* value, int attrib, CUdevice dev);
typedef CUresult (*PFN_cuDevicePrimaryCtxRetain)(CUcontext* ctx, CUdevice dev);
typedef CUresult (*PFN_cuDevicePrimaryCtxRelease_v2)(CUdevice dev);
typedef CUresult (*PFN_cuCtxSetCurrent)(CUcontext ctx);
typedef CUresult (*PFN_cuCtxSynchronize)(void);
typedef CUresult (*PFN_cuMemGetInfo_v2)(size_t* free, size_t* total);
typedef CUresult (*PFN_cuModuleLoadDataEx)(CUmodule* module, const void* image, unsigned numOptions, CUjit_option* options, void** optionValues);
typedef CUresult (*PFN_cuModuleGetFunction)(CUfunction* fn, CUmodule module, const char* name);
typedef CUresult (*PFN_cuModuleUnload)(CUmodule module);
typedef CUresult (*PFN_cuFuncGetAttribute)(int* value, int attrib, CUfunction fn);
typedef CUresult (*PFN_cuFuncSetAttribute)(CUfunction fn, int attrib, int value);
typedef CUresult (*PFN_cuMemAlloc_v2)(CUdeviceptr* dptr, size_t bytes);
typedef CUresult (*PFN_cuMemFree_v2)(CUdeviceptr dptr);
typedef CUresult (*PFN_cuMemAllocHost_v2)(void** pp, size_t bytes);
typedef CUresult (*PFN_cuMemFreeHost)(void* p);
typedef CUresult (*PFN_cuMemcpyHtoD_v2)(CUdeviceptr dst, const void* src, size_t bytes);
typedef CUresult (*PFN_cuMemcpyDtoH_v2)(void* dst, CUdeviceptr src, size_t bytes);
typedef CUresult (*PFN_cuMemcpyDtoD_v2)(CUdeviceptr dst, CUdeviceptr src, size_t bytes);
typedef CUresult (*PFN_cuMemcpyHtoDAsync_v2)(CUdeviceptr dst, const void* src, size_t bytes, CUstream stream);
typedef CUresult (*PFN_cuMemcpyDtoHAsync_v2)(void* dst, CUdeviceptr src, size_t bytes, CUstream stream);
typedef CUresult (*PFN_cuMemsetD8_v2)(CUdeviceptr dst, unsigned char value, size_t count);
typedef CUresult (*PFN_cuStreamCreate)(CUstream* stream, unsigned flags);
typedef CUresult (*PFN_cuStreamSynchronize)(CUstream stream);
typedef CUresult (*PFN_cuStreamDestroy_v2)(CUstream stream);
typedef CUresult (*PFN_cuLaunchKernel)(CUfunction fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                                       unsigned sharedMemBytes, CUstream stream, void** kernelParams, void** extra);
typedef CUresult (*PFN_cuStreamBeginCapture_v2)(CUstream stream, int mode);
typedef CUresult (*PFN_cuStreamEndCapture)(CUstream stream, CUgraph* graph);
typedef CUresult (*PFN_cuGraphInstantiateWithFlags)(CUgraphExec* exec, CUgraph graph, unsigned long long flags);
typedef CUresult (*PFN_cuGraphInstantiate_v2)(CUgraphExec* exec, CUgraph graph, CUgraphNode* errorNode, char* log, size_t logSize);
typedef CUresult (*PFN_cuGraphLaunch)(CUgraphExec exec, CUstream stream);
typedef CUresult (*PFN_cuGraphExecDestroy)(CUgraphExec exec);
typedef CUresult (*PFN_cuGraphDestroy)(CUgraph graph);
typedef CUresult (*PFN_cuGetErrorName)(CUresult error, const char** str);
typedef CUresult (*PFN_cuGetErrorString)(CUresult error, const char** str);

}  // extern "C"

// X(symbol, required): every entry point the binding resolves with dlsym.
#define TRUENO_CUDA_ENTRY_POINTS(X)     \
  X(cuInit, true)                       \
  X(cuDriverGetVersion, true)           \
  X(cuDeviceGetCount, true)             \
  X(cuDeviceGet, true)                  \
  X(cuDeviceGetName, true)              \
  X(cuDeviceTotalMem_v2, true)          \
  X(cuDeviceGetAttribute, true)         \
  X(cuDevicePrimaryCtxRetain, true)     \
  X(cuDevicePrimaryCtxRelease_v2, true) \
  X(cuCtxSetCurrent, true)              \
  X(cuCtxSynchronize, true)             \
  X(cuMemGetInfo_v2, false)             \
  X(cuModuleLoadDataEx, true)           \
  X(cuModuleGetFunction, true)          \
  X(cuModuleUnload, true)               \
  X(cuFuncGetAttribute, false)          \
  X(cuFuncSetAttribute, false)          \
  X(cuMemAlloc_v2, true)                \
  X(cuMemFree_v2, true)                 \
  X(cuMemAllocHost_v2, false)           \
  X(cuMemFreeHost, false)               \
  X(cuMemcpyHtoD_v2, true)              \
  X(cuMemcpyDtoH_v2, true)              \
  X(cuMemcpyDtoD_v2, false)             \
  X(cuMemcpyHtoDAsync_v2, true)         \
  X(cuMemcpyDtoHAsync_v2, true)         \
  X(cuMemsetD8_v2, true)                \
  X(cuStreamCreate, true)               \
  X(cuStreamSynchronize, true)          \
  X(cuStreamDestroy_v2, true)           \
  X(cuLaunchKernel, true)               \
  X(cuStreamBeginCapture_v2, false)     \
  X(cuStreamEndCapture, false)          \
  X(cuGraphInstantiateWithFlags, false) \
  X(cuGraphInstantiate_v2, false)       \
  X(cuGraphLaunch, false)               \
  X(cuGraphExecDestroy, false)          \
  X(cuGraphDestroy, false)              \
  X(cuGetErrorName, false)              \
  X(cuGetErrorString, false)
