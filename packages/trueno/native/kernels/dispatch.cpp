#include "dispatch.h"

namespace trueno {

std::vector<const KernelSet*> supported_kernel_sets() {
  std::vector<const KernelSet*> out;
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
  if (avx512) out.push_back(kernels_avx512());
  if (avx2) out.push_back(kernels_avx2());
#endif
  out.push_back(kernels_generic());
  return out;
}

const KernelSet* best_kernel_set() { return supported_kernel_sets().front(); }

const KernelSet* find_kernel_set(const std::string& name) {
  for (const KernelSet* k : supported_kernel_sets()) {
    if (name == k->name) return k;
  }
  return nullptr;
}

}  // namespace trueno
