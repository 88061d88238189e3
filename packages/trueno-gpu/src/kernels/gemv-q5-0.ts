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
import { bytesMinus, word16x2 } from './gemv-q4-0.js';
import { type GemvBuildOptions, type GemvCost, type GemvFormat, type LaneValues, buildGemv, gemvCost, gemvLaunch, gemvReference } from './gemv-common.js';

/** Q5_0's GEMV format description. */
export const Q5_0_GEMV: GemvFormat = {
  type: GGMLType.Q5_0,
  id: 'q5_0',
  qk: 32,
  blockBytes: 22,
  lanesPerBlock: 4,
  unpack(k: KernelBuilder, blk: Reg, sub: Reg): LaneValues {
    const { d, lo, hi } = q5_0Lane(k, blk, sub);
    return { q: [...bytesMinus(k, lo, 16), ...bytesMinus(k, hi, 16)], scale: d, xAt: k.shl('b32', sub, 4), xRuns: [0, 64] };
  },
};

/**
 * A Q5_0 lane's quants (lane s: values 4s..4s+3 in `lo`, 16+4s.. in `hi`) as packed 5-bit bytes
 * (0..31, bias 16 not removed); `d` as f32.
 */
export function q5_0Lane(k: KernelBuilder, blk: Reg, sub: Reg): { d: Reg; lo: Reg; hi: Reg } {
  const d = k.cvt('f32', 'f16', k.ld('global', 'b16', blk, 0, { nc: true }));
  // The lane's fifth bits: 4s..4s+3 (low values) moved to bits 0..3, 16+4s.. to 16..19.
  const hl = k.shr('u32', word16x2(k, blk, 2), k.shl('b32', sub, 2));
  const w = word16x2(k, k.add('u64', blk, k.cvt('u64', 'u32', k.shl('b32', sub, 2))), 6);
  // Spread 4 bits to bit 4 of each byte: b·0x00204081 puts bit i at 8i (no two terms collide).
  const spread = (bits4: Reg): Reg => k.shl('b32', k.and('b32', k.mul('u32', bits4, 0x00204081), 0x01010101), 4);
  return {
    d,
    lo: k.or('b32', k.and('b32', w, 0x0f0f0f0f), spread(k.and('b32', hl, 15))),
    hi: k.or('b32', k.and('b32', k.shr('u32', w, 4), 0x0f0f0f0f), spread(k.and('b32', k.shr('u32', hl, 16), 15))),
  };
}

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
