/**
 * Conformance entries of the tensor-core GEMM (prefill: Y (nTok, nOut) = X · Wᵀ), one per weight
 * format (F16 and the six GEMV quant formats), with the split-K reduce pass where a shape splits
 * K. Compared with `gemmMmaF16Reference` (X and W rounded to f16, exact dots) under
 * `gemmMmaF16Nmse(K)`, the bound that covers tensor-core accumulation truncation, so it grows with
 * K per shape. Emu shapes cover both token tiles and a split; device shapes are Qwen2.5-0.5B
 * prefill projections with the tile and split `gemmMmaPlan` picks (what the backend launches).
 * Large W repeat a quantized tile of ≤ 257 rows, as in table-gemv.ts.
 */
import { GGMLType, dtypeInfo } from '@sovereign/trueno';
import { GEMM_FORMATS } from '../kernels/gemm-mma-formats.js';
import { gemmMmaCost, gemmMmaF16Reference, gemmMmaPlan, gemmMmaPredictedMicros } from '../kernels/gemm-mma-model.js';
import { type GemmTileM, buildGemmMma, gemmMmaLaunch, gemmSlices } from '../kernels/gemm-mma.js';
import { buildGemmSplitKReduce, gemmSplitKReduceCost, gemmSplitKReduceLaunch } from '../kernels/gemm-splitk-reduce.js';
import { predictedMicros } from '../kernels/kernel-model.js';
import { gemmMmaF16Nmse } from '../kernels/tolerances.js';
import type { CaseContext, CaseLaunch, CaseScale, ConformanceCase, ConformanceEntry } from './conformance-case.js';
import { seeded } from './conformance-case.js';
import { tiledWeights } from './table-gemv.js';

/** [nTok, nOut, K, tileM, kSplit] (kSplit = K: no split). */
type GemmShape = [nTok: number, nOut: number, K: number, tileM: GemmTileM, kSplit: number];

function gemmShapes(type: GGMLType, scale: CaseScale): GemmShape[] {
  if (scale === 'emu') {
    return [
      [17, 70, 256, 64, 256],
      [65, 64, 256, 128, 256],
      [5, 33, 512, 64, 256], // two K slices + the reduce pass
    ];
  }
  const hidden = gemmFormat(type).kMultiple === 256 ? 1024 : 896;
  const planned = (nTok: number, nOut: number, K: number): GemmShape => {
    const p = gemmMmaPlan(type, nTok, nOut, K);
    return [nTok, nOut, K, p.tileM, p.kSplit];
  };
  return [planned(512, 4864, hidden), planned(512, 896, 4864), planned(33, 128, hidden), planned(129, 896, hidden), [511, 1023, hidden, 64, hidden]];
}

function gemmFormat(type: GGMLType) {
  return GEMM_FORMATS.get(type)!;
}

function gemmCase(type: GGMLType, [nTok, nOut, K, tileM, kSplit]: GemmShape, ctx: CaseContext): ConformanceCase {
  const { w, wt, tile } = tiledWeights(type, nOut, K);
  const x = seeded(nTok * K, nTok + K).map((v) => v * 3);
  const yt = gemmMmaF16Reference(type, wt, x, nTok, tile, K); // (nTok, tile)
  const ref = new Float32Array(nTok * nOut);
  for (let t = 0; t < nTok; t++) for (let r = 0; r < nOut; r++) ref[t * nOut + r] = yt[t * tile + (r % tile)];
  const slices = gemmSlices(type, K, kSplit);
  const n = nTok * nOut;
  const gemm = ctx.kernel(`m${tileM}`, () => buildGemmMma({ sm: ctx.sm, type, tileM }));
  const launches: CaseLaunch[] = [
    { kernel: gemm, ...gemmMmaLaunch(nTok, nOut, tileM, slices), args: { w: { buf: 'w' }, x: { buf: 'x' }, y: { buf: slices > 1 ? 'ws' : 'y' }, n_out: nOut, n_tok: nTok, k: K, k_split: kSplit } },
  ];
  if (slices > 1) {
    const reduce = ctx.kernel('reduce', () => buildGemmSplitKReduce({ sm: ctx.sm }));
    launches.push({ kernel: reduce, ...gemmSplitKReduceLaunch(n), args: { ws: { buf: 'ws' }, y: { buf: 'y' }, n, slices } });
  }
  const cost = gemmMmaCost(type, nTok, nOut, K, tileM, slices);
  const reduceCost = slices > 1 ? gemmSplitKReduceCost(n, slices) : undefined;
  return {
    buffers: [{ name: 'w', init: w }, { name: 'x', init: x }, { name: 'y', init: n * 4 }, ...(slices > 1 ? [{ name: 'ws', init: slices * n * 4 }] : [])],
    launches,
    outputs: [{ buf: 'y', type: 'f32', ref }],
    cost,
    predictMicros: (bw) => gemmMmaPredictedMicros(cost, bw) + (reduceCost ? predictedMicros(reduceCost, bw) : 0),
    bound: gemmMmaF16Nmse(K),
  };
}

/** One GEMM entry per weight format. */
export const GEMM_ENTRIES: readonly ConformanceEntry[] = [...GEMM_FORMATS.keys()].map(
  (type): ConformanceEntry => ({
    name: `gemm_mma_${dtypeInfo(type).name.toLowerCase()}`,
    bound: gemmMmaF16Nmse(4864),
    boundName: 'gemmMmaF16Nmse(K)',
    cases: (scale: CaseScale) =>
      gemmShapes(type, scale).map((s) => ({
        shape: `${s[0]}x${s[1]}x${s[2]} m${s[3]}${s[4] < s[2] ? ` split ${Math.ceil(s[2] / s[4])}` : ''}`,
        make: (ctx: CaseContext) => gemmCase(type, s, ctx),
      })),
  }),
);
