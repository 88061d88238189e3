// The matmul driver: converts the activations to the weight's vec_dot format once per call (in
// parallel, into reused scratch), then splits the output rows across the thread pool in chunks
// taken from an atomic counter (dynamic: a core slowed by a neighbour takes fewer chunks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "kernel-set.h"
#include "thread-pool.h"

namespace trueno {

class AmxMatmul;

/** Whether matmul routes prefill-sized Q8_0-family calls to the AMX kernels (matmul-amx.h). */
struct AmxState {
  bool on = false;
  std::string reason;  // why not, when !on
  int minTokens = 0;   // calls with at least this many tokens use AMX
};

class Engine {
 public:
  Engine(const KernelSet* ks, int threads);
  ~Engine();

  const KernelSet* kernels() const { return ks_; }
  /**
   * Switches kernel set. This (and the constructor) also reads the AMX settings from the
   * environment: TRUENO_AMX=0 disables AMX, TRUENO_AMX_MIN_TOKENS=n moves its threshold.
   */
  void set_kernels(const KernelSet* ks);
  ThreadPool& pool() { return pool_; }
  /** Bytes of activation scratch currently held (grow-only), the AMX path's included. */
  size_t scratch_bytes() const;
  const AmxState& amx() const { return amx_; }

  /**
   * out (nTok, nOut) = x (nTok, nIn) . W^T for a weight of kind `kind` (rows of nIn values,
   * `row_bytes(kind, nIn)` apart). Arguments must already be validated.
   */
  void matmul(int kind, const uint8_t* w, int nIn, int nOut, const float* x, int nTok, float* out);

  /** Quantizes one activation row with this kernel set (Q8_0, Q8_K or f16), for tests. */
  void quantize(ActFormat f, const float* x, uint8_t* y, int n) const;

 private:
  uint8_t* scratch(size_t bytes);

  const KernelSet* ks_;
  ThreadPool pool_;
  std::unique_ptr<uint8_t[]> scratchMem_;
  uint8_t* scratch_ = nullptr;  // 64-byte aligned into scratchMem_
  size_t scratchCap_ = 0;
  AmxState amx_;
  std::unique_ptr<AmxMatmul> amxMatmul_;  // created on the first AMX call
};

}  // namespace trueno
