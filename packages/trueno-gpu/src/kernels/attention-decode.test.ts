import { describe, expect, it } from 'vitest';
import { attentionDecodeCost, attentionDecodeLaunch, attentionDecodeReference, buildAttentionDecode } from './attention-decode.js';
import { type AttnShape, makeSequences, runDecode } from './attention-test-support.js';
import { seeded } from './gemv-conformance.js';
import { H100_BANDWIDTH_GBS, predictedMicros } from './kernel-model.js';
import { describePtxas, withApproxError } from './ops-test-support.js';
import { ATTENTION_NMSE, nmse } from './tolerances.js';

const kernels = { 64: buildAttentionDecode({ sm: 'sm_80', headDim: 64 }), 128: buildAttentionDecode({ sm: 'sm_80', headDim: 128 }) };
const shapeOf = (nHeads: number, nKvHeads: number, headDim: 64 | 128, ctxLen: number): AttnShape => ({
  nHeads,
  nKvHeads,
  headDim,
  ctxLen,
  scale: 1 / Math.sqrt(headDim),
});

describe('attention decode (one pass)', () => {
  // [name, shape, kv lengths of the batch, q magnitude]
  const cases: [string, AttnShape, number[], number][] = [
    ['Qwen2.5-0.5B heads (14 q / 2 kv, d64), 3 sequences', shapeOf(14, 2, 64, 1024), [1, 33, 1023], 1],
    ['llama GQA (4 q / 1 kv, d128)', shapeOf(4, 1, 128, 160), [127, 3], 1],
    ['MHA (3 / 3, d128), peaky softmax (q x 8)', shapeOf(3, 3, 128, 40), [31], 8],
    ['group of 7 (Qwen2.5-7B), d128', shapeOf(7, 1, 128, 8), [5], 2],
  ];
  it.each(cases)('emulated matches attentionRef: %s', (_, shape, kvLens, mag) => {
    const seqs = makeSequences(shape, kvLens, 2, 1, kvLens.length * 31 + shape.nHeads);
    const q = seeded(kvLens.length * shape.nHeads * shape.headDim, 7).map((v) => v * mag);
    const y = runDecode(kernels[shape.headDim], q, seqs, shape, 1);
    expect(y.every(Number.isFinite)).toBe(true); // NaN past each kv_len was never read
    expect(nmse(y, attentionDecodeReference(q, seqs, shape))).toBeLessThan(ATTENTION_NMSE);
  });

  it('the bound holds with ex2.approx at its documented worst-case error (a GPU, not the emulator)', () => {
    const shape = shapeOf(4, 2, 128, 300);
    const seqs = makeSequences(shape, [299, 17], 1, 0, 41);
    const q = seeded(2 * 4 * 128, 42).map((v) => v * 6); // peaky: scores span tens of units
    const e = nmse(runDecode(withApproxError(kernels[128]), q, seqs, shape, 0), attentionDecodeReference(q, seqs, shape));
    expect(e).toBeGreaterThan(0);
    expect(e).toBeLessThan(ATTENTION_NMSE);
  });

  it('a corrupted V row inside the context is caught by the bound', () => {
    const shape = shapeOf(2, 1, 64, 64);
    const seqs = makeSequences(shape, [33], 1, 0, 3);
    const q = seeded(2 * 64, 4);
    const ref = attentionDecodeReference(q, seqs, shape);
    for (let d = 0; d < 64; d++) seqs[0].v[20 * 64 + d] += 0.5;
    expect(nmse(runDecode(kernels[64], q, seqs, shape, 0), ref)).toBeGreaterThan(ATTENTION_NMSE);
  });

  it('launch and cost model: one warp per query head of a group, K/V read once per KV head', () => {
    expect(attentionDecodeLaunch(3, 14, 2)).toEqual({ grid: [1, 2, 3], block: [224, 1, 1] });
    expect(() => attentionDecodeLaunch(1, 14, 4)).toThrow(/multiple|times/);
    const c = attentionDecodeCost([4096], 14, 2, 64);
    expect(c.bytes).toBe(2 * 4096 * 2 * 64 * 4 + 2 * 14 * 64 * 4);
    expect(predictedMicros(c, H100_BANDWIDTH_GBS)).toBeGreaterThan(1);
  });
});

describePtxas('attention decode', (sm) => [buildAttentionDecode({ sm, headDim: 64 }), buildAttentionDecode({ sm, headDim: 128 })]);
