/**
 * Decode attention: one new token per sequence attends to its whole KV cache (GQA), for a batch
 * of sequences with their own caches and lengths. Backend.attention with nTok = 1 per sequence
 * (trueno's `attentionRef`), batched: every sequence of a decode step in one launch.
 *
 * KV cache layout, exactly realizar's `KvCache` (f32): per sequence one allocation
 * `(nLayers, nKvHeads, ctxLen, headDim)`; a layer's view is `(nKvHeads, ctxLen, headDim)` at byte
 * offset `layer_off`. The kernel takes a device table of each sequence's cache base (`k_ptrs`,
 * `v_ptrs`: (nSeq) u64), so sequences keep separate caches as on the CPU path, and `kv_len`
 * (nSeq) u32: sequence s attends to positions 0..kv_len[s]−1 (its new token's K/V already
 * stored at kv_len−1: causal by construction, nothing after it is read). f32 KV, as the CPU path:
 * an f16 cache would halve the bytes but change the values the reference sees.
 *
 * Geometry: grid (nSplits, nKvHeads, nSeq), block = one warp per query head of the GQA group
 * (32·nHeads/nKvHeads threads), so the group's warps read the same K/V rows and DRAM sees each
 * row once (the others hit L1). Each warp runs attention-common's online-softmax recurrence over
 * its range of positions. `mode: 'single'`: one split covers the whole context and the warp
 * writes out = acc / l. `mode: 'partial'`: split x covers positions [x·chunk, (x+1)·chunk) ∩
 * [0, kv_len) and writes its (m, l, acc) record for attention-decode-split.ts's reduce kernel
 * (flash-decoding: long contexts with few heads and sequences fill the GPU).
 *
 * Parameters: `q` (u64, (nSeq, nHeads·headDim) f32), `k_ptrs`, `v_ptrs` (u64, (nSeq) u64),
 * `layer_off` (u64, bytes), `kv_len` (u64, (nSeq) u32), `out` (u64: single: (nSeq, nHeads·headDim)
 * f32; partial: (nSeq, nHeads, nSplits, headDim + 4) f32 records [m, l, 0, 0, acc…]),
 * `ctx_len` (u32), `chunk` (u32, positions per split; ignored by single), `scale` (f32).
 */
import { refBackend } from '@sovereign/trueno';
import { KernelBuilder } from '../ptx/builder.js';
import type { Kernel, SmTarget } from '../ptx/kernel.js';
import type { Reg } from '../ptx/types.js';
import { type AttentionHeadDim, finalize, initState, lanesDims, loadLane, scaleLog2, softmaxRange } from './attention-common.js';
import type { KernelCost } from './kernel-model.js';
import type { LaunchGeometry } from './ops-common.js';

/** Largest GQA group (query heads per KV head) the decode kernels accept: 16 warps per block. */
export const MAX_GQA_GROUP = 16;

/**
 * Positions per softmax update: each warp keeps 4 K and 4 V rows in flight (memory-level
 * parallelism; one position per update would wait a full DRAM latency per row).
 */
export const DECODE_UNROLL = 4;

/** Floats of one partial record: m, l, two pad floats (16-byte alignment of acc), acc[headDim]. */
export function partialRecordFloats(headDim: number): number {
  return headDim + 4;
}

/** Options of a decode attention build. */
export interface AttentionDecodeOptions {
  readonly sm: SmTarget;
  readonly headDim: AttentionHeadDim;
  /** `single` (default): normalized output; `partial`: split-K records for the reduce kernel. */
  readonly mode?: 'single' | 'partial';
}

/** Builds the decode attention kernel. */
export function buildAttentionDecode(opts: AttentionDecodeOptions): Kernel {
  const D = opts.headDim;
  const E = lanesDims(D);
  const partial = opts.mode === 'partial';
  const k = new KernelBuilder(`attention_decode${partial ? '_partial' : ''}_d${D}`);
  k.maxThreads = 32 * MAX_GQA_GROUP;
  k.doc = `decode attention, one query token per sequence, GQA, head_dim ${D}, f32 KV (n_kv_heads, ctx_len, ${D}) per layer${partial ? ', split-K partials' : ''}; target ${opts.sm}`;
  const pq = k.param('q', 'u64');
  const pkp = k.param('k_ptrs', 'u64');
  const pvp = k.param('v_ptrs', 'u64');
  const plo = k.param('layer_off', 'u64');
  const plen = k.param('kv_len', 'u64');
  const po = k.param('out', 'u64');
  const pctx = k.param('ctx_len', 'u32');
  const pch = k.param('chunk', 'u32');
  const psc = k.param('scale', 'f32');

  const tid = k.special('tid.x');
  const lane = k.and('b32', tid, 31);
  const w = k.shr('u32', tid, 5);
  const group = k.shr('u32', k.special('ntid.x'), 5);
  const split = k.special('ctaid.x');
  const kvh = k.special('ctaid.y');
  const nKvHeads = k.special('nctaid.y');
  const seq = k.special('ctaid.z');
  const nHeads = k.mul('u32', nKvHeads, group);
  const h = k.mad('u32', kvh, group, w); // query head of this warp
  const len = k.ld('global', 'u32', k.mad('u32', seq, 4, k.ldGlobalPtr(plen), undefined, 'wide'), 0, { nc: true });
  const start = k.reg('u32');
  const end = k.reg('u32');
  const exit = k.newLabel('exit');
  if (partial) {
    const chunk = k.ldParam(pch);
    k.mul('u32', split, chunk, start);
    // Splits past this sequence's length have nothing to do; the reduce kernel skips them.
    k.bra(exit, { when: k.setp('ge', 'u32', start, len), uni: true });
    k.min('u32', k.add('u32', start, chunk), len, end);
  } else {
    k.mov('u32', 0, start);
    k.mov('u32', len, end);
  }

  k.comment('this (sequence, KV head) layer view: (ctx_len, head_dim) rows');
  const rowBytes = D * 4;
  const headOff = k.add('u64', k.ldParam(plo), k.mulWide('u32', k.mul('u32', kvh, k.ldParam(pctx)), rowBytes));
  const laneOff = k.cvt('u64', 'u32', k.mul('u32', lane, 4 * E));
  const seqPtr = (p: typeof pkp): Reg =>
    k.add('u64', k.add('u64', k.cvtaGlobal(k.ld('global', 'u64', k.mad('u32', seq, 8, k.ldGlobalPtr(p), undefined, 'wide'), 0, { nc: true })), headOff), laneOff);
  const kBase = seqPtr(pkp);
  const vBase = seqPtr(pvp);
  const qRowIdx = k.mad('u32', seq, nHeads, h); // (seq, head) row of q / out
  const qAt = k.add('u64', k.mad('u32', qRowIdx, rowBytes, k.ldGlobalPtr(pq), undefined, 'wide'), laneOff);
  const q = loadLane(k, 'global', qAt, E);
  const sl2 = scaleLog2(k, k.ldParam(psc));
  const st = initState(k, E);
  softmaxRange(k, st, q, sl2, start, end, DECODE_UNROLL, (j) => {
    const off = k.mulWide('u32', j, rowBytes);
    return [loadLane(k, 'global', k.add('u64', kBase, off), E), loadLane(k, 'global', k.add('u64', vBase, off), E)];
  });
  const out = k.ldGlobalPtr(po);
  if (partial) {
    const rec = k.mad('u32', k.mad('u32', qRowIdx, k.special('nctaid.x'), split), 4 * partialRecordFloats(D), out, undefined, 'wide');
    k.ifThen(k.setp('eq', 'u32', lane, 0), () => k.stv('global', 'f32', rec, 0, [st.m, st.l]));
    k.stv('global', 'f32', k.add('u64', rec, laneOff), 16, st.acc);
  } else {
    k.stv('global', 'f32', k.add('u64', k.mad('u32', qRowIdx, rowBytes, out, undefined, 'wide'), laneOff), 0, finalize(k, st));
  }
  k.label(exit);
  k.ret();
  return k.build();
}

/** Launch geometry of the single-pass kernel: grid (1, nKvHeads, nSeq), one warp per query head of a group. */
export function attentionDecodeLaunch(nSeq: number, nHeads: number, nKvHeads: number): LaunchGeometry {
  const group = gqaGroup(nHeads, nKvHeads);
  return { grid: [1, nKvHeads, nSeq], block: [32 * group, 1, 1] };
}

/** nHeads / nKvHeads, checked. */
export function gqaGroup(nHeads: number, nKvHeads: number): number {
  const group = nHeads / nKvHeads;
  if (!Number.isInteger(group) || group < 1 || group > MAX_GQA_GROUP) {
    throw new RangeError(`attention: nHeads (${nHeads}) must be nKvHeads (${nKvHeads}) times 1..${MAX_GQA_GROUP}`);
  }
  return group;
}

/** One sequence of a decode batch for the reference: its layer caches `(nKvHeads, ctxLen, headDim)` and length. */
export interface DecodeSequence {
  readonly kCache: Float32Array;
  readonly vCache: Float32Array;
  /** Positions attended, 0..kvLen−1 (the new token is at kvLen−1). */
  readonly kvLen: number;
}

/**
 * TS reference: trueno's ref backend attention (`attentionRef`) per sequence with nTok = 1 and
 * pos0 = kvLen − 1; q and the result are (nSeq, nHeads·headDim).
 */
export function attentionDecodeReference(
  q: Float32Array,
  seqs: readonly DecodeSequence[],
  shape: { nHeads: number; nKvHeads: number; headDim: number; ctxLen: number; scale: number },
): Float32Array {
  const qDim = shape.nHeads * shape.headDim;
  const out = new Float32Array(seqs.length * qDim);
  seqs.forEach((s, i) => {
    const p = { ...shape, nTok: 1, pos0: s.kvLen - 1 };
    refBackend.attention(q.subarray(i * qDim, (i + 1) * qDim), s.kCache, s.vCache, out.subarray(i * qDim, (i + 1) * qDim), p);
  });
  return out;
}

/** Bytes / flops of a decode step: K and V rows read once per KV head (shared by the group), q read, out written. */
export function attentionDecodeCost(kvLens: readonly number[], nHeads: number, nKvHeads: number, headDim: number): KernelCost {
  const positions = kvLens.reduce((a, b) => a + b, 0);
  const bytes = 2 * positions * nKvHeads * headDim * 4 + 2 * kvLens.length * nHeads * headDim * 4;
  return { bytes, flops: 4 * positions * nHeads * headDim };
}
