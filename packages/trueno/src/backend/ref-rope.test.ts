/**
 * RoPE of the ref backend against a straightforward double-precision rotation (θ_i = p · s ·
 * base^(-2i/nRot) / ff_i), the normal/neox relation, and the properties RoPE exists for.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RopeMode, RopeParams } from './backend.js';
import { RefBackend } from './ref-backend.js';
import { randomF32 } from './test-support.js';

/** Plain RoPE in double: pair i of each head rotated by θ_i. */
function naiveRope(x: Float32Array, nTok: number, nHeads: number, headDim: number, pos: number[], p: RopeParams): Float64Array {
  const out = Float64Array.from(x);
  const nRot = p.nRot ?? headDim;
  for (let t = 0; t < nTok; t++) {
    for (let h = 0; h < nHeads; h++) {
      const b = (t * nHeads + h) * headDim;
      for (let i = 0; i < nRot / 2; i++) {
        const ff = p.freqFactors ? p.freqFactors[i] : 1;
        const theta = (pos[t] * (p.freqScale ?? 1) * p.freqBase ** ((-2 * i) / nRot)) / ff;
        const [j0, j1] = p.mode === 'neox' ? [b + i, b + i + nRot / 2] : [b + 2 * i, b + 2 * i + 1];
        const x0 = x[j0];
        const x1 = x[j1];
        out[j0] = x0 * Math.cos(theta) - x1 * Math.sin(theta);
        out[j1] = x0 * Math.sin(theta) + x1 * Math.cos(theta);
      }
    }
  }
  return out;
}

const ropeCase = fc.record({
  nTok: fc.integer({ min: 1, max: 5 }),
  nHeads: fc.integer({ min: 1, max: 4 }),
  halfHead: fc.integer({ min: 1, max: 40 }),
  rotFrac: fc.constantFrom(1, 0.5),
  mode: fc.constantFrom<RopeMode>('normal', 'neox'),
  freqBase: fc.constantFrom(10_000, 1_000_000, 500_000),
  freqScale: fc.constantFrom(1, 0.25, 0.5),
  maxPos: fc.constantFrom(1, 64, 2048),
  withFactors: fc.boolean(),
  seed: fc.nat(),
});

describe('ref backend rope', () => {
  it('rope: normal and neox match a straightforward double rotation within float θ accumulation error [F-BACKEND-5]', () => {
    const be = new RefBackend();
    fc.assert(
      fc.property(ropeCase, (c) => {
        const headDim = 2 * c.halfHead;
        const nRot = Math.max(2, 2 * Math.floor((headDim * c.rotFrac) / 2));
        const x = randomF32(c.seed, c.nTok * c.nHeads * headDim);
        const pos = Array.from({ length: c.nTok }, (_, t) => Math.floor((((c.seed >>> t) & 0xffff) / 0x10000) * c.maxPos));
        const freqFactors = c.withFactors ? randomF32(c.seed + 1, nRot / 2).map((v) => 1 + 3 * Math.abs(v)) : undefined;
        const p: RopeParams = { mode: c.mode, nRot, freqBase: c.freqBase, freqScale: c.freqScale, freqFactors };
        const want = naiveRope(x, c.nTok, c.nHeads, headDim, pos, p);
        be.rope(x, c.nTok, c.nHeads, headDim, Int32Array.from(pos), p);
        // θ is accumulated in float over the pairs (as ggml does): ~(i+1)·2^-24 relative, times |θ| ≤ maxPos.
        const tol = 1e-6 + c.maxPos * 3e-7;
        for (let i = 0; i < x.length; i++) {
          if (!(Math.abs(x[i] - want[i]) <= tol)) throw new Error(`index ${i}: ${x[i]} vs ${want[i]} (tol ${tol})`);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('rope: neox equals normal applied to the halves interleaved into pairs, bit for bit [F-BACKEND-6]', () => {
    const be = new RefBackend();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 32 }), fc.integer({ min: 1, max: 3 }), fc.nat(), (half, nTok, seed) => {
        const headDim = 2 * half;
        const x = randomF32(seed, nTok * headDim);
        // Interleave: y[2i] = x[i], y[2i+1] = x[i + half].
        const y = new Float32Array(x.length);
        for (let t = 0; t < nTok; t++) {
          for (let i = 0; i < half; i++) {
            y[t * headDim + 2 * i] = x[t * headDim + i];
            y[t * headDim + 2 * i + 1] = x[t * headDim + i + half];
          }
        }
        const pos = Int32Array.from({ length: nTok }, (_, t) => 3 + 17 * t);
        be.rope(x, nTok, 1, headDim, pos, { mode: 'neox', freqBase: 10_000 });
        be.rope(y, nTok, 1, headDim, pos, { mode: 'normal', freqBase: 10_000 });
        for (let t = 0; t < nTok; t++) {
          for (let i = 0; i < half; i++) {
            expect(y[t * headDim + 2 * i]).toBe(x[t * headDim + i]);
            expect(y[t * headDim + 2 * i + 1]).toBe(x[t * headDim + i + half]);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('rope: position 0 is the identity, dims past nRot pass through, pair norms are kept [F-BACKEND-7]', () => {
    const be = new RefBackend();
    const headDim = 16;
    const x = randomF32(1, 2 * headDim);
    const x0 = x.slice();
    be.rope(x, 2, 1, headDim, [0, 0], { mode: 'normal', freqBase: 10_000 });
    expect(x).toEqual(x0);
    const y = x0.slice();
    be.rope(y, 2, 1, headDim, [5, 900], { mode: 'neox', nRot: 8, freqBase: 10_000 });
    for (let t = 0; t < 2; t++) {
      const b = t * headDim;
      expect(y.subarray(b + 8, b + 16)).toEqual(x0.subarray(b + 8, b + 16));
      for (let i = 0; i < 4; i++) {
        const n0 = Math.hypot(x0[b + i], x0[b + i + 4]);
        expect(Math.hypot(y[b + i], y[b + i + 4])).toBeCloseTo(n0, 5);
      }
    }
  });

  it('rope: q·k after rotation depends only on the position difference [F-BACKEND-8]', () => {
    const be = new RefBackend();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 300 }), fc.nat(), (m, n, d, seed) => {
        const headDim = 32;
        const q = randomF32(seed, headDim);
        const k = randomF32(seed + 1, headDim);
        const dot = (a: number, b: number): number => {
          const qa = q.slice();
          const kb = k.slice();
          be.rope(qa, 1, 1, headDim, [a], { mode: 'neox', freqBase: 10_000 });
          be.rope(kb, 1, 1, headDim, [b], { mode: 'neox', freqBase: 10_000 });
          return qa.reduce((s, v, i) => s + v * kb[i], 0);
        };
        expect(Math.abs(dot(m, n) - dot(m + d, n + d))).toBeLessThan(1e-3);
      }),
      { numRuns: 100 },
    );
  });

  it('rope: YaRN keeps the fastest pairs extrapolated, interpolates the slowest, and scales magnitude by 1 + 0.1 ln(1/s)', () => {
    const be = new RefBackend();
    const headDim = 64;
    const pos = 1000;
    const s = 0.25;
    const x = new Float32Array(headDim);
    for (let i = 0; i < headDim; i += 2) x[i] = 1; // (1, 0) in every pair: result = mscale·(cos θ, sin θ)
    be.rope(x, 1, 1, headDim, [pos], { mode: 'normal', freqBase: 10_000, freqScale: s, extFactor: 1, nCtxOrig: 4096 });
    const mscale = 1 + 0.1 * Math.log(1 / s);
    const last = headDim / 2 - 1;
    const thetaLast = pos * 10_000 ** ((-2 * last) / headDim);
    expect(Math.hypot(x[0], x[1])).toBeCloseTo(mscale, 5);
    expect(Math.atan2(x[1], x[0])).toBeCloseTo(Math.atan2(Math.sin(pos), Math.cos(pos)), 3); // pair 0: θ = pos, unscaled
    expect(Math.atan2(x[2 * last + 1], x[2 * last])).toBeCloseTo(s * thetaLast, 5); // slowest pair: θ·s
  });

  it('rope: rejects an odd or too large nRot, and YaRN without nCtxOrig', () => {
    const be = new RefBackend();
    const x = new Float32Array(8);
    expect(() => be.rope(x, 1, 1, 8, [1], { mode: 'normal', freqBase: 1e4, nRot: 3 })).toThrow(/nRot/);
    expect(() => be.rope(x, 1, 1, 8, [1], { mode: 'normal', freqBase: 1e4, nRot: 10 })).toThrow(/nRot/);
    expect(() => be.rope(x, 1, 1, 8, [1], { mode: 'normal', freqBase: 1e4, extFactor: 1 })).toThrow(/nCtxOrig/);
  });
});
