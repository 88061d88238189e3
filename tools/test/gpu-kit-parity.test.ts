/**
 * The GPU kit's gpu-parity verdict (tools/gpu-kit-parity.mjs `compare`): identical greedy tokens
 * and small logit differences pass; a differing token fails and names the CPU's gap (a near tie
 * passes only with --allow-ties); a logit error beyond rounding fails even with identical tokens.
 */
import { describe, expect, it } from 'vitest';

interface Run {
  tokens: number[];
  prefill: Float32Array;
  stepLogits: Float32Array;
}
interface Verdict {
  ok: boolean;
  identical: boolean;
  firstDiff: number;
  problems: string[];
  prefillNmse: number;
  stepNmseMax: number;
  tie?: { step: number; gapRel: number; nearTie: boolean };
}
type Compare = (cpu: Run, gpu: Run, V: number, tol: { nmse: number; tieRel: number }, allowTies: boolean) => Verdict;

// A variable specifier: the module is plain JavaScript (bundled into the kit), imported untyped.
const modulePath = '../gpu-kit-parity.mjs';
const { compare } = (await import(modulePath)) as { compare: Compare };

const V = 8;
const tol = { nmse: 2e-3, tieRel: 3e-2 };

/** A run whose step s has its maximum (10) at token `tokens[s]`, other logits `base + i/10`. */
function run(tokens: number[], promptLen = 3, noise = 0): Run {
  const row = (top: number, seed: number) => Array.from({ length: V }, (_, i) => (i === top ? 10 : 1 + i / 10) + noise * Math.sin(seed * 7 + i));
  const prefill = new Float32Array(Array.from({ length: promptLen }, (_, p) => row(p % V, p)).flat());
  const stepLogits = new Float32Array(tokens.map((t, s) => row(t, 100 + s)).flat());
  return { tokens, prefill, stepLogits };
}

describe('gpu-parity compare', () => {
  it('identical tokens and rounding-size logit noise pass', () => {
    const v = compare(run([1, 2, 3, 4]), run([1, 2, 3, 4], 3, 1e-4), V, tol, false);
    expect(v).toMatchObject({ ok: true, identical: true, firstDiff: -1, problems: [] });
    expect(v.stepNmseMax).toBeGreaterThan(0);
    expect(v.stepNmseMax).toBeLessThan(1e-8);
  });

  it('a differing token fails with the step and the CPU gap; a near tie passes only with allowTies', () => {
    const cpu = run([1, 2, 3, 4]);
    const far = compare(cpu, run([1, 2, 5, 4]), V, tol, true);
    expect(far.ok).toBe(false);
    expect(far.firstDiff).toBe(2);
    expect(far.tie?.nearTie).toBe(false); // the CPU's logit of token 5 is 1.5 against 10
    expect(far.problems[0]).toMatch(/tokens differ from step 2 \(cpu 3, gpu 5/);

    // Step 2: the CPU has token 5 within 1% of its top logit; the GPU's logits are the CPU's with
    // that pair swapped by rounding (as a real near tie looks).
    const tied = run([1, 2, 3, 4]);
    tied.stepLogits[2 * V + 5] = 9.9;
    const gpu = run([1, 2, 5, 4]);
    gpu.stepLogits.set(tied.stepLogits.subarray(2 * V, 3 * V), 2 * V);
    gpu.stepLogits[2 * V + 5] = 10.01;
    expect(compare(tied, gpu, V, tol, false).ok).toBe(false);
    const allowed = compare(tied, gpu, V, tol, true);
    expect(allowed.tie?.nearTie).toBe(true);
    expect(allowed.ok).toBe(true);
  });

  it('a gross logit error fails even when every token agrees', () => {
    const gpu = run([1, 2, 3, 4]);
    for (let i = 0; i < gpu.prefill.length; i++) gpu.prefill[i] *= 1.5;
    const v = compare(run([1, 2, 3, 4]), gpu, V, tol, false);
    expect(v.identical).toBe(true);
    expect(v.ok).toBe(false);
    expect(v.problems.join()).toMatch(/NMSE beyond/);
  });
});
