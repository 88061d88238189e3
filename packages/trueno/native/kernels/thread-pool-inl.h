// Inline part of thread-pool.h.
#pragma once

#include <thread>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define TRUENO_PAUSE() _mm_pause()
#else
#define TRUENO_PAUSE() std::this_thread::yield()
#endif

namespace trueno {

template <typename F>
inline void spin_until(F cond) {
  for (uint32_t spins = 0; !cond(); ++spins) {
    // After ~100k pauses (a few ms) the thread we wait for is probably descheduled: yield the core.
    if (spins < 100000) TRUENO_PAUSE();
    else std::this_thread::yield();
  }
}

}  // namespace trueno
