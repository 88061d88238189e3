/**
 * GEMV over Q8_0 weights (block: fp16 d at byte 0, 32 int8 quants at 2..33; 34 bytes, so blocks
 * are only 2-byte aligned and quants are read as u16 pairs). Four lanes share a block, lane s
 * owning values 8s..8s+7; a warp iteration covers 8 consecutive blocks (272 contiguous bytes).
 */
import { GGMLType } from '@sovereign/trueno';
import type { KernelBuilder } from '../ptx/builder.js';
import type { Kernel } from '../ptx/kernel.js';
import type { Reg } from '../ptx/types.js';
import { type GemvBuildOptions, type GemvCost, type GemvFormat, type LaneValues, buildGemv, gemvCost, gemvLaunch, gemvReference } from './gemv-common.js';

/** Q8_0's GEMV format description. */
export const Q8_0_GEMV: GemvFormat = {
  type: GGMLType.Q8_0,
  id: 'q8_0',
  qk: 32,
  blockBytes: 34,
  lanesPerBlock: 4,
  unpack(k: KernelBuilder, blk: Reg, sub: Reg): LaneValues {
    const d = k.cvt('f32', 'f16', k.ld('global', 'b16', blk, 0, { nc: true }));
    const qa = k.add('u64', blk, k.cvt('u64', 'u32', k.shl('b32', sub, 3)));
    const q: Reg[] = [];
    for (let j = 0; j < 4; j++) {
      // Two int8 quants per u16: cvt from .s8 reads (and sign-extends) the register's low byte.
      const pair = k.ld('global', 'u16', qa, 2 + 2 * j, { nc: true, d: k.reg('u32') });
      q.push(k.cvt('f32', 's8', pair));
      q.push(k.cvt('f32', 's8', k.shr('u32', pair, 8)));
    }
    return { q, scale: d, xAt: k.shl('b32', sub, 5), xRuns: [0, 16] };
  },
};

/** The Q8_0 GEMV kernel (`batch` 1: decode; up to 16: batched, weights read once for all rows of x). */
export function buildGemvQ8_0(opts: GemvBuildOptions): Kernel {
  return buildGemv(Q8_0_GEMV, opts);
}

/** Grid and block of a Q8_0 GEMV over `nRows` rows. */
export const gemvQ8_0Launch = gemvLaunch;

/** TS reference: trueno's Q8_0 dequantizer, then f64 dots; y is (M, nRows). */
export function gemvQ8_0Reference(w: Uint8Array, x: Float32Array, nRows: number, K: number, M = 1): Float32Array {
  return gemvReference(GGMLType.Q8_0, w, x, nRows, K, M);
}

/** Bytes / flops of a Q8_0 GEMV (see kernel-model.ts for the predicted time). */
export function gemvQ8_0Cost(nRows: number, K: number, M = 1, rowsPerWarp?: number): GemvCost {
  return gemvCost(Q8_0_GEMV, nRows, K, M, rowsPerWarp);
}
