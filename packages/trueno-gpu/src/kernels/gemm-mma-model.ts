/**
 * The tensor-core GEMM's TS references and cost model (kernel in gemm-mma.ts).
 *
 * Two references: `gemmMmaReference` is the exact one (trueno dequantize, f64 dot, one f32
 * rounding: the same as the GEMV oracle); `gemmMmaF16Reference` first rounds X and the
 * dequantized W to f16 as the kernel's staging does, so it differs from the kernel only by the
 * f32 accumulation of the mma partial sums.
 */
import { type GGMLType, dequantize, fp16ToFp32, fp32ToFp16 } from '@sovereign/trueno';
import { MAX_GEMV_BATCH, gemvLaunch, gemvReference } from './gemv-common.js';
import { GEMM_TILE_N, type GemmTileM, gemmFormatFor } from './gemm-mma.js';
import { H100_BANDWIDTH_GBS, H100_F16_TENSOR_TFLOPS, H100_WARP_ISSUE_PER_S, type KernelCost, predictedMicros } from './kernel-model.js';

/** Exact reference: Y (nTok, nOut) = X (nTok, K) · dequantize(W)ᵀ with f64 dots rounded to f32. */
export function gemmMmaReference(type: GGMLType, w: Uint8Array, x: Float32Array, nTok: number, nOut: number, K: number): Float32Array {
  return gemvReference(type, w, x, nOut, K, nTok);
}

/** f16 value nearest to `v` (round to nearest even, as cvt.rn.f16.f32), as a number. */
function f16Round(v: number): number {
  return fp16ToFp32(fp32ToFp16(v));
}

/**
 * The kernel's arithmetic without its accumulation order: X and dequantize(W) each rounded to f16
 * (round to nearest even), then exact (f64) dots rounded once to f32. Y is (nTok, nOut).
 */
export function gemmMmaF16Reference(type: GGMLType, w: Uint8Array, x: Float32Array, nTok: number, nOut: number, K: number): Float32Array {
  const wf = dequantize(type, w, nOut * K).map(f16Round);
  const xf = x.map(f16Round);
  const y = new Float32Array(nTok * nOut);
  for (let t = 0; t < nTok; t++) {
    for (let r = 0; r < nOut; r++) {
      let s = 0;
      for (let i = 0; i < K; i++) s += wf[r * K + i] * xf[t * K + i];
      y[t * nOut + r] = s;
    }
  }
  return y;
}

/** Bytes and flops of one GEMM launch. */
export interface GemmCost extends KernelCost {
  /** Multiply-adds the tensor cores run, tiles padded to tileM × 64 (times 2). */
  readonly paddedFlops: number;
  /** Bytes the blocks read from L2 or memory: W once per token tile, X once per output tile. */
  readonly l2Bytes: number;
  /** Thread blocks of the launch (all K slices). */
  readonly blocks: number;
}

/**
 * Cost of Y (nTok, nOut) = X · Wᵀ with `tileM`-token tiles and `slices` K slices: device memory
 * sees W, X and Y once (the re-reads of W per token tile and of X per 64-output tile hit the 50 MB
 * L2 for these model sizes: a Qwen2.5 FFN weight is a few MB), plus, when split, the workspace
 * written by the GEMM and read by the reduce pass (2·slices·nTok·nOut·4 bytes); flops 2·nTok·nOut·K.
 */
export function gemmMmaCost(type: GGMLType, nTok: number, nOut: number, K: number, tileM: GemmTileM = 64, slices = 1): GemmCost {
  const f = gemmFormatFor(type);
  const wBytes = nOut * (K / f.qk) * f.blockBytes;
  const tilesM = Math.ceil(nTok / tileM);
  const tilesN = Math.ceil(nOut / GEMM_TILE_N);
  const workspace = slices > 1 ? 2 * slices * nTok * nOut * 4 : 0;
  return {
    bytes: wBytes + nTok * K * 4 + nTok * nOut * 4 + workspace,
    flops: 2 * nTok * nOut * K,
    paddedFlops: 2 * tilesM * tileM * tilesN * GEMM_TILE_N * K,
    l2Bytes: tilesM * wBytes + tilesN * nTok * K * 4 + nTok * nOut * 4 + workspace,
    blocks: tilesM * tilesN * slices,
  };
}

/** Predicted µs of a GEMM launch: max(bytes / bandwidth, padded flops / f16 tensor-core peak). */
export function gemmMmaPredictedMicros(cost: GemmCost, bandwidthGBs = H100_BANDWIDTH_GBS, tflops = H100_F16_TENSOR_TFLOPS): number {
  return Math.max(predictedMicros(cost, bandwidthGBs), (cost.paddedFlops / (tflops * 1e12)) * 1e6);
}

/** Streaming multiprocessors of an H100 SXM. */
export const H100_SMS = 132;
/**
 * The clock (GHz) at which NVIDIA's 990 TFLOPS f16 figure is quoted (132 SMs × 4096 flops per
 * clock), below the 1.98 GHz boost of the f32 figure (67 TFLOPS) and of kernel-model.ts's
 * `H100_WARP_ISSUE_PER_S`, which the issue bounds of both paths here use (one issue rate for the
 * GEMM and the GEMV path). If the clock drops to this one under tensor load, the GEMM's issue
 * bound is ~8% optimistic.
 */
export const H100_TENSOR_CLOCK_GHZ = 1.83;

/**
 * PTX warp instructions the GEMM executes per m16n8k16 mma (loaders, fragment loads, mma,
 * barriers, loop) per token tile size, emulated at tileM tokens × 64 outputs × K = 1024; the test
 * re-measures them. Most of it is the W loader (dequantization is done once per token tile; F16
 * only copies), hence the 128-token tile's lower counts.
 */
export const GEMM_WARP_INSTR_PER_MMA: Readonly<Record<GemmTileM, Readonly<Record<string, number>>>> = {
  64: { f16: 5.81, q8_0: 9.93, q4_0: 11.81, q5_0: 13.93, q4_k: 14.23, q5_k: 15.3, q6_k: 17.19 },
  128: { f16: 5.3, q8_0: 7.36, q4_0: 8.3, q5_0: 9.36, q4_k: 9.44, q5_k: 9.98, q6_k: 10.92 },
};

/**
 * PTX thread instructions of the batched GEMV (gemv-common.ts) per weight: `one` for a batch of 1,
 * `perToken` more per extra sequence (the M FMAs and x loads per weight), emulated at 8 rows ×
 * K = 4096 (2 rows per warp, the GEMV default) with batches 1 and 16; the test re-measures them.
 * F16 has no GEMV kernel.
 */
export const GEMV_THREAD_INSTR_PER_WEIGHT: Readonly<Record<string, { readonly one: number; readonly perToken: number }>> = {
  q8_0: { one: 4.841, perToken: 1.403 },
  q4_0: { one: 5.966, perToken: 1.403 },
  q5_0: { one: 8.091, perToken: 1.403 },
  q4_k: { one: 8.528, perToken: 1.934 },
  q5_k: { one: 9.591, perToken: 1.934 },
  q6_k: { one: 11.841, perToken: 1.403 },
};

/**
 * Gap per kernel launch (µs) charged to a plan: back-to-back launches on one stream without CUDA
 * graphs leave the GPU ~1-3 µs between kernels (an assumption, not a measurement here). It makes
 * the model charge split-K's reduce pass and each GEMV pass.
 */
export const LAUNCH_GAP_MICROS = 2;

/** A prediction in µs: each bound, the launches, and the total (the largest bound plus the launch gaps). */
export interface GemmPrediction {
  readonly memory: number;
  readonly tensor: number;
  /** Instruction issue, from PTX counts (a proxy: ptxas fuses some PTX instructions in SASS). */
  readonly issue: number;
  readonly launches: number;
  readonly total: number;
}

/**
 * The GEMM (and its split-K reduce pass when slices > 1) under the memory, tensor-core and issue
 * bounds. Tensor and issue work is spread over min(132, blocks) SMs: a launch with fewer blocks
 * than SMs leaves the rest idle (Qwen2.5-0.5B's 896-output projections have 14 output tiles, its
 * K/V projections 2), which split-K remedies. Latency (one block of 4 warps per SM cannot keep 4
 * schedulers busy) and launch gaps are not modelled, so small launches are predicted optimistically.
 */
export function gemmMmaPredict(type: GGMLType, nTok: number, nOut: number, K: number, tileM: GemmTileM = 64, slices = 1): GemmPrediction {
  const c = gemmMmaCost(type, nTok, nOut, K, tileM, slices);
  const memory = predictedMicros(c);
  const busy = Math.min(H100_SMS, c.blocks) / H100_SMS;
  const tensor = (c.paddedFlops / (H100_F16_TENSOR_TFLOPS * 1e12 * busy)) * 1e6;
  const mmas = c.paddedFlops / (2 * 16 * 8 * 16);
  const issue = ((mmas * GEMM_WARP_INSTR_PER_MMA[tileM][gemmFormatFor(type).id]) / (H100_WARP_ISSUE_PER_S * busy)) * 1e6;
  const launches = slices > 1 ? 2 : 1;
  return { memory, tensor, issue, launches, total: Math.max(memory, tensor, issue) + launches * LAUNCH_GAP_MICROS };
}

/** Smallest K slice of a split-K launch: at least 256 values, so a slice's prologue and epilogue stay small next to its K-steps. */
export const GEMM_MIN_K_SPLIT = 256;

/** How to launch one product: token tile, K slice length and count, and the prediction. */
export interface GemmPlan {
  readonly tileM: GemmTileM;
  /** K values per slice (k_split parameter): K for no split. */
  readonly kSplit: number;
  readonly slices: number;
  readonly prediction: GemmPrediction;
}

/**
 * The launch the model predicts fastest: token tile 64 or 128 (128 only past 64 tokens), and a K
 * split into slices of ≥ GEMM_MIN_K_SPLIT values when the grid has fewer blocks than SMs. Ties
 * go to the simpler plan (64-token tile, fewer slices).
 */
export function gemmMmaPlan(type: GGMLType, nTok: number, nOut: number, K: number): GemmPlan {
  const m = gemmFormatFor(type).kMultiple;
  const units = K / m;
  const minUnits = Math.max(1, Math.ceil(GEMM_MIN_K_SPLIT / m));
  let best: GemmPlan | undefined;
  for (const tileM of nTok > 64 ? ([64, 128] as const) : ([64] as const)) {
    let lastSlices = 0;
    for (let want = 1; want <= 64; want++) {
      const kSplit = Math.max(minUnits, Math.ceil(units / want)) * m;
      const slices = Math.ceil(K / kSplit);
      if (slices === lastSlices) continue;
      lastSlices = slices;
      const prediction = gemmMmaPredict(type, nTok, nOut, K, tileM, slices);
      if (!best || prediction.total < best.prediction.total) best = { tileM, kSplit: slices === 1 ? K : kSplit, slices, prediction };
    }
  }
  return best!;
}

/**
 * The same product on the GEMV path: ceil(nTok / 16) batched launches, each reading W once
 * (memory) and issuing the GEMV's instructions for its batch (issue); f32 FMAs, no tensor term.
 * Undefined for F16, which has no GEMV kernel.
 */
export function gemvPathPredict(type: GGMLType, nTok: number, nOut: number, K: number): GemmPrediction | undefined {
  const f = gemmFormatFor(type);
  const counts = GEMV_THREAD_INSTR_PER_WEIGHT[f.id];
  if (!counts) return undefined;
  const wBytes = nOut * (K / f.qk) * f.blockBytes;
  const passes = Math.ceil(nTok / MAX_GEMV_BATCH);
  const memory = predictedMicros({ bytes: passes * wBytes + nTok * K * 4 + nTok * nOut * 4, flops: 2 * nTok * nOut * K });
  let threadInstr = 0;
  for (let t = 0; t < nTok; t += MAX_GEMV_BATCH) threadInstr += (counts.one + counts.perToken * (Math.min(MAX_GEMV_BATCH, nTok - t) - 1)) * nOut * K;
  const busy = Math.min(H100_SMS, gemvLaunch(nOut).grid[0]) / H100_SMS;
  const issue = (threadInstr / 32 / (H100_WARP_ISSUE_PER_S * busy)) * 1e6;
  return { memory, tensor: 0, issue, launches: passes, total: Math.max(memory, issue) + passes * LAUNCH_GAP_MICROS };
}

/**
 * Whether the model prefers the tensor-core GEMM over the GEMV path for this product (always for
 * F16 weights, which have no GEMV). The thresholds it implies for Qwen2.5 shapes are printed by
 * the test and summarised in gemm-mma.ts.
 */
export function gemmMmaPreferred(type: GGMLType, nTok: number, nOut: number, K: number): boolean {
  const gemv = gemvPathPredict(type, nTok, nOut, K);
  return !gemv || gemmMmaPlan(type, nTok, nOut, K).prediction.total < gemv.total;
}
