/**
 * Which kernel path a {@link GpuBackend} matmul takes for a weight type and shape:
 *
 * - `gemm`: the tensor-core GEMM (kernels/gemm-mma.ts), plus its split-K reduce pass when the
 *   plan splits K, for prompt chunks (nTok ≥ 2) where gemm-mma-model.ts's `gemmMmaPreferred`
 *   predicts it beats the batched GEMVs (W read once instead of once per 16 tokens). F16 weights
 *   have no GEMV kernel, so every F16 prompt chunk takes it.
 * - `gemv`: the batched GEMVs, 16 tokens per launch (decode steps, short chunks, and K that is
 *   not a multiple of the GEMM's K-step).
 * - `cpu`: no kernel for the type (F32, Q5_1, …), or an F16 decode step (nTok = 1): there is no
 *   F16 GEMV kernel, and the GEMM is kept to prompt chunks (for one token it would pad a 64-token
 *   tile; whether that beats the host round trip is not measured), so F16 decode steps still run
 *   their matmuls on the CPU (and their steps eagerly, without graphs).
 *
 * Numerics of the GEMM path: X and W are rounded to f16 before the mma (relative 2⁻¹¹ each), so
 * results differ from the GEMV path (f32 X) by NMSE ~1e-7 (GEMM_MMA_VS_F32_NMSE bounds it), and
 * |X| must stay below 65504 (f16's largest value): larger activations become ±inf, as in
 * llama.cpp's f16 cuBLAS prefill. Turn the GEMM off (`GpuBackendOptions.gemm: false`) for models
 * whose activations exceed that.
 */
import type { GGMLType } from '@sovereign/trueno';
import { type GemmPlan, gemmMmaPlan, gemmMmaPreferred } from '../kernels/gemm-mma-model.js';
import { gemmFormatFor } from '../kernels/gemm-mma.js';
import type { KernelSet } from './kernel-set.js';

/** The path of one matmul (see the module comment). */
export type MatmulRoute = { readonly kind: 'gemm'; readonly plan: GemmPlan } | { readonly kind: 'gemv' } | { readonly kind: 'cpu' };

/** Fewest tokens for the GEMM path: one-token decode steps stay on the GEMV (or the CPU for F16). */
export const GEMM_MIN_TOKENS = 2;

/** Routes kept before the cache is cleared (shapes per model × prompt-chunk lengths seen). */
const MAX_CACHED_ROUTES = 4096;

/** Routes matmuls (see the module comment), caching the model's plan per type and shape. */
export class MatmulRouter {
  private readonly cache = new Map<string, MatmulRoute>();

  /** @param gemm false keeps every type with a GEMV kernel on it (and F16 on the CPU). */
  constructor(
    private readonly kernels: KernelSet,
    readonly gemm: boolean,
  ) {}

  /** The route of Y (nTok, nOut) = X (nTok, K) · Wᵀ for weights of `type`. */
  route(type: GGMLType, nTok: number, nOut: number, K: number): MatmulRoute {
    const key = `${type} ${nTok} ${nOut} ${K}`;
    let r = this.cache.get(key);
    if (!r) {
      if (this.cache.size >= MAX_CACHED_ROUTES) this.cache.clear();
      r = this.decide(type, nTok, nOut, K);
      this.cache.set(key, r);
    }
    return r;
  }

  private decide(type: GGMLType, nTok: number, nOut: number, K: number): MatmulRoute {
    const k = this.kernels;
    if (this.gemm && nTok >= GEMM_MIN_TOKENS && k.hasGemm(type) && K > 0 && K % gemmFormatFor(type).kMultiple === 0 && gemmMmaPreferred(type, nTok, nOut, K)) {
      return { kind: 'gemm', plan: gemmMmaPlan(type, nTok, nOut, K) };
    }
    return k.hasGemv(type) ? { kind: 'gemv' } : { kind: 'cpu' };
  }
}
