/**
 * GEMV over Q4_K weights (super-block of 256 values, 144 bytes: fp16 d at 0, fp16 dmin at 2,
 * 12 bytes of packed 6-bit scales/mins at 4, 128 bytes of nibbles at 16; value = d·sc·q − dmin·m
 * per 32-value sub-block). A whole warp shares a super-block, lane l owning values 8l..8l+7:
 * they lie in one sub-block (j = l / 4) and in 8 consecutive bytes of one 32-byte group
 * (16 + 32·(l / 8) + 8·(l % 4)), low nibbles for l % 8 < 4, high otherwise. Blocks are 16-byte
 * aligned (144 = 9·16) when the tensor is, so the 8 bytes come as one ld.v2.u32.
 */
import { GGMLType } from '@sovereign/trueno';
import type { KernelBuilder } from '../ptx/builder.js';
import type { Kernel } from '../ptx/kernel.js';
import type { Reg } from '../ptx/types.js';
import { type GemvBuildOptions, type GemvCost, type GemvFormat, type LaneValues, buildGemv, gemvCost, gemvLaunch, gemvReference } from './gemv-common.js';

/**
 * Emits ggml's get_scale_min_k4 for sub-block `j` (u32 reg, 0..7) of the 12 scale bytes at
 * `blk + 4`: j < 4: sc = s[j] & 63, m = s[j+4] & 63; j ≥ 4: sc = (s[j+4] & 15) | (s[j−4] >> 6) << 4,
 * m = (s[j+4] >> 4) | (s[j] >> 6) << 4. With j' = j & 3 both cases read s[j'], s[j'+4], s[j'+8].
 * Returns d·sc and dmin·m as f32 (each rounded once, as the reference dequantizer does).
 */
export function scaleMinK4(k: KernelBuilder, blk: Reg, j: Reg): { scale: Reg; min: Reg } {
  const d = k.cvt('f32', 'f16', k.ld('global', 'b16', blk, 0, { nc: true }));
  const dmin = k.cvt('f32', 'f16', k.ld('global', 'b16', blk, 2, { nc: true }));
  const sa = k.add('u64', blk, k.cvt('u64', 'u32', k.and('b32', j, 3)));
  const a = k.ld('global', 'u8', sa, 4, { nc: true });
  const b = k.ld('global', 'u8', sa, 8, { nc: true });
  const e = k.ld('global', 'u8', sa, 12, { nc: true });
  const low = k.setp('lt', 'u32', j, 4);
  const top2 = (v: Reg): Reg => k.shl('b32', k.shr('u32', v, 6), 4);
  const sc = k.selp('u32', k.and('b32', a, 63), k.or('b32', k.and('b32', e, 15), top2(a)), low);
  const m = k.selp('u32', k.and('b32', b, 63), k.or('b32', k.shr('u32', e, 4), top2(b)), low);
  return { scale: k.mul('f32', d, k.cvt('f32', 'u32', sc)), min: k.mul('f32', dmin, k.cvt('f32', 'u32', m)) };
}

/** Q4_K's GEMV format description. */
export const Q4_K_GEMV: GemvFormat = {
  type: GGMLType.Q4_K,
  id: 'q4_k',
  qk: 256,
  blockBytes: 144,
  lanesPerBlock: 32,
  unpack(k: KernelBuilder, blk: Reg, sub: Reg): LaneValues {
    const { scale, min } = scaleMinK4(k, blk, k.shr('u32', sub, 2));
    const off = k.add('u32', k.shl('b32', k.shr('u32', sub, 3), 5), k.shl('b32', k.and('b32', sub, 3), 3));
    const words = k.ldv('global', 'u32', 2, k.add('u64', blk, k.cvt('u64', 'u32', off)), 16, { nc: true });
    const nib = k.and('b32', sub, 4); // 0: low nibbles, 4: high nibbles
    const q: Reg[] = [];
    for (const w of words) {
      const v = k.shr('u32', w, nib);
      for (let i = 0; i < 4; i++) q.push(k.cvt('f32', 'u32', k.and('b32', i === 0 ? v : k.shr('u32', v, 8 * i), 15)));
    }
    return { q, scale, min, xAt: k.shl('b32', sub, 5), xRuns: [0, 16] };
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
