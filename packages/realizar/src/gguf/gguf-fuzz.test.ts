import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GGMLType } from '@sovereign/trueno';
import { gguf, GGUFError, readGGUF, writeGGUF } from './index.js';

// A small valid file touching every reader path: all scalar types, string/number/bool arrays,
// nested arrays, a non-default alignment and tensors of plain and block-quantized types.
const valid = writeGGUF({
  metadata: [
    ['general.architecture', gguf.str('llama')],
    ['general.alignment', gguf.u32(64)],
    ['u8', gguf.u8(1)],
    ['i16', gguf.i16(-2)],
    ['u64', gguf.u64(3n)],
    ['f64', gguf.f64(0.25)],
    ['flag', gguf.bool(true)],
    ['tokens', gguf.arrStr(['<s>', '▁a', 'ü'])],
    ['scores', gguf.arrF32([0, -1, -2])],
    ['types', gguf.arrI32([3, 1, 1])],
    ['bools', gguf.arrBool([true, false])],
    ['nested', gguf.arrArr([gguf.arrU16([1, 2]), gguf.arrStr(['x']), gguf.arrArr([])])],
  ],
  tensors: [
    { name: 'a', type: GGMLType.F32, dims: [4, 2], data: new Uint8Array(32) },
    { name: 'b', type: GGMLType.Q8_0, dims: [32], data: new Uint8Array(34) },
    { name: 'c', type: GGMLType.F16, dims: [2, 1, 1, 3], data: new Uint8Array(12) },
  ],
});
const headerEnd = readGGUF(valid).dataOffset;

/** Parses `bytes`; passes if it succeeds or throws a GGUFError (never another type). */
function parsesOrGGUFError(bytes: Uint8Array): void {
  try {
    const f = readGGUF(bytes);
    // Whatever parsed must be internally consistent.
    for (const t of f.tensors) {
      expect(t.fileOffset + t.byteSize).toBeLessThanOrEqual(bytes.length);
      expect(t.data.buffer).toBe(bytes.buffer);
    }
  } catch (e) {
    if (!(e instanceof GGUFError)) throw new Error(`non-GGUF error: ${String(e)}`, { cause: e });
  }
}

describe('GGUF reader fuzzing', () => {
  it('gguf fuzz: flipping random bytes yields a parse or a GGUFError, never a crash or hang [F-GGUF-5]', () => {
    const t0 = performance.now();
    fc.assert(
      fc.property(
        // Mostly in the header/KV/tensor-info region, where every byte is structural.
        fc.array(fc.tuple(fc.oneof(fc.nat(headerEnd - 1), fc.nat(valid.length - 1)), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        (flips) => {
          const b = valid.slice();
          for (const [pos, x] of flips) b[pos] ^= x;
          parsesOrGGUFError(b);
        },
      ),
      { numRuns: 3000 },
    );
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('gguf fuzz: overwriting a u32/u64 field with extreme values yields a parse or a GGUFError [F-GGUF-6]', () => {
    const extremes = [0, 1, 0xff, 0xffff_ffff, 0x8000_0000, 0x7fff_ffff, 12, 13, 64];
    fc.assert(
      fc.property(fc.nat(headerEnd - 4), fc.constantFrom(...extremes), fc.constantFrom(...extremes), (pos, lo, hi) => {
        const b = valid.slice();
        const dv = new DataView(b.buffer);
        dv.setUint32(pos, lo, true);
        if (pos + 8 <= b.length) dv.setUint32(pos + 4, hi, true);
        parsesOrGGUFError(b);
      }),
      { numRuns: 3000 },
    );
  });

  it('gguf fuzz: truncating at a random offset yields a GGUFError (or a parse, if only padding was cut) [F-GGUF-7]', () => {
    fc.assert(
      fc.property(fc.nat(valid.length), (cut) => {
        parsesOrGGUFError(valid.subarray(0, cut));
        // A cut before the end of the last tensor must fail.
        const lastEnd = Math.max(...readGGUF(valid).tensors.map((t) => t.fileOffset + t.byteSize));
        if (cut < lastEnd) expect(() => readGGUF(valid.subarray(0, cut))).toThrow(GGUFError);
      }),
      { numRuns: 1000 },
    );
  });

  it('random bytes after a valid magic and version never escape as other errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.constantFrom(2, 3), (tail, version) => {
        const b = new Uint8Array(8 + tail.length);
        b.set([0x47, 0x47, 0x55, 0x46, version, 0, 0, 0]);
        b.set(tail, 8);
        parsesOrGGUFError(b);
      }),
      { numRuns: 3000 },
    );
  });
});
