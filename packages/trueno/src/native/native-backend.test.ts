/**
 * The `native` backend behind the Backend interface: selection through the registry, what
 * backendInfo says, per-call fallback to the reference for weight types without native kernels,
 * argument errors (the backend's BackendArgumentError, the addon's TypeError/RangeError), and no
 * growth of native scratch once the largest batch has been seen. The ops' numerics are in
 * backend/ops-conformance.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { type Backend, BackendArgumentError } from '../backend/backend.js';
import { RefBackend } from '../backend/ref-backend.js';
import { backendInfo, selectBackend } from '../backend/registry.js';
import { randomF32, randomWeight } from '../backend/test-support.js';
import { GGMLType } from '../dtype.js';
import './native-provider.js';
import { NativeBackend } from './native-backend.js';
import { nativeInfo } from './native-provider.js';
import { nativeAddon, nativeSuite } from './test-native.js';

describe('native backend registration', () => {
  it('backendInfo lists native with its state and, when unavailable, the reason [F-NATIVE-4]', () => {
    const line = backendInfo().find((b) => b.name === 'native');
    expect(line).toBeDefined();
    expect(line!.available).toBe(nativeAddon !== null);
    const info = nativeInfo();
    if (nativeAddon) {
      expect(info.isa).toMatch(/^(avx512|avx2|generic)$/);
      expect(info.threads).toBeGreaterThanOrEqual(1);
      expect(info.reason).toContain(info.isa!);
    } else {
      expect(line!.reason).toBe(info.reason);
      expect(info.reason.length).toBeGreaterThan(10);
    }
  });

  it("selectBackend('native') gives the native backend, or ref with the loader's reason", () => {
    const sel = selectBackend('native');
    if (nativeAddon) {
      expect(sel.backend).toBeInstanceOf(NativeBackend);
      expect(sel.fellBack).toBe(false);
      expect(sel.backend.description).toMatch(/native C\+\+ SIMD \((avx512|avx2|generic), \d+ threads\)/);
    } else {
      expect(sel.backend.name).toBe('ref');
      expect(sel.fellBack).toBe(true);
      expect(sel.reason).toContain(nativeInfo().reason);
    }
  });
});

describe.skipIf(!nativeAddon)(nativeSuite('NativeBackend'), () => {
  const be = (): NativeBackend => new NativeBackend(nativeAddon!);

  it('copyWithin moves overlapping ranges like TypedArray.copyWithin and checks the range', () => {
    const b = be();
    const x = randomF32(5, 40);
    const want = x.slice().copyWithin(3, 10, 30);
    b.copyWithin(x, 3, 10, 20);
    expect(x).toEqual(want);
    expect(() => b.copyWithin(x, 30, 0, 11)).toThrow(BackendArgumentError);
  });

  it('runs types without native kernels on the reference, bit for bit, and counts them', () => {
    const b = be();
    const ref = new RefBackend();
    for (const type of [GGMLType.Q8_1, GGMLType.Q8_K]) {
      expect(b.supportsType(type)).toBe(false);
      const { w } = randomWeight(type, 256, 9, 3);
      const x = randomF32(4, 2 * 256);
      const got = new Float32Array(18);
      const want = new Float32Array(18);
      b.matmul(w, x, 2, got);
      ref.matmul(w, x, 2, want);
      expect(got).toEqual(want);
      expect(b.fallbacks.get(type)).toBe(1);
    }
  });

  it('checks shapes like the reference backend (BackendArgumentError)', () => {
    const b = be();
    const { w } = randomWeight(GGMLType.Q8_0, 64, 8, 5);
    expect(() => b.matmul(w, new Float32Array(63), 1, new Float32Array(8))).toThrow(BackendArgumentError);
    expect(() => b.matmul(w, new Float32Array(64), 1, new Float32Array(7))).toThrow(BackendArgumentError);
    expect(() => b.matmul(w, new Float32Array(64), 0, new Float32Array(8))).toThrow(BackendArgumentError);
    const buf = new Float32Array(200);
    expect(() => b.matmul(w, buf.subarray(0, 64), 1, buf.subarray(60, 68))).toThrow(/overlap/);
    expect(() => b.setThreads(0)).toThrow(BackendArgumentError);
  });

  it('runs getRows natively where a dequantizer exists; other types fall back to ref, bit for bit, and are counted', () => {
    const b = be();
    const ref = new RefBackend();
    const [o1, o2] = [new Float32Array(3 * 64), new Float32Array(3 * 64)];
    for (const type of [GGMLType.Q8_0, GGMLType.Q4_1]) {
      const { w } = randomWeight(type, 64, 10, 11);
      b.getRows(w, [3, 7, 3], o1);
      ref.getRows(w, [3, 7, 3], o2);
      expect(o1).toEqual(o2);
    }
    expect(b.getRowsFallbacks.get(GGMLType.Q8_0)).toBeUndefined();
    expect(b.getRowsFallbacks.get(GGMLType.Q4_1)).toBe(1);
  });

  it('checks the shapes of the other bricks like the reference (BackendArgumentError), before the addon runs', () => {
    const b = be();
    const ref = new RefBackend();
    const { w } = randomWeight(GGMLType.Q8_0, 64, 10, 11);
    const p = { nTok: 2, nHeads: 4, nKvHeads: 2, headDim: 8, ctxLen: 16, pos0: 0, scale: 1 };
    const cache = new Float32Array(2 * 16 * 8);
    const bad: Array<[string, (x: Backend) => unknown]> = [
      ['getRows id', (x) => x.getRows(w, [10], new Float32Array(64))],
      ['getRows out', (x) => x.getRows(w, [1, 2], new Float32Array(127))],
      ['rmsNorm x', (x) => x.rmsNorm(new Float32Array(63), new Float32Array(64), 1e-6, 1, 64, new Float32Array(64))],
      ['rope nRot', (x) => x.rope(new Float32Array(64), 1, 8, 8, [0], { mode: 'neox', nRot: 3, freqBase: 1e4 })],
      ['rope positions', (x) => x.rope(new Float32Array(64), 2, 4, 8, [0], { mode: 'neox', freqBase: 1e4 })],
      ['rope yarn', (x) => x.rope(new Float32Array(64), 1, 8, 8, [0], { mode: 'neox', freqBase: 1e4, extFactor: 1 })],
      ['addBias', (x) => x.addBias(new Float32Array(10), new Float32Array(4), 3, 4)],
      ['add', (x) => x.add(new Float32Array(4), new Float32Array(3), 4, new Float32Array(4))],
      ['swiglu', (x) => x.swiglu(new Float32Array(4), new Float32Array(4), 4, new Float32Array(3))],
      ['softmax', (x) => x.softmax(new Float32Array(10), 2, 6)],
      ['storeKv k', (x) => x.storeKv(new Float32Array(31), new Float32Array(32), cache, cache.slice(), p)],
      ['storeKv pos', (x) => x.storeKv(new Float32Array(32), new Float32Array(32), cache, cache.slice(), { ...p, pos0: 15 })],
      ['attention gqa', (x) => x.attention(new Float32Array(64), cache, cache, new Float32Array(64), { ...p, nHeads: 3 })],
      ['attention q', (x) => x.attention(new Float32Array(63), cache, cache, new Float32Array(64), p)],
      ['attention cache', (x) => x.attention(new Float32Array(64), cache.subarray(1), cache, new Float32Array(64), p)],
      ['argmax n', (x) => x.argmax(new Float32Array(4), 0)],
      ['argmax x', (x) => x.argmax(new Float32Array(4), 5)],
    ];
    for (const [what, call] of bad) {
      expect(() => call(ref), `ref ${what}`).toThrow(BackendArgumentError);
      expect(() => call(b), `native ${what}`).toThrow(BackendArgumentError);
    }
    const q = new Float32Array(200);
    expect(() => b.attention(q.subarray(0, 64), cache, cache, q.subarray(32, 96), p)).toThrow(/overlap/);
    expect(() => b.add(q.subarray(0, 8), q.subarray(0, 8), 8, q.subarray(4, 12))).toThrow(/overlap/);
  });

  it('the addon itself rejects bad arguments with TypeError/RangeError instead of touching memory out of bounds', () => {
    const a = nativeAddon!;
    const f = (n: number): Float32Array => new Float32Array(n);
    expect(() => a.rmsNorm(f(8), f(8), 1e-6, 2, 8, f(16))).toThrow(/x \(nTok, dim\) needs 16 values, has 8/);
    expect(() => a.rmsNorm(f(16), f(8), 1e-6, 2, 8, f(16).subarray(1) as Float32Array)).toThrow(RangeError);
    expect(() => a.rmsNorm([1] as unknown as Float32Array, f(8), 1e-6, 1, 1, f(1))).toThrow(TypeError);
    expect(() => a.add(f(4), f(4), 1.5, f(4))).toThrow(/integer/);
    const buf = f(16);
    expect(() => a.add(buf.subarray(0, 8), f(8), 8, buf.subarray(4, 12))).toThrow(/overlap/);
    expect(() => a.attention(f(64), f(256), f(256), f(64), 2, 4, 2, 8, 16, 15, 1)).toThrow(/do not fit a cache/);
    expect(() => a.attention(f(64), f(255), f(256), f(64), 2, 4, 2, 8, 16, 0, 1)).toThrow(/kCache/);
    expect(() => a.attention(f(64), f(256), f(256), f(64), 2, 3, 2, 8, 16, 0, 1)).toThrow(/multiple of nKvHeads/);
    expect(() => a.storeKv(f(32), f(32), f(256), f(256), 2, 2, 8, 16, -1)).toThrow(/pos0/);
    expect(() => a.rope(f(64), 1, 8, 8, new Int32Array(1), true, 9, 1e4, 1, 0, 1, 32, 1, 0, null)).toThrow(/nRot/);
    expect(() => a.rope(f(64), 1, 8, 8, [0] as unknown as Int32Array, true, 8, 1e4, 1, 0, 1, 32, 1, 0, null)).toThrow(/Int32Array/);
    expect(() => a.rope(f(64), 1, 8, 8, new Int32Array(1), true, 8, 1e4, 1, 0, 1, 32, 1, 0, f(3))).toThrow(/freqFactors/);
    const { w } = randomWeight(GGMLType.Q8_0, 64, 4, 1);
    expect(() => a.getRows(w.data, GGMLType.Q8_0, 64, 4, Int32Array.of(4), 1, f(64))).toThrow(/out of range/);
    expect(() => a.getRows(w.data, GGMLType.Q8_0, 64, 5, Int32Array.of(0), 1, f(64))).toThrow(/bytes/);
    expect(() => a.getRows(w.data, GGMLType.Q8_0, 48, 4, Int32Array.of(0), 1, f(64))).toThrow(/whole number of blocks/);
    expect(() => a.getRows(w.data, GGMLType.Q4_1, 64, 4, Int32Array.of(0), 1, f(64))).toThrow(/no native get_rows/);
    expect(() => a.argmax(f(4), 0)).toThrow(RangeError);
  });

  it('keeps native scratch once the largest batch has been seen: no allocation per call [F-NATIVE-5]', () => {
    const b = be();
    const { w } = randomWeight(GGMLType.Q4_K, 512, 64, 12);
    const x = randomF32(13, 8 * 512);
    const out = new Float32Array(8 * 64);
    b.matmul(w, x, 8, out);
    const held = nativeAddon!.info().scratchBytes;
    expect(held).toBeGreaterThanOrEqual(8 * 2 * 292);
    for (let i = 0; i < 50; i++) b.matmul(w, x, 1 + (i % 8), out);
    expect(nativeAddon!.info().scratchBytes).toBe(held);
    // Attention keeps one score row per thread, sized by the longest context seen.
    const p = { nTok: 8, nHeads: 4, nKvHeads: 2, headDim: 16, ctxLen: 64, pos0: 56, scale: 0.25 };
    const cache = randomF32(14, 2 * 64 * 16);
    const q = randomF32(15, 8 * 64);
    const att = new Float32Array(8 * 64);
    b.attention(q, cache, cache, att, p);
    const opsHeld = nativeAddon!.info().opsScratchBytes;
    expect(opsHeld).toBeGreaterThanOrEqual(64 * 4);
    for (let i = 0; i < 20; i++) b.attention(q, cache, cache, att, { ...p, nTok: 1 + (i % 8), pos0: i });
    expect(nativeAddon!.info().opsScratchBytes).toBe(opsHeld);
  });

  it('thread count and ISA can be changed at run time', () => {
    const b = be();
    const { threads, isa } = nativeAddon!.info();
    try {
      expect(b.setThreads(3)).toBe(3);
      expect(b.threads).toBe(3);
      expect(b.setIsa('generic')).toBe(true);
      expect(b.isa).toBe('generic');
      expect(b.setIsa('avx9000')).toBe(false);
      expect(b.isa).toBe('generic');
    } finally {
      b.setThreads(threads);
      b.setIsa(isa);
    }
  });
});
