import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GGMLType } from './dtype.js';
import { Tensor, TensorShapeError } from './tensor.js';

describe('Tensor views', () => {
  it('tensor: row and rows views share the backing buffer [F-TENSOR-1]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 64 }), (blocks, rows, pad) => {
        const backing = new Uint8Array(pad + blocks * 18 * rows + 7);
        const data = backing.subarray(pad, pad + blocks * 18 * rows);
        const t = Tensor.view('w', GGMLType.Q4_0, [blocks * 32, rows], data);
        expect(t.rowBytes).toBe(blocks * 18);
        for (let r = 0; r < rows; r++) {
          const row = t.row(r);
          expect(row.buffer).toBe(backing.buffer);
          expect(row.byteOffset).toBe(pad + r * blocks * 18);
        }
        const sub = t.rows(rows - 1, 1);
        expect(sub.data.buffer).toBe(backing.buffer);
        expect(sub.shape).toEqual([blocks * 32, 1]);
      }),
    );
  });

  it('rejects shapes that do not match the bytes or the block size', () => {
    expect(() => Tensor.view('w', GGMLType.Q4_0, [33, 2], new Uint8Array(36))).toThrow(/whole blocks of 32 values, but shape\[0\] is 33/);
    expect(() => Tensor.view('w', GGMLType.F32, [4, 2], new Uint8Array(31))).toThrow(TensorShapeError);
    expect(() => Tensor.view('w', GGMLType.F32, [4, 2], new Uint8Array(31))).toThrow(/needs 32 bytes, view has 31/);
    expect(() => Tensor.view('w', GGMLType.F32, [], new Uint8Array(0))).toThrow(/1..4 dimensions/);
    expect(() => Tensor.view('w', GGMLType.F32, [0], new Uint8Array(0))).toThrow(/positive integer/);
  });

  it('f32() is a zero-copy Float32Array', () => {
    const buf = new Uint8Array(40);
    const t = Tensor.view('x', GGMLType.F32, [2, 4], buf.subarray(8));
    const f = t.f32();
    f[0] = 1.5;
    expect(new DataView(buf.buffer).getFloat32(8, true)).toBe(1.5);
    expect(() => t.row(4)).toThrow(RangeError);
    expect(t.reshape([8]).nRows).toBe(1);
  });
});
