/**
 * Decode GEMV over Q6_K weights with Q8_1 activations and dp4a (the mmvq scheme; see
 * gemv-q4-k-q8-1.ts). Q6_K's scales cover 16 values and carry no min, so with x_i = dx·q8_i:
 *   Σ w_i·x_i = Σ over the lane's 8 values of d·sc·dx·Σ (q6_i − 32)·q8_i,
 * exact integer dots (the −32 bias is removed per byte before dp4a.s32). Lanes map as in the f32
 * kernel ({@link q6kLane}): 32 per super-block, lane l's 8 values lie in Q8_1 block 4n + t at
 * qs bytes l0..l0+7. Two rows per warp share the x loads.
 *
 * Parameters: `w` u64, `xq` u64 (k/32 Q8_1 blocks), `y` u64 (n_rows f32), `n_rows` u32, `k` u32.
 */
import { GGMLType } from '@sovereign/trueno';
import type { Kernel, SmTarget } from '../ptx/kernel.js';
import { WARPS_PER_BLOCK, gemvCost, type GemvCost } from './gemv-common.js';
import { DP4A_ROWS_PER_WARP, dp4aEpilogue, dp4aPrologue, loadQ8_1 } from './gemv-dp4a-common.js';
import { signedBytes } from './gemv-q4-0.js';
import { Q6_K_GEMV, q6kLane } from './gemv-q6-k.js';
import { gemvDp4aReference } from './gemv-q8-1-dp4a.js';
import { Q8_1_BLOCK_BYTES } from './gemv-q8-1-quantize.js';

const R = DP4A_ROWS_PER_WARP;

/** The Q6_K × Q8_1 dp4a GEMV kernel (two rows per warp; `batch` 1..16 sequences). */
export function buildGemvQ6_KQ8_1(opts: { sm: SmTarget; batch?: number }): Kernel {
  const c = dp4aPrologue('gemv_q6_k_q8_1', 'y (M, n_rows) = x (M Q8_1 rows) * W^T (q6_K), dp4a', opts.sm, 256, 210, 32, opts.batch);
  const { k } = c;
  const n = k.shr('u32', c.sub, 4);
  const t = k.and('b32', k.shr('u32', c.sub, 2), 3);
  const l0 = k.shl('b32', k.and('b32', c.sub, 3), 3);
  const xIdx = k.mul('u32', k.add('u32', k.shl('b32', n, 2), t), Q8_1_BLOCK_BYTES);

  k.comment('each lane: 8 weights of super-block b, one super-block per warp iteration');
  k.forRange('u32', c.first, c.nb, 1, (b) => {
    const bOff = k.mulWide('u32', b, 210);
    const rows = c.wRows.map((wr) => {
      const { words, scale } = q6kLane(k, k.add('u64', wr, bOff), c.sub);
      return { scale, q: words.map((w) => signedBytes(k, w, 32)) };
    });
    const xOff = k.add('u64', k.mulWide('u32', b, 8 * Q8_1_BLOCK_BYTES), k.cvt('u64', 'u32', xIdx));
    c.xq.forEach((xqm, m) => {
      const x = loadQ8_1(k, k.add('u64', xqm, xOff), l0, [0, 4]);
      rows.forEach(({ scale, q }, r) => {
        const sumi = k.dp4a('s32', 's32', q[1], x.q[1], k.dp4a('s32', 's32', q[0], x.q[0], 0));
        k.fma('f32', k.mul('f32', scale, x.dx), k.cvt('f32', 's32', sumi), c.acc[m][r], c.acc[m][r]);
      });
    });
  });
  return dp4aEpilogue(c);
}

/** Grid and block of the dp4a Q6_K GEMV over `nRows` rows. */
export function gemvQ6_KQ8_1Launch(nRows: number): { grid: [number, number, number]; block: [number, number, number] } {
  return { grid: [Math.ceil(nRows / (WARPS_PER_BLOCK * R)), 1, 1], block: [32 * WARPS_PER_BLOCK, 1, 1] };
}

/** TS reference: trueno's dequantized Q6_K rows dotted (f64) with trueno's dequantized Q8_1 x. */
export function gemvQ6_KQ8_1Reference(w: Uint8Array, xq: Uint8Array, nRows: number, K: number, M = 1): Float32Array {
  return gemvDp4aReference(GGMLType.Q6_K, w, xq, nRows, K, M);
}

/** Bytes / flops: W once, x as Q8_1 (36 bytes per 32 activations), y. */
export function gemvQ6_KQ8_1Cost(nRows: number, K: number): GemvCost {
  const c = gemvCost(Q6_K_GEMV, nRows, K, 1, R);
  return { ...c, bytes: c.bytes - K * 4 + (K / 32) * Q8_1_BLOCK_BYTES, xCacheBytes: Math.ceil(nRows / R) * (K / 32) * Q8_1_BLOCK_BYTES };
}
