// Run-time detection of Intel AMX for the int8 matmul path (matmul-amx.cpp): the CPU must have
// AMX-TILE and AMX-INT8 (cpuid), the OS must manage the tile state in XSAVE (XCR0), and Linux
// must grant this process the right to use it (arch_prctl ARCH_REQ_XCOMP_PERM, once per process:
// without it the first tile instruction raises SIGILL).
#pragma once

#include <string>

namespace trueno {

/** Whether this process may run AMX-INT8 tile instructions, and if not, why. */
struct AmxSupport {
  bool ok;
  std::string reason;  // empty when ok
};

/**
 * Detects AMX and requests the tile-data permission for this process. The work is done on the
 * first call only; later calls (from any thread) return the same result.
 */
const AmxSupport& amx_support();

}  // namespace trueno
