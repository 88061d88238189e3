/**
 * rmsNorm, softmax, swiglu, add, addBias, storeKv and attention of the ref backend against
 * straightforward double-precision versions, plus the invariants each op must keep.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackendArgumentError, type AttentionParams } from './backend.js';
import { RefBackend } from './ref-backend.js';
import { randomF32 } from './test-support.js';

const be = new RefBackend();

describe('ref backend rmsNorm', () => {
  it('rmsNorm: equals x / sqrt(mean(x²) + eps) · w within float rounding, per row [F-BACKEND-9]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 300 }), fc.nat(), fc.constantFrom(1e-5, 1e-6), (nTok, dim, seed, eps) => {
        const x = randomF32(seed, nTok * dim, 10);
        const w = randomF32(seed + 1, dim, 2);
        const out = new Float32Array(nTok * dim);
        be.rmsNorm(x, w, eps, nTok, dim, out);
        for (let t = 0; t < nTok; t++) {
          let ss = 0;
          for (let i = 0; i < dim; i++) ss += x[t * dim + i] ** 2;
          const scale = 1 / Math.sqrt(ss / dim + eps);
          for (let i = 0; i < dim; i++) {
            const want = x[t * dim + i] * scale * w[i];
            expect(Math.abs(out[t * dim + i] - want)).toBeLessThanOrEqual(4e-7 * Math.abs(want) + 1e-12);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('rmsNorm: invariant to scaling x (eps aside), and in place equals out of place', () => {
    const x = randomF32(3, 64);
    const w = new Float32Array(64).fill(1);
    const a = new Float32Array(64);
    const b = new Float32Array(64);
    be.rmsNorm(x, w, 0, 1, 64, a);
    be.rmsNorm(x.map((v) => v * 1024), w, 0, 1, 64, b);
    expect(b).toEqual(a);
    const c = x.slice();
    be.rmsNorm(c, w, 1e-5, 1, 64, c);
    be.rmsNorm(x, w, 1e-5, 1, 64, a);
    expect(c).toEqual(a);
  });
});

describe('ref backend softmax', () => {
  it('softmax: rows sum to 1, match exp(x - max)/Σ in double, and scale multiplies the logits first [F-BACKEND-10]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 500 }), fc.nat(), fc.constantFrom(1, 0.125, 3), (nRows, n, seed, scale) => {
        const x = randomF32(seed, nRows * n, 20);
        const x0 = x.slice();
        be.softmax(x, nRows, n, scale);
        for (let r = 0; r < nRows; r++) {
          const row = Array.from(x0.subarray(r * n, (r + 1) * n), (v) => v * scale);
          const m = Math.max(...row);
          const e = row.map((v) => Math.exp(v - m));
          const s = e.reduce((a, b) => a + b, 0);
          // Rounding x·scale to float moves a logit by up to |x·scale|·2^-24, i.e. e^that relatively.
          const rel = 1e-6 + Math.max(...row.map(Math.abs)) * 2 ** -22;
          let sum = 0;
          for (let i = 0; i < n; i++) {
            sum += x[r * n + i];
            expect(Math.abs(x[r * n + i] - e[i] / s)).toBeLessThanOrEqual(rel * (e[i] / s) + 1e-9);
          }
          expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('softmax: -Infinity entries get exactly 0 and huge logits do not overflow', () => {
    const x = new Float32Array([1000, -Infinity, 999, -Infinity]);
    be.softmax(x, 1, 4);
    expect(x[1]).toBe(0);
    expect(x[3]).toBe(0);
    expect(x[0] + x[2]).toBeCloseTo(1, 6);
    expect(x[0] / x[2]).toBeCloseTo(Math.E, 4);
  });
});

describe('ref backend element-wise', () => {
  it('swiglu, add and addBias follow their formulas, in place included [F-BACKEND-11]', () => {
    const g = randomF32(1, 50, 8);
    const u = randomF32(2, 50, 3);
    const out = new Float32Array(50);
    be.swiglu(g, u, 50, out);
    for (let i = 0; i < 50; i++) expect(out[i]).toBeCloseTo((g[i] / (1 + Math.exp(-g[i]))) * u[i], 5);
    const a = randomF32(3, 12);
    const sum = new Float32Array(12);
    be.add(a, u, 12, sum);
    for (let i = 0; i < 12; i++) expect(sum[i]).toBe(Math.fround(a[i] + u[i]));
    const x = randomF32(4, 3 * 4);
    const x0 = x.slice();
    const bias = randomF32(5, 4);
    be.addBias(x, bias, 3, 4);
    for (let i = 0; i < 12; i++) expect(x[i]).toBe(Math.fround(x0[i] + bias[i % 4]));
    expect(() => be.add(a, u, 13, sum)).toThrow(BackendArgumentError);
  });
});

/** Straightforward causal GQA attention in double, from the raw (nTok, heads, headDim) k and v of all positions. */
function naiveAttention(q: Float32Array, kAll: Float32Array, vAll: Float32Array, p: AttentionParams): Float64Array {
  const { nTok, nHeads, nKvHeads, headDim, pos0, scale } = p;
  const out = new Float64Array(nTok * nHeads * headDim);
  for (let t = 0; t < nTok; t++) {
    for (let h = 0; h < nHeads; h++) {
      const kvh = Math.floor(h / (nHeads / nKvHeads));
      const s: number[] = [];
      for (let j = 0; j <= pos0 + t; j++) {
        let d = 0;
        for (let i = 0; i < headDim; i++) d += q[(t * nHeads + h) * headDim + i] * kAll[(j * nKvHeads + kvh) * headDim + i];
        s.push(d * scale);
      }
      const m = Math.max(...s);
      const e = s.map((v) => Math.exp(v - m));
      const z = e.reduce((a, b) => a + b, 0);
      for (let j = 0; j < e.length; j++) {
        for (let i = 0; i < headDim; i++) out[(t * nHeads + h) * headDim + i] += (e[j] / z) * vAll[(j * nKvHeads + kvh) * headDim + i];
      }
    }
  }
  return out;
}

const attnCase = fc.record({
  nKvHeads: fc.integer({ min: 1, max: 3 }),
  group: fc.integer({ min: 1, max: 4 }),
  headDim: fc.integer({ min: 1, max: 20 }),
  pos0: fc.integer({ min: 0, max: 30 }),
  nTok: fc.integer({ min: 1, max: 5 }),
  extra: fc.integer({ min: 0, max: 7 }),
  seed: fc.nat(),
});

describe('ref backend attention', () => {
  it('attention: causal GQA (kv head = h / (nHeads / nKvHeads)) matches a double reference [F-BACKEND-12]', () => {
    fc.assert(
      fc.property(attnCase, (c) => {
        const nHeads = c.nKvHeads * c.group;
        const ctxLen = c.pos0 + c.nTok + c.extra;
        const kvDim = c.nKvHeads * c.headDim;
        const nPos = c.pos0 + c.nTok;
        const kAll = randomF32(c.seed, nPos * kvDim, 2);
        const vAll = randomF32(c.seed + 1, nPos * kvDim, 2);
        const q = randomF32(c.seed + 2, c.nTok * nHeads * c.headDim, 2);
        // Garbage in the cache beyond the written positions must not be read.
        const kCache = new Float32Array(c.nKvHeads * ctxLen * c.headDim).fill(Number.NaN);
        const vCache = new Float32Array(c.nKvHeads * ctxLen * c.headDim).fill(Number.NaN);
        const p: AttentionParams = { nTok: nPos, nHeads, nKvHeads: c.nKvHeads, headDim: c.headDim, ctxLen, pos0: 0, scale: 1 / Math.sqrt(c.headDim) };
        be.storeKv(kAll, vAll, kCache, vCache, p);
        const pb = { ...p, nTok: c.nTok, pos0: c.pos0 };
        const out = new Float32Array(c.nTok * nHeads * c.headDim);
        be.attention(q, kCache, vCache, out, pb);
        const want = naiveAttention(q, kAll, vAll, pb);
        for (let i = 0; i < out.length; i++) {
          if (!(Math.abs(out[i] - want[i]) <= 1e-5)) throw new Error(`index ${i}: ${out[i]} vs ${want[i]}`);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('attention: a batch of tokens equals the same tokens one at a time, bit for bit [F-BACKEND-13]', () => {
    fc.assert(
      fc.property(attnCase, (c) => {
        const nHeads = c.nKvHeads * c.group;
        const ctxLen = c.pos0 + c.nTok + c.extra;
        const kvDim = c.nKvHeads * c.headDim;
        const qDim = nHeads * c.headDim;
        const nPos = c.pos0 + c.nTok;
        const k = randomF32(c.seed, nPos * kvDim);
        const v = randomF32(c.seed + 1, nPos * kvDim);
        const q = randomF32(c.seed + 2, c.nTok * qDim);
        const base = { nHeads, nKvHeads: c.nKvHeads, headDim: c.headDim, ctxLen, scale: 0.3 };
        const kc = new Float32Array(c.nKvHeads * ctxLen * c.headDim);
        const vc = new Float32Array(kc.length);
        be.storeKv(k, v, kc, vc, { ...base, nTok: nPos, pos0: 0 });
        const batch = new Float32Array(c.nTok * qDim);
        be.attention(q, kc, vc, batch, { ...base, nTok: c.nTok, pos0: c.pos0 });
        // One token at a time, each with only the cache filled up to itself.
        const kc1 = new Float32Array(kc.length);
        const vc1 = new Float32Array(kc.length);
        for (let t = 0; t < nPos; t++) {
          be.storeKv(k.subarray(t * kvDim), v.subarray(t * kvDim), kc1, vc1, { ...base, nTok: 1, pos0: t });
          if (t < c.pos0) continue;
          const one = new Float32Array(qDim);
          const tt = t - c.pos0;
          be.attention(q.subarray(tt * qDim), kc1, vc1, one, { ...base, nTok: 1, pos0: t });
          expect(one).toEqual(batch.subarray(tt * qDim, (tt + 1) * qDim));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('storeKv: lays keys out as (nKvHeads, ctxLen, headDim); positions past the cache are rejected', () => {
    const k = Float32Array.from({ length: 2 * 2 * 3 }, (_, i) => i); // (nTok 2, 2 heads, headDim 3)
    const kc = new Float32Array(2 * 4 * 3);
    const vc = new Float32Array(kc.length);
    const p = { nTok: 2, nHeads: 2, nKvHeads: 2, headDim: 3, ctxLen: 4, pos0: 1, scale: 1 };
    be.storeKv(k, k, kc, vc, p);
    // head 0, position 1 = token 0 head 0; head 1, position 2 = token 1 head 1.
    expect([...kc.subarray(3, 6)]).toEqual([0, 1, 2]);
    expect([...kc.subarray((4 + 2) * 3, (4 + 2) * 3 + 3)]).toEqual([9, 10, 11]);
    expect(() => be.storeKv(k, k, kc, vc, { ...p, pos0: 3 })).toThrow(/do not fit a cache of 4/);
    expect(() => be.attention(k, kc, vc, new Float32Array(12), { ...p, nHeads: 3 })).toThrow(/multiple of nKvHeads/);
  });
});

describe('ref backend copyWithin', () => {
  it('ref backend: copyWithin equals TypedArray.copyWithin for any in-range move, overlapping or not [F-REF-COPY-1]', () => {
    const be = new RefBackend();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.nat(), fc.nat(), fc.nat(), (len, a, b, c) => {
        const n = c % (len + 1);
        const src = a % (len - n + 1);
        const dst = b % (len - n + 1);
        const x = randomF32(len * 7 + n, len);
        const want = x.slice().copyWithin(dst, src, src + n);
        be.copyWithin(x, dst, src, n);
        expect(x).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects ranges outside x', () => {
    const be = new RefBackend();
    expect(() => be.copyWithin(new Float32Array(4), 2, 0, 3)).toThrow(BackendArgumentError);
    expect(() => be.copyWithin(new Float32Array(4), 0, -1, 1)).toThrow(BackendArgumentError);
  });
});
