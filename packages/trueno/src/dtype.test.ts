import { describe, expect, it } from 'vitest';
import { GGMLType, UnknownDTypeError, bytesFor, dtypeByName, dtypeInfo } from './dtype.js';

describe('dtype registry', () => {
  it('has ggml block layouts', () => {
    expect(dtypeInfo(GGMLType.Q4_0)).toMatchObject({ blockSize: 32, typeSize: 18 });
    expect(dtypeInfo(GGMLType.Q6_K)).toMatchObject({ blockSize: 256, typeSize: 210 });
    expect(dtypeInfo(GGMLType.Q8_K)).toMatchObject({ blockSize: 256, typeSize: 292 });
    expect(dtypeByName('Q4_K').type).toBe(GGMLType.Q4_K);
    expect(bytesFor(GGMLType.Q8_0, 64)).toBe(68);
    expect(bytesFor(GGMLType.Q8_0, 63)).toBeNaN();
  });
  it('names unknown types', () => {
    expect(() => dtypeInfo(99)).toThrow(UnknownDTypeError);
    expect(() => dtypeInfo(99)).toThrow(/unknown ggml tensor type id 99/);
    expect(() => dtypeByName('q9_9')).toThrow(/unknown ggml tensor type 'q9_9'/);
  });
});
