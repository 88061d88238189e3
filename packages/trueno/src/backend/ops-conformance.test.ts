/**
 * Conformance of every non-matmul brick on every available backend: `ref` always, and `native`
 * on each kernel set this CPU supports (attention also with 1 and 2 threads). Each case computes
 * the op on a fresh reference backend (the oracle), then on each backend checks
 * - the op's own invariant (a property of the result alone, so the reference is checked too), and
 * - NMSE against the oracle within OP_NMSE (native/tolerances.ts; 0 means bit for bit).
 * Shapes come from fast-check over odd sizes: dims and head dims 1..1023, context lengths up to
 * 1023, 1..9 tokens, GQA ratios 1, 2 and 7. The native part is skipped, with the loader's reason
 * printed, when the addon is not built.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { GGMLType, dtypeInfo } from '../dtype.js';
import { NativeBackend } from '../native/native-backend.js';
import { forEachIsa, nativeAddon, skipReason } from '../native/test-native.js';
import { OP_NMSE, type OpName, nmse } from '../native/tolerances.js';
import { dequantize } from '../quant/index.js';
import type { Tensor } from '../tensor.js';
import type { AttentionParams, Backend, RopeParams } from './backend.js';
import { RefBackend } from './ref-backend.js';
import { randomF32, randomWeight, rng } from './test-support.js';

const oracle = new RefBackend();
const refUnderTest = new RefBackend();
const native = nativeAddon ? new NativeBackend(nativeAddon) : null;
const scope = native ? `ref and native (${nativeAddon!.info().isas.join(', ')})` : `ref only; native skipped: ${skipReason}`;
if (!native) console.warn(`[ops conformance] native backend skipped: ${skipReason}`);

/** Runs `fn` on ref, then on native for every ISA and each thread count (restored afterwards). */
function forEachBackend(threads: readonly number[], fn: (be: Backend, label: string) => void): void {
  fn(refUnderTest, 'ref');
  if (!native || !nativeAddon) return;
  const addon = nativeAddon;
  forEachIsa(addon, (isa) => {
    for (const t of threads) {
      addon.setThreads(t);
      fn(native, `native ${isa} ${t}t`);
    }
  });
}

// Worst NMSE seen per (op, backend label): printed with OPS_NMSE_REPORT=1 to set the bounds.
const worst = new Map<string, number>();
afterAll(() => {
  if (process.env.OPS_NMSE_REPORT) console.log([...worst].map(([k, v]) => `${k}: ${v.toExponential(2)}`).join('\n'));
});

function expectConform(op: OpName, label: string, got: Float32Array, want: Float32Array, n: number, where: string): void {
  const e = nmse(got, want, n);
  const key = `${op} ${label}`;
  worst.set(key, Math.max(worst.get(key) ?? 0, e));
  expect(e, `${op} ${label} (${where}): NMSE vs ref`).toBeLessThanOrEqual(OP_NMSE[op]);
}

/**
 * Collects the first violation of an element-wise invariant: one `expect` per case instead of one
 * per element (vitest's expect costs microseconds, cases have up to ~10k elements).
 */
class Violations {
  first: string | undefined;
  check(ok: boolean, what: () => string): void {
    if (!ok && this.first === undefined) this.first = what();
  }
  expectNone(label: string): void {
    expect(this.first, label).toBeUndefined();
  }
}

/** Odd-leaning sizes in 1..max: small ones often (tails of every vector width), the top sometimes. */
const size = (max: number): fc.Arbitrary<number> => fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max }), fc.constant(max));

describe(`ops conformance: ${scope}`, () => {
  // ---- getRows -------------------------------------------------------------------------------
  const ROW_TYPES = [
    GGMLType.F32,
    GGMLType.F16,
    GGMLType.BF16,
    GGMLType.Q8_0,
    GGMLType.Q4_0,
    GGMLType.Q5_0,
    GGMLType.Q4_K,
    GGMLType.Q6_K,
    GGMLType.Q4_1, // no native dequantizer: the native backend falls back to ref
    GGMLType.Q5_K,
  ] as const;
  const MAX_ROWS = 37;
  const weights = new Map<string, { w: Tensor; deq: Float32Array }>();
  const weight = (type: GGMLType, nIn: number): { w: Tensor; deq: Float32Array } => {
    const key = `${type}:${nIn}`;
    let e = weights.get(key);
    if (!e) {
      const { w } = randomWeight(type, nIn, MAX_ROWS, nIn * 7 + type);
      e = { w, deq: dequantize(type, w.data, nIn * MAX_ROWS) };
      weights.set(key, e);
    }
    return e;
  };
  const rowLength = (type: GGMLType): fc.Arbitrary<number> => {
    const bs = dtypeInfo(type).blockSize;
    if (bs === 1) return size(1023);
    if (bs === 32) return fc.integer({ min: 1, max: 31 }).map((k) => 32 * k);
    return fc.constantFrom(256, 768);
  };

  for (const type of ROW_TYPES) {
    const name = dtypeInfo(type).name;
    it(`getRows: ${name} rows equal the dequantized weight rows bit for bit [F-OPS-1]`, () => {
      fc.assert(
        fc.property(rowLength(type), fc.integer({ min: 1, max: MAX_ROWS }), fc.array(fc.nat(), { minLength: 1, maxLength: 9 }), (nIn, nRows, picks) => {
          const { w: full, deq } = weight(type, nIn);
          const w = full.rows(0, nRows);
          const ids = Int32Array.from(picks, (p) => p % nRows);
          const want = new Float32Array(ids.length * nIn);
          oracle.getRows(w, ids, want);
          forEachBackend([1], (be, label) => {
            const got = new Float32Array(ids.length * nIn).fill(NaN);
            be.getRows(w, ids, got);
            // Invariant: row t is row ids[t] of the whole tensor's dequantization.
            for (let t = 0; t < ids.length; t++) {
              expect(got.subarray(t * nIn, (t + 1) * nIn), `${name} ${label} row ${ids[t]}`).toEqual(deq.subarray(ids[t] * nIn, (ids[t] + 1) * nIn));
            }
            expectConform('getRows', label, got, want, want.length, `${name} nIn ${nIn}`);
          });
        }),
        { numRuns: 8 },
      );
    });
  }

  // ---- rmsNorm -------------------------------------------------------------------------------
  it('rmsNorm: out = x · s · weight with s = 1/sqrt(mean(x²) + eps) per row; in place equals out of place [F-OPS-2]', () => {
    fc.assert(
      fc.property(size(1023), fc.integer({ min: 1, max: 9 }), fc.constantFrom(1e-5, 1e-6), fc.nat(), (dim, nTok, eps, seed) => {
        const x = randomF32(seed, nTok * dim, 10);
        const w = randomF32(seed + 1, dim, 2);
        const want = new Float32Array(nTok * dim);
        oracle.rmsNorm(x, w, eps, nTok, dim, want);
        forEachBackend([1], (be, label) => {
          const got = new Float32Array(nTok * dim);
          be.rmsNorm(x, w, eps, nTok, dim, got);
          const bad = new Violations();
          for (let t = 0; t < nTok; t++) {
            let ss = 0;
            for (let i = 0; i < dim; i++) ss += x[t * dim + i] ** 2;
            const s = 1 / Math.sqrt(ss / dim + eps);
            for (let i = 0; i < dim; i++) {
              const v = x[t * dim + i] * s * w[i];
              bad.check(Math.abs(got[t * dim + i] - v) <= 1e-6 * Math.abs(v) + 1e-30, () => `[${t}, ${i}] = ${got[t * dim + i]}, want ${v}`);
            }
          }
          bad.expectNone(`${label}: x · s · weight`);
          const inPlace = x.slice();
          be.rmsNorm(inPlace, w, eps, nTok, dim, inPlace);
          expect(inPlace, `${label}: in place`).toEqual(got);
          expectConform('rmsNorm', label, got, want, want.length, `dim ${dim}, nTok ${nTok}`);
        });
      }),
      { numRuns: 20 },
    );
  });

  // ---- rope ----------------------------------------------------------------------------------
  const ropeParams = fc.record({
    mode: fc.constantFrom<'normal' | 'neox'>('normal', 'neox'),
    freqBase: fc.constantFrom(10000, 1e6, 500000),
    freqScale: fc.constantFrom(1, 0.25),
    withFactors: fc.boolean(),
    yarn: fc.boolean(),
    attnFactor: fc.constantFrom(1, 1.25),
    partial: fc.boolean(),
  });
  it('rope: rotates each pair by its angle (norm kept when unscaled), leaves dims ≥ nRot unchanged, position 0 is identity [F-OPS-3]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 511 }).map((h) => 2 * h + 1),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 7 }),
        ropeParams,
        fc.nat(),
        (hd, nTok, nHeads, r, seed) => {
          const headDim = hd - (seed % 2); // odd and even head dims
          const g = rng(seed);
          const nRot = r.partial ? 2 * (1 + Math.floor(g() * (headDim >> 1))) : headDim - (headDim % 2);
          const p: RopeParams = {
            mode: r.mode,
            nRot,
            freqBase: r.freqBase,
            freqScale: r.freqScale,
            freqFactors: r.withFactors ? Float32Array.from({ length: nRot / 2 }, () => 1 + 7 * g()) : undefined,
            extFactor: r.yarn ? 1 : 0,
            attnFactor: r.attnFactor,
            betaFast: 32,
            betaSlow: 1,
            nCtxOrig: r.yarn ? 4096 : undefined,
          };
          // Positions: 0 first (identity check), then anywhere up to 100k.
          const positions = Int32Array.from({ length: nTok }, (_, t) => (t === 0 ? 0 : Math.floor(g() * 100000)));
          const x0 = randomF32(seed + 3, nTok * nHeads * headDim, 3);
          const want = x0.slice();
          oracle.rope(want, nTok, nHeads, headDim, positions, p);
          const unscaled = r.attnFactor === 1 && !r.yarn;
          const half = nRot >> 1;
          forEachBackend([1], (be, label) => {
            const got = x0.slice();
            be.rope(got, nTok, nHeads, headDim, positions, p);
            const bad = new Violations();
            for (let t = 0; t < nTok; t++) {
              for (let h = 0; h < nHeads; h++) {
                const b = (t * nHeads + h) * headDim;
                for (let i = nRot; i < headDim; i++) bad.check(Object.is(got[b + i], x0[b + i]), () => `pass-through dim ${i} changed`);
                if (!unscaled) continue;
                for (let i = 0; i < half; i++) {
                  const j0 = r.mode === 'neox' ? b + i : b + 2 * i;
                  const j1 = r.mode === 'neox' ? j0 + half : j0 + 1;
                  const n0 = Math.hypot(x0[j0], x0[j1]);
                  bad.check(Math.abs(Math.hypot(got[j0], got[j1]) - n0) <= 1e-6 * n0 + 1e-30, () => `token ${t} head ${h} pair ${i}: norm not kept`);
                  if (t === 0) bad.check(got[j0] === x0[j0] && got[j1] === x0[j1], () => `head ${h} pair ${i}: position 0 is not the identity`);
                }
              }
            }
            bad.expectNone(`${label}: rope invariants`);
            expectConform('rope', label, got, want, want.length, `headDim ${headDim}, nRot ${nRot}, ${JSON.stringify(r)}`);
          });
        },
      ),
      { numRuns: 25 },
    );
  });

  // ---- addBias, add --------------------------------------------------------------------------
  it('addBias: every row gets the float sum x + bias [F-OPS-4]', () => {
    fc.assert(
      fc.property(size(1023), fc.integer({ min: 1, max: 9 }), fc.nat(), (n, nTok, seed) => {
        const x0 = randomF32(seed, nTok * n, 5);
        const bias = randomF32(seed + 1, n, 5);
        const want = x0.slice();
        oracle.addBias(want, bias, nTok, n);
        forEachBackend([1], (be, label) => {
          const got = x0.slice();
          be.addBias(got, bias, nTok, n);
          const bad = new Violations();
          for (let i = 0; i < nTok * n; i++) bad.check(got[i] === Math.fround(x0[i] + bias[i % n]), () => `[${i}] = ${got[i]}`);
          bad.expectNone(`${label}: x + bias`);
          expectConform('addBias', label, got, want, want.length, `n ${n}, nTok ${nTok}`);
        });
      }),
      { numRuns: 20 },
    );
  });

  it('add: out = a + b in float, also in place into a or b [F-OPS-5]', () => {
    fc.assert(
      fc.property(size(1023), fc.integer({ min: 1, max: 9 }), fc.nat(), (dim, nTok, seed) => {
        const n = dim * nTok;
        const a = randomF32(seed, n, 5);
        const b = randomF32(seed + 1, n, 5);
        const want = new Float32Array(n);
        oracle.add(a, b, n, want);
        forEachBackend([1], (be, label) => {
          const got = new Float32Array(n);
          be.add(a, b, n, got);
          const bad = new Violations();
          for (let i = 0; i < n; i++) bad.check(got[i] === Math.fround(a[i] + b[i]), () => `[${i}] = ${got[i]}`);
          bad.expectNone(`${label}: a + b`);
          const intoA = a.slice();
          be.add(intoA, b, n, intoA);
          const intoB = b.slice();
          be.add(a, intoB, n, intoB);
          expect(intoA, `${label}: out = a`).toEqual(got);
          expect(intoB, `${label}: out = b`).toEqual(got);
          expectConform('add', label, got, want, n, `n ${n}`);
        });
      }),
      { numRuns: 20 },
    );
  });

  // ---- swiglu --------------------------------------------------------------------------------
  it('swiglu: out = gate / (1 + e^-gate) · up within float rounding, over the whole exp range [F-OPS-6]', () => {
    fc.assert(
      fc.property(size(1023), fc.integer({ min: 1, max: 9 }), fc.constantFrom(1, 8, 30, 120), fc.nat(), (dim, nTok, amp, seed) => {
        const n = dim * nTok;
        const gate = randomF32(seed, n, amp);
        const up = randomF32(seed + 1, n, 3);
        const want = new Float32Array(n);
        oracle.swiglu(gate, up, n, want);
        forEachBackend([1], (be, label) => {
          const got = new Float32Array(n);
          be.swiglu(gate, up, n, got);
          const bad = new Violations();
          for (let i = 0; i < n; i++) {
            const v = (gate[i] / (1 + Math.exp(-gate[i]))) * up[i];
            // Below gate ≈ -88.7, e^-gate overflows float and ggml's silu is -0: an absolute slack of 1e-30.
            bad.check(Math.abs(got[i] - v) <= 1e-6 * Math.abs(v) + 1e-30, () => `gate ${gate[i]}, up ${up[i]}: ${got[i]}, want ${v}`);
          }
          bad.expectNone(`${label}: silu(gate) · up`);
          const inPlace = gate.slice();
          be.swiglu(inPlace, up, n, inPlace);
          expect(inPlace, `${label}: in place`).toEqual(got);
          expectConform('swiglu', label, got, want, n, `n ${n}, amp ${amp}`);
        });
      }),
      { numRuns: 20 },
    );
  });

  // ---- softmax -------------------------------------------------------------------------------
  it('softmax: rows are probabilities (in [0, 1], sum 1) with the largest logit most likely [F-OPS-7]', () => {
    fc.assert(
      fc.property(size(1023), fc.integer({ min: 1, max: 9 }), fc.constantFrom(1, 0.125, 3), fc.constantFrom(1, 20, 100), fc.nat(), (n, nRows, scale, amp, seed) => {
        const x0 = randomF32(seed, nRows * n, amp);
        const want = x0.slice();
        oracle.softmax(want, nRows, n, scale);
        forEachBackend([1], (be, label) => {
          const got = x0.slice();
          be.softmax(got, nRows, n, scale);
          const bad = new Violations();
          for (let r = 0; r < nRows; r++) {
            let sum = 0;
            let top = 0;
            for (let i = 0; i < n; i++) {
              const v = got[r * n + i];
              bad.check(v >= 0 && v <= 1, () => `row ${r}: p = ${v}`);
              sum += v;
              if (x0[r * n + i] > x0[r * n + top]) top = i;
            }
            bad.check(Math.abs(sum - 1) <= 1e-5, () => `row ${r} sums to ${sum}`);
            for (let i = 0; i < n; i++) bad.check(got[r * n + i] <= got[r * n + top], () => `row ${r}: p[${i}] > p[argmax ${top}]`);
          }
          bad.expectNone(`${label}: probabilities`);
          expectConform('softmax', label, got, want, want.length, `n ${n}, rows ${nRows}, scale ${scale}, amp ${amp}`);
        });
      }),
      { numRuns: 20 },
    );
  });

  // ---- storeKv, attention --------------------------------------------------------------------
  /** A random attention shape of bounded work (the reference runs every case several times). */
  const attnShape = fc
    .record({
      nTok: fc.integer({ min: 1, max: 9 }),
      nKvHeads: fc.integer({ min: 1, max: 3 }),
      group: fc.constantFrom(1, 2, 7),
      headDim: fc.oneof(fc.integer({ min: 1, max: 130 }), fc.constantFrom(64, 128), fc.integer({ min: 1, max: 1023 })),
      pos0: fc.integer({ min: 0, max: 1014 }),
      extra: fc.integer({ min: 0, max: 9 }),
      qAmp: fc.constantFrom(1, 4),
    })
    .map((s) => {
      const nHeads = s.nKvHeads * s.group;
      // Keep nHeads · nTok · positions · headDim under ~0.6M multiply-adds.
      const maxPos = Math.max(1, Math.floor(6e5 / (nHeads * s.nTok * s.headDim)));
      const pos0 = Math.min(s.pos0, Math.max(0, maxPos - s.nTok));
      const p: AttentionParams = {
        nTok: s.nTok,
        nHeads,
        nKvHeads: s.nKvHeads,
        headDim: s.headDim,
        ctxLen: Math.min(1023, pos0 + s.nTok + s.extra),
        pos0,
        scale: 1 / Math.sqrt(s.headDim),
      };
      return { p, qAmp: s.qAmp };
    });

  it('storeKv: writes the batch rows at pos0.. of each KV head and nothing else [F-OPS-8]', () => {
    fc.assert(
      fc.property(attnShape, fc.nat(), ({ p }, seed) => {
        const kvDim = p.nKvHeads * p.headDim;
        const k = randomF32(seed, p.nTok * kvDim);
        const v = randomF32(seed + 1, p.nTok * kvDim);
        const cacheLen = p.nKvHeads * p.ctxLen * p.headDim;
        const [wk, wv] = [new Float32Array(cacheLen).fill(7), new Float32Array(cacheLen).fill(7)];
        oracle.storeKv(k, v, wk, wv, p);
        forEachBackend([1], (be, label) => {
          const [gk, gv] = [new Float32Array(cacheLen).fill(7), new Float32Array(cacheLen).fill(7)];
          be.storeKv(k, v, gk, gv, p);
          const bad = new Violations();
          for (let h = 0; h < p.nKvHeads; h++) {
            for (let pos = 0; pos < p.ctxLen; pos++) {
              const t = pos - p.pos0;
              for (let d = 0; d < p.headDim; d++) {
                const o = (h * p.ctxLen + pos) * p.headDim + d;
                const src = t >= 0 && t < p.nTok ? (t * p.nKvHeads + h) * p.headDim + d : -1;
                bad.check(gk[o] === (src < 0 ? 7 : k[src]) && gv[o] === (src < 0 ? 7 : v[src]), () => `head ${h} pos ${pos} dim ${d}`);
              }
            }
          }
          bad.expectNone(`${label}: cache contents`);
          expectConform('storeKv', label, gk, wk, cacheLen, JSON.stringify(p));
          expectConform('storeKv', label, gv, wv, cacheLen, JSON.stringify(p));
        });
      }),
      { numRuns: 25 },
    );
  });

  /** Caches with random rows up to the batch's last position and poison (1e30) after it: a backend that reads a masked position fails. */
  function caches(p: AttentionParams, seed: number): [Float32Array, Float32Array] {
    const kc = randomF32(seed, p.nKvHeads * p.ctxLen * p.headDim);
    const vc = randomF32(seed + 1, p.nKvHeads * p.ctxLen * p.headDim);
    const end = p.pos0 + p.nTok;
    for (let h = 0; h < p.nKvHeads; h++) {
      kc.fill(1e30, (h * p.ctxLen + end) * p.headDim, (h + 1) * p.ctxLen * p.headDim);
      vc.fill(1e30, (h * p.ctxLen + end) * p.headDim, (h + 1) * p.ctxLen * p.headDim);
    }
    return [kc, vc];
  }

  function checkAttention(p: AttentionParams, qAmp: number, seed: number): void {
    const qDim = p.nHeads * p.headDim;
    const q = randomF32(seed + 2, p.nTok * qDim, qAmp);
    const [kc, vc] = caches(p, seed);
    const want = new Float32Array(p.nTok * qDim);
    oracle.attention(q, kc, vc, want, p);
    const group = p.nHeads / p.nKvHeads;
    const byThreads = new Map<string, Float32Array>();
    forEachBackend([1, 2], (be, label) => {
      const got = new Float32Array(p.nTok * qDim).fill(NaN);
      be.attention(q, kc, vc, got, p);
      // Invariant: each output is a convex combination of the attended V rows.
      const bad = new Violations();
      for (let t = 0; t < p.nTok; t++) {
        for (let h = 0; h < p.nHeads; h++) {
          const base = Math.floor(h / group) * p.ctxLen * p.headDim;
          for (let d = 0; d < p.headDim; d += 3) {
            let lo = Infinity;
            let hi = -Infinity;
            for (let j = 0; j <= p.pos0 + t; j++) {
              const x = vc[base + j * p.headDim + d];
              lo = Math.min(lo, x);
              hi = Math.max(hi, x);
            }
            const o = got[t * qDim + h * p.headDim + d];
            bad.check(o >= lo - 1e-5 && o <= hi + 1e-5, () => `out[${t}, ${h}, ${d}] = ${o} outside [${lo}, ${hi}]`);
          }
        }
      }
      bad.expectNone(`${label}: convex combination`);
      expectConform('attention', label, got, want, want.length, JSON.stringify(p));
      // Each (token, head) is computed by one thread with the same code, whatever the split.
      const isa = label.replace(/ \dt$/, '');
      const prev = byThreads.get(isa);
      if (prev) expect(got, `${label}: differs from 1 thread`).toEqual(prev);
      else byThreads.set(isa, got);
    });
  }

  it('attention: outputs are convex combinations of the causal V rows and match ref; threads do not change results [F-OPS-9]', () => {
    // Corners: decode at a long context, qwen2.5-0.5b's prefill shape (14 heads, 2 KV heads, 64), head dim 1 and 1023.
    const corners: AttentionParams[] = [
      { nTok: 1, nHeads: 14, nKvHeads: 2, headDim: 64, ctxLen: 1023, pos0: 1022, scale: 0.125 },
      { nTok: 9, nHeads: 14, nKvHeads: 2, headDim: 64, ctxLen: 64, pos0: 40, scale: 0.125 },
      { nTok: 3, nHeads: 2, nKvHeads: 1, headDim: 1, ctxLen: 1023, pos0: 900, scale: 1 },
      { nTok: 2, nHeads: 7, nKvHeads: 1, headDim: 1023, ctxLen: 40, pos0: 30, scale: 1 / Math.sqrt(1023) },
    ];
    corners.forEach((p, i) => checkAttention(p, 2, 100 + i));
    fc.assert(
      fc.property(attnShape, fc.nat(), ({ p, qAmp }, seed) => checkAttention(p, qAmp, seed)),
      { numRuns: 25 },
    );
  });

  // ---- argmax --------------------------------------------------------------------------------
  it('argmax: the first index of the maximum, NaN never wins, 0 when nothing beats -∞ [F-OPS-10]', () => {
    fc.assert(
      fc.property(fc.oneof(size(1023), fc.constant(151936)), fc.nat(), fc.integer({ min: 0, max: 3 }), (n, seed, ties) => {
        const g = rng(seed);
        const x = randomF32(seed, n, 10);
        const top = Math.floor(g() * n);
        x[top] = 11;
        // Ties after the first maximum, NaNs anywhere: neither may move the answer.
        for (let i = 0; i < ties; i++) x[top + Math.floor(g() * (n - top))] = 11;
        for (let i = 0; i < ties; i++) {
          const j = Math.floor(g() * n);
          if (x[j] !== 11) x[j] = NaN;
        }
        const want = oracle.argmax(x, n);
        expect(want).toBe(x.indexOf(11));
        forEachBackend([1], (be, label) => {
          expect(be.argmax(x, n), `${label}: n ${n}`).toBe(want);
          expect(be.argmax(x, top + 1), `${label}: prefix`).toBe(want);
          expect(be.argmax(new Float32Array(n).fill(-Infinity), n), `${label}: all -inf`).toBe(0);
          expect(be.argmax(new Float32Array(n).fill(NaN), n), `${label}: all NaN`).toBe(0);
        });
      }),
      { numRuns: 25 },
    );
  });
});
