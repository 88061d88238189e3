// N-API glue of the non-matmul bricks (kernels/ops.h): argument checks and conversions only.
// The functions are plain exports bound to an OpsContext, which the addon instance owns; they
// run on the engine's kernel set (its ops table follows setIsa) and thread pool.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "../kernels/matmul.h"

namespace trueno {
namespace napi_ops {

/** Per-environment state of the ops: the engine and grow-only scratch. */
struct OpsContext {
  explicit OpsContext(Engine* e) : engine(e) {}
  Engine* engine;
  /** Attention scratch, `floats` floats 64-byte aligned (grow-only). */
  float* scratch(size_t floats);
  size_t scratch_bytes() const { return cap_ * sizeof(float); }
  std::vector<float> ropeCache;  // nRot floats (grow-only)

 private:
  std::unique_ptr<float[]> mem_;
  float* aligned_ = nullptr;
  size_t cap_ = 0;
};

/** Adds rmsNorm, rope, addBias, add, swiglu, softmax, storeKv, attention, getRows, argmax to `exports`. */
void define(Napi::Env env, Napi::Object exports, OpsContext* ctx);

/** Adds the ops' fields to the addon's info() object (getRowsTypes, opsScratchBytes). */
void add_info(Napi::Env env, Napi::Object info, const OpsContext* ctx);

}  // namespace napi_ops
}  // namespace trueno
