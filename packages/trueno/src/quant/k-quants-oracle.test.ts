/**
 * Byte-exactness of the K-quant reference kernels against llama.cpp's own
 * `quantize_row_<t>_ref` / `dequantize_row_<t>` (libggml-base.so via the test oracle).
 * Skips, printing why, where the oracle cannot run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GgmlOracle, isSkip, loadGgmlOracle } from '../../test/ggml-oracle.js';
import { DISTRIBUTIONS, firstBitDiff, firstByteDiff, rng } from '../../test/k-quant-data.js';
import { QK_K, dtypeByName } from '../dtype.js';
import { q2_KOps } from './q2-k.js';
import { q3_KOps } from './q3-k.js';
import { q4_KOps } from './q4-k.js';
import { q5_KOps } from './q5-k.js';
import { q6_KOps } from './q6-k.js';
import { q8_KOps } from './q8-k.js';
import type { QuantOps } from './quant-ops.js';

const TYPES: ReadonlyArray<[string, QuantOps]> = [
  ['q2_K', q2_KOps],
  ['q3_K', q3_KOps],
  ['q4_K', q4_KOps],
  ['q5_K', q5_KOps],
  ['q6_K', q6_KOps],
  ['q8_K', q8_KOps],
];
const BLOCK_COUNTS = [1, 3, 7];

let oracle: GgmlOracle | undefined;
let skipReason = '';

beforeAll(async () => {
  const o = await loadGgmlOracle();
  if (isSkip(o)) {
    skipReason = o.skip;
    console.warn(`K-quant oracle tests skipped: ${o.skip}`);
  } else {
    oracle = o;
  }
});

afterAll(async () => {
  await oracle?.close();
});

function quantize(ops: QuantOps, name: string, x: Float32Array, byteOffset = 0): Uint8Array {
  const size = (x.length / QK_K) * dtypeByName(name).typeSize;
  // Deliberately misaligned destination views catch any typed-array-alignment assumption.
  const backing = new Uint8Array(size + byteOffset);
  const dst = backing.subarray(byteOffset);
  ops.quantizeRow(x, dst);
  return dst;
}

function describeDiff(name: string, what: string, at: number, typeSize: number): string {
  return `${name} ${what}: first difference at byte ${at} (block ${Math.floor(at / typeSize)}, offset ${at % typeSize})`;
}

/** Random input mixing the distributions block by block, with a few special values sprinkled in. */
function mixedInput(blocks: number, seed: number): Float32Array {
  const names = Object.keys(DISTRIBUTIONS);
  const out = new Float32Array(blocks * QK_K);
  const r = rng(seed);
  for (let b = 0; b < blocks; b++) {
    out.set(DISTRIBUTIONS[names[Math.floor(r() * names.length)]](QK_K, seed * 31 + b), b * QK_K);
  }
  return out;
}

describe('K-quants vs ggml (byte-exact)', () => {
  for (const [name, ops] of TYPES) {
    const typeSize = dtypeByName(name).typeSize;

    it(`${name}: quantize bytes equal ggml's quantize_row_${name}_ref on every distribution [F-${name.toUpperCase()}-ORACLE-Q]`, async ({
      skip,
    }) => {
      if (!oracle) return skip(skipReason);
      for (const [dist, gen] of Object.entries(DISTRIBUTIONS)) {
        for (const blocks of BLOCK_COUNTS) {
          const x = gen(blocks * QK_K, blocks * 7919 + dist.length);
          const ours = quantize(ops, name, x, blocks);
          const theirs = await oracle.quantize(name, x);
          const at = firstByteDiff(ours, theirs);
          expect(at, describeDiff(name, `${dist} × ${blocks} blocks`, at, typeSize)).toBe(-1);
        }
      }
    });

    it(`${name}: quantize bytes equal ggml on mixed random rows [F-${name.toUpperCase()}-ORACLE-MIX]`, async ({ skip }) => {
      if (!oracle) return skip(skipReason);
      const inputs = [1, 2, 3, 4, 5, 6].map((seed) => mixedInput(2 * seed - 1, seed));
      const theirs = await Promise.all(inputs.map((x) => oracle!.quantize(name, x)));
      inputs.forEach((x, k) => {
        const at = firstByteDiff(quantize(ops, name, x), theirs[k]);
        expect(at, describeDiff(name, `mixed seed ${k + 1}`, at, typeSize)).toBe(-1);
      });
    });

    it(`${name}: dequantize equals ggml's dequantize_row_${name} bit for bit [F-${name.toUpperCase()}-ORACLE-DQ]`, async ({
      skip,
    }) => {
      if (!oracle) return skip(skipReason);
      // Random bytes exercise every code (and odd scales); fp16/f32 scales are then made finite so
      // the comparison is about the decoding, not NaN payloads.
      const r = rng(name.length * 101);
      for (const blocks of [1, 5]) {
        const raw = new Uint8Array(blocks * typeSize + 3);
        for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(r() * 256);
        const bytes = raw.subarray(3);
        sanitizeScales(name, bytes, typeSize);
        const ours = new Float32Array(blocks * QK_K);
        ops.dequantizeRow(bytes, ours);
        const theirs = await oracle.dequantize(name, bytes.slice(), blocks * QK_K);
        expect(firstBitDiff(ours, theirs), `${name} random bytes × ${blocks}`).toBe(-1);
      }
      for (const [dist, gen] of Object.entries(DISTRIBUTIONS)) {
        const x = gen(3 * QK_K, 17);
        const bytes = await oracle.quantize(name, x);
        const ours = new Float32Array(x.length);
        ops.dequantizeRow(bytes, ours);
        const theirs = await oracle.dequantize(name, bytes, x.length);
        expect(firstBitDiff(ours, theirs), `${name} ${dist}`).toBe(-1);
      }
    });
  }
});

describe('K-quants vs ggml: degenerate rows', () => {
  it('q8_K: an all-zero block matches ggml except bsums, which ggml leaves unwritten and we zero [F-Q8_K-ORACLE-ZERO]', async ({
    skip,
  }) => {
    if (!oracle) return skip(skipReason);
    const x = DISTRIBUTIONS.gaussian(3 * QK_K, 5);
    x.fill(0, QK_K, 2 * QK_K);
    const ours = quantize(q8_KOps, 'q8_K', x);
    const theirs = await oracle.quantize('q8_K', x);
    // quantize_row_q8_K_ref skips the bsums store when amax == 0; everything else must match.
    const zeroBsums = { from: 292 + 260, to: 2 * 292 };
    expect(firstByteDiff(ours.subarray(0, zeroBsums.from), theirs.subarray(0, zeroBsums.from))).toBe(-1);
    expect(firstByteDiff(ours.subarray(zeroBsums.to), theirs.subarray(zeroBsums.to))).toBe(-1);
    expect([...ours.subarray(zeroBsums.from, zeroBsums.to)].every((b) => b === 0)).toBe(true);
  });

  for (const [name, ops] of TYPES.filter(([n]) => n !== 'q8_K')) {
    it(`${name}: zero, constant, huge and subnormal rows match ggml byte for byte [F-${name.toUpperCase()}-ORACLE-EDGE]`, async ({
      skip,
    }) => {
      if (!oracle) return skip(skipReason);
      const fills: Array<(i: number) => number> = [
        () => 0,
        () => 3.25,
        () => -7.5,
        (i) => (i % 2 ? 1e6 : -1e6),
        (i) => (i % 3 === 0 ? 1e-40 : -3e-42),
        (i) => (i % 16 === 0 ? 1e30 : 1),
        (i) => [Number.NaN, Infinity, -Infinity, 1][i % 4],
      ];
      for (const [k, f] of fills.entries()) {
        const x = Float32Array.from({ length: 2 * QK_K }, (_, i) => f(i));
        const at = firstByteDiff(quantize(ops, name, x), await oracle.quantize(name, x));
        expect(at, `${name} edge row ${k}: first differing byte ${at}`).toBe(-1);
      }
    });
  }
});

/** Byte offsets of the fp16 (or, for q8_K, f32) scales inside one block. */
const SCALE_OFFSETS: Record<string, number[]> = {
  q2_K: [80, 82],
  q3_K: [108],
  q4_K: [0, 2],
  q5_K: [0, 2],
  q6_K: [208],
};

function sanitizeScales(name: string, bytes: Uint8Array, typeSize: number): void {
  for (let b = 0; b < bytes.length / typeSize; b++) {
    const o = b * typeSize;
    if (name === 'q8_K') {
      // Exponent byte 0x3c..0x3f: |d| in [2^-7, 2) — finite.
      bytes[o + 3] = (bytes[o + 3] & 0x83) | 0x3c;
      continue;
    }
    for (const so of SCALE_OFFSETS[name]) bytes[o + so + 1] &= 0x3b; // fp16 exponent < 31
  }
}
