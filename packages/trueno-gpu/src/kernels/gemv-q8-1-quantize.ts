/**
 * Activation quantization to Q8_1 on the GPU, bit-exact with ggml's quantize_row_q8_1_ref (and
 * trueno's port): per 32 values d = amax/127 (stored fp16), q = roundf(x · (1/d)) as int8, and
 * s = fp16(d · Σq). It feeds the dp4a GEMV (gemv-q4-k-q8-1.ts), like llama.cpp's mmvq path.
 *
 * One warp per Q8_1 block, one value per lane: amax and Σq are butterfly reductions (max of |x| is
 * exact; Σq is an exact integer). roundf rounds halves away from zero, which PTX's cvt has no mode
 * for: the kernel truncates, then adds ±1 when the exact remainder v − trunc(v) reaches ±0.5.
 *
 * Parameters: `x` u64 ((rows, k) f32), `q` u64 (rows · k/32 blocks of 36 bytes), `n_blocks` u32
 * (rows · k/32). Launch: {@link quantizeQ8_1Launch}.
 */
import { GGMLType, quantize } from '@sovereign/trueno';
import { KernelBuilder } from '../ptx/builder.js';
import type { Kernel, SmTarget } from '../ptx/kernel.js';
import type { KernelCost } from './kernel-model.js';

/** Bytes of one Q8_1 block: fp16 d, fp16 s, 32 int8. */
export const Q8_1_BLOCK_BYTES = 36;

const WARPS = 4;

/** The Q8_1 quantization kernel. */
export function buildQuantizeQ8_1(opts: { sm: SmTarget }): Kernel {
  const k = new KernelBuilder('quantize_q8_1');
  k.maxThreads = 32 * WARPS;
  k.doc = `x f32 -> Q8_1 blocks (ggml quantize_row_q8_1_ref, bit-exact); target ${opts.sm}`;
  const px = k.param('x', 'u64');
  const pq = k.param('q', 'u64');
  const pn = k.param('n_blocks', 'u32');
  const x = k.ldGlobalPtr(px);
  const q = k.ldGlobalPtr(pq);
  const nBlocks = k.ldParam(pn);
  const tid = k.special('tid.x');
  const lane = k.and('b32', tid, 31);
  const blk = k.mad('u32', k.special('ctaid.x'), WARPS, k.shr('u32', tid, 5));
  const out = k.newLabel('exit');
  k.bra(out, { when: k.setp('ge', 'u32', blk, nBlocks), uni: true });
  const v = k.ld('global', 'f32', k.mad('u32', k.mad('u32', blk, 32, lane), 4, x, undefined, 'wide'), 0, { nc: true });
  const amax = k.abs('f32', v);
  for (const off of [16, 8, 4, 2, 1]) k.max('f32', amax, k.shfl('bfly', amax, off), amax);
  const d = k.bin('div', 'f32', amax, 127, { mode: 'rn' });
  const id = k.selp('f32', k.un('rcp', 'f32', d, { mode: 'rn' }), 0, k.setp('ne', 'f32', d, 0));
  const y = k.mul('f32', v, id);
  // roundf: trunc, then step away from zero when |y − trunc(y)| ≥ 0.5 (the difference is exact).
  const t = k.cvt('s32', 'f32', y, { rnd: 'rzi' });
  const frac = k.sub('f32', y, k.cvt('f32', 's32', t));
  k.when(k.setp('ge', 'f32', frac, 0.5), () => k.add('s32', t, 1, t));
  k.when(k.setp('le', 'f32', frac, -0.5), () => k.sub('s32', t, 1, t));
  const base = k.mad('u32', blk, Q8_1_BLOCK_BYTES, q, undefined, 'wide');
  k.st('global', 'u8', k.add('u64', base, k.cvt('u64', 'u32', lane)), 4, t);
  // Σq over the block: the int8 values as stored (t wraps like C's (int8_t) conversion).
  const qi = k.cvt('s32', 's8', t);
  for (const off of [16, 8, 4, 2, 1]) k.add('s32', qi, k.shfl('bfly', qi, off), qi);
  k.ifThen(k.setp('eq', 'u32', lane, 0), () => {
    k.st('global', 'b16', base, 0, k.cvt('f16', 'f32', d));
    k.st('global', 'b16', base, 2, k.cvt('f16', 'f32', k.mul('f32', k.cvt('f32', 's32', qi), d)));
  });
  k.label(out);
  k.ret();
  return k.build();
}

/** Grid and block for `nBlocks` Q8_1 blocks (rows · k / 32). */
export function quantizeQ8_1Launch(nBlocks: number): { grid: [number, number, number]; block: [number, number, number] } {
  return { grid: [Math.ceil(nBlocks / WARPS), 1, 1], block: [32 * WARPS, 1, 1] };
}

/** TS reference: trueno's Q8_1 quantizer (ggml quantize_row_q8_1_ref). */
export function quantizeQ8_1Reference(x: Float32Array): Uint8Array {
  return quantize(GGMLType.Q8_1, x);
}

/** Bytes / flops of quantizing `n` values. */
export function quantizeQ8_1Cost(n: number): KernelCost {
  return { bytes: n * 4 + (n / 32) * Q8_1_BLOCK_BYTES, flops: 3 * n };
}
