/**
 * Conformance bounds of the trueno-gpu kernels (emulated, and on a GPU the real launch) against
 * their TypeScript references, in one place. NMSE = Σ(out − ref)² / Σ ref² over all outputs.
 */

/** NMSE of `out` against `ref` (0 when both are all zero). */
export function nmse(out: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (out.length !== ref.length) throw new RangeError(`nmse: lengths differ (${out.length} vs ${ref.length})`);
  let e = 0;
  let s = 0;
  for (let i = 0; i < ref.length; i++) {
    e += (out[i] - ref[i]) ** 2;
    s += ref[i] ** 2;
  }
  return s === 0 ? (e === 0 ? 0 : Infinity) : e / s;
}

/**
 * GEMV (all quant types, f32 activations) vs `gemvReference` (trueno dequantize + f64 dot).
 * Both use the same dequantized weight values (block scales decode exactly; d·sc·q differs only by
 * the f32 rounding of the product order), and the kernel sums in f32 with FMA in a different order
 * (per lane, then a butterfly over 32 lanes), so the error is float32 accumulation only: relative
 * error per output ≲ √K·2⁻²⁴, NMSE observed ~1e-14 on random data. 1e-10 leaves margin for K up
 * to many thousands and still catches one wrong block in a 32-block row (NMSE ≳ 1e-3).
 */
export const GEMV_NMSE = 1e-10;

/**
 * GEMV vs trueno's `matmulRef` (the CPU engine's path, which quantizes x to the vec_dot type Q8_0 /
 * Q8_K first, like ggml). That activation quantization costs ~1e-5 relative error per value
 * (int8 steps of amax/127), so NMSE is ~1e-5; the bound checks that the GPU kernel and the engine
 * agree at the level of quantization noise, not bit for bit.
 */
export const GEMV_VS_MATMUL_REF_NMSE = 1e-3;

/**
 * RMSNorm vs `rmsNormRef`. The reference sums x² in double, the kernel in f32 (per thread over a
 * stride, then a 256-way tree): relative error of the sum ≲ (dim/256 + 13)·2⁻²⁴, halved in the
 * scale by the square root; everything after (div.rn, sqrt.rn, two mul.rn) rounds like the C code.
 * Observed NMSE ~5e-15 (5 rows of 896); 1e-11 leaves margin and still catches one weight off by
 * 50% in 127 (NMSE ≳ 1e-3).
 */
export const RMS_NORM_NMSE = 1e-11;

/**
 * add / add_bias vs Backend.add / addBias: one IEEE add.rn per element on both sides, so the
 * kernel is bit-identical (bound 0: any difference is a bug).
 */
export const ADD_NMSE = 0;

/**
 * SwiGLU vs `swigluRef`: only e^-g differs (ex2.approx: ≲ 2⁻²² relative, plus |g|·2⁻²³ from the
 * log2 e pre-scaling), damped by e/(1+e) in silu; the rest rounds like the C code. Relative error
 * per output ≲ (2 + |g|)·2⁻²³ ≈ 2e-6 for |g| ≤ 12, so NMSE ≲ 4e-12; observed ~2e-17 in the
 * emulator (its ex2 is correctly rounded) and ~2e-16 with ex2 at ±2⁻²². 1e-10 still catches one
 * of 33 values off by 0.01 (NMSE ~1e-5).
 */
export const SWIGLU_NMSE = 1e-10;

/**
 * RoPE vs `ropeRef`: θ, the YaRN mix, mscale and the rotation round exactly like the reference;
 * only cos/sin differ (Cody-Waite reduction to [−π, π], error ≲ 2⁻²³, then cos/sin.approx with
 * absolute error ≲ 2⁻²⁰·⁵), so each output is off by ≲ 1e-6·|x| and NMSE ≲ 1e-12 on a GPU
 * (observed: ~2e-15 in the emulator, whose approx ops are correctly rounded; ~9e-13 with cos/sin
 * shifted by ±2⁻²⁰·⁵). 1e-10 catches one position off by one (NMSE ~1e-2).
 */
export const ROPE_NMSE = 1e-10;

// argmax (argmax.ts) has no tolerance: comparisons are exact, so its indices must equal
// argmaxRef's (ties to the lowest index, NaN never wins), and the tests compare for equality.

/**
 * Attention (decode, split-K decode, prefill) vs `attentionRef` (ggml's f32 softmax with double
 * sums). The kernels use flash attention's online softmax in the log2 domain: scores are f32 dot
 * products (≲ √headDim·2⁻²⁴ relative), pre-scaled by fl(scale·log2 e), exponentiated with
 * ex2.approx (≲ 2⁻²² relative) and summed in f32; each weight is off by a relative
 * ≲ (2 + |s − max|)·2⁻²³ and the output (a convex combination of V rows, normalised by the same
 * sum) by the same order. Observed NMSE ~1e-15 (emulator, whose ex2 is exact) and ~3e-12 with
 * ex2 perturbed by its documented worst case (±2⁻²², alternating by site: withApproxError in the
 * tests); 1e-9 covers peaky softmaxes (|s| ~ 100) and long contexts on a GPU and still catches
 * one V row of 33 off by 0.5 (NMSE ~1e-3).
 */
export const ATTENTION_NMSE = 1e-9;

/**
 * Split-K decode vs the one-pass kernel: the same recurrence, with chunk partials rescaled by
 * 2^(m_i − M) and summed in another order; they differ by f32 rounding of the sums (≲
 * log2(nSplits)·2⁻²⁴ relative) and, on a GPU, by ex2.approx errors landing on different factors:
 * observed ~6e-16 (emulator) and ~3e-12 with worst-case ex2 error injected, so 1e-10.
 */
export const ATTENTION_SPLIT_NMSE = 1e-10;
