#include "cuda-api.h"

#include <dlfcn.h>

namespace trueno_gpu {

std::unique_ptr<CudaApi> CudaApi::open(const std::string& path, std::string* reason) {
  dlerror();
  // RTLD_LOCAL: the driver's symbols stay out of the global namespace, so a test's fake library
  // and a real one never resolve each other's names.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* err = dlerror();
    *reason = err ? err : (path + ": dlopen failed");
    return nullptr;
  }
  auto api = std::make_unique<CudaApi>();
  api->handle_ = handle;
  api->path = path;
  std::vector<std::string> missingRequired;
#define TRUENO_CUDA_RESOLVE(name, required)                                            \
  api->name = reinterpret_cast<PFN_##name>(dlsym(handle, #name));                      \
  if (!api->name) (required ? missingRequired : api->missing).push_back(#name);
  TRUENO_CUDA_ENTRY_POINTS(TRUENO_CUDA_RESOLVE)
#undef TRUENO_CUDA_RESOLVE
  // Drivers before CUDA 11 export cuDevicePrimaryCtxRelease without the _v2 suffix (same ABI).
  if (!api->cuDevicePrimaryCtxRelease_v2) {
    api->cuDevicePrimaryCtxRelease_v2 = reinterpret_cast<PFN_cuDevicePrimaryCtxRelease_v2>(dlsym(handle, "cuDevicePrimaryCtxRelease"));
    if (api->cuDevicePrimaryCtxRelease_v2) {
      for (auto it = missingRequired.begin(); it != missingRequired.end(); ++it) {
        if (*it == "cuDevicePrimaryCtxRelease_v2") {
          missingRequired.erase(it);
          break;
        }
      }
    }
  }
  if (!missingRequired.empty()) {
    std::string names;
    for (const auto& n : missingRequired) names += (names.empty() ? "" : ", ") + n;
    *reason = path + " lacks required CUDA driver entry points: " + names + " (driver too old or not libcuda)";
    dlclose(handle);
    api->handle_ = nullptr;
    return nullptr;
  }
  return api;
}

// A usable driver library is never dlclose'd: contexts, streams and driver threads may outlive
// the JS object that opened it (the loader reloads, a worker exits), and unmapping libcuda under
// them would crash the process. The handle is refcounted by the dynamic loader anyway.
CudaApi::~CudaApi() = default;

}  // namespace trueno_gpu
