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
 * dp4a GEMV (Q4_K × Q8_1) vs dequantized W · dequantized Q8_1 x (f64). The integer dot products
 * are exact; the difference is the min term, which uses each Q8_1 block's stored s = fp16(d·Σq)
 * (relative error ≤ 2⁻¹¹, as llama.cpp's mmvq does) rather than the exact d·Σq. Min terms are of
 * the order of the outputs, so NMSE ≈ (2⁻¹¹)² ≈ 1e-6: observed 1.1e-6 (31 rows × 512); against a
 * model that uses the stored s the kernel agrees to 3.5e-14. The bound leaves ~10× margin.
 */
export const GEMV_DP4A_NMSE = 1e-5;
