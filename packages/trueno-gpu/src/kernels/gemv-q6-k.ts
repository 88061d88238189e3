/**
 * GEMV over Q6_K weights (super-block of 256 values, 210 bytes: 128 bytes of low nibbles `ql` at
 * 0, 64 bytes of 2-bit highs `qh` at 128, 16 int8 scales at 192, fp16 d at 208; value =
 * d·sc·(q − 32)). 210 bytes leave blocks only 2-byte aligned, so bytes are read as u16 pairs.
 * Lane l owns values 8l..8l+7: half n = l / 16, quarter t = (l / 4) % 4, l0 = 8·(l % 4); per
 * ggml's dequantize_row_q6_K those read ql[64n + 32·(t & 1) + l0 + i] (high nibble for t ≥ 2),
 * bits 2t..2t+1 of qh[32n + l0 + i], and scale sc[8n + l0/16 + 2t] (one scale per lane).
 */
import { GGMLType } from '@sovereign/trueno';
import type { KernelBuilder } from '../ptx/builder.js';
import type { Kernel } from '../ptx/kernel.js';
import type { Reg } from '../ptx/types.js';
import { bytesMinus } from './gemv-q4-0.js';
import { type GemvBuildOptions, type GemvCost, type GemvFormat, type LaneValues, buildGemv, gemvCost, gemvLaunch, gemvReference } from './gemv-common.js';

/** Q6_K's GEMV format description. */
export const Q6_K_GEMV: GemvFormat = {
  type: GGMLType.Q6_K,
  id: 'q6_k',
  qk: 256,
  blockBytes: 210,
  lanesPerBlock: 32,
  unpack(k: KernelBuilder, blk: Reg, sub: Reg): LaneValues {
    const { words, scale } = q6kLane(k, blk, sub);
    return { q: words.flatMap((w) => bytesMinus(k, w, 32)), scale, xAt: k.shl('b32', sub, 5), xRuns: [0, 16] };
  },
};

/**
 * A Q6_K lane's 8 six-bit quants (0..63, bias 32 not yet removed) packed in two words of 4 bytes,
 * and its scale d·sc (lane l: half n = l / 16, quarter t = (l / 4) % 4, l0 = 8·(l % 4); see the
 * module comment). Shared with the dp4a kernel.
 */
export function q6kLane(k: KernelBuilder, blk: Reg, sub: Reg): { words: [Reg, Reg]; scale: Reg; n: Reg; t: Reg; l0: Reg } {
  const n = k.shr('u32', sub, 4);
  const t = k.and('b32', k.shr('u32', sub, 2), 3);
  const l0 = k.shl('b32', k.and('b32', sub, 3), 3);
  const qlOff = k.add('u32', k.add('u32', k.shl('b32', n, 6), k.shl('b32', k.and('b32', t, 1), 5)), l0);
  const qhOff = k.add('u32', k.shl('b32', n, 5), l0);
  const scOff = k.add('u32', k.add('u32', k.shl('b32', n, 3), k.shr('u32', l0, 4)), k.shl('b32', t, 1));
  const at = (off: Reg): Reg => k.add('u64', blk, k.cvt('u64', 'u32', off));
  const qlAt = at(qlOff);
  const qhAt = at(qhOff);
  const d = k.cvt('f32', 'f16', k.ld('global', 'b16', blk, 208, { nc: true }));
  const sc = k.ld('global', 's8', at(scOff), 192, { nc: true });
  const scale = k.mul('f32', d, k.cvt('f32', 's32', sc));
  const nib = k.shl('b32', k.shr('u32', t, 1), 2); // 0 or 4
  const hsh = k.shl('b32', t, 1); // 0, 2, 4, 6
  // Two u16 loads (blocks are 2-byte aligned) make one word of 4 bytes.
  const word = (p: Reg, off: number): Reg =>
    k.or('b32', k.ld('global', 'u16', p, off, { nc: true, d: k.reg('u32') }), k.shl('b32', k.ld('global', 'u16', p, off + 2, { nc: true, d: k.reg('u32') }), 16));
  const words = [0, 4].map((p) => {
    const low4 = k.and('b32', k.shr('u32', word(qlAt, p), nib), 0x0f0f0f0f);
    const high2 = k.and('b32', k.shl('b32', k.shr('u32', word(qhAt, 128 + p), hsh), 4), 0x30303030);
    return k.or('b32', low4, high2);
  });
  return { words: [words[0], words[1]], scale, n, t, l0 };
}

/** The Q6_K GEMV kernel (`batch` 1: decode; up to 16: batched). */
export function buildGemvQ6_K(opts: GemvBuildOptions): Kernel {
  return buildGemv(Q6_K_GEMV, opts);
}

/** Grid and block of a Q6_K GEMV over `nRows` rows. */
export const gemvQ6_KLaunch = gemvLaunch;

/** TS reference: trueno's Q6_K dequantizer, then f64 dots; y is (M, nRows). */
export function gemvQ6_KReference(w: Uint8Array, x: Float32Array, nRows: number, K: number, M = 1): Float32Array {
  return gemvReference(GGMLType.Q6_K, w, x, nRows, K, M);
}

/** Bytes / flops of a Q6_K GEMV. */
export function gemvQ6_KCost(nRows: number, K: number, M = 1, rowsPerWarp?: number): GemvCost {
  return gemvCost(Q6_K_GEMV, nRows, K, M, rowsPerWarp);
}
