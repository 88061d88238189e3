import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  minK4,
  nearestInt,
  packScaleMinK4,
  readF16,
  readF32,
  readI16,
  scaleK4,
  writeF16,
  writeF32,
} from './k-quant-common.js';
import { scaleQ3K } from './q3-k.js';

/** Round half to even, the rounding ggml's magic-number nearest_int performs in range. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Independent statement of ggml's nearest_int bit trick, through a DataView. */
function nearestIntBits(x: number): number {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, Math.fround(x + 12582912));
  return (dv.getInt32(0) & 0x007fffff) - 0x00400000;
}

const f32 = (opts: Parameters<typeof fc.float>[0] = {}) => fc.float(opts);

describe('k-quant helpers', () => {
  it('nearest_int: round half to even for |x| ≤ 4194303 [F-KQ-NEAREST-1]', () => {
    fc.assert(
      fc.property(f32({ min: -4194303, max: 4194303, noNaN: true }), (x) => {
        expect(nearestInt(x)).toBe(roundHalfEven(x) + 0);
      }),
      { numRuns: 2000 },
    );
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 4194302.5].map(nearestInt)).toEqual([0, 2, 2, 0, -2, -2, 4194302]);
  });

  it('nearest_int: out of range and non-finite give ggml bit pattern (NaN → 0) [F-KQ-NEAREST-2]', () => {
    fc.assert(
      fc.property(f32(), (x) => {
        expect(nearestInt(x)).toBe(nearestIntBits(x));
      }),
      { numRuns: 2000 },
    );
    expect(nearestInt(Number.NaN)).toBe(0);
    expect(nearestInt(Infinity)).toBe(nearestIntBits(Infinity));
  });

  it('get_scale_min_k4 reads back what the Q4_K/Q5_K packer wrote [F-KQ-SCALES-1]', () => {
    const six = fc.array(fc.integer({ min: 0, max: 63 }), { minLength: 8, maxLength: 8 });
    fc.assert(
      fc.property(six, six, fc.integer({ min: 0, max: 5 }), (ls, lm, off) => {
        const buf = new Uint8Array(12 + off);
        for (let j = 0; j < 8; j++) packScaleMinK4(buf, off, j, ls[j], lm[j]);
        for (let j = 0; j < 8; j++) {
          expect(scaleK4(j, buf, off)).toBe(ls[j]);
          expect(minK4(j, buf, off)).toBe(lm[j]);
        }
      }),
    );
  });

  it('Q3_K 6-bit scales decode as ggml documents the 12-byte layout [F-KQ-SCALES-2]', () => {
    // Scale j: low nibble in byte j (j < 8) or high nibble of byte j−8, top 2 bits in byte 8 + j%4.
    const buf = new Uint8Array(12);
    const want = Array.from({ length: 16 }, (_, j) => (j * 23 + 5) % 64);
    for (let j = 0; j < 16; j++) {
      if (j < 8) buf[j] |= want[j] & 0xf;
      else buf[j - 8] |= (want[j] & 0xf) << 4;
      buf[8 + (j % 4)] |= (want[j] >> 4) << (2 * Math.floor(j / 4));
    }
    expect(Array.from({ length: 16 }, (_, j) => scaleQ3K(j, buf, 0))).toEqual(want);
  });

  it('fp16/f32/i16 accessors work at any byte offset [F-KQ-IO-1]', () => {
    fc.assert(
      fc.property(f32({ noNaN: true }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: -32768, max: 32767 }), (x, off, i16) => {
        const buf = new Uint8Array(16);
        writeF32(buf, off, x);
        expect(readF32(buf, off)).toBe(Math.fround(x));
        expect(new DataView(buf.buffer).getFloat32(off, true)).toBe(Math.fround(x));
        writeF16(buf, off + 4, 1.5);
        expect(readF16(buf, off + 4)).toBe(1.5);
        new DataView(buf.buffer).setInt16(off + 6, i16, true);
        expect(readI16(buf, off + 6)).toBe(i16);
      }),
    );
  });
});
