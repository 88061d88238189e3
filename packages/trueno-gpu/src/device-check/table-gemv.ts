/**
 * Conformance entries of the quantized GEMV kernels, one per ggml format (decode M = 1 and a
 * batched M). Device shapes are Qwen2.5-0.5B's (ffn_up 4864×896, ffn_down 896×4864, the
 * 151936-row lm_head) plus an odd row count; K-quant formats use K = 1024 where the model has 896
 * (not a multiple of 256: those tensors are stored as Q5_0 / Q8_0 in Q4_K_M files).
 *
 * Large matrices repeat a quantized tile of ≤ 257 rows (so quantizing and the f64 reference stay
 * cheap on the host); the kernel still reads every byte, and every row is checked against its
 * tile row's reference value.
 */
import { quantize } from '@sovereign/trueno';
import { type GemvFormat, buildGemv, gemvCost, gemvLaunch, gemvReference } from '../kernels/gemv-common.js';
import { GEMV_FORMATS } from '../kernels/gemv-formats.js';
import { GEMV_NMSE } from '../kernels/tolerances.js';
import { type CaseContext, type CaseScale, type ConformanceCase, type ConformanceEntry, seeded } from './conformance-case.js';

const TILE_ROWS = 257;

/** A GEMV shape: output rows, K, batch M, rows per warp R (the f32 kernels' variants; dp4a kernels have R = 2). */
export type GemvShape = [nRows: number, K: number, M: number, R: number];

/** GEMV shapes of a format (`qk` 32 or 256) at each scale. */
export function gemvShapes(qk: number, scale: CaseScale): GemvShape[] {
  if (scale === 'emu') {
    return [
      [1, 256, 1, 2],
      [33, 512, 1, 1],
      [7, 256, 3, 2],
      [29, 256, 1, 4],
      [300, 256, 1, 2], // a tile of 257 rows repeated, the last one partial
    ];
  }
  const hidden = qk === 256 ? 1024 : 896;
  return [
    [1023, 2560, 1, 2],
    [4864, hidden, 1, 2],
    [4864, hidden, 1, 1],
    [4864, hidden, 1, 4],
    [896, 4864, 1, 2],
    [151936, hidden, 1, 2],
    [4864, hidden, 8, 2],
  ];
}

/** `4864x896 M=8 R=1` (M and R shown when not 1 and 2). */
export function gemvShapeLabel([nRows, K, M, R]: GemvShape): string {
  return `${nRows}x${K}${M > 1 ? ` M=${M}` : ''}${R !== 2 ? ` R=${R}` : ''}`;
}

/** A ≤ 257-row quantized tile of `type` repeated to nRows rows, and the tile. */
export function tiledWeights(type: GemvFormat['type'], nRows: number, K: number): { w: Uint8Array; wt: Uint8Array; tile: number } {
  const tile = Math.min(nRows, TILE_ROWS);
  const wt = quantize(type, seeded(tile * K, nRows * 7919 + K));
  const rowBytes = wt.byteLength / tile;
  const w = new Uint8Array(nRows * rowBytes);
  for (let r = 0; r < nRows; r += tile) w.set(wt.subarray(0, Math.min(tile, nRows - r) * rowBytes), r * rowBytes);
  return { w, wt, tile };
}

/** Expands a (M, tile) reference to (M, nRows): row r of the repeated matrix is tile row r mod tile. */
export function untile(yt: Float32Array, M: number, tile: number, nRows: number): Float32Array {
  const ref = new Float32Array(M * nRows);
  for (let m = 0; m < M; m++) for (let r = 0; r < nRows; r++) ref[m * nRows + r] = yt[m * tile + (r % tile)];
  return ref;
}

/** y (M, nRows) = x (M, K) · Wᵀ over a tiled random W of `fmt`. */
export function gemvCase(fmt: GemvFormat, [nRows, K, M, R]: GemvShape, ctx: CaseContext): ConformanceCase {
  const { w, wt, tile } = tiledWeights(fmt.type, nRows, K);
  const x = seeded(M * K, K + 17 + M);
  const ref = untile(gemvReference(fmt.type, wt, x, tile, K, M), M, tile, nRows);
  const kernel = ctx.kernel(`b${M}r${R}`, () => buildGemv(fmt, { sm: ctx.sm, batch: M, rowsPerWarp: R }));
  const { grid, block } = gemvLaunch(nRows, R);
  return {
    buffers: [
      { name: 'w', init: w },
      { name: 'x', init: x },
      { name: 'y', init: M * nRows * 4 },
    ],
    launches: [{ kernel, grid, block, args: { w: { buf: 'w' }, x: { buf: 'x' }, y: { buf: 'y' }, n_rows: nRows, k: K } }],
    outputs: [{ buf: 'y', type: 'f32', ref }],
    cost: gemvCost(fmt, nRows, K, M, R),
  };
}

/** One entry per GEMV format (Q8_0, Q4_0, Q5_0, Q4_K, Q5_K, Q6_K). */
export const GEMV_ENTRIES: readonly ConformanceEntry[] = [...GEMV_FORMATS.values()].map((fmt) => ({
  name: `gemv_${fmt.id}`,
  bound: GEMV_NMSE,
  boundName: 'GEMV_NMSE',
  cases: (scale: CaseScale) =>
    gemvShapes(fmt.qk, scale).map((s) => ({
      shape: gemvShapeLabel(s),
      make: (ctx: CaseContext) => gemvCase(fmt, s, ctx),
    })),
}));
