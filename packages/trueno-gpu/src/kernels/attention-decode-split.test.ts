import { describe, expect, it } from 'vitest';
import { attentionDecodeReference, buildAttentionDecode } from './attention-decode.js';
import { MIN_SPLIT_CHUNK, attentionDecodeSplitPlan, buildAttentionDecodePartial, buildAttentionDecodeReduce } from './attention-decode-split.js';
import { type AttnShape, makeSequences, runDecode, runDecodeSplit } from './attention-test-support.js';
import { seeded } from './gemv-conformance.js';
import { describePtxas, withApproxError } from './ops-test-support.js';
import { ATTENTION_NMSE, ATTENTION_SPLIT_NMSE, nmse } from './tolerances.js';

const build = (headDim: 64 | 128) => ({
  one: buildAttentionDecode({ sm: 'sm_80', headDim }),
  partial: buildAttentionDecodePartial({ sm: 'sm_80', headDim }),
  reduce: buildAttentionDecodeReduce({ sm: 'sm_80', headDim }),
});
const kernels = { 64: build(64), 128: build(128) };

describe('attention decode split-K', () => {
  // [name, shape, kv lengths, chunk, q magnitude]
  const cases: [string, AttnShape, number[], number, number][] = [
    ['Qwen2.5-0.5B heads, 3 sequences of unequal length, chunk 64', { nHeads: 14, nKvHeads: 2, headDim: 64, ctxLen: 1024, scale: 0.125 }, [1, 65, 1023], 64, 1],
    ['d128 GQA 4/2, chunk 32 (ragged last split), peaky', { nHeads: 4, nKvHeads: 2, headDim: 128, ctxLen: 200, scale: 1 / Math.sqrt(128) }, [199, 33], 32, 6],
    ['chunk 1 (every position its own split)', { nHeads: 2, nKvHeads: 1, headDim: 64, ctxLen: 40, scale: 0.125 }, [31], 1, 3],
  ];
  it.each(cases)('equals the one-pass kernel and attentionRef: %s', (_, shape, kvLens, chunk, mag) => {
    const seqs = makeSequences(shape, kvLens, 2, 1, 100 + chunk);
    const q = seeded(kvLens.length * shape.nHeads * shape.headDim, chunk).map((v) => v * mag);
    const k = kernels[shape.headDim];
    const split = runDecodeSplit(k.partial, k.reduce, q, seqs, shape, 1, chunk);
    const one = runDecode(k.one, q, seqs, shape, 1);
    expect(split.every(Number.isFinite)).toBe(true);
    expect(nmse(split, one)).toBeLessThan(ATTENTION_SPLIT_NMSE);
    expect(nmse(split, attentionDecodeReference(q, seqs, shape))).toBeLessThan(ATTENTION_NMSE);
  });

  it('split and one-pass agree within the bound with ex2.approx at its worst-case error', () => {
    const shape: AttnShape = { nHeads: 2, nKvHeads: 1, headDim: 128, ctxLen: 300, scale: 1 / Math.sqrt(128) };
    const seqs = makeSequences(shape, [257], 1, 0, 45);
    const q = seeded(2 * 128, 46).map((v) => v * 6);
    const k = kernels[128];
    const split = runDecodeSplit(withApproxError(k.partial), withApproxError(k.reduce), q, seqs, shape, 0, 64);
    const one = runDecode(withApproxError(k.one), q, seqs, shape, 0);
    expect(nmse(split, one)).toBeLessThan(ATTENTION_SPLIT_NMSE);
    expect(nmse(split, attentionDecodeReference(q, seqs, shape))).toBeLessThan(ATTENTION_NMSE);
  });

  it('a dropped split (reduce sees one fewer) is caught by the bound', () => {
    const shape: AttnShape = { nHeads: 2, nKvHeads: 1, headDim: 64, ctxLen: 200, scale: 0.125 };
    const seqs = makeSequences(shape, [129], 1, 0, 5);
    const q = seeded(2 * 64, 6);
    const one = runDecode(kernels[64].one, q, seqs, shape, 0);
    // kv_len 128 in the split run makes the reduce skip the 3rd split (position 128) and the
    // partial kernel never compute it: the result must be off.
    const short = runDecodeSplit(kernels[64].partial, kernels[64].reduce, q, [{ ...seqs[0], kvLen: 128 }], shape, 0, 64);
    expect(nmse(short, one)).toBeGreaterThan(ATTENTION_SPLIT_NMSE);
  });

  it('plan: about two blocks per SM, chunks of at least 64 positions', () => {
    const p = attentionDecodeSplitPlan(32768, 1, 14, 2, 64);
    expect(p.nSplits * 2).toBeGreaterThanOrEqual(2 * 132); // (splits, KV heads, sequences) blocks
    expect(p.partial.grid).toEqual([p.nSplits, 2, 1]);
    expect(p.partBytes).toBe(68 * 4 * p.nSplits * 14);
    const short = attentionDecodeSplitPlan(4096, 1, 14, 2, 64); // the minimum chunk caps the splits
    expect(short.chunk).toBe(MIN_SPLIT_CHUNK);
    expect(short.nSplits).toBe(64);
    expect(attentionDecodeSplitPlan(10, 1, 14, 2, 64).nSplits).toBe(1);
  });
});

describePtxas('attention decode split', (sm) => [64, 128].flatMap((d) => [buildAttentionDecodePartial({ sm, headDim: d as 64 | 128 }), buildAttentionDecodeReduce({ sm, headDim: d as 64 | 128 })]));
