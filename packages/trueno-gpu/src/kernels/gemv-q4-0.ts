/**
 * GEMV over Q4_0 weights (block: fp16 d at byte 0, 16 bytes of nibbles at 2..17; byte j holds
 * value j in its low nibble and value j + 16 in its high nibble; value = (q − 8)·d; 18 bytes, so
 * blocks are 2-byte aligned and the nibbles are read as u16 pairs). Four lanes share a block:
 * lane s owns bytes 4s..4s+3, i.e. values 4s..4s+3 (low nibbles) and 20+4s.. (high nibbles).
 */
import { GGMLType } from '@sovereign/trueno';
import type { KernelBuilder } from '../ptx/builder.js';
import type { Kernel } from '../ptx/kernel.js';
import type { Reg } from '../ptx/types.js';
import { type GemvBuildOptions, type GemvCost, type GemvFormat, type LaneValues, buildGemv, gemvCost, gemvLaunch, gemvReference } from './gemv-common.js';

/**
 * The four bytes of `w` (each < 256 − 128 + bias) minus `bias` as f32: adding 128 − bias then
 * flipping bit 7 turns each byte into the int8 two's complement of byte − bias without carries
 * between bytes, and cvt from .s8 sign-extends the low byte.
 */
export function bytesMinus(k: KernelBuilder, w: Reg, bias: 8 | 16 | 32): Reg[] {
  const t = signedBytes(k, w, bias);
  return [0, 8, 16, 24].map((sh) => k.cvt('f32', 's8', sh ? k.shr('u32', t, sh) : t));
}

/** The word whose four int8 bytes are those of `w` minus `bias` (see {@link bytesMinus}); dp4a.s32 input. */
export function signedBytes(k: KernelBuilder, w: Reg, bias: 8 | 16 | 32): Reg {
  const rep = (b: number): number => (b * 0x01010101) >>> 0;
  return k.xor('b32', k.add('u32', w, rep(128 - bias)), rep(0x80));
}

/** Q4_0's GEMV format description. */
export const Q4_0_GEMV: GemvFormat = {
  type: GGMLType.Q4_0,
  id: 'q4_0',
  qk: 32,
  blockBytes: 18,
  lanesPerBlock: 4,
  unpack(k: KernelBuilder, blk: Reg, sub: Reg): LaneValues {
    const { d, lo, hi } = q4_0Lane(k, blk, sub);
    // x bytes: value 4s at 16s, value 16 + 4s at 64 + 16s.
    return { q: [...bytesMinus(k, lo, 8), ...bytesMinus(k, hi, 8)], scale: d, xAt: k.shl('b32', sub, 4), xRuns: [0, 64] };
  },
};

/** Reads two u16 at `at + off` (2-byte aligned data) as one little-endian word. */
export function word16x2(k: KernelBuilder, at: Reg, off: number): Reg {
  return k.or('b32', k.ld('global', 'u16', at, off, { nc: true, d: k.reg('u32') }), k.shl('b32', k.ld('global', 'u16', at, off + 2, { nc: true, d: k.reg('u32') }), 16));
}

/**
 * A Q4_0 lane's quants (lane s: qs bytes 4s..4s+3) as packed nibbles: `lo` holds values 4s..4s+3,
 * `hi` values 16+4s..16+4s+3, one byte each (0..15, bias 8 not removed); `d` as f32.
 */
export function q4_0Lane(k: KernelBuilder, blk: Reg, sub: Reg): { d: Reg; lo: Reg; hi: Reg } {
  const d = k.cvt('f32', 'f16', k.ld('global', 'b16', blk, 0, { nc: true }));
  const w = word16x2(k, k.add('u64', blk, k.cvt('u64', 'u32', k.shl('b32', sub, 2))), 2);
  return { d, lo: k.and('b32', w, 0x0f0f0f0f), hi: k.and('b32', k.shr('u32', w, 4), 0x0f0f0f0f) };
}

/** The Q4_0 GEMV kernel (`batch` 1: decode; up to 16: batched). */
export function buildGemvQ4_0(opts: GemvBuildOptions): Kernel {
  return buildGemv(Q4_0_GEMV, opts);
}

/** Grid and block of a Q4_0 GEMV over `nRows` rows. */
export const gemvQ4_0Launch = gemvLaunch;

/** TS reference: trueno's Q4_0 dequantizer, then f64 dots; y is (M, nRows). */
export function gemvQ4_0Reference(w: Uint8Array, x: Float32Array, nRows: number, K: number, M = 1): Float32Array {
  return gemvReference(GGMLType.Q4_0, w, x, nRows, K, M);
}

/** Bytes / flops of a Q4_0 GEMV. */
export function gemvQ4_0Cost(nRows: number, K: number, M = 1, rowsPerWarp?: number): GemvCost {
  return gemvCost(Q4_0_GEMV, nRows, K, M, rowsPerWarp);
}
