/**
 * Tolerances of `apr check`, by the precision class of the model's matmul weights, and the
 * measurements behind them.
 *
 * What limits parity. Our reference backend and llama.cpp compute the same formulas in float32
 * but sum in different orders (llama.cpp: AVX2/AVX-512 lanes), so every matmul output differs by
 * about one ulp. With f32 weights that stays one ulp: logits agree to ~1e-7 relative. With f16,
 * bf16 or quantized weights both engines first round the activations to the weight's vec_dot type
 * (f16, bf16, Q8_0/Q8_1/Q8_K), and an activation within an ulp of a rounding boundary rounds
 * differently in the two engines: one 8-bit quantum of difference (amax/127), which the later
 * layers and the KV cache carry to every following position. On 2-layer models this happens
 * rarely (logits equal to 1e-7); on a 24-layer qwen2.5-0.5b it happens hundreds of times per
 * sequence. That this is the whole story was measured: perturbing *our own* matmul outputs by ±1
 * ulp moves our logits exactly as far from our unperturbed ones as they are from llama.cpp's
 * (0.5B Q8_0: NMSE 4.3e-4 vs 4.3e-4; Q4_K_M: 5.9e-4 with 6 flipped top-1 vs 5.8e-4 with 3), and
 * llama.cpp itself is bit-identical across batch sizes, so there is no noise floor to borrow there.
 * (Nor is it the quantizer variant: llama.cpp's AVX quantize_row_q8_0 — 127/amax, round half to
 * even — gives the same bytes as the ggml reference quantizer trueno ports on every activation
 * of these runs; checked, 0 differences.)
 * Such flips land on near-ties of the top-1 (random-weight models have many).
 *
 * Measured vs llama.cpp (node-llama-cpp 3.22.1 prebuilt CPU, 32 greedy tokens, NMSE / max rel Δ):
 *   f32: tiny 2.3e-14 / 1.7e-7, llama-tiny 1.9e-14, stories260K 4.2e-14, 24 layers × dim 64 6.6e-14,
 *        2 layers × dim 896 3.0e-13 / 4.5e-7;
 *   f16: tiny 2.2e-9 / 1.1e-4; llama-2-tiny-random 0; bf16: tiny 1.9e-15;
 *   quantized 2-layer (q8_0, q4_0, q4_k_m): ≤ 4.4e-15 / 1.5e-7 (no flip), 7e-5 / 8.7e-3 (dim 896);
 *   qwen2.5-0.5b q8_0 4.4e-4 / 2.1e-2; q4_k_m 7.9e-4 / 3.1e-2 with 2 of 33 top-1 on near-ties
 *   (llama.cpp's gap between the two ≤ 9e-3 of the row's max |logit|).
 * Planted defects (ours reads an edited copy, llama.cpp the original), smallest NMSE seen:
 *   one qkv bias zeroed 1.1e-7 (f32) / 4.7e-5 (q8_0); rope θ ÷ 100 1.2e-5; rms eps × 10 7.6e-5;
 *   two rows of one ffn_down swapped 1.1e-3; one attn_v with rows reversed 0.3.
 * Per-layer hidden states vs the float64 reference (`--layers`, max rel): f32 ≤ 3e-7; f16 4e-4;
 *   bf16 2.6e-3; quantized 2-layer ≤ 8.6e-3; qwen2.5-0.5b q8_0 ≤ 3.0e-2, q4_k_m ≤ 4.7e-2.
 * So f32 weights are checked tightly (every planted defect fails), quantized weights only as
 * tightly as their own rounding noise allows.
 */
import { GGMLType, type Model, dtypeInfo } from '@sovereign/realizar';

/** Precision class of a model's matmul weights (the lossiest one decides). */
export type WeightClass = 'f32' | 'half' | 'quantized';

/** Bounds that decide PASS/FAIL. */
export interface CheckTolerance {
  readonly weightClass: WeightClass;
  /** Largest NMSE of the logits vs llama.cpp. */
  readonly nmse: number;
  /**
   * Near-tie bound, relative to the position's max |logit|: a differing top-1 is accepted only when
   * llama.cpp's logits of the two tokens are closer than this (rounding noise can order them
   * either way); anywhere else the top-1 must agree.
   */
  readonly tieRel: number;
  /** Largest max-relative error of a layer's hidden state vs the float64 reference (`--layers`). */
  readonly layerRel: number;
  /** One line: why these bounds. */
  readonly basis: string;
}

const TOLERANCES: Record<WeightClass, Omit<CheckTolerance, 'basis'>> = {
  // Measured ≤ 3e-13 NMSE and ≤ 5e-7 max rel; layers vs f64 ≤ 3e-7. Every planted defect fails.
  f32: { weightClass: 'f32', nmse: 1e-9, tieRel: 1e-5, layerRel: 1e-4 },
  // f16/bf16 activations: measured NMSE ≤ 2.2e-9, max rel 1.1e-4; layers vs f64 ≤ 2.6e-3.
  half: { weightClass: 'half', nmse: 1e-6, tieRel: 1e-3, layerRel: 2e-2 },
  // 8-bit activations: measured NMSE ≤ 7.9e-4 and max rel ≤ 3.1e-2 (0.5B; self-perturbed alike),
  // near-tie gaps ≤ 9e-3; layers vs f64 see the activation quantization itself (≤ 4.7e-2).
  quantized: { weightClass: 'quantized', nmse: 2e-3, tieRel: 3e-2, layerRel: 1e-1 },
};

/** The types of every matmul weight of `model` (the output head included). */
export function matmulWeightTypes(model: Model): GGMLType[] {
  const w = model.weights;
  const types = new Set<GGMLType>([w.output.type]);
  for (const L of w.layers) for (const t of [L.wq, L.wk, L.wv, L.wo, L.wGate, L.wUp, L.wDown]) types.add(t.type);
  return [...types];
}

/** The class of `model`'s weights and the tolerances that go with it. */
export function toleranceFor(model: Model): CheckTolerance {
  const types = matmulWeightTypes(model);
  const names = types.map((t) => dtypeInfo(t).name).join(', ');
  if (types.every((t) => t === GGMLType.F32)) {
    return { ...TOLERANCES.f32, basis: 'f32 weights: float32 summation order only' };
  }
  if (types.every((t) => t === GGMLType.F32 || t === GGMLType.F16 || t === GGMLType.BF16)) {
    return { ...TOLERANCES.half, basis: `weights ${names}: activations rounded to f16/bf16 as in ggml` };
  }
  return { ...TOLERANCES.quantized, basis: `weights ${names}: activations quantized to 8 bits (q8_0/q8_1/q8_K) as in ggml` };
}
