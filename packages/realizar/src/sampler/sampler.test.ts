import { describe, expect, it } from 'vitest';
import { PenaltyWindow } from './penalty-window.js';
import { Xoshiro128 } from './prng.js';
import { NoFiniteLogitsError, Sampler, sampleGreedy } from './sampler.js';
import { SamplingParamsError } from './sampling-params.js';
import { selectTop } from './select-top.js';

const f32 = (xs: number[]): Float32Array => Float32Array.from(xs);

describe('Xoshiro128', () => {
  it('matches the reference xoshiro128** outputs from state {1,2,3,4}', () => {
    const g = Xoshiro128.fromState(1, 2, 3, 4);
    const got = Array.from({ length: 10 }, () => g.nextU32());
    expect(got).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804,
    ]);
  });

  it('reseeding restarts the sequence; floats are in [0, 1)', () => {
    const g = new Xoshiro128(12345);
    const a = Array.from({ length: 100 }, () => g.nextFloat());
    g.reseed(12345);
    const b = Array.from({ length: 100 }, () => g.nextFloat());
    expect(b).toEqual(a);
    for (const x of a) expect(x >= 0 && x < 1).toBe(true);
    expect(new Xoshiro128(2 ** 40).nextU32()).not.toBe(new Xoshiro128(0).nextU32());
  });

  it('rejects seeds that are not unsigned safe integers', () => {
    expect(() => new Xoshiro128(-1)).toThrow(/seed/);
    expect(() => new Xoshiro128(1.5)).toThrow(/seed/);
  });
});

describe('selectTop', () => {
  it('returns the k best, best first, ties by lower id', () => {
    const logits = f32([1, 5, 3, 5, -1, 3, 0]);
    const src = Int32Array.from(logits.keys());
    const out = new Int32Array(7);
    const heap = new Int32Array(7);
    expect(selectTop(logits, src, 7, 4, heap, out)).toBe(4);
    expect(Array.from(out.subarray(0, 4))).toEqual([1, 3, 2, 5]);
    expect(selectTop(logits, src, 7, 7, heap, heap)).toBe(7);
    expect(Array.from(heap)).toEqual([1, 3, 2, 5, 0, 6, 4]);
  });
});

describe('PenaltyWindow', () => {
  it('applies llama.cpp penalties once per distinct token', () => {
    const w = new PenaltyWindow(64);
    for (const t of [0, 1, 0]) w.accept(t);
    const logits = f32([2, -2, 1]);
    w.apply(logits, 2, 0.5, 0.25);
    // token 0: 2 / 2 − 2·0.25 − 0.5 = 0; token 1: −2·2 − 0.25 − 0.5 = −4.75; token 2 untouched
    expect(Array.from(logits)).toEqual([0, -4.75, 1]);
  });

  it('forgets tokens that leave the last-N window', () => {
    const w = new PenaltyWindow(2);
    for (const t of [7, 8, 9]) w.accept(t);
    expect([w.count(7), w.count(8), w.count(9), w.length]).toEqual([0, 1, 1, 2]);
    w.reset();
    expect([w.count(8), w.length]).toEqual([0, 0]);
    const all = new PenaltyWindow(-1);
    for (let i = 0; i < 1000; i++) all.accept(i % 3);
    expect(all.count(0)).toBe(334);
    const none = new PenaltyWindow(0);
    none.accept(1);
    expect(none.length).toBe(0);
  });
});

describe('Sampler', () => {
  it('greedy picks the argmax, ties → lowest id', () => {
    const s = new Sampler({ temperature: 0 });
    expect(s.sample(f32([1, 3, 3, 2]))).toBe(1);
    expect(s.greedy).toBe(true);
    expect(sampleGreedy(f32([0, NaN, 0.5, 0.5]))).toBe(2);
  });

  it('NaN counts as -inf; all-invalid logits throw NoFiniteLogitsError', () => {
    const s = new Sampler({ temperature: 1, seed: 1 });
    for (let i = 0; i < 50; i++) expect(s.sample(f32([NaN, 0, -Infinity]))).toBe(1);
    expect(() => s.sample(f32([NaN, -Infinity]))).toThrow(NoFiniteLogitsError);
    expect(() => new Sampler({ temperature: 0 }).sample(f32([-Infinity]))).toThrow(/none of the 1 logits/);
  });

  it('draws from softmax(logits / T) (chi-square over 20k draws)', () => {
    const logits = f32([0, 1, 2, -1]);
    const T = 1.5;
    const s = new Sampler({ temperature: T, topK: 0, topP: 1, minP: 0, seed: 7 });
    const counts = [0, 0, 0, 0];
    const N = 20_000;
    for (let i = 0; i < N; i++) counts[s.sample(logits)]++;
    const e = Array.from(logits, (l) => Math.exp(l / T));
    const z = e.reduce((a, b) => a + b);
    const chi2 = counts.reduce((acc, c, i) => acc + (c - (N * e[i]) / z) ** 2 / ((N * e[i]) / z), 0);
    expect(chi2).toBeLessThan(16.27); // χ²(3) at p = 0.001
  });

  it('repeat penalty steers away from recent tokens', () => {
    const s = new Sampler({ temperature: 0, repeatPenalty: 2 });
    const logits = f32([3, 2, 0]);
    expect(s.sample(logits)).toBe(0);
    s.accept(0);
    expect(s.sample(logits)).toBe(1); // 3 / 2 = 1.5 < 2
    expect(Array.from(logits)).toEqual([3, 2, 0]); // input untouched
  });

  it('reset() replays the same draws', () => {
    const s = new Sampler({ temperature: 1, topK: 0, seed: 99, repeatPenalty: 1.3 });
    const logits = f32(Array.from({ length: 50 }, (_, i) => Math.sin(i)));
    const run = (): number[] => Array.from({ length: 30 }, () => {
      const t = s.sample(logits);
      s.accept(t);
      return t;
    });
    const a = run();
    s.reset();
    expect(run()).toEqual(a);
    expect(s.seed).toBe(99);
    expect(new Sampler().seed).toBeTypeOf('number');
  });

  it('top-p on a large flat-ish vocab finds the nucleus past the first guess', () => {
    const n = 5000;
    const logits = f32(Array.from({ length: n }, (_, i) => -i * 1e-4));
    const s = new Sampler({ temperature: 1, topK: 0, topP: 0.5, minP: 0, seed: 3 });
    for (let i = 0; i < 200; i++) expect(s.sample(logits)).toBeLessThan(n / 2 + 10);
  });

  it('minKeep keeps at least that many candidates', () => {
    const logits = f32([10, 0, -10, -20]);
    const s = new Sampler({ temperature: 1, topK: 0, topP: 1, minP: 0.5, minKeep: 3, seed: 5 });
    // With minKeep 3 token 2 survives min-p; its probability is tiny, so just check no crash and range.
    for (let i = 0; i < 100; i++) expect(s.sample(logits)).toBeLessThan(3);
  });

  it('rejects invalid parameters, naming the flag', () => {
    expect(() => new Sampler({ topP: 0 })).toThrow(SamplingParamsError);
    expect(() => new Sampler({ topP: 1.5 })).toThrow(/--top-p/);
    expect(() => new Sampler({ repeatPenalty: 0 })).toThrow(/--repeat-penalty/);
    expect(() => new Sampler({ penaltyLastN: -2 })).toThrow(/--repeat-last-n/);
    expect(() => new Sampler({ temperature: NaN })).toThrow(/--temp/);
    expect(() => new Sampler({ seed: -3 })).toThrow(/--seed/);
  });
});
