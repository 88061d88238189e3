/**
 * Decode GEMV over Q4_K weights with Q8_1 activations and dp4a (llama.cpp's mmvq scheme), the
 * alternative to the f32-activation kernel in gemv-q4-k.ts: x is first quantized per 32 values
 * (gemv-q8-1-quantize.ts), then each lane multiplies 4 nibbles by 4 int8 activations per dp4a.
 *
 * A Q4_K sub-block (32 values, one 6-bit scale/min) lines up with one Q8_1 block, so with
 * x_i = dx·q8_i and w_i = d·sc·q4_i − dmin·m:
 *   Σ w_i·x_i = d·sc·dx·Σ q4_i·q8_i − dmin·m·(dx·Σ q8_i),
 * where dx·Σq8 is the Q8_1 block's `s` (fp16). Lanes map as in {@link laneK} (16 per super-block,
 * 8 values of sub-blocks 2g and 2g + 1 each, as two u32 of packed nibbles); the min term of a
 * sub-block is added once, by the lanes with a = 0. Two rows per warp share the x loads.
 *
 * Parameters: `w` u64, `xq` u64 (k/32 Q8_1 blocks), `y` u64 (n_rows f32), `n_rows` u32, `k` u32.
 */
import { GGMLType } from '@sovereign/trueno';
import type { Kernel, SmTarget } from '../ptx/kernel.js';
import type { Reg } from '../ptx/types.js';
import { WARPS_PER_BLOCK, gemvCost, type GemvCost } from './gemv-common.js';
import { DP4A_ROWS_PER_WARP, dp4aEpilogue, dp4aPrologue, loadQ8_1 } from './gemv-dp4a-common.js';
import { Q4_K_GEMV, laneK, loadDminK, scaleMinK4 } from './gemv-q4-k.js';
import { gemvDp4aReference } from './gemv-q8-1-dp4a.js';
import { Q8_1_BLOCK_BYTES } from './gemv-q8-1-quantize.js';

const R = DP4A_ROWS_PER_WARP;

/** The Q4_K × Q8_1 dp4a GEMV kernel (two rows per warp; `batch` 1..16 sequences). */
export function buildGemvQ4_KQ8_1(opts: { sm: SmTarget; batch?: number }): Kernel {
  const c = dp4aPrologue('gemv_q4_k_q8_1', 'y (M, n_rows) = x (M Q8_1 rows) * W^T (q4_K), dp4a', opts.sm, 256, 144, 16, opts.batch);
  const { k } = c;
  const { g, a8, byteOff } = laneK(k, c.sub);
  const j0 = k.shl('b32', g, 1);
  // 1.0 on the lanes that add the sub-blocks' min terms (a = 0), else 0.
  const minLane = k.selp('f32', 1, 0, k.setp('eq', 'u32', a8, 0));
  const xj0 = k.mul('u32', j0, Q8_1_BLOCK_BYTES);

  k.comment('each lane: 16 weights (8 of sub-block 2g, 8 of 2g+1) of super-block b, 2 super-blocks per warp iteration');
  k.forRange('u32', c.first, c.nb, 2, (b) => {
    const bOff = k.mulWide('u32', b, 144);
    // Per row: the scales of sub-blocks j0, j0 + 1 and the lane's packed nibbles, low then high.
    const rows = c.wRows.map((wr) => {
      const blk = k.add('u64', wr, bOff);
      const dd = loadDminK(k, blk);
      const sm = [scaleMinK4(k, blk, j0, dd), scaleMinK4(k, blk, k.add('u32', j0, 1), dd)];
      const words = k.ldv('global', 'u32', 2, k.add('u64', blk, k.cvt('u64', 'u32', byteOff)), 16, { nc: true });
      const nib = [0, 1].map((h) => words.map((wd) => k.and('b32', h ? k.shr('u32', wd, 4) : wd, 0x0f0f0f0f)));
      return { sm, nib };
    });
    // x: the Q8_1 blocks 8b + j0 and 8b + j0 + 1 of each sequence, the lane's 8 int8 of each.
    const xOff = k.add('u64', k.mulWide('u32', b, 8 * Q8_1_BLOCK_BYTES), k.cvt('u64', 'u32', xj0));
    c.xq.forEach((xqm, m) => {
      const xb0 = k.add('u64', xqm, xOff);
      const xs = [loadQ8_1(k, xb0, a8, [0, 4]), loadQ8_1(k, k.add('u64', xb0, Q8_1_BLOCK_BYTES), a8, [0, 4])];
      rows.forEach(({ sm, nib }, r) => {
        let minTerm: Reg | undefined;
        for (let h = 0; h < 2; h++) {
          const sumi = k.dp4a('u32', 's32', nib[h][1], xs[h].q[1], k.dp4a('u32', 's32', nib[h][0], xs[h].q[0], 0));
          k.fma('f32', k.mul('f32', sm[h].scale, xs[h].dx), k.cvt('f32', 's32', sumi), c.acc[m][r], c.acc[m][r]);
          minTerm = minTerm ? k.fma('f32', sm[h].min, xs[h].sx, minTerm) : k.mul('f32', sm[h].min, xs[h].sx);
        }
        k.fma('f32', k.neg('f32', minTerm!), minLane, c.acc[m][r], c.acc[m][r]);
      });
    });
  });
  return dp4aEpilogue(c);
}

/** Grid and block of the dp4a Q4_K GEMV over `nRows` rows. */
export function gemvQ4_KQ8_1Launch(nRows: number): { grid: [number, number, number]; block: [number, number, number] } {
  return { grid: [Math.ceil(nRows / (WARPS_PER_BLOCK * R)), 1, 1], block: [32 * WARPS_PER_BLOCK, 1, 1] };
}

/**
 * TS reference: trueno's dequantized Q4_K rows dotted (f64) with trueno's dequantized Q8_1 x
 * (q·d). The kernel uses each block's stored `s` = fp16(d·Σq) for the min term instead of the
 * exact d·Σq; tolerances.ts bounds that difference.
 */
export function gemvQ4_KQ8_1Reference(w: Uint8Array, xq: Uint8Array, nRows: number, K: number, M = 1): Float32Array {
  return gemvDp4aReference(GGMLType.Q4_K, w, xq, nRows, K, M);
}

/** Bytes / flops: W once, x as Q8_1 (36 bytes per 32 values), y. */
export function gemvQ4_KQ8_1Cost(nRows: number, K: number): GemvCost {
  const c = gemvCost(Q4_K_GEMV, nRows, K, 1, R);
  return { ...c, bytes: c.bytes - K * 4 + (K / 32) * Q8_1_BLOCK_BYTES, xCacheBytes: Math.ceil(nRows / R) * (K / 32) * Q8_1_BLOCK_BYTES };
}
