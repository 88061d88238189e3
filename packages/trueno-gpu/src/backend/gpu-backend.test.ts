/**
 * The GPU backend on the emulated device against trueno's ref backend, op by op, on small odd
 * shapes: results within the kernels' own bounds (kernels/tolerances.ts), CPU fallbacks bit-exact
 * and counted, and buffers staying on the device between ops (the transfer counters).
 */
import { type AttentionParams, GGMLType, type RopeParams, Tensor, quantize, refBackend } from '@sovereign/trueno';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ADD_NMSE, ATTENTION_NMSE, GEMV_VS_MATMUL_REF_NMSE, RMS_NORM_NMSE, ROPE_NMSE, SWIGLU_NMSE, nmse } from '../kernels/tolerances.js';
import { createEmuBackend } from './emu-backend.js';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomF32(seed: number, n: number, amp = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * r() - 1) * amp;
  return out;
}

function weight(type: GGMLType, nIn: number, nOut: number, seed: number): Tensor {
  return Tensor.view(`w${seed}`, type, [nIn, nOut], quantize(type, randomF32(seed, nIn * nOut, 1 / Math.sqrt(nIn))));
}

const small = (): ReturnType<typeof createEmuBackend> => createEmuBackend({ bytes: 16 << 20 });

describe('gpu backend (emulated device) vs ref backend', () => {
  const types: [string, GGMLType, number][] = [
    ['q8_0', GGMLType.Q8_0, 96],
    ['q4_0', GGMLType.Q4_0, 64],
    ['q5_0', GGMLType.Q5_0, 64],
    ['q4_K', GGMLType.Q4_K, 256],
    ['q5_K', GGMLType.Q5_K, 256],
    ['q6_K', GGMLType.Q6_K, 256],
  ];
  it.each(types)('matmul %s: nTok 1, 3 and 17 (two batched launches) within the GEMV-vs-matmulRef bound', (_name, type, nIn) => {
    const be = createEmuBackend({ bytes: 16 << 20, gemm: false }); // the GEMV path (gpu-backend-gemm.test.ts: the GEMM)
    const nOut = 37;
    const w = weight(type, nIn, nOut, 7);
    for (const nTok of [1, 3, 17]) {
      const x = randomF32(nTok, nTok * nIn);
      const out = new Float32Array(nTok * nOut + 5).fill(9); // the tail past (nTok, nOut) must stay
      be.matmul(w, x, nTok, out);
      be.download(out);
      const want = new Float32Array(nTok * nOut + 5).fill(9);
      refBackend.matmul(w, x, nTok, want);
      expect(nmse(out, want)).toBeLessThan(GEMV_VS_MATMUL_REF_NMSE);
      expect(out.subarray(nTok * nOut)).toEqual(want.subarray(nTok * nOut));
    }
    expect(be.stats().fallbacks).toEqual({});
    expect(be.stats().weightUploads.count).toBe(1); // once for all three calls
    expect(be.stats().matmulLaunches).toEqual({ gemm: 0, gemmReduce: 0, gemv: 1 + 1 + 2 });
  });

  it('a decode matmul of a type without a GEMV kernel (f16) runs on the CPU backend, bit-exact, and is counted', () => {
    const be = small();
    const w = weight(GGMLType.F16, 64, 9, 3);
    const x = randomF32(1, 64);
    const out = new Float32Array(9);
    be.matmul(w, x, 1, out); // nTok >= 2 takes the GEMM (gpu-backend-gemm.test.ts)
    be.download(out);
    const want = new Float32Array(9);
    refBackend.matmul(w, x, 1, want);
    expect(out).toEqual(want);
    expect(be.stats().fallbacks).toEqual({ 'matmul f16': 1 });
  });

  it('getRows, rmsNorm, addBias, add, swiglu within their bounds; no transfer between ops', () => {
    const be = small();
    const dim = 96;
    const nTok = 3;
    const emb = weight(GGMLType.Q8_0, dim, 11, 5);
    const ids = new Int32Array([4, 0, 10]);
    const x = new Float32Array(nTok * dim);
    const xb = new Float32Array(nTok * dim);
    const h = new Float32Array(nTok * dim);
    const normW = randomF32(2, dim, 2);
    const bias = randomF32(3, dim);
    const rx = new Float32Array(nTok * dim);
    const rxb = new Float32Array(nTok * dim);
    const rh = new Float32Array(nTok * dim);

    be.getRows(emb, ids, x);
    refBackend.getRows(emb, ids, rx);
    be.rmsNorm(x, normW, 1e-6, nTok, dim, xb);
    refBackend.rmsNorm(rx, normW, 1e-6, nTok, dim, rxb);
    be.addBias(xb, bias, nTok, dim);
    refBackend.addBias(rxb, bias, nTok, dim);
    be.swiglu(xb, x, nTok * dim, h);
    refBackend.swiglu(rxb, rx, nTok * dim, rh);
    be.add(x, h, nTok * dim, x);
    refBackend.add(rx, rh, nTok * dim, rx);
    const before = be.stats();
    expect(before.activationDownloads.count).toBe(0);
    expect(before.activationUploads.count).toBe(3); // first sight of x, xb and h, nothing after
    for (const [got, want, bound] of [
      [xb, rxb, RMS_NORM_NMSE],
      [h, rh, RMS_NORM_NMSE + SWIGLU_NMSE],
      [x, rx, RMS_NORM_NMSE + SWIGLU_NMSE + ADD_NMSE],
    ] as const) {
      be.download(got);
      expect(nmse(got, want)).toBeLessThanOrEqual(bound);
    }
    expect(be.stats().activationDownloads.count).toBe(3);
    be.download(x); // already current: no second copy
    expect(be.stats().activationDownloads.count).toBe(3);
  });

  it.each(['normal', 'neox'] as const)('rope %s with odd positions and frequency factors within ROPE_NMSE', (mode) => {
    const be = small();
    const nTok = 3;
    const nHeads = 3;
    const headDim = 32;
    const x = randomF32(9, nTok * nHeads * headDim);
    const want = x.slice();
    const positions = new Int32Array([0, 17, 1001]);
    const p: RopeParams = { mode, freqBase: 1e6, freqFactors: randomF32(4, headDim / 2).map((v) => 1 + Math.abs(v)) };
    be.rope(x, nTok, nHeads, headDim, positions, p);
    refBackend.rope(want, nTok, nHeads, headDim, positions, p);
    be.download(x);
    expect(nmse(x, want)).toBeLessThan(ROPE_NMSE);
  });

  it.each([
    ['decode', 1, 6, 13, 1],
    ['prefill', 5, 2, 13, 1],
    ['decode at position 150, split-K (3 chunks of 64)', 1, 150, 161, 3],
    ['prefill of 40 at position 100 (prefill kernel, ragged query block)', 40, 100, 161, 1],
  ] as const)('storeKv + attention (%s, headDim 64, GQA 2) within ATTENTION_NMSE; caches bit-exact', (_what, nTok, pos0, ctxLen, launches) => {
    const be = small();
    const p: AttentionParams = { nTok, nHeads: 4, nKvHeads: 2, headDim: 64, ctxLen, pos0, scale: 1 / 8 };
    const kvDim = p.nKvHeads * p.headDim;
    const qDim = p.nHeads * p.headDim;
    const kc = randomF32(1, p.nKvHeads * p.ctxLen * p.headDim); // earlier positions already filled
    const vc = randomF32(2, kc.length);
    const rkc = kc.slice();
    const rvc = vc.slice();
    const k = randomF32(3, nTok * kvDim);
    const v = randomF32(4, nTok * kvDim);
    const q = randomF32(5, nTok * qDim, 3);
    const out = new Float32Array(nTok * qDim);
    const want = new Float32Array(nTok * qDim);
    be.storeKv(k, v, kc, vc, p);
    be.attention(q, kc, vc, out, p);
    refBackend.storeKv(k, v, rkc, rvc, p);
    refBackend.attention(q, rkc, rvc, want, p);
    be.download(out);
    be.download(kc);
    be.download(vc);
    expect(kc).toEqual(rkc);
    expect(vc).toEqual(rvc);
    expect(nmse(out, want)).toBeLessThan(ATTENTION_NMSE);
    expect(be.stats().fallbacks).toEqual({});
    expect(be.stats().launches).toBe(1 + (launches > 1 ? 2 : 1)); // store + one-pass/prefill, or store + partial + reduce
  });

  it('attention with a head size the kernels lack (16) falls back to the CPU, bit-exact and counted', () => {
    const be = small();
    const p: AttentionParams = { nTok: 2, nHeads: 4, nKvHeads: 2, headDim: 16, ctxLen: 5, pos0: 1, scale: 0.25 };
    const kc = randomF32(1, 2 * 5 * 16);
    const vc = randomF32(2, kc.length);
    const q = randomF32(3, 2 * 64);
    const k = randomF32(4, 2 * 32);
    const v = randomF32(5, 2 * 32);
    const [rkc, rvc] = [kc.slice(), vc.slice()];
    const out = new Float32Array(2 * 64);
    const want = new Float32Array(2 * 64);
    be.storeKv(k, v, kc, vc, p); // on the device
    be.attention(q, kc, vc, out, p); // caches come back for the CPU
    refBackend.storeKv(k, v, rkc, rvc, p);
    refBackend.attention(q, rkc, rvc, want, p);
    be.download(out);
    expect(out).toEqual(want);
    const s = be.stats();
    expect(s.fallbacks).toEqual({ 'attention headDim 16 group 2': 1 });
    expect(s.fallbackDownloads.count).toBe(2); // kCache and vCache
  });

  it('argmax of a device-resident row returns only the index (ties to the lowest, NaN never wins)', () => {
    const be = small();
    const n = 5000;
    const x = randomF32(8, n);
    x[4321] = 7;
    x[4999] = 7;
    x[17] = NaN;
    const y = new Float32Array(n);
    be.add(x, new Float32Array(n), n, y); // y on the device only
    expect(be.argmax(y, n)).toBe(4321);
    const s = be.stats();
    expect(s.argmaxReads).toEqual({ count: 1, bytes: 4 });
    expect(s.activationDownloads.count).toBe(0);
    expect(be.argmax(x, n)).toBe(refBackend.argmax(x, n)); // host data: reduced on the host
  });

  it('copyWithin moves rows on the device (overlapping, memmove semantics)', () => {
    const be = small();
    const x = randomF32(6, 40);
    const want = x.slice().copyWithin(3, 10, 30);
    const y = new Float32Array(40);
    be.add(x, new Float32Array(40), 40, y);
    be.copyWithin(y, 3, 10, 20);
    be.download(y);
    expect(y).toEqual(want);
  });

  it('rejects partly overlapping element-wise arguments like the native backend', () => {
    const be = small();
    const buf = new Float32Array(64);
    expect(() => be.add(buf.subarray(0, 32), buf.subarray(0, 32), 32, buf.subarray(1, 33))).toThrow(/overlap/);
    expect(() => be.swiglu(buf.subarray(0, 32), buf.subarray(32), 32, buf.subarray(16, 48))).toThrow(/overlap/);
    expect(() => be.matmul(weight(GGMLType.Q8_0, 32, 4, 1), buf, 1, buf.subarray(8))).toThrow(/overlap/);
  });

  it('invalidate: a host write after a device op is uploaded before the next op', () => {
    const be = small();
    const a = randomF32(1, 33);
    const b = randomF32(2, 33);
    const out = new Float32Array(33);
    be.add(a, b, 33, out);
    a[5] = 100;
    be.invalidate(a);
    be.add(a, b, 33, out);
    be.download(out);
    expect(out[5]).toBe(Math.fround(100 + b[5]));
  });

});

describe('gpu backend op sequences', () => {
  it('gpu backend: device-resident buffers read back equal to the ref backend for any op sequence [F-GPU-BE-1]', () => {
    const n = 64;
    const dim = 32;
    const op = fc.oneof(
      fc.record({ k: fc.constant('add' as const), a: fc.nat(2), b: fc.nat(2), o: fc.nat(2) }),
      fc.record({ k: fc.constant('swiglu' as const), a: fc.nat(2), b: fc.nat(2), o: fc.nat(2) }),
      fc.record({ k: fc.constant('rmsNorm' as const), a: fc.nat(2), b: fc.nat(2), o: fc.nat(2) }),
      fc.record({ k: fc.constant('copy' as const), a: fc.nat(2), b: fc.nat(n - 8), o: fc.nat(n - 8) }),
      fc.record({ k: fc.constant('write' as const), a: fc.nat(2), b: fc.nat(n - 1), o: fc.nat(2) }),
    );
    const w = randomF32(11, dim, 1.5);
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 1000 }), (ops, seed) => {
        const be = small();
        const g = [0, 1, 2].map((i) => randomF32(seed + i, n));
        const r = g.map((b) => b.slice());
        for (const s of ops) {
          if (s.k === 'add') {
            be.add(g[s.a], g[s.b], n, g[s.o]);
            refBackend.add(r[s.a], r[s.b], n, r[s.o]);
          } else if (s.k === 'swiglu') {
            be.swiglu(g[s.a], g[s.b], n, g[s.o]);
            refBackend.swiglu(r[s.a], r[s.b], n, r[s.o]);
          } else if (s.k === 'rmsNorm') {
            if (s.a !== s.o) {
              be.rmsNorm(g[s.a], w, 1e-5, n / dim, dim, g[s.o]);
              refBackend.rmsNorm(r[s.a], w, 1e-5, n / dim, dim, r[s.o]);
            }
          } else if (s.k === 'copy') {
            be.copyWithin(g[s.a], s.o, s.b, 8);
            refBackend.copyWithin(r[s.a], s.o, s.b, 8);
          } else {
            // JS reads then writes a value: download first, invalidate after.
            be.download(g[s.a]);
            g[s.a][s.b] = g[s.a][s.b] * 0.5 + 1;
            r[s.a][s.b] = r[s.a][s.b] * 0.5 + 1;
            be.invalidate(g[s.a]);
          }
        }
        for (let i = 0; i < 3; i++) {
          be.download(g[i]);
          // Relative error of the kernels (approx exp, f32 sums) compounds over at most 8 ops.
          expect(nmse(g[i], r[i])).toBeLessThan(1e-9);
        }
      }),
      { numRuns: 25 },
    );
  });
});
