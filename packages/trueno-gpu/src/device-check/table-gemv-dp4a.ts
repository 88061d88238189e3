/**
 * Conformance entries of the Q8_1-activation path: `quantize_q8_1` (bit-exact with ggml's
 * quantize_row_q8_1_ref) and the dp4a GEMVs for Q8_0, Q4_0, Q5_0, Q4_K and Q6_K weights (2 rows
 * per warp), on the same shapes as the f32 GEMVs (table-gemv.ts), x quantized on the host.
 * Bounds: GEMV_NMSE against dequantized W · dequantized Q8_1 x, except Q4_K, whose min term uses
 * the block's stored fp16 s (GEMV_DP4A_NMSE, tolerances.ts).
 */
import { GGMLType, dtypeInfo, quantize } from '@sovereign/trueno';
import { GEMV_DP4A_BUILDERS, gemvFormatFor } from '../kernels/gemv-formats.js';
import { Q8_1_BLOCK_BYTES, buildQuantizeQ8_1, quantizeQ8_1Cost, quantizeQ8_1Launch, quantizeQ8_1Reference } from '../kernels/gemv-q8-1-quantize.js';
import { gemvDp4aLaunch, gemvDp4aReference } from '../kernels/gemv-q8-1-dp4a.js';
import { GEMV_DP4A_NMSE, GEMV_NMSE } from '../kernels/tolerances.js';
import type { CaseContext, CaseScale, ConformanceCase, ConformanceEntry } from './conformance-case.js';
import { seeded } from './conformance-case.js';
import { gemvShapeLabel, gemvShapes, type GemvShape, tiledWeights, untile } from './table-gemv.js';

/** Activations like a transformer's: uniform ±3 with an outlier every 37 values. */
function activations(n: number, seed: number): Float32Array {
  const x = seeded(n, seed).map((v) => v * 3);
  for (let i = 5; i < n; i += 37) x[i] *= 20;
  return x;
}

const quantizeQ8_1: ConformanceEntry = {
  name: 'quantize_q8_1',
  bound: 0,
  boundName: 'exact',
  cases: (scale: CaseScale) =>
    (scale === 'emu' ? [[1, 32], [3, 256]] : [[1, 896], [8, 4864], [512, 896]]).map(([rows, K]) => ({
      shape: `${rows}x${K}`,
      make: (ctx: CaseContext): ConformanceCase => {
        const n = rows * K;
        const x = activations(n, n + 3);
        const ref = quantizeQ8_1Reference(x);
        const nBlocks = n / 32;
        const { grid, block } = quantizeQ8_1Launch(nBlocks);
        return {
          buffers: [{ name: 'x', init: x }, { name: 'q', init: nBlocks * Q8_1_BLOCK_BYTES }],
          launches: [{ kernel: ctx.kernel('k', () => buildQuantizeQ8_1({ sm: ctx.sm })), grid, block, args: { x: { buf: 'x' }, q: { buf: 'q' }, n_blocks: nBlocks } }],
          // Blocks are 36 bytes: compared as 9 words each, exactly.
          outputs: [{ buf: 'q', type: 'u32', ref: new Uint32Array(ref.buffer, ref.byteOffset, ref.byteLength / 4) }],
          cost: quantizeQ8_1Cost(n),
        };
      },
    })),
};

function dp4aCase(type: GGMLType, [nRows, K, M]: GemvShape, ctx: CaseContext): ConformanceCase {
  const build = GEMV_DP4A_BUILDERS.get(type)!;
  const { w, wt, tile } = tiledWeights(type, nRows, K);
  const xq = quantize(GGMLType.Q8_1, activations(M * K, K + 17 + M));
  const ref = untile(gemvDp4aReference(type, wt, xq, tile, K, M), M, tile, nRows);
  const { grid, block } = gemvDp4aLaunch(nRows);
  return {
    buffers: [
      { name: 'w', init: w },
      { name: 'xq', init: xq },
      { name: 'y', init: M * nRows * 4 },
    ],
    launches: [{ kernel: ctx.kernel(`b${M}`, () => build({ sm: ctx.sm, batch: M })), grid, block, args: { w: { buf: 'w' }, xq: { buf: 'xq' }, y: { buf: 'y' }, n_rows: nRows, k: K } }],
    outputs: [{ buf: 'y', type: 'f32', ref }],
    cost: { bytes: w.byteLength + xq.byteLength + M * nRows * 4, flops: 2 * M * nRows * K },
  };
}

/** quantize_q8_1 and one dp4a GEMV entry per supported weight type. */
export const DP4A_ENTRIES: readonly ConformanceEntry[] = [
  quantizeQ8_1,
  ...[...GEMV_DP4A_BUILDERS.keys()].map(
    (type): ConformanceEntry => ({
      name: `gemv_${dtypeInfo(type).name.toLowerCase()}_q8_1`,
      bound: type === GGMLType.Q4_K ? GEMV_DP4A_NMSE : GEMV_NMSE,
      boundName: type === GGMLType.Q4_K ? 'GEMV_DP4A_NMSE' : 'GEMV_NMSE',
      cases: (scale: CaseScale) =>
        gemvShapes(gemvFormatFor(type).qk, scale)
          .filter(([, , , R]) => R === 2)
          .map((s) => ({ shape: gemvShapeLabel(s), make: (ctx: CaseContext) => dp4aCase(type, s, ctx) })),
    }),
  ),
];
