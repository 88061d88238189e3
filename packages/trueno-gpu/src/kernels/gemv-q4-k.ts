/**
 * GEMV over Q4_K weights (super-block of 256 values, 144 bytes: fp16 d at 0, fp16 dmin at 2,
 * 12 bytes of packed 6-bit scales/mins at 4, 128 bytes of nibbles at 16; value = d·sc·q − dmin·m
 * per 32-value sub-block). A whole warp shares a super-block; see {@link laneK} for which values
 * a lane owns (two runs of 4, in sub-blocks 2g and 2g + 1, from one u32 of nibbles). Blocks are
 * 16-byte aligned (144 = 9·16) when the tensor is.
 */
import { GGMLType } from '@sovereign/trueno';
import type { KernelBuilder } from '../ptx/builder.js';
import type { Kernel } from '../ptx/kernel.js';
import type { Reg } from '../ptx/types.js';
import { type GemvBuildOptions, type GemvCost, type GemvFormat, type LaneValues, buildGemv, gemvCost, gemvLaunch, gemvReference } from './gemv-common.js';

/**
 * The four bytes of `w` as f32 values (cvt from .u8 reads a register's low byte): packing the
 * nibble / bit extraction on whole words first costs one op per 4 values instead of one per value.
 */
export function bytesToF32(k: KernelBuilder, w: Reg): Reg[] {
  return [0, 8, 16, 24].map((sh) => k.cvt('f32', 'u8', sh ? k.shr('u32', w, sh) : w));
}

/** Loads a K-quant super-block's fp16 `d` and `dmin` (bytes 0 and 2) as f32. */
export function loadDminK(k: KernelBuilder, blk: Reg): { d: Reg; dmin: Reg } {
  return {
    d: k.cvt('f32', 'f16', k.ld('global', 'b16', blk, 0, { nc: true })),
    dmin: k.cvt('f32', 'f16', k.ld('global', 'b16', blk, 2, { nc: true })),
  };
}

/**
 * Emits ggml's get_scale_min_k4 for sub-block `j` (u32 reg, 0..7) of the 12 scale bytes at
 * `blk + 4`: j < 4: sc = s[j] & 63, m = s[j+4] & 63; j ≥ 4: sc = (s[j+4] & 15) | (s[j−4] >> 6) << 4,
 * m = (s[j+4] >> 4) | (s[j] >> 6) << 4. With j' = j & 3 both cases read s[j'], s[j'+4], s[j'+8].
 * Returns d·sc and dmin·m as f32 (each rounded once, as the reference dequantizer does).
 */
export function scaleMinK4(k: KernelBuilder, blk: Reg, j: Reg, dd: { d: Reg; dmin: Reg }): { scale: Reg; min: Reg } {
  const sa = k.add('u64', blk, k.cvt('u64', 'u32', k.and('b32', j, 3)));
  const a = k.ld('global', 'u8', sa, 4, { nc: true });
  const b = k.ld('global', 'u8', sa, 8, { nc: true });
  const e = k.ld('global', 'u8', sa, 12, { nc: true });
  const low = k.setp('lt', 'u32', j, 4);
  const top2 = (v: Reg): Reg => k.shl('b32', k.shr('u32', v, 6), 4);
  const sc = k.selp('u32', k.and('b32', a, 63), k.or('b32', k.and('b32', e, 15), top2(a)), low);
  const m = k.selp('u32', k.and('b32', b, 63), k.or('b32', k.shr('u32', e, 4), top2(b)), low);
  return { scale: k.mul('f32', dd.d, k.cvt('f32', 'u32', sc)), min: k.mul('f32', dd.dmin, k.cvt('f32', 'u32', m)) };
}

/**
 * The lane mapping shared by Q4_K and Q5_K: 16 lanes per super-block; lane l reads the 8 nibble
 * bytes at 32·g + 8·a of the quant area (g = l / 4: the 64-value group, a = l % 4; one ld.v2.u32),
 * i.e. values 64g + 8a + e (e < 8) from the low nibbles (sub-block 2g) and 64g + 32 + 8a + e from the
 * high nibbles (sub-block 2g + 1). 16 values per lane amortize the two 6-bit scale/min decodes,
 * which dominate the instruction count at 8 values per lane.
 */
export function laneK(k: KernelBuilder, sub: Reg): { g: Reg; a8: Reg; byteOff: Reg; xAt: Reg } {
  const g = k.shr('u32', sub, 2);
  const a8 = k.shl('b32', k.and('b32', sub, 3), 3);
  const byteOff = k.add('u32', k.shl('b32', g, 5), a8);
  return { g, a8, byteOff, xAt: k.add('u32', k.shl('b32', g, 8), k.shl('b32', a8, 2)) };
}

/** x runs of a {@link laneK} lane: values +0, +4 (low nibbles) and +32, +36 (high), as byte offsets. */
export const K_X_RUNS: readonly number[] = [0, 16, 128, 144];

/** Q4_K's GEMV format description. */
export const Q4_K_GEMV: GemvFormat = {
  type: GGMLType.Q4_K,
  id: 'q4_k',
  qk: 256,
  blockBytes: 144,
  lanesPerBlock: 16,
  unpack(k: KernelBuilder, blk: Reg, sub: Reg): LaneValues {
    const { g, byteOff, xAt } = laneK(k, sub);
    const dd = loadDminK(k, blk);
    const j0 = k.shl('b32', g, 1);
    const s0 = scaleMinK4(k, blk, j0, dd);
    const s1 = scaleMinK4(k, blk, k.add('u32', j0, 1), dd);
    const words = k.ldv('global', 'u32', 2, k.add('u64', blk, k.cvt('u64', 'u32', byteOff)), 16, { nc: true });
    const q: Reg[] = [];
    for (const sh of [0, 4]) {
      for (const w of words) q.push(...bytesToF32(k, k.and('b32', sh ? k.shr('u32', w, sh) : w, 0x0f0f0f0f)));
    }
    return { q, scale: [s0.scale, s1.scale], min: [s0.min, s1.min], xAt, xRuns: K_X_RUNS };
  },
};

/** The Q4_K GEMV kernel (`batch` 1: decode; up to 16: batched). */
export function buildGemvQ4_K(opts: GemvBuildOptions): Kernel {
  return buildGemv(Q4_K_GEMV, opts);
}

/** Grid and block of a Q4_K GEMV over `nRows` rows. */
export const gemvQ4_KLaunch = gemvLaunch;

/** TS reference: trueno's Q4_K dequantizer, then f64 dots; y is (M, nRows). */
export function gemvQ4_KReference(w: Uint8Array, x: Float32Array, nRows: number, K: number, M = 1): Float32Array {
  return gemvReference(GGMLType.Q4_K, w, x, nRows, K, M);
}

/** Bytes / flops of a Q4_K GEMV. */
export function gemvQ4_KCost(nRows: number, K: number, M = 1, rowsPerWarp?: number): GemvCost {
  return gemvCost(Q4_K_GEMV, nRows, K, M, rowsPerWarp);
}
