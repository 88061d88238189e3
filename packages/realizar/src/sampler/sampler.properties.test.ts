/**
 * Falsification properties of the sampler [F-SAMPLE-n]. Probabilities in the oracles are computed in
 * float64 from the float32 logits, independently of the sampler's code paths.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Sampler } from './sampler.js';
import type { SamplingParams } from './sampling-params.js';
import { partitionNucleus } from './nucleus.js';
import { selectTop } from './select-top.js';

/** Logits with many exact ties (small integers) mixed with arbitrary values. */
const logitsArb = fc
  .array(fc.oneof(fc.integer({ min: -6, max: 6 }), fc.double({ min: -30, max: 30, noNaN: true })), {
    minLength: 1,
    maxLength: 80,
  })
  .map((xs) => Float32Array.from(xs));

const seedArb = fc.nat(2 ** 32);
const tempArb = fc.double({ min: 0.05, max: 4, noNaN: true });

/** Token ids ordered best first (logit desc, id asc). */
function ranking(logits: Float32Array): number[] {
  return Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a] || a - b);
}

function probs(logits: Float32Array): number[] {
  let max = -Infinity;
  for (const l of logits) max = Math.max(max, l);
  const e = Array.from(logits, (l) => Math.exp(l - max));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

function draws(params: Partial<SamplingParams>, logits: Float32Array, n = 8): number[] {
  const s = new Sampler(params);
  return Array.from({ length: n }, () => s.sample(logits));
}

describe('sampler properties', () => {
  it('top-k: never returns a token outside the top k [F-SAMPLE-1]', () => {
    // topP/minP off and a hot temperature flatten the distribution, so an extra token would show.
    const truncation = fc.oneof(
      fc.constant({ topP: 1, minP: 0 }),
      fc.record({ topP: fc.double({ min: 0.01, max: 1, noNaN: true }), minP: fc.double({ min: 0, max: 1, noNaN: true }) }),
    );
    fc.assert(
      fc.property(logitsArb, fc.integer({ min: 1, max: 100 }), fc.double({ min: 1, max: 50, noNaN: true }), truncation, seedArb,
        (logits, topK, temperature, { topP, minP }, seed) => {
          for (const t of draws({ topK, temperature, topP, minP, seed }, logits, 24)) {
            const better = logits.filter((l) => l > logits[t]).length;
            expect(better).toBeLessThan(topK);
          }
        }),
    );
  });

  it('temperature 0: equals the argmax of the penalised logits, ties → lowest id [F-SAMPLE-2]', () => {
    fc.assert(
      fc.property(logitsArb, fc.integer({ min: 0, max: 50 }), fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.array(fc.nat(90), { maxLength: 10 }), fc.double({ min: 0.5, max: 2, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }),
        (logits, topK, topP, window, repeatPenalty, presencePenalty) => {
          const s = new Sampler({ temperature: 0, topK, topP, repeatPenalty, presencePenalty });
          s.acceptMany(window);
          const pen = Float32Array.from(logits);
          for (const t of new Set(window)) {
            if (t >= pen.length) continue;
            const l = pen[t] <= 0 ? pen[t] * repeatPenalty : pen[t] / repeatPenalty;
            pen[t] = l - presencePenalty;
          }
          expect(s.sample(logits)).toBe(ranking(pen)[0]);
          const plain = new Sampler({ temperature: 0 });
          expect(plain.sample(logits)).toBe(ranking(logits)[0]);
        }),
    );
  });

  it('seed: the same seed and inputs give the same tokens [F-SAMPLE-3]', () => {
    fc.assert(
      fc.property(fc.array(logitsArb.filter((l) => l.length >= 2), { minLength: 1, maxLength: 6 }), seedArb, tempArb,
        fc.integer({ min: 0, max: 20 }), fc.double({ min: 0.1, max: 1, noNaN: true }), fc.double({ min: 1, max: 1.5, noNaN: true }),
        (steps, seed, temperature, topK, topP, repeatPenalty) => {
          const run = (): number[] => {
            const s = new Sampler({ seed, temperature, topK, topP, minP: 0, repeatPenalty });
            return steps.flatMap((l) => [0, 1, 2].map(() => {
              const t = s.sample(l);
              s.accept(t);
              return t;
            }));
          };
          expect(run()).toEqual(run());
        }),
    );
  });

  it('top-p: returns a token inside the smallest nucleus of mass ≥ p [F-SAMPLE-4]', () => {
    fc.assert(
      fc.property(logitsArb, fc.double({ min: 0.01, max: 0.999, noNaN: true }), tempArb, seedArb, (logits, topP, temperature, seed) => {
        const p = probs(logits);
        const order = ranking(logits);
        let cum = 0;
        let nucleus = order.length;
        for (let i = 0; i < order.length; i++) {
          cum += p[order[i]];
          // A hair of slack for summation order: the sampler may cross p one float-ulp later.
          if (cum >= topP + 1e-9) {
            nucleus = i + 1;
            break;
          }
        }
        const allowed = new Set(order.slice(0, nucleus));
        for (const t of draws({ topK: 0, topP, minP: 0, temperature, seed }, logits)) expect(allowed.has(t)).toBe(true);
      }),
    );
  });

  it('min-p: never returns a token with p < minP·pmax [F-SAMPLE-5]', () => {
    fc.assert(
      fc.property(logitsArb, fc.double({ min: 0.001, max: 1, noNaN: true }), tempArb, seedArb, fc.integer({ min: 0, max: 30 }),
        (logits, minP, temperature, seed, topK) => {
          const p = probs(logits);
          const pmax = Math.max(...p);
          for (const t of draws({ topK, topP: 1, minP, temperature, seed }, logits)) {
            expect(p[t]).toBeGreaterThanOrEqual(minP * pmax * (1 - 1e-9));
          }
        }),
    );
  });

  it('penalties: a penalised token never overtakes an unpenalised token that outranked it [F-SAMPLE-6]', () => {
    fc.assert(
      fc.property(logitsArb, fc.array(fc.nat(90), { maxLength: 12 }), fc.double({ min: 1, max: 3, noNaN: true }),
        fc.double({ min: 0, max: 2, noNaN: true }), fc.double({ min: 0, max: 2, noNaN: true }),
        (logits, window, repeatPenalty, presencePenalty, frequencyPenalty) => {
          const s = new Sampler({ temperature: 0, repeatPenalty, presencePenalty, frequencyPenalty });
          s.acceptMany(window);
          const r = s.sample(logits);
          const inWindow = new Set(window);
          const order = ranking(logits);
          const u = order[0];
          // The unpenalised winner keeps winning unless it was itself penalised ...
          if (!inWindow.has(u)) expect(r).toBe(u);
          // ... and a penalised winner outranked every unpenalised token before the penalty too.
          if (inWindow.has(r)) {
            for (const b of order) {
              if (b === r) break;
              expect(inWindow.has(b)).toBe(true);
            }
          }
        }),
    );
  });

  it('dist: a sampled token always has a finite logit and lies in the vocabulary [F-SAMPLE-7]', () => {
    const withInf = fc
      .array(fc.oneof(fc.constant(-Infinity), fc.constant(NaN), fc.double({ min: -30, max: 30, noNaN: true })), { minLength: 1, maxLength: 60 })
      .filter((xs) => xs.some((x) => Number.isFinite(x)))
      .map((xs) => Float32Array.from(xs));
    fc.assert(
      fc.property(withInf, tempArb, fc.integer({ min: 0, max: 10 }), fc.double({ min: 0.05, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), seedArb,
        (logits, temperature, topK, topP, minP, seed) => {
          for (const t of draws({ temperature, topK, topP, minP, seed }, logits)) {
            expect(t >= 0 && t < logits.length && Number.isFinite(logits[t])).toBe(true);
          }
        }),
    );
  });

  it('selectTop: equals the first k of a full sort (logit desc, id asc) [F-SAMPLE-8]', () => {
    fc.assert(
      fc.property(logitsArb, fc.integer({ min: 1, max: 100 }), (logits, k) => {
        const n = logits.length;
        const out = new Int32Array(n);
        const m = selectTop(logits, Int32Array.from(logits.keys()), n, k, new Int32Array(n), out);
        expect(Array.from(out.subarray(0, m))).toEqual(ranking(logits).slice(0, Math.min(k, n)));
      }),
    );
  });
});

describe('nucleus partition', () => {
  it('partitionNucleus: moves exactly the smallest best-ranked set of mass ≥ target to the front [F-SAMPLE-9]', () => {
    const big = fc
      .array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ min: -8, max: 8, noNaN: true }), fc.constant(-Infinity)), { minLength: 1, maxLength: 400 })
      .filter((xs) => xs.some((x) => x > -Infinity))
      .map((xs) => Float32Array.from(xs));
    fc.assert(
      fc.property(big, fc.double({ min: 0.001, max: 0.9999, noNaN: true }), (logits, p) => {
        const n = logits.length;
        const max = Math.max(...logits);
        const z = Array.from(logits).reduce((a, l) => a + Math.exp(l - max), 0);
        const ids = Int32Array.from(logits.keys());
        const weights = Float64Array.from(logits, (l) => Math.exp(l - max));
        const k = partitionNucleus(logits, weights, ids, n, p * z);
        expect(Array.from(ids).sort((a, b) => a - b)).toEqual(Array.from(logits.keys()));
        const got = new Set(ids.subarray(0, k));
        const order = ranking(logits);
        const prefix = (target: number): number => {
          let acc = 0;
          for (let i = 0; i < n; i++) {
            acc += Math.exp(logits[order[i]] - max);
            if (acc >= target) return i + 1;
          }
          return n;
        };
        const lo = prefix(p * z * (1 - 1e-12));
        const hi = prefix(p * z * (1 + 1e-12));
        expect(k >= lo && k <= hi).toBe(true);
        for (const t of order.slice(0, k)) expect(got.has(t)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
