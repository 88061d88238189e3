/**
 * matmul / getRows of the ref backend: ggml's mul_mat semantics (bit-exact composition of the
 * activation quantizer and vec_dot), closeness to a plain f32 dot of the dequantized weights, and
 * argument checks, over odd shapes: row lengths 1..1023 in whole blocks, 1..37 outputs, 1..5 tokens.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GGMLType, bytesFor, dtypeInfo } from '../dtype.js';
import { quantOps, quantize, vecDot } from '../quant/index.js';
import { Tensor } from '../tensor.js';
import { BackendArgumentError } from './backend.js';
import { RefBackend } from './ref-backend.js';
import { randomF32, randomWeight } from './test-support.js';

const WEIGHT_TYPES = [
  GGMLType.F32,
  GGMLType.F16,
  GGMLType.BF16,
  GGMLType.Q4_0,
  GGMLType.Q4_1,
  GGMLType.Q5_0,
  GGMLType.Q5_1,
  GGMLType.Q8_0,
  GGMLType.Q2_K,
  GGMLType.Q3_K,
  GGMLType.Q4_K,
  GGMLType.Q5_K,
  GGMLType.Q6_K,
] as const;

/** (type, nIn, nOut, nTok, seed) with nIn a whole number of blocks in 1..1023. */
function shape(type: GGMLType): fc.Arbitrary<[number, number, number, number]> {
  const bs = dtypeInfo(type).blockSize;
  const maxBlocks = Math.floor(1023 / bs);
  return fc.tuple(fc.integer({ min: 1, max: maxBlocks }).map((b) => b * bs), fc.integer({ min: 1, max: 37 }), fc.integer({ min: 1, max: 5 }), fc.nat());
}

const name = (t: GGMLType): string => dtypeInfo(t).name;

describe('ref backend matmul', () => {
  for (const type of WEIGHT_TYPES) {
    it(`matmul ${name(type)}: each output equals vec_dot(weight row, x row converted to vec_dot_type) bit for bit [F-BACKEND-1]`, () => {
      const be = new RefBackend();
      const ops = quantOps(type);
      fc.assert(
        fc.property(shape(type), ([nIn, nOut, nTok, seed]) => {
          const { w } = randomWeight(type, nIn, nOut, seed);
          const x = randomF32(seed + 1, nTok * nIn, 3);
          const out = new Float32Array(nTok * nOut);
          be.matmul(w, x, nTok, out);
          for (let t = 0; t < nTok; t++) {
            const y = quantize(ops.vecDotType, x.subarray(t * nIn, (t + 1) * nIn));
            for (let o = 0; o < nOut; o++) {
              const want = Math.fround(vecDot(type, nIn, w.row(o), y));
              if (!Object.is(out[t * nOut + o], want)) {
                throw new Error(`(${nIn}, ${nOut}, ${nTok}) token ${t} output ${o}: ${out[t * nOut + o]} != ${want}`);
              }
            }
          }
        }),
        { numRuns: type >= GGMLType.Q2_K ? 8 : 25 },
      );
    });

    it(`matmul ${name(type)}: close to the f32 dot of the dequantized weight, within the activation rounding [F-BACKEND-2]`, () => {
      const be = new RefBackend();
      const vt = quantOps(type).vecDotType;
      const bs = dtypeInfo(vt).blockSize;
      fc.assert(
        fc.property(shape(type), ([nIn, nOut, nTok, seed]) => {
          const { w, deq } = randomWeight(type, nIn, nOut, seed);
          const x = randomF32(seed + 7, nTok * nIn, 2);
          const out = new Float32Array(nTok * nOut);
          be.matmul(w, x, nTok, out);
          for (let t = 0; t < nTok; t++) {
            const xo = t * nIn;
            // Bound on |x_i - converted x_i|: half a quant step (amax/127 per block) for the 8-bit
            // activation types, a relative 2^-11 (f16) or 2^-8 (bf16) rounding, 0 for f32.
            const ex = new Float64Array(nIn);
            for (let b = 0; b < nIn; b += bs) {
              let amax = 0;
              for (let i = b; i < b + bs; i++) amax = Math.max(amax, Math.abs(x[xo + i]));
              for (let i = b; i < b + bs; i++) {
                const a = Math.abs(x[xo + i]);
                ex[i] = vt === GGMLType.F32 ? 0 : vt === GGMLType.F16 ? a * 2 ** -11 : vt === GGMLType.BF16 ? a * 2 ** -8 : amax / 127;
              }
            }
            for (let o = 0; o < nOut; o++) {
              let want = 0;
              let bound = 1e-5;
              let wmax = 0;
              let xabs = 0;
              for (let i = 0; i < nIn; i++) {
                const wi = deq[o * nIn + i];
                want += wi * x[xo + i];
                bound += Math.abs(wi) * ex[i] + 1e-6 * Math.abs(wi * x[xo + i]);
                wmax = Math.max(wmax, Math.abs(wi));
                xabs += Math.abs(x[xo + i]);
              }
              // Q8_1 keeps the block sum s = d·Σq as fp16 (used with the weight's min).
              if (vt === GGMLType.Q8_1) bound += wmax * xabs * 2 ** -10;
              const got = out[t * nOut + o];
              if (!(Math.abs(got - want) <= bound)) throw new Error(`(${nIn}, ${nOut}) token ${t} out ${o}: ${got} vs ${want}, bound ${bound}`);
            }
          }
        }),
        { numRuns: type >= GGMLType.Q2_K ? 6 : 20 },
      );
    });
  }

  it('matmul: batched rows equal one-token calls, and out past nTok rows is untouched [F-BACKEND-3]', () => {
    const be = new RefBackend();
    for (const type of [GGMLType.F32, GGMLType.F16, GGMLType.Q4_K, GGMLType.Q8_0]) {
      const nIn = 256;
      const nOut = 19;
      const { w } = randomWeight(type, nIn, nOut, 42);
      const x = randomF32(5, 5 * nIn);
      const out = new Float32Array(6 * nOut).fill(7);
      be.matmul(w, x, 5, out);
      for (let t = 0; t < 5; t++) {
        const one = new Float32Array(nOut);
        be.matmul(w, x.subarray(t * nIn), 1, one);
        expect(out.subarray(t * nOut, (t + 1) * nOut)).toEqual(one);
      }
      expect([...out.subarray(5 * nOut)].every((v) => v === 7)).toBe(true);
    }
  });

  it('matmul: unaligned f32/f16 weight bytes take the generic path with identical results', () => {
    const be = new RefBackend();
    for (const type of [GGMLType.F32, GGMLType.F16]) {
      const { w } = randomWeight(type, 64, 9, 3);
      const shifted = new Uint8Array(w.data.byteLength + 1).subarray(1);
      shifted.set(w.data);
      const w2 = Tensor.view('unaligned', type, [64, 9], shifted);
      const x = randomF32(9, 2 * 64);
      const a = new Float32Array(18);
      const b = new Float32Array(18);
      be.matmul(w, x, 2, a);
      be.matmul(w2, x, 2, b);
      expect(b).toEqual(a);
    }
  });

  it('matmul: rejects short x / out and a non-positive nTok with BackendArgumentError', () => {
    const be = new RefBackend();
    const { w } = randomWeight(GGMLType.Q8_0, 64, 4, 1);
    expect(() => be.matmul(w, new Float32Array(63), 1, new Float32Array(4))).toThrow(BackendArgumentError);
    expect(() => be.matmul(w, new Float32Array(64), 1, new Float32Array(3))).toThrow(/out needs \(1, 4\)/);
    expect(() => be.matmul(w, new Float32Array(64), 0, new Float32Array(4))).toThrow(BackendArgumentError);
  });

  it('matmul: scratch grows to the largest call and is then reused (no per-call allocation)', () => {
    const be = new RefBackend();
    const { w } = randomWeight(GGMLType.Q4_K, 512, 3, 1);
    const out = new Float32Array(4 * 3);
    be.matmul(w, randomF32(1, 4 * 512), 4, out);
    const held = be.scratch.bytes;
    expect(held).toBeGreaterThanOrEqual(4 * bytesFor(GGMLType.Q8_K, 512));
    for (let i = 0; i < 3; i++) be.matmul(w, randomF32(i, 512), 1, out);
    expect(be.scratch.bytes).toBe(held);
  });
});

describe('ref backend getRows', () => {
  it('getRows: each row equals the dequantized weight row, for every type [F-BACKEND-4]', () => {
    const be = new RefBackend();
    for (const type of WEIGHT_TYPES) {
      const nIn = dtypeInfo(type).blockSize === 1 ? 48 : 2 * dtypeInfo(type).blockSize;
      const { w, deq } = randomWeight(type, nIn, 11, type);
      const ids = [10, 0, 3, 3];
      const out = new Float32Array(ids.length * nIn);
      be.getRows(w, ids, out);
      ids.forEach((id, t) => expect(out.subarray(t * nIn, (t + 1) * nIn)).toEqual(deq.subarray(id * nIn, (id + 1) * nIn)));
    }
  });

  it('getRows: an id out of range names the tensor and the range', () => {
    const { w } = randomWeight(GGMLType.F32, 8, 5, 1);
    expect(() => new RefBackend().getRows(w, [5], new Float32Array(8))).toThrow(/row id 5 .* out of range 0\.\.4/);
  });
});
