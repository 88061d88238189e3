import { describe, expect, it } from 'vitest';
import { launch } from '../emu/test-launch.js';
import { attentionPrefillCost, attentionPrefillLaunch, attentionPrefillReference, buildAttentionPrefill } from './attention-prefill.js';
import { type AttnShape, makeSequences } from './attention-test-support.js';
import { seeded } from './gemv-conformance.js';
import { describePtxas, withApproxError } from './ops-test-support.js';
import { H100_BANDWIDTH_GBS, predictedMicros, predictedMicrosRoofline } from './kernel-model.js';
import { ATTENTION_NMSE, nmse } from './tolerances.js';

const kernels = { 64: buildAttentionPrefill({ sm: 'sm_80', headDim: 64 }), 128: buildAttentionPrefill({ sm: 'sm_80', headDim: 128 }) };

function run(q: Float32Array, kCache: Float32Array, vCache: Float32Array, shape: AttnShape, nTok: number, pos0: number, approxError = false): Float32Array {
  const { grid, block } = attentionPrefillLaunch(nTok, shape.nHeads, shape.nKvHeads);
  const n = nTok * shape.nHeads * shape.headDim;
  const kernel = approxError ? withApproxError(kernels[shape.headDim]) : kernels[shape.headDim];
  const r = launch(kernel, grid, block, { q, k_cache: kCache, v_cache: vCache, out: n * 4 }, {
    n_tok: nTok,
    n_kv_heads: shape.nKvHeads,
    ctx_len: shape.ctxLen,
    pos0,
    scale: shape.scale,
  });
  return r.f32('out', n);
}

describe('attention prefill', () => {
  // [name, shape, T, pos0, q magnitude]
  const cases: [string, AttnShape, number, number, number][] = [
    ['Qwen2.5-0.5B-like GQA 4/2 d64, prompt of 33 after 5 cached', { nHeads: 4, nKvHeads: 2, headDim: 64, ctxLen: 64, scale: 0.125 }, 33, 5, 1],
    ['d128 MHA 2/2, 70 tokens from 0 (3 tiles), peaky', { nHeads: 2, nKvHeads: 2, headDim: 128, ctxLen: 80, scale: 1 / Math.sqrt(128) }, 70, 0, 6],
    ['one token (decode through the prefill kernel), group 3', { nHeads: 3, nKvHeads: 1, headDim: 64, ctxLen: 40, scale: 0.125 }, 1, 31, 1],
    ['7 tokens (a partial query tile) at pos0 = 1', { nHeads: 2, nKvHeads: 1, headDim: 128, ctxLen: 16, scale: 0.09 }, 7, 1, 2],
  ];
  it.each(cases)('emulated matches attentionRef: %s', (_, shape, nTok, pos0, mag) => {
    const [s] = makeSequences(shape, [pos0 + nTok], 1, 0, nTok * 13 + pos0);
    const q = seeded(nTok * shape.nHeads * shape.headDim, nTok).map((v) => v * mag);
    const y = run(q, s.kCache, s.vCache, shape, nTok, pos0);
    expect(y.every(Number.isFinite)).toBe(true); // positions past pos0 + T hold NaN: never read
    expect(nmse(y, attentionPrefillReference(q, s.kCache, s.vCache, { ...shape, nTok, pos0 }))).toBeLessThan(ATTENTION_NMSE);
  });

  it('the bound holds with ex2.approx at its documented worst-case error (a GPU, not the emulator)', () => {
    const shape: AttnShape = { nHeads: 2, nKvHeads: 1, headDim: 64, ctxLen: 64, scale: 0.125 };
    const [s] = makeSequences(shape, [45], 1, 0, 43);
    const q = seeded(40 * 2 * 64, 44).map((v) => v * 8);
    const y = run(q, s.kCache, s.vCache, shape, 40, 5, true);
    const e = nmse(y, attentionPrefillReference(q, s.kCache, s.vCache, { ...shape, nTok: 40, pos0: 5 }));
    expect(e).toBeGreaterThan(0);
    expect(e).toBeLessThan(ATTENTION_NMSE);
  });

  it('a changed V row is caught by the bound, and only by the query allowed to see it', () => {
    const shape: AttnShape = { nHeads: 1, nKvHeads: 1, headDim: 64, ctxLen: 16, scale: 0.125 };
    const [s] = makeSequences(shape, [9], 1, 0, 2);
    const q = seeded(9 * 64, 3);
    const ref = attentionPrefillReference(q, s.kCache, s.vCache, { ...shape, nTok: 9, pos0: 0 });
    // Change V at position 8: only the last query (position 8) may see it.
    const bad = s.vCache.slice();
    for (let d = 0; d < 64; d++) bad[8 * 64 + d] += 1;
    expect(nmse(run(q, s.kCache, bad, shape, 9, 0), ref)).toBeGreaterThan(ATTENTION_NMSE);
    // ...and the earlier queries, which must not see position 8, are unchanged.
    const y = run(q, s.kCache, bad, shape, 9, 0);
    expect(nmse(y.subarray(0, 8 * 64), ref.subarray(0, 8 * 64))).toBeLessThan(ATTENTION_NMSE);
  });

  it('launch and cost: ceil(T/8) x nHeads blocks, K/V once per KV head, long prompts compute-bound', () => {
    expect(attentionPrefillLaunch(33, 14, 2)).toEqual({ grid: [5, 14, 1], block: [256, 1, 1] });
    const c = attentionPrefillCost(8, 0, 1, 1, 64);
    expect(c.bytes).toBe(2 * 8 * 64 * 4 + 2 * 8 * 64 * 4);
    expect(c.flops).toBe(4 * 36 * 64);
    // A 4096-token Qwen2.5-0.5B prompt: f32 flops, not bytes, bound the kernel.
    const long = attentionPrefillCost(4096, 0, 14, 2, 64);
    expect(predictedMicrosRoofline(long)).toBeGreaterThan(predictedMicros(long, H100_BANDWIDTH_GBS));
    expect(predictedMicrosRoofline(c)).toBe(predictedMicros(c, H100_BANDWIDTH_GBS));
  });
});

describePtxas('attention prefill', (sm) => [buildAttentionPrefill({ sm, headDim: 64 }), buildAttentionPrefill({ sm, headDim: 128 })]);
