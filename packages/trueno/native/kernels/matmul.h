// The matmul driver: converts the activations to the weight's vec_dot format once per call (in
// parallel, into reused scratch), then splits the output rows across the thread pool in chunks
// taken from an atomic counter (dynamic: a core slowed by a neighbour takes fewer chunks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "kernel-set.h"
#include "thread-pool.h"

namespace trueno {

class Engine {
 public:
  Engine(const KernelSet* ks, int threads) : ks_(ks), pool_(threads) {}

  const KernelSet* kernels() const { return ks_; }
  void set_kernels(const KernelSet* ks) { ks_ = ks; }
  ThreadPool& pool() { return pool_; }
  /** Bytes of activation scratch currently held (grow-only). */
  size_t scratch_bytes() const { return scratchCap_; }

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
};

}  // namespace trueno
