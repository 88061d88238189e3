/**
 * Conformance bounds of native kernels against the TypeScript reference, in one place.
 *
 * NMSE = Σ(native − ref)² / Σ ref², over all outputs of a call. The reference sums each dot
 * product in ggml's scalar order; SIMD kernels sum in 8 or 16 lanes and with FMA, so results
 * differ by float rounding only. For quantized weights both sides compute the same exact integer
 * block sums from the same activation bytes (the quantizers are byte-identical, tested
 * separately), and only the float accumulation of the per-block terms differs. Observed NMSE on
 * random data is ~1e-14 for all types; the bounds leave two to three orders of magnitude of
 * margin and would still catch a single wrong block in a row (NMSE ≳ 1e-4).
 */
import { GGMLType } from '../dtype.js';

/** Upper bound of matmul NMSE, native vs ref, per weight type. */
export const MATMUL_NMSE: Readonly<Partial<Record<GGMLType, number>>> = {
  [GGMLType.F32]: 1e-11,
  [GGMLType.F16]: 1e-11,
  [GGMLType.Q8_0]: 1e-11,
  [GGMLType.Q4_0]: 1e-11,
  [GGMLType.Q5_0]: 1e-11,
  [GGMLType.Q4_K]: 1e-11,
  [GGMLType.Q6_K]: 1e-11,
  [GGMLType.Q4_1]: 1e-11,
  [GGMLType.Q5_1]: 1e-11,
  [GGMLType.Q2_K]: 1e-11,
  [GGMLType.Q3_K]: 1e-11,
  [GGMLType.Q5_K]: 1e-11,
  [GGMLType.BF16]: 1e-11,
};

/**
 * The `generic` (plain C++) kernels port the reference line by line, in its float order: they
 * must agree bit for bit (NMSE exactly 0).
 */
export const GENERIC_MATMUL_NMSE = 0;

/** The non-matmul bricks of {@link Backend} (backend/backend.ts), as named there. */
export type OpName = 'getRows' | 'rmsNorm' | 'rope' | 'addBias' | 'add' | 'swiglu' | 'softmax' | 'storeKv' | 'attention' | 'argmax';

/**
 * Upper bound of NMSE, any backend vs ref, per op (ops-conformance.test.ts); argmax compares
 * indices, and its 0 means the same index.
 *
 * - 0 (bit for bit): ops with no reduction a backend may reorder (the element-wise ones, the KV
 *   copy, getRows' dequantizers, whose float steps are exact or fixed) and RMSNorm, whose sum of
 *   squares ggml keeps in double and in order.
 * - rope: the same float steps as ref, but cos/sin/pow/log come from the C library instead of V8;
 *   both are within an ulp in double and only rarely round differently to float (0 observed; one
 *   such element in a row would give NMSE ~1e-15).
 * - swiglu, softmax: the SIMD kernels use a polynomial exp within ~1-2 ulp and sum in float lanes
 *   (observed ~4e-16 and ~2e-14; the generic kernels are exact).
 * - attention: q·k and p·V summed in float lanes with FMA where ref sums in double, plus the exp
 *   above: ~3e-13 observed (avx2, avx512) over head dims up to 1023 and contexts up to 1023.
 * The bounds leave two to three orders of magnitude of margin and still catch one wrong element
 * in a thousand (NMSE ≳ 1e-6), or attention reading one position too many (poisoned in the test).
 */
export const OP_NMSE: Readonly<Record<OpName, number>> = {
  getRows: 0,
  rmsNorm: 0,
  rope: 1e-12,
  addBias: 0,
  add: 0,
  swiglu: 1e-12,
  softmax: 1e-12,
  storeKv: 0,
  attention: 1e-10,
  argmax: 0,
};

/** Normalized mean squared error of `got` against `want` over the first `n` values. */
export function nmse(got: Float32Array, want: Float32Array, n = want.length): number {
  let err = 0;
  let ref = 0;
  for (let i = 0; i < n; i++) {
    const d = got[i] - want[i];
    err += d * d;
    ref += want[i] * want[i];
  }
  if (ref === 0) return err === 0 ? 0 : Infinity;
  return err / ref;
}
