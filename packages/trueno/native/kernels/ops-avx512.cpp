// The AVX-512 ops table: ops-simd.h over 16-lane vectors (masked tails instead of scalar ones).
// Compiled with -mavx512f and the AVX2 flags only.
#include "ops.h"
#include "vec-avx512.h"
#include "ops-simd.h"

namespace trueno {
namespace {

const OpsKernels kOps = {
    "avx512",
    attn_head_simd<VecAvx512>,
    softmax_row_simd<VecAvx512>,
    swiglu_simd<VecAvx512>,
};

}  // namespace

const OpsKernels* ops_avx512() { return &kOps; }

}  // namespace trueno
