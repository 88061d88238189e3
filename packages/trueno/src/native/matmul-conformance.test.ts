/**
 * Native matmul against the TypeScript reference, for every weight type with native kernels, on
 * every kernel set this CPU supports, with 1 and 2 threads: output rows 1..1023, row lengths in
 * whole blocks, 1..5 tokens (the multi-token kernels take 4 tokens at a time, so 1..5 covers the
 * 4-token path, its remainder and the single-token path). NMSE bounds in ./tolerances.ts; the
 * generic kernels must match bit for bit, and results must not depend on the thread count.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GGMLType, dtypeInfo } from '../dtype.js';
import { RefBackend } from '../backend/ref-backend.js';
import { randomF32, randomWeight } from '../backend/test-support.js';
import type { Tensor } from '../tensor.js';
import { forEachIsa, nativeAddon, nativeSuite } from './test-native.js';
import { GENERIC_MATMUL_NMSE, MATMUL_NMSE, nmse } from './tolerances.js';

const TYPES = [
  GGMLType.F32,
  GGMLType.F16,
  GGMLType.BF16,
  GGMLType.Q8_0,
  GGMLType.Q4_0,
  GGMLType.Q4_1,
  GGMLType.Q5_0,
  GGMLType.Q5_1,
  GGMLType.Q2_K,
  GGMLType.Q3_K,
  GGMLType.Q4_K,
  GGMLType.Q5_K,
  GGMLType.Q6_K,
] as const;
const MAX_ROWS = 1023;

/** Row lengths per type: whole blocks up to 1023 values, plus qwen2.5-0.5b's 896 where blocks allow. */
function rowLengths(type: GGMLType): number[] {
  const bs = dtypeInfo(type).blockSize;
  if (bs === 1) return [1, 7, 33, 130, 896, 1023];
  if (bs === 32) return [32, 96, 160, 896, 992];
  return [256, 768];
}

// One quantized weight of MAX_ROWS rows per (type, row length); cases take row views of it.
const weights = new Map<string, Tensor>();
function weight(type: GGMLType, nIn: number): Tensor {
  const key = `${type}:${nIn}`;
  let w = weights.get(key);
  if (!w) {
    w = randomWeight(type, nIn, MAX_ROWS, nIn * 31 + type).w;
    weights.set(key, w);
  }
  return w;
}

const ref = new RefBackend();

/** Compares native with ref for one shape on every ISA and 1/2 threads; returns the worst NMSE. */
function conform(type: GGMLType, nIn: number, nOut: number, nTok: number, seed: number): void {
  const addon = nativeAddon!;
  const w = weight(type, nIn).rows(0, nOut);
  const x = randomF32(seed, nTok * nIn, 2);
  const want = new Float32Array(nTok * nOut);
  ref.matmul(w, x, nTok, want);
  const bound = MATMUL_NMSE[type]!;
  forEachIsa(addon, (isa) => {
    const outs: Float32Array[] = [];
    for (const threads of [1, 2]) {
      addon.setThreads(threads);
      const got = new Float32Array(nTok * nOut).fill(NaN);
      addon.matmul(w.data, type, nIn, nOut, x, nTok, got);
      outs.push(got);
      const e = nmse(got, want);
      const where = `${dtypeInfo(type).name} ${isa} ${threads}t (nIn ${nIn}, nOut ${nOut}, nTok ${nTok})`;
      if (isa === 'generic') expect(e, `${where}: generic must equal ref bit for bit`).toBe(GENERIC_MATMUL_NMSE);
      else expect(e, `${where}: NMSE`).toBeLessThanOrEqual(bound);
    }
    // Each output is computed by one thread with the same code, whatever the split.
    expect(outs[1], `${dtypeInfo(type).name} ${isa}: 2 threads differ from 1`).toEqual(outs[0]);
  });
}

describe.skipIf(!nativeAddon)(nativeSuite('native matmul conformance'), () => {
  for (const type of TYPES) {
    const name = dtypeInfo(type).name;
    it(`${name}: native matches ref within NMSE ${MATMUL_NMSE[type]} (generic: exactly) on every ISA [F-NATIVE-3]`, () => {
      // Corners: one row, all rows, one and five tokens, smallest and largest row length.
      const lens = rowLengths(type);
      for (const [nIn, nOut, nTok] of [
        [lens[0], 1, 1],
        [lens[0], 1, 5],
        [lens[lens.length - 1], MAX_ROWS, 1],
        [lens[lens.length - 1], 17, 5],
      ]) {
        conform(type, nIn, nOut, nTok, nIn + nOut + nTok);
      }
      fc.assert(
        fc.property(
          fc.constantFrom(...lens),
          fc.integer({ min: 1, max: MAX_ROWS }),
          fc.integer({ min: 1, max: 5 }),
          fc.nat(),
          (nIn, nOut, nTok, seed) => conform(type, nIn, nOut, nTok, seed),
        ),
        { numRuns: 12 },
      );
    });
  }

  it('rejects bad arguments with TypeError/RangeError instead of reading out of bounds', () => {
    const addon = nativeAddon!;
    const w = weight(GGMLType.Q8_0, 32).rows(0, 4);
    const x = new Float32Array(64);
    const out = new Float32Array(8);
    expect(() => addon.matmul(w.data, GGMLType.Q8_1, 32, 4, x, 1, out)).toThrow(/no native kernel/);
    expect(() => addon.matmul(w.data, GGMLType.Q8_0, 33, 4, x, 1, out)).toThrow(/whole number of blocks/);
    expect(() => addon.matmul(w.data, GGMLType.Q8_0, 32, 5, x, 1, out)).toThrow(/bytes/);
    expect(() => addon.matmul(w.data, GGMLType.Q8_0, 32, 4, x, 3, out)).toThrow(/x is shorter/);
    expect(() => addon.matmul(w.data, GGMLType.Q8_0, 32, 4, x, 2, new Float32Array(7))).toThrow(/out is shorter/);
    expect(() => addon.matmul(w.data, GGMLType.Q8_0, 32, 4, x, 0, out)).toThrow(/positive/);
    expect(() => addon.matmul(w.data, GGMLType.Q8_0, 32, 4, x.subarray(0, 32) as unknown as Float32Array, 1, x.subarray(16, 20))).toThrow(/overlap/);
    expect(() => addon.matmul(x as unknown as Uint8Array, GGMLType.Q8_0, 32, 4, x, 1, out)).toThrow(TypeError);
  });
});
