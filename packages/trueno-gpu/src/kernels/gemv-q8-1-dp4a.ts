/**
 * dp4a decode GEMVs of the 32-value formats Q8_0, Q4_0 and Q5_0 with Q8_1 activations: a weight
 * block lines up with one Q8_1 block, so Σ w·x = d·dx·Σ q·q8 with an exact integer dot (biases
 * removed per byte first). With Q8_1 activations these equal ggml's CPU vec_dot (x quantized to
 * Q8_0: the same d and qs) up to float rounding. Lanes map as in the f32 kernels (4 per block).
 *
 * Parameters: `w` u64, `xq` u64 ((M, k/32) Q8_1 blocks), `y` u64 ((M, n_rows) f32), `n_rows` u32,
 * `k` u32; `batch` M = 1..16. Launch: {@link gemvDp4aLaunch}.
 */
import { GGMLType, dequantize } from '@sovereign/trueno';
import type { Kernel, SmTarget } from '../ptx/kernel.js';
import { WARPS_PER_BLOCK } from './gemv-common.js';
import { DP4A_ROWS_PER_WARP, buildDp4a32 } from './gemv-dp4a-common.js';
import { q4_0Lane, signedBytes, word16x2 } from './gemv-q4-0.js';
import { q5_0Lane } from './gemv-q5-0.js';

/** Q8_0 × Q8_1: lane s owns int8 bytes 8s..8s+7 (read as u16 pairs: blocks are 34 bytes). */
export function buildGemvQ8_0Q8_1(opts: { sm: SmTarget; batch?: number }): Kernel {
  return buildDp4a32('gemv_q8_0_q8_1', 'y (n_rows) = W (q8_0) * x (Q8_1 blocks), dp4a', opts, 34, (k, sub) => k.shl('b32', sub, 3), [0, 4], (k, blk, sub) => {
    const d = k.cvt('f32', 'f16', k.ld('global', 'b16', blk, 0, { nc: true }));
    const qa = k.add('u64', blk, k.cvt('u64', 'u32', k.shl('b32', sub, 3)));
    return { d, words: [word16x2(k, qa, 2), word16x2(k, qa, 6)] };
  });
}

/** Q4_0 × Q8_1: lane s owns values 4s..4s+3 and 16+4s..16+4s+3. */
export function buildGemvQ4_0Q8_1(opts: { sm: SmTarget; batch?: number }): Kernel {
  return buildDp4a32('gemv_q4_0_q8_1', 'y (n_rows) = W (q4_0) * x (Q8_1 blocks), dp4a', opts, 18, (k, sub) => k.shl('b32', sub, 2), [0, 16], (k, blk, sub) => {
    const { d, lo, hi } = q4_0Lane(k, blk, sub);
    return { d, words: [signedBytes(k, lo, 8), signedBytes(k, hi, 8)] };
  });
}

/** Q5_0 × Q8_1: lane s owns values 4s..4s+3 and 16+4s..16+4s+3. */
export function buildGemvQ5_0Q8_1(opts: { sm: SmTarget; batch?: number }): Kernel {
  return buildDp4a32('gemv_q5_0_q8_1', 'y (n_rows) = W (q5_0) * x (Q8_1 blocks), dp4a', opts, 22, (k, sub) => k.shl('b32', sub, 2), [0, 16], (k, blk, sub) => {
    const { d, lo, hi } = q5_0Lane(k, blk, sub);
    return { d, words: [signedBytes(k, lo, 16), signedBytes(k, hi, 16)] };
  });
}

/** Grid and block of these dp4a GEMVs over `nRows` rows. */
export function gemvDp4aLaunch(nRows: number): { grid: [number, number, number]; block: [number, number, number] } {
  return { grid: [Math.ceil(nRows / (WARPS_PER_BLOCK * DP4A_ROWS_PER_WARP)), 1, 1], block: [32 * WARPS_PER_BLOCK, 1, 1] };
}

/** TS reference: trueno's dequantized weight rows dotted (f64) with trueno's dequantized Q8_1 x; y is (M, nRows). */
export function gemvDp4aReference(type: GGMLType, w: Uint8Array, xq: Uint8Array, nRows: number, K: number, M = 1): Float32Array {
  const wf = dequantize(type, w, nRows * K);
  const xf = dequantize(GGMLType.Q8_1, xq, M * K);
  const y = new Float32Array(M * nRows);
  for (let m = 0; m < M; m++) {
    for (let r = 0; r < nRows; r++) {
      let s = 0;
      for (let i = 0; i < K; i++) s += wf[r * K + i] * xf[m * K + i];
      y[m * nRows + r] = s;
    }
  }
  return y;
}
