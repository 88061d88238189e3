/**
 * GEMV over Q5_0 weights (block: fp16 d at 0, u32 `qh` of fifth bits at 2, 16 bytes of nibbles
 * at 6; value j (< 16) = (low nibble of qs[j] | bit j of qh << 4) − 16, value j + 16 uses the high
 * nibble and bit j + 16; × d; 22 bytes, so 2-byte aligned and read as u16). Q5_0 is what
 * llama.cpp's Q4_K_M mix stores for rows whose length is not a multiple of 256 (Qwen2.5-0.5B's
 * K = 896 tensors). Four lanes share a block as in Q4_0: lane s owns qs bytes 4s..4s+3.
 */
import { GGMLType } from '@sovereign/trueno';
import type { KernelBuilder } from '../ptx/builder.js';
import type { Kernel } from '../ptx/kernel.js';
import type { Reg } from '../ptx/types.js';
import { bytesMinus } from './gemv-q4-0.js';
import { type GemvBuildOptions, type GemvCost, type GemvFormat, type LaneValues, buildGemv, gemvCost, gemvLaunch, gemvReference } from './gemv-common.js';

/** Q5_0's GEMV format description. */
export const Q5_0_GEMV: GemvFormat = {
  type: GGMLType.Q5_0,
  id: 'q5_0',
  qk: 32,
  blockBytes: 22,
  lanesPerBlock: 4,
  unpack(k: KernelBuilder, blk: Reg, sub: Reg): LaneValues {
    const d = k.cvt('f32', 'f16', k.ld('global', 'b16', blk, 0, { nc: true }));
    const qhLo = k.ld('global', 'u16', blk, 2, { nc: true, d: k.reg('u32') });
    const qhHi = k.ld('global', 'u16', blk, 4, { nc: true, d: k.reg('u32') });
    // The lane's fifth bits: 4s..4s+3 (low values) now at bits 0..3, 16+4s.. at 16..19.
    const hl = k.shr('u32', k.or('b32', qhLo, k.shl('b32', qhHi, 16)), k.shl('b32', sub, 2));
    const qa = k.add('u64', blk, k.cvt('u64', 'u32', k.shl('b32', sub, 2)));
    const w = k.or('b32', k.ld('global', 'u16', qa, 6, { nc: true, d: k.reg('u32') }), k.shl('b32', k.ld('global', 'u16', qa, 8, { nc: true, d: k.reg('u32') }), 16));
    // Spread 4 bits to bit 4 of each byte: b·0x00204081 puts bit i at 8i (no two terms collide).
    const spread = (bits4: Reg): Reg => k.shl('b32', k.and('b32', k.mul('u32', bits4, 0x00204081), 0x01010101), 4);
    const lo = bytesMinus(k, k.or('b32', k.and('b32', w, 0x0f0f0f0f), spread(k.and('b32', hl, 15))), 16);
    const hi = bytesMinus(k, k.or('b32', k.and('b32', k.shr('u32', w, 4), 0x0f0f0f0f), spread(k.and('b32', k.shr('u32', hl, 16), 15))), 16);
    return { q: [...lo, ...hi], scale: d, xAt: k.shl('b32', sub, 4), xRuns: [0, 64] };
  },
};

/** The Q5_0 GEMV kernel (`batch` 1: decode; up to 16: batched). */
export function buildGemvQ5_0(opts: GemvBuildOptions): Kernel {
  return buildGemv(Q5_0_GEMV, opts);
}

/** Grid and block of a Q5_0 GEMV over `nRows` rows. */
export const gemvQ5_0Launch = gemvLaunch;

/** TS reference: trueno's Q5_0 dequantizer, then f64 dots; y is (M, nRows). */
export function gemvQ5_0Reference(w: Uint8Array, x: Float32Array, nRows: number, K: number, M = 1): Float32Array {
  return gemvReference(GGMLType.Q5_0, w, x, nRows, K, M);
}

/** Bytes / flops of a Q5_0 GEMV. */
export function gemvQ5_0Cost(nRows: number, K: number, M = 1, rowsPerWarp?: number): GemvCost {
  return gemvCost(Q5_0_GEMV, nRows, K, M, rowsPerWarp);
}
