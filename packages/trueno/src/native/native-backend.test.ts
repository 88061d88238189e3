/**
 * The `native` backend behind the Backend interface: selection through the registry, what
 * backendInfo says, per-call fallback to the reference for weight types without native kernels,
 * argument errors, and no growth of native scratch once the largest batch has been seen.
 */
import { describe, expect, it } from 'vitest';
import { BackendArgumentError } from '../backend/backend.js';
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

  it('delegates the non-matmul bricks to the reference (same results)', () => {
    const b = be();
    const ref = new RefBackend();
    const x = randomF32(9, 3 * 64);
    const wgt = randomF32(10, 64);
    const [o1, o2] = [new Float32Array(3 * 64), new Float32Array(3 * 64)];
    b.rmsNorm(x, wgt, 1e-6, 3, 64, o1);
    ref.rmsNorm(x, wgt, 1e-6, 3, 64, o2);
    expect(o1).toEqual(o2);
    const { w } = randomWeight(GGMLType.Q8_0, 64, 10, 11);
    b.getRows(w, [3, 7], o1);
    ref.getRows(w, [3, 7], o2);
    expect(o1.subarray(0, 128)).toEqual(o2.subarray(0, 128));
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
