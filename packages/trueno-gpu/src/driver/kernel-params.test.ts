import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CudaUsageError } from './cuda-error.js';
import { checkParams, packParams } from './kernel-params.js';

describe('packParams', () => {
  it('packParams: each value reads back from its 8-byte slot at its own width [F-GPU-PARAMS-1]', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ type: fc.constant('u32' as const), value: fc.integer({ min: 0, max: 0xffffffff }) }),
            fc.record({ type: fc.constant('s32' as const), value: fc.integer({ min: -0x80000000, max: 0x7fffffff }) }),
            fc.record({ type: fc.constant('f32' as const), value: fc.float({ noNaN: true }) }),
            fc.record({ type: fc.constant('f64' as const), value: fc.double({ noNaN: true }) }),
            fc.record({ type: fc.constant('u64' as const), value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
            fc.record({ type: fc.constant('s64' as const), value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) }),
          ),
          { maxLength: 12 },
        ),
        (params) => {
          const bytes = packParams(params);
          expect(bytes.byteLength).toBeGreaterThanOrEqual(params.length * 8);
          const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          params.forEach((p, i) => {
            const at = i * 8;
            const got = { u32: () => v.getUint32(at, true), s32: () => v.getInt32(at, true), f32: () => v.getFloat32(at, true), f64: () => v.getFloat64(at, true), u64: () => v.getBigUint64(at, true), s64: () => v.getBigInt64(at, true) }[p.type]();
            expect(got).toBe(p.value);
          });
        },
      ),
    );
  });

  it('rejects values outside their type, naming the parameter', () => {
    expect(() => packParams([{ type: 'u32', value: -1 }])).toThrow(/kernel parameter 0 \(u32 -1\): out of range for u32/);
    expect(() => packParams([{ type: 'u32', value: 1 }, { type: 's32', value: 2 ** 31 }])).toThrow(/parameter 1 .*out of range for s32/);
    expect(() => packParams([{ type: 'u64', value: 1.5 }])).toThrow(/must be an integer/);
    expect(() => packParams([{ type: 'u64', value: 2n ** 64n }])).toThrow(CudaUsageError);
    expect(() => packParams([{ type: 'f32', value: 1n }])).toThrow(/f32 needs a number/);
  });

  it('reuses a large enough buffer', () => {
    const into = new Uint8Array(64);
    expect(packParams([{ type: 'u32', value: 5 }], into)).toBe(into);
    expect(packParams(Array(9).fill({ type: 'u32', value: 5 }), into)).not.toBe(into);
  });
});

describe('checkParams', () => {
  it('accepts matching widths and kinds; b-types take either kind', () => {
    expect(() => checkParams('k', ['u64', 's32', 'f32', 'b32', 'b64'], [{ type: 'u64', value: 1n }, { type: 'u32', value: 1 }, { type: 'f32', value: 1 }, { type: 'f32', value: 1 }, { type: 's64', value: 1n }])).not.toThrow();
    expect(() => checkParams('k', [undefined], [{ type: 'u32', value: 1 }])).not.toThrow();
  });

  it('rejects a wrong count, width or kind', () => {
    expect(() => checkParams('k', ['u64', 'u32'], [{ type: 'u64', value: 1n }])).toThrow('kernel k takes 2 parameter(s) (u64, u32), got 1');
    expect(() => checkParams('k', ['u64'], [{ type: 'u32', value: 1 }])).toThrow('kernel k parameter 0 is .u64, got u32: pass a 64-bit integer');
    expect(() => checkParams('k', ['f32'], [{ type: 'u32', value: 1 }])).toThrow(/is \.f32, got u32: pass a f32/);
    expect(() => checkParams('k', ['u32'], [{ type: 'f32', value: 1 }])).toThrow(/is \.u32, got f32/);
  });
});
