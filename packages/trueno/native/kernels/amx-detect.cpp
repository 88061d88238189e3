#include "amx-detect.h"

#include <cerrno>
#include <cstdint>
#include <cstring>

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define TRUENO_AMX_X86 1
#include <cpuid.h>
#endif
#if defined(TRUENO_AMX_X86) && defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace trueno {
namespace {

#if defined(TRUENO_AMX_X86)
// XCR0, readable once cpuid says the OS enabled XSAVE (OSXSAVE); xgetbv is written as asm so that
// this TU needs no -mxsave.
uint64_t xcr0() {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((uint64_t)hi << 32) | lo;
}
#endif

AmxSupport detect() {
#if !defined(TRUENO_AMX_X86)
  return {false, "not an x86-64 build"};
#else
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_max(0, nullptr) < 0x1D) return {false, "cpuid has no AMX tile leaf (0x1D): no AMX"};
  __cpuid_count(7, 0, a, b, c, d);
  if (!((d >> 24) & 1)) return {false, "cpu lacks AMX-TILE (cpuid 7.0 EDX bit 24)"};
  if (!((d >> 25) & 1)) return {false, "cpu lacks AMX-INT8 (cpuid 7.0 EDX bit 25)"};
  __cpuid(1, a, b, c, d);
  if (!((c >> 27) & 1)) return {false, "OS has not enabled XSAVE (cpuid 1 ECX OSXSAVE clear)"};
  const uint64_t x = xcr0();
  if (!((x >> 17) & 1) || !((x >> 18) & 1)) return {false, "OS does not enable the AMX tile state (XCR0 bits 17/18 clear)"};
  // Palette 1 must offer the 16 rows x 64 bytes and the 6 tile registers the kernel configures.
  __cpuid_count(0x1D, 1, a, b, c, d);
  if ((b & 0xFFFF) < 64 || (b >> 16) < 6 || (c & 0xFFFF) < 16) return {false, "AMX palette 1 is smaller than 6 tiles of 16 rows x 64 bytes"};
#if defined(__linux__)
  // ARCH_REQ_XCOMP_PERM (0x1023) for XFEATURE_XTILEDATA (18): process-wide, idempotent.
  if (syscall(SYS_arch_prctl, 0x1023, 18) != 0) {
    return {false, std::string("arch_prctl(ARCH_REQ_XCOMP_PERM, XTILEDATA) refused: ") + std::strerror(errno)};
  }
  return {true, ""};
#else
  return {false, "AMX permission request is implemented for Linux only"};
#endif
#endif
}

}  // namespace

const AmxSupport& amx_support() {
  static const AmxSupport s = detect();  // thread-safe one-time initialisation (C++11)
  return s;
}

}  // namespace trueno
