/**
 * GEMV over Q5_K weights (super-block of 256 values, 176 bytes: fp16 d, fp16 dmin, 12 scale bytes
 * at 4 as in Q4_K, 32 bytes of high bits `qh` at 16, 128 bytes of low nibbles at 48). Lanes own
 * values as in Q4_K ({@link laneK}); the fifth bit of value 64g + 32h + i (i < 32) is bit 2g + h
 * of qh[i]. 176 = 11·16, so the u32 loads are aligned.
 */
import { GGMLType } from '@sovereign/trueno';
import type { KernelBuilder } from '../ptx/builder.js';
import type { Kernel } from '../ptx/kernel.js';
import type { Reg } from '../ptx/types.js';
import { type GemvBuildOptions, type GemvCost, type GemvFormat, type LaneValues, buildGemv, gemvCost, gemvLaunch, gemvReference } from './gemv-common.js';
import { K_X_RUNS, bytesToF32, laneK, loadDminK, scaleMinK4 } from './gemv-q4-k.js';

/** Q5_K's GEMV format description. */
export const Q5_K_GEMV: GemvFormat = {
  type: GGMLType.Q5_K,
  id: 'q5_k',
  qk: 256,
  blockBytes: 176,
  lanesPerBlock: 16,
  unpack(k: KernelBuilder, blk: Reg, sub: Reg): LaneValues {
    const { g, a8, byteOff, xAt } = laneK(k, sub);
    const dd = loadDminK(k, blk);
    const j0 = k.shl('b32', g, 1);
    const s0 = scaleMinK4(k, blk, j0, dd);
    const s1 = scaleMinK4(k, blk, k.add('u32', j0, 1), dd);
    const ql = k.ldv('global', 'u32', 2, k.add('u64', blk, k.cvt('u64', 'u32', byteOff)), 48, { nc: true });
    // qh[8a + i] for i = 0..7; the low values use bit 2g, the high values bit 2g + 1.
    const qh = k.ldv('global', 'u32', 2, k.add('u64', blk, k.cvt('u64', 'u32', a8)), 16, { nc: true }).map((w) => k.shr('u32', w, j0));
    const q: Reg[] = [];
    for (const h of [0, 1]) {
      for (let w = 0; w < 2; w++) {
        // Per byte: the nibble, and bit h of the shifted qh byte moved to bit 4.
        const low4 = k.and('b32', h ? k.shr('u32', ql[w], 4) : ql[w], 0x0f0f0f0f);
        const high = k.and('b32', h ? k.shl('b32', qh[w], 3) : k.shl('b32', qh[w], 4), 0x10101010);
        q.push(...bytesToF32(k, k.or('b32', low4, high)));
      }
    }
    return { q, scale: [s0.scale, s1.scale], min: [s0.min, s1.min], xAt, xRuns: K_X_RUNS };
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
