/**
 * Split-K ("flash-decoding") decode attention: the context of each (sequence, KV head) is cut
 * into nSplits chunks computed by separate blocks (attention-decode.ts in `partial` mode, which
 * writes one (m, l, acc) record per split and query head), then `attention_decode_reduce`
 * combines them. A single decode token with a 4k context has only nKvHeads·nSeq blocks of work
 * in the one-pass kernel (2 for Qwen2.5-0.5B): splitting fills the GPU's SMs.
 *
 * Reduce (grid (nHeads, nSeq), one warp; lane l owns dims l·E..): over the splits that hold
 * positions (ceil(kv_len / chunk) of them), M = max m_i, w_i = 2^(m_i − M), L = Σ l_i·w_i,
 * out = Σ acc_i·w_i / L. This is the same recurrence as the one-pass kernel applied to whole
 * chunks, so the result differs from it only by f32 summation order (see ATTENTION_SPLIT_NMSE).
 *
 * Parameters: `part` (u64, records of attention-decode's partial mode), `kv_len` (u64, (nSeq)
 * u32), `out` (u64, (nSeq, nHeads·headDim) f32), `chunk`, `n_splits` (u32).
 */
import { KernelBuilder } from '../ptx/builder.js';
import type { Kernel } from '../ptx/kernel.js';
import { type AttentionDecodeOptions, buildAttentionDecode, gqaGroup, partialRecordFloats } from './attention-decode.js';
import { lanesDims } from './attention-common.js';
import { type LaunchGeometry, divRn } from './ops-common.js';

/** Smallest chunk (positions per split): below this the records cost more than they save. */
export const MIN_SPLIT_CHUNK = 64;

/** Builds the partial kernel (attention-decode.ts, `partial` mode). */
export function buildAttentionDecodePartial(opts: Omit<AttentionDecodeOptions, 'mode'>): Kernel {
  return buildAttentionDecode({ ...opts, mode: 'partial' });
}

/** Builds `attention_decode_reduce_d<headDim>`. */
export function buildAttentionDecodeReduce(opts: Omit<AttentionDecodeOptions, 'mode'>): Kernel {
  const D = opts.headDim;
  const E = lanesDims(D);
  const k = new KernelBuilder(`attention_decode_reduce_d${D}`);
  k.maxThreads = 32;
  k.doc = `combines split-K decode attention records (m, l, acc) per (sequence, head); target ${opts.sm}`;
  const pp = k.param('part', 'u64');
  const plen = k.param('kv_len', 'u64');
  const po = k.param('out', 'u64');
  const pch = k.param('chunk', 'u32');
  const pns = k.param('n_splits', 'u32');
  const lane = k.special('tid.x');
  const h = k.special('ctaid.x');
  const nHeads = k.special('nctaid.x');
  const seq = k.special('ctaid.y');
  const nSplits = k.ldParam(pns);
  const chunk = k.ldParam(pch);
  const len = k.ld('global', 'u32', k.mad('u32', seq, 4, k.ldGlobalPtr(plen), undefined, 'wide'), 0, { nc: true });
  const used = k.min('u32', k.bin('div', 'u32', k.add('u32', len, k.sub('u32', chunk, 1)), chunk), nSplits);
  const row = k.mad('u32', seq, nHeads, h);
  const recBytes = 4 * partialRecordFloats(D);
  const rec0 = k.mad('u32', k.mul('u32', row, nSplits), recBytes, k.ldGlobalPtr(pp), undefined, 'wide');
  const laneOff = k.cvt('u64', 'u32', k.mul('u32', lane, 4 * E));
  const M = k.mov('f32', -Infinity);
  k.forRange('u32', 0, used, 1, (i) => k.max('f32', M, k.ld('global', 'f32', k.mad('u32', i, recBytes, rec0, undefined, 'wide'), 0), M), true);
  const L = k.mov('f32', 0);
  const acc = Array.from({ length: E }, () => k.mov('f32', 0));
  k.forRange(
    'u32',
    0,
    used,
    1,
    (i) => {
      const at = k.mad('u32', i, recBytes, rec0, undefined, 'wide');
      const [m, l] = k.ldv('global', 'f32', 2, at, 0);
      const wgt = k.un('ex2', 'f32', k.sub('f32', m, M));
      k.fma('f32', l, wgt, L, L);
      const a = k.ldv('global', 'f32', E, k.add('u64', at, laneOff), 16);
      for (let e = 0; e < E; e++) k.fma('f32', a[e], wgt, acc[e], acc[e]);
    },
    true,
  );
  const outAt = k.add('u64', k.mad('u32', row, D * 4, k.ldGlobalPtr(po), undefined, 'wide'), laneOff);
  k.stv('global', 'f32', outAt, 0, acc.map((a) => divRn(k, a, L)));
  k.ret();
  return k.build();
}

/** Geometry of a split-K decode step: the partial and reduce launches and the records buffer. */
export interface SplitPlan {
  readonly partial: LaunchGeometry;
  readonly reduce: LaunchGeometry;
  readonly nSplits: number;
  /** Positions per split. */
  readonly chunk: number;
  /** Bytes of the records buffer. */
  readonly partBytes: number;
}

/**
 * Chooses the split: enough blocks for ~2 per SM (`smCount`, 132 on an H100 SXM) over
 * nKvHeads·nSeq (sequence, KV head) pairs, chunks of at least MIN_SPLIT_CHUNK positions, sized
 * for the longest sequence (shorter ones skip their empty splits).
 */
export function attentionDecodeSplitPlan(maxKvLen: number, nSeq: number, nHeads: number, nKvHeads: number, headDim: number, smCount = 132, chunk?: number): SplitPlan {
  const group = gqaGroup(nHeads, nKvHeads);
  let c = chunk;
  if (c === undefined) {
    const want = Math.max(1, Math.ceil((2 * smCount) / (nKvHeads * nSeq)));
    c = Math.max(MIN_SPLIT_CHUNK, Math.ceil(maxKvLen / want));
  }
  if (!Number.isInteger(c) || c < 1) throw new RangeError(`attention split: chunk must be a positive integer, got ${c}`);
  const nSplits = Math.max(1, Math.ceil(maxKvLen / c));
  return {
    partial: { grid: [nSplits, nKvHeads, nSeq], block: [32 * group, 1, 1] },
    reduce: { grid: [nHeads, nSeq, 1], block: [32, 1, 1] },
    nSplits,
    chunk: c,
    partBytes: 4 * partialRecordFloats(headDim) * nSplits * nHeads * nSeq,
  };
}
