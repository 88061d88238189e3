// The AMX int8 matmul for the Q8_0 family (Q8_0, Q4_0, Q5_0 weights; activations quantized to
// Q8_0 on the fly), used for prefill-sized batches when amx_support() allows it. Only the x86-64
// build compiles it (matmul-amx.cpp, with AVX-512 flags for the float epilogue).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel-set.h"
#include "thread-pool.h"

namespace trueno {

/** Weight kinds the AMX path handles: 32-value blocks with one fp16 scale and int8-sized values. */
inline bool amx_kind(int kind) { return kind == K_Q8_0 || kind == K_Q4_0 || kind == K_Q5_0; }

/**
 * out (nTok, nOut) = x (nTok, nIn) . W^T with AMX tiles. Owns its scratch: the activations in
 * tile layout (shared by the threads of one call) and, per pool thread, the unpacked weight rows
 * of the chunk it works on. Construct and call only when amx_support().ok.
 *
 * Everything it does is compiled in matmul-amx.cpp with AVX-512 flags, behind this opaque
 * interface: no template instantiation (std::vector of a shared type, say) is shared with the
 * generic translation units, where the linker could pick the AVX-512 copy for a CPU without it.
 */
class AmxMatmul {
 public:
  AmxMatmul();
  ~AmxMatmul();
  AmxMatmul(const AmxMatmul&) = delete;
  AmxMatmul& operator=(const AmxMatmul&) = delete;

  /** Arguments as for Engine::matmul, with `kind` an amx_kind(). */
  void matmul(ThreadPool& pool, int kind, const uint8_t* w, int nIn, int nOut, const float* x, int nTok, float* out);
  /** Bytes of scratch held (grow-only). */
  size_t scratch_bytes() const;

 private:
  struct Scratch;  // matmul-amx.cpp
  Scratch* scratch_;
};

}  // namespace trueno
