// The CUDA driver's entry points, resolved at run time with dlopen/dlsym so nothing links against
// libcuda: a machine without the NVIDIA driver builds, installs and loads the addon, and learns
// why CUDA is absent from CudaApi::open's reason instead of from a loader crash.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cuda-abi.h"

namespace trueno_gpu {

struct CudaApi {
#define TRUENO_CUDA_FIELD(name, required) PFN_##name name = nullptr;
  TRUENO_CUDA_ENTRY_POINTS(TRUENO_CUDA_FIELD)
#undef TRUENO_CUDA_FIELD

  std::string path;
  /** Optional entry points the library lacks (required ones make open() fail). */
  std::vector<std::string> missing;

  /** Stream capture and graph launch: every graph entry point resolved. */
  bool graphs() const {
    return cuStreamBeginCapture_v2 && cuStreamEndCapture && (cuGraphInstantiateWithFlags || cuGraphInstantiate_v2) &&
           cuGraphLaunch && cuGraphExecDestroy && cuGraphDestroy;
  }

  /**
   * dlopen(path) and dlsym of every entry point. Null with `reason` set when the library does not
   * load (the dlerror text) or lacks a required entry point (its name). Never throws.
   */
  static std::unique_ptr<CudaApi> open(const std::string& path, std::string* reason);

  ~CudaApi();
  CudaApi() = default;
  CudaApi(const CudaApi&) = delete;
  CudaApi& operator=(const CudaApi&) = delete;

 private:
  void* handle_ = nullptr;
};

}  // namespace trueno_gpu
