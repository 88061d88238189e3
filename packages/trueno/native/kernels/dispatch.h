// Run-time choice of the kernel set: the best one this CPU (and OS, which must save the wider
// registers) supports, found by cpuid through __builtin_cpu_supports.
#pragma once

#include <string>
#include <vector>

#include "kernel-set.h"

namespace trueno {

/** Kernel sets this CPU can run, best first (always ends with "generic"). */
std::vector<const KernelSet*> supported_kernel_sets();
/** The best supported kernel set. */
const KernelSet* best_kernel_set();
/** The supported kernel set named `name`, or nullptr. */
const KernelSet* find_kernel_set(const std::string& name);

}  // namespace trueno
