// The AVX2 + FMA ops table: ops-simd.h over 8-lane vectors. Compiled with -mavx2 -mfma only.
#include "ops.h"
#include "vec-avx2.h"
#include "ops-simd.h"

namespace trueno {
namespace {

const OpsKernels kOps = {
    "avx2",
    attn_head_simd<VecAvx2>,
    softmax_row_simd<VecAvx2>,
    swiglu_simd<VecAvx2>,
};

}  // namespace

const OpsKernels* ops_avx2() { return &kOps; }

}  // namespace trueno
