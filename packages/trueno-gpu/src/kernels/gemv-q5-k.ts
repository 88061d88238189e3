/**
 * GEMV over Q5_K weights (super-block of 256 values, 176 bytes: fp16 d, fp16 dmin, 12 scale bytes
 * at 4 as in Q4_K, 32 bytes of high bits `qh` at 16, 128 bytes of low nibbles at 48). Lane l owns
 * values 8l..8l+7 (sub-block j = l / 4): low 4 bits as in Q4_K (offset 48), and the fifth bit is
 * bit j of qh[8·(l % 4) + i] (the 64-value group g uses bits 2g and 2g+1, and j = 2g + high-half).
 * 176 = 11·16, so both 8-byte runs are ld.v2.u32.
 */
import { GGMLType } from '@sovereign/trueno';
import type { KernelBuilder } from '../ptx/builder.js';
import type { Kernel } from '../ptx/kernel.js';
import type { Reg } from '../ptx/types.js';
import { type GemvBuildOptions, type GemvCost, type GemvFormat, type LaneValues, buildGemv, gemvCost, gemvLaunch, gemvReference } from './gemv-common.js';
import { scaleMinK4 } from './gemv-q4-k.js';

/** Q5_K's GEMV format description. */
export const Q5_K_GEMV: GemvFormat = {
  type: GGMLType.Q5_K,
  id: 'q5_k',
  qk: 256,
  blockBytes: 176,
  lanesPerBlock: 32,
  unpack(k: KernelBuilder, blk: Reg, sub: Reg): LaneValues {
    const j = k.shr('u32', sub, 2);
    const { scale, min } = scaleMinK4(k, blk, j);
    const l8 = k.shl('b32', k.and('b32', sub, 3), 3);
    const off = k.add('u32', k.shl('b32', k.shr('u32', sub, 3), 5), l8);
    const ql = k.ldv('global', 'u32', 2, k.add('u64', blk, k.cvt('u64', 'u32', off)), 48, { nc: true });
    const qh = k.ldv('global', 'u32', 2, k.add('u64', blk, k.cvt('u64', 'u32', l8)), 16, { nc: true });
    const nib = k.and('b32', sub, 4);
    const q: Reg[] = [];
    for (let w = 0; w < 2; w++) {
      const lo = k.shr('u32', ql[w], nib);
      const hb = k.shr('u32', qh[w], j); // bit j of each byte now at bits 0, 8, 16, 24
      for (let i = 0; i < 4; i++) {
        const low4 = k.and('b32', i === 0 ? lo : k.shr('u32', lo, 8 * i), 15);
        // (hb >> 8i) & 1, moved to bit 4: shift left by 4 − 8i, i.e. right by 8i − 4 for i ≥ 1.
        const high = i === 0 ? k.and('b32', k.shl('b32', hb, 4), 16) : k.and('b32', k.shr('u32', hb, 8 * i - 4), 16);
        q.push(k.cvt('f32', 'u32', k.or('b32', low4, high)));
      }
    }
    return { q, scale, min, xAt: k.shl('b32', sub, 5), xRuns: [0, 16] };
  },
};

/** The Q5_K GEMV kernel (`batch` 1: decode; up to 16: batched). */
export function buildGemvQ5_K(opts: GemvBuildOptions): Kernel {
  return buildGemv(Q5_K_GEMV, opts);
}

/** Grid and block of a Q5_K GEMV over `nRows` rows. */
export const gemvQ5_KLaunch = gemvLaunch;

/** TS reference: trueno's Q5_K dequantizer, then f64 dots; y is (M, nRows). */
export function gemvQ5_KReference(w: Uint8Array, x: Float32Array, nRows: number, K: number, M = 1): Float32Array {
  return gemvReference(GGMLType.Q5_K, w, x, nRows, K, M);
}

/** Bytes / flops of a Q5_K GEMV. */
export function gemvQ5_KCost(nRows: number, K: number, M = 1, rowsPerWarp?: number): GemvCost {
  return gemvCost(Q5_K_GEMV, nRows, K, M, rowsPerWarp);
}
