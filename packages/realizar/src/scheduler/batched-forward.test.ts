import { describe, expect, it } from 'vitest';
import { prompt, tinyModel } from './test-support.js';

/** Largest |a - b| / max(|b|, 1e-6·scale) over the row. */
function maxRel(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-3 * scale));
  return m;
}

describe('multi-sequence forward', () => {
  it.each(['ref', 'auto'])('batched pass over 3 sequences at different positions == each alone (%s backend) [F-SCHED-1]', (backend) => {
    const { model } = tinyModel(undefined, backend);
    const prefixes = [prompt(7, 1), prompt(19, 2), prompt(3, 3)];
    // The batched step: seq 0 decodes one token, seq 1 prefills a chunk of 5, seq 2 decodes one.
    const steps = [[300], [301, 302, 303, 304, 305], [306]];

    const solo = prefixes.map((p, i) => {
      const s = model.createSession({ contextLength: 64 });
      s.forward(p);
      return Float32Array.from(s.forward(steps[i]));
    });

    const r = model.createBatchRunner({ sequences: 3, contextLength: 64, maxRows: 32 });
    // Different prefill groupings too: all three prefixes in one pass.
    r.clear();
    prefixes.forEach((p, i) => r.add(i, p, 0, p.length, false));
    r.run();
    r.clear();
    const outs = steps.map((t, i) => r.add(i, t, 0, t.length, true));
    r.run();
    for (let i = 0; i < 3; i++) {
      const got = r.logitsOf(outs[i]);
      if (backend === 'ref') expect(got).toEqual(solo[i]); // row-wise bricks: bit-identical
      else expect(maxRel(got, solo[i])).toBeLessThanOrEqual(1e-5);
      expect(r.position(i)).toBe(prefixes[i].length + steps[i].length);
    }
  });

  it('a one-segment pass still returns every row with allLogits, and hidden states are the normed rows [F-SCHED-2]', () => {
    const { model } = tinyModel();
    const p = prompt(9, 4);
    const s = model.createSession({ contextLength: 32, maxBatch: 4 });
    const all = s.forward(p, { allLogits: true });
    const s2 = model.createSession({ contextLength: 32 });
    const hidden = new Float32Array(p.length * model.config.dim);
    const last = s2.forward(p, { hidden });
    expect(all.subarray((p.length - 1) * model.config.vocabSize)).toEqual(last);
    // The hidden rows are what the LM head reads: projecting the last one gives the last logits.
    const { dim, vocabSize } = model.config;
    const projected = new Float32Array(vocabSize);
    model.backend.matmul(model.weights.output, hidden.subarray((p.length - 1) * dim), 1, projected);
    expect(projected).toEqual(last);
  });

  it('rejects a sequence added twice, a full batch and a full cache', () => {
    const { model } = tinyModel();
    const r = model.createBatchRunner({ sequences: 2, contextLength: 8, maxRows: 4 });
    r.clear();
    r.add(0, [1, 300], 0, 2, false);
    expect(() => r.add(0, [301], 0, 1, true)).toThrow(/already in this batch/);
    expect(() => r.add(1, [1, 2, 3], 0, 3, true)).toThrow(/no room/);
    r.clear();
    expect(() => r.add(1, new Array(9).fill(300), 0, 9, true)).toThrow();
  });
});
