/**
 * Shared property suite for the 32-value block quants (q4_0 q4_1 q5_0 q5_1 q8_0 q8_1): each
 * `src/quant/<type>.test.ts` calls {@link blockQuantSuite} with its kernels, and may add tests of
 * its own. Test names carry falsification ids `[F-<TYPE>-n]`, n = 1..8 here (files add 9+).
 *
 * Error metrics are ggml's tests/test-quantize-fns.cpp: synthetic data `0.1 + 2*cos(i + offset)`,
 * `array_rmse` = sqrt(sum of squared differences) / n (note: / n, not / sqrt(n)), thresholds
 * MAX_QUANTIZATION_TOTAL_ERROR = 0.002 and MAX_DOT_PRODUCT_ERROR = 0.02 at n = 4096.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesFor, dtypeInfo } from '../src/dtype.js';
import { fp16ToFp32, fp32ToFp16 } from '../src/quant/fp16.js';
import { q8_0Ops } from '../src/quant/q8-0.js';
import { q8_1Ops } from '../src/quant/q8-1.js';
import type { QuantOps } from '../src/quant/quant-ops.js';
import { type GgmlOracle, isSkip, loadGgmlOracle } from './ggml-oracle.js';

/** What a block type's suite needs to know beyond its kernels. */
export interface BlockQuantSpec {
  readonly ops: QuantOps;
  /** Falsification id stem, e.g. 'Q4_0'. */
  readonly id: string;
  /** True for the `_1` types whose block has an fp16 minimum / sum at byte 2 after d. */
  readonly hasMin: boolean;
  /** ggml has a dequantize_row for the type (q8_1 has none). */
  readonly ggmlDequantize: boolean;
  /**
   * Integer levels [lo, hi] such that a block holding lo * 2^e and hi * 2^e gets d = 2^e exactly
   * (q4_0: [-8, 7], q4_1: [-7, 8], ...): values at half steps then land on rounding boundaries,
   * where float-vs-double slips in the quantizer would show.
   */
  readonly grid: readonly [number, number];
}

/** ggml test-quantize-fns thresholds. */
export const MAX_QUANTIZATION_TOTAL_ERROR = 0.002;
export const MAX_DOT_PRODUCT_ERROR = 0.02;
/** test-quantize-fns' test_size. */
export const GGML_TEST_SIZE = 32 * 128;

/** ggml's generate_data: `0.1 + amplitude*cosf(i + offset)` with its float/double mix. */
export function generateData(offset: number, n: number, amplitude = 2): Float32Array {
  const dst = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    dst[i] = 0.1 + Math.fround(amplitude * Math.fround(Math.cos(Math.fround(i + offset))));
  }
  return dst;
}

/** ggml's array_rmse: sqrt(sum((a - b)^2)) / n, accumulated in double. */
export function arrayRmse(a: Float32Array, b: Float32Array, n = a.length): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (a[i] - b[i]) ** 2;
  return Math.fround(Math.sqrt(sum) / n);
}

/** ggml's dot_product: float products summed in double. */
export function dotProduct(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.fround(a[i] * b[i]);
  return Math.fround(sum);
}

/** quantize then dequantize `x` (length whole blocks). */
export function roundTrip(ops: QuantOps, x: Float32Array): { q: Uint8Array; y: Float32Array } {
  const q = new Uint8Array(bytesFor(ops.type, x.length));
  ops.quantizeRow(x, q);
  const y = new Float32Array(x.length);
  ops.dequantizeRow(q, y);
  return { q, y };
}

/** True when the float32 bit patterns of `a` and `b` are identical (NaN payloads included). */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return ua.every((v, i) => v === ub[i]);
}

/** Index of the first differing byte, or -1. */
function firstDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  return a.findIndex((v, i) => v !== b[i]);
}

const padTo = (len: number, qk: number) => Math.ceil(len / qk) * qk;

/** `n` uniform values in [-scale, scale) from a small seeded PRNG (mulberry32). */
export function uniformRow(seed: number, n: number, scale: number): Float32Array {
  let t = seed >>> 0;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), t | 1);
    r ^= r + Math.imul(r ^ (r >>> 7), r | 61);
    x[i] = ((((r ^ (r >>> 14)) >>> 0) / 2 ** 32) * 2 - 1) * scale;
  }
  return x;
}

/** test-quantize-fns' two metrics for `ops` at n = 4096: total round-trip error and dot error. */
export function measureErrors(ops: QuantOps): { total: number; dot: number } {
  const x = generateData(0, GGML_TEST_SIZE);
  const x2 = generateData(1, GGML_TEST_SIZE);
  const qx = roundTrip(ops, x);
  const qy = roundTrip(opsFor(ops.vecDotType), x2).q;
  const total = arrayRmse(x, qx.y);
  const dot = Math.abs(ops.vecDot(GGML_TEST_SIZE, qx.q, qy) - dotProduct(x, x2)) / GGML_TEST_SIZE;
  return { total, dot };
}

// The vec_dot partner types, imported directly (not via ./index.js, which also loads K-quants).
const PARTNERS = new Map<number, QuantOps>([q8_0Ops, q8_1Ops].map((o) => [o.type, o]));
function opsFor(type: number): QuantOps {
  const o = PARTNERS.get(type);
  if (!o) throw new Error(`no vec_dot partner kernels for type ${dtypeInfo(type).name}: expected q8_0 or q8_1`);
  return o;
}

/**
 * Starts the ggml oracle in `beforeAll` and stops it in `afterAll` of the calling file; tests read
 * `.oracle` (undefined when unavailable, with the reason in `.skipReason`, printed once).
 */
export function useGgmlOracle(label: string): { readonly oracle: GgmlOracle | undefined; readonly skipReason: string } {
  const state = { oracle: undefined as GgmlOracle | undefined, skipReason: '' };
  beforeAll(async () => {
    const o = await loadGgmlOracle();
    if (isSkip(o)) {
      state.skipReason = o.skip;
      console.warn(`${label}: ggml oracle tests skipped: ${o.skip}`);
    } else state.oracle = o;
  });
  afterAll(async () => state.oracle?.close());
  return state;
}

/**
 * Blocks on a power-of-two grid (see {@link BlockQuantSpec.grid}): the two anchor levels, then
 * half-step values (k + 0.5) * 2^e nudged by -2..2 float ulps, so x / d + offset sits on a
 * rounding boundary in float.
 */
function gridBlocks(qk: number, [lo, hi]: readonly [number, number]): fc.Arbitrary<Float32Array> {
  const block = fc
    .tuple(
      fc.integer({ min: -24, max: 10 }),
      fc.array(fc.tuple(fc.integer({ min: lo, max: hi - 1 }), fc.integer({ min: -2, max: 2 })), { minLength: qk - 2, maxLength: qk - 2 }),
    )
    .map(([e, vals]) => {
      const x = new Float32Array(qk);
      const bits = new Int32Array(x.buffer);
      x[0] = lo * 2 ** e;
      x[1] = hi * 2 ** e;
      vals.forEach(([k, nudge], j) => {
        x[j + 2] = (k + 0.5) * 2 ** e;
        if (x[j + 2] !== 0) bits[j + 2] += nudge;
      });
      return x;
    });
  return fc.array(block, { minLength: 1, maxLength: 5 }).map((bs) => {
    const x = new Float32Array(bs.length * qk);
    bs.forEach((b, i) => x.set(b, i * qk));
    return x;
  });
}

/** Registers the eight shared properties of one block type. */
export function blockQuantSuite(spec: BlockQuantSpec): void {
  const { ops, id } = spec;
  const info = dtypeInfo(ops.type);
  const name = info.name;
  const qk = info.blockSize;
  const vops = opsFor(ops.vecDotType);
  const ggml = useGgmlOracle(name);

  describe(`${name} shared properties`, () => {
    it(`${name}: round-trip error within ggml threshold [F-${id}-1]`, () => {
      // test-quantize-fns bounds sqrt(sum sq)/4096 < 0.002, i.e. an rms error < 0.002 * sqrt(4096)
      // = 0.128 on its data; we hold every length to that rms, measured on the unpadded values.
      const rmsLimit = MAX_QUANTIZATION_TOTAL_ERROR * Math.sqrt(GGML_TEST_SIZE);
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 1023 }), fc.double({ min: 0, max: 100, noNaN: true }), (len, offset) => {
          const x = new Float32Array(padTo(len, qk));
          x.set(generateData(offset, len));
          const { y } = roundTrip(ops, x);
          const rms = arrayRmse(x, y, len) * Math.sqrt(len);
          expect(rms).toBeLessThan(rmsLimit);
        }),
        { numRuns: 60 },
      );
      const { total, dot } = measureErrors(ops);
      console.log(`${name}: test-quantize-fns n=4096 total error ${total.toFixed(6)} (< 0.002), dot error ${dot.toFixed(6)} (< 0.02)`);
      expect(total).toBeLessThan(MAX_QUANTIZATION_TOTAL_ERROR);
    });

    it(`${name}: dot-product error within ggml threshold [F-${id}-2]`, () => {
      fc.assert(
        fc.property(fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (o1, o2) => {
          const x1 = generateData(o1, GGML_TEST_SIZE);
          const x2 = generateData(o2, GGML_TEST_SIZE);
          const got = ops.vecDot(GGML_TEST_SIZE, roundTrip(ops, x1).q, roundTrip(vops, x2).q);
          expect(Math.abs(got - dotProduct(x1, x2)) / GGML_TEST_SIZE).toBeLessThan(MAX_DOT_PRODUCT_ERROR);
        }),
        { numRuns: 15 },
      );
    });

    it(`${name}: vecDot equals the dot of the dequantized rows [F-${id}-3]`, () => {
      const row = fc.integer({ min: 1, max: 1023 }).chain((len) =>
        fc.tuple(
          fc.float32Array({ minLength: len, maxLength: len, min: -1000, max: 1000, noNaN: true }),
          fc.float32Array({ minLength: len, maxLength: len, min: -1000, max: 1000, noNaN: true }),
        ),
      );
      fc.assert(
        fc.property(row, ([a, b]) => {
          const n = padTo(a.length, qk);
          const x = new Float32Array(n);
          const w = new Float32Array(n);
          x.set(a);
          w.set(b);
          const qx = roundTrip(ops, x);
          const qy = roundTrip(vops, w);
          let ref = 0;
          let abs = 0;
          for (let i = 0; i < n; i++) {
            ref += qx.y[i] * qy.y[i];
            abs += Math.abs(qx.y[i] * qy.y[i]);
          }
          // ggml sums blocks in float: allow (blocks + 4) float roundings of the absolute sum. The
          // _1 types also use y's stored s = fp16(d * sum(q)) (d unrounded), which differs from the
          // dequantized sum by fp16 rounding: 2^-11 relative per rounding, or 2^-25 absolute per
          // rounded d or s when they are fp16 subnormals (|sum(q)| <= 32 * 127).
          const nb = n / qk;
          let sTerm = 0;
          let sTol = 0;
          for (let b0 = 0; spec.hasMin && b0 < n; b0 += qk) {
            const mo = (b0 / qk) * info.typeSize + 2;
            const m = Math.abs(fp16ToFp32(qx.q[mo] | (qx.q[mo + 1] << 8)));
            let s = 0;
            let sAbs = 0;
            for (let j = 0; j < qk; j++) {
              s += qy.y[b0 + j];
              sAbs += Math.abs(qy.y[b0 + j]);
            }
            sTerm += Math.abs(m * s);
            sTol += m * (2 ** -10 * 1.01 * sAbs + 2 ** -25 * (1 + 32 * 127));
          }
          const tol = (nb + 4) * 2 ** -23 * (abs + sTerm) + sTol + 1e-30;
          expect(Math.abs(ops.vecDot(n, qx.q, qy.q) - ref)).toBeLessThanOrEqual(tol);
        }),
        { numRuns: 40 },
      );
    });

    it(`${name}: dequantize is linear in the block scale [F-${id}-4]`, () => {
      // Doubling the fp16 d (and, for _1 types, the fp16 m/s too) doubles every output exactly:
      // q*(2d) and 2(q*d + m) are exact doublings in float as long as nothing overflows.
      fc.assert(
        fc.property(fc.float32Array({ minLength: qk, maxLength: qk, min: -1e4, max: 1e4, noNaN: true }), (x) => {
          const { q, y } = roundTrip(ops, x);
          const scaled = q.slice();
          const fields = spec.hasMin ? [0, 2] : [0];
          for (const off of fields) {
            const v = fp16ToFp32(q[off] | (q[off + 1] << 8)) * 2;
            const h = fp32ToFp16(v);
            if (fp16ToFp32(h) !== v) return; // 2v overflows fp16: property does not apply
            scaled[off] = h & 0xff;
            scaled[off + 1] = h >>> 8;
          }
          const y2 = new Float32Array(qk);
          ops.dequantizeRow(scaled, y2);
          for (let i = 0; i < qk; i++) expect(y2[i]).toBe(2 * y[i]);
        }),
        { numRuns: 200 },
      );
    });

    it(`${name}: constant, zero, huge and subnormal blocks stay finite where ggml's are [F-${id}-5]`, async () => {
      const oracle = ggml.oracle;
      // Inputs whose scale fits fp16 must decode to finite values close to the input. Beyond
      // fp16's range ggml's d = amax/levels overflows to ±inf (GGML_FP32_TO_FP16 gives inf) and
      // its dequantized values are ±inf or NaN (0 * inf); we mirror ggml byte for byte there and
      // assert that d is infinite rather than pretend the output is meaningful.
      const cases: [string, number[]][] = [
        ['zero', [0]],
        ['constant 3.5', [3.5]],
        ['constant -7', [-7]],
        ['+-65504', [65504, -65504]],
        ['fp32 subnormal', [1e-40, -3e-41]],
        ['fp16 subnormal', [3e-6, -5e-7]],
        ['tiny and large mix', [1e-30, 1000]],
      ];
      for (const [label, vals] of cases) {
        const x = new Float32Array(qk).map((_, i) => vals[i % vals.length]);
        const { y } = roundTrip(ops, x);
        for (let i = 0; i < qk; i++) {
          expect(Number.isFinite(y[i]), `${label}[${i}] = ${y[i]}`).toBe(true);
          // Error within a step (d <= amax * 2 / levels) plus fp16 rounding of d and m: 2^-9
          // relative, or 2^-25 absolute per unit of q where d is an fp16 subnormal. ggml loses
          // blocks with amax/levels below 2^-25: d rounds to 0 and they decode to zeros.
          const amax = Math.max(...vals.map(Math.abs));
          const bound = amax / 7 + amax * 2 ** -9 + 2 ** -25 * 129;
          expect(Math.abs(y[i] - x[i]), label).toBeLessThanOrEqual(bound);
        }
      }
      for (const huge of [1e30, -1e30, 3e38]) {
        const x = new Float32Array(qk).fill(1).map((v, i) => (i === 5 ? huge : v));
        const { q } = roundTrip(ops, x);
        expect(Number.isFinite(fp16ToFp32(q[0] | (q[1] << 8))), `d of a block holding ${huge}`).toBe(false);
        if (oracle) expect(firstDiff(q, await oracle.quantize(name, x))).toBe(-1);
      }
    });

    it(`${name}: unaligned block views decode like aligned ones [F-${id}-6]`, () => {
      const x = generateData(0.5, qk * 3);
      const { q, y } = roundTrip(ops, x);
      const vq = roundTrip(vops, generateData(2, qk * 3)).q;
      const want = ops.vecDot(qk * 3, q, vq);
      for (const off of [1, 3]) {
        const big = new Uint8Array(q.length + off);
        big.set(q, off);
        const yv = new Float32Array(qk * 3);
        ops.dequantizeRow(big.subarray(off), yv);
        expect(sameBits(yv, y)).toBe(true);
        const bigY = new Uint8Array(vq.length + off);
        bigY.set(vq, off);
        expect(ops.vecDot(qk * 3, big.subarray(off), bigY.subarray(off))).toBe(want);
      }
    });

    it(`${name}: quantize and dequantize are byte-exact with ggml [F-${id}-7]`, async ({ skip }) => {
      const o = ggml.oracle;
      if (!o) return skip(ggml.skipReason);
      // Any float32 bit pattern (NaN, inf, subnormal, -0 included), 1..33 blocks (odd counts too).
      const rows = fc.oneof(
        fc.integer({ min: 1, max: 33 }).chain((nb) =>
          fc.oneof(
            fc.float32Array({ minLength: nb * qk, maxLength: nb * qk }),
            fc.float32Array({ minLength: nb * qk, maxLength: nb * qk, min: -4, max: 4, noNaN: true }),
          ),
        ),
        gridBlocks(qk, spec.grid),
      );
      await fc.assert(
        fc.asyncProperty(rows, fc.uint8Array({ minLength: info.typeSize * 5, maxLength: info.typeSize * 5 }), async (x, raw) => {
          const mine = roundTrip(ops, x);
          const theirs = await o.quantize(name, x);
          expect(firstDiff(mine.q, theirs), 'first differing quantized byte').toBe(-1);
          if (!spec.ggmlDequantize) return;
          expect(sameBits(mine.y, await o.dequantize(name, theirs, x.length)), 'dequantize of ggml bytes').toBe(true);
          const yRaw = new Float32Array(qk * 5);
          ops.dequantizeRow(raw, yRaw);
          expect(sameBits(yRaw, await o.dequantize(name, raw, qk * 5)), 'dequantize of random bytes').toBe(true);
        }),
        { numRuns: 80 },
      );
    });

    it(`${name}: vecDot is bit-exact with ggml's scalar vec_dot [F-${id}-8]`, async ({ skip }) => {
      const o = ggml.oracle;
      if (!o) return skip(ggml.skipReason);
      const vname = dtypeInfo(ops.vecDotType).name;
      // ggml has no q8_1 x q8_1 kernel (q8_1 is only ever the activation side): probe first.
      const probe = roundTrip(ops, new Float32Array(qk)).q;
      const probeY = roundTrip(vops, new Float32Array(qk)).q;
      const missing = await o.vecDot(name, vname, qk, probe, probeY).then(
        () => '',
        (e: Error) => e.message,
      );
      if (missing) return skip(`no ggml vec_dot for ${name} x ${vname}: ${missing}`);
      // Dense uniform rows (fast-check's float arrays favour 0 and the bounds, which makes most
      // block sums trivially exact); scales 2^-10 .. 2^10.
      const rows = fc
        .tuple(fc.integer({ min: 1, max: 33 }), fc.integer(), fc.integer({ min: -10, max: 10 }))
        .map(([nb, seed, e]) => [uniformRow(seed, nb * qk, 2 ** e), uniformRow(seed ^ 0x5bd1e995, nb * qk, 1)]);
      await fc.assert(
        fc.asyncProperty(rows, async ([a, b]) => {
          const qa = roundTrip(ops, a).q;
          const qb = roundTrip(vops, b).q;
          const mine = ops.vecDot(a.length, qa, qb);
          const theirs = await o.vecDot(name, vname, a.length, qa, qb);
          expect(Object.is(mine, theirs) || (Number.isNaN(mine) && Number.isNaN(theirs)), `${mine} vs ggml ${theirs}`).toBe(true);
        }),
        { numRuns: 60 },
      );
    });
  });
}
