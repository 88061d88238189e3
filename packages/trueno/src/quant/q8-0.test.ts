import { describe, expect, it } from 'vitest';
import { blockQuantSuite, roundTrip } from '../../test/block-quant-suite.js';
import { fp16ToFp32 } from './fp16.js';
import { q8_0Ops } from './q8-0.js';

blockQuantSuite({ ops: q8_0Ops, id: 'Q8_0', hasMin: false, ggmlDequantize: true, grid: [-127, 126] });

describe('q8_0 layout', () => {
  it('q8_0: d = amax/127, qs = roundf(x/d) with halves away from zero [F-Q8_0-9]', () => {
    const x = new Float32Array(32);
    x[0] = 127;
    x[1] = -2.5; // roundf(-2.5) = -3 (Math.round would give -2)
    x[2] = 2.5;
    x[3] = -127;
    const { q } = roundTrip(q8_0Ops, x);
    expect(fp16ToFp32(q[0] | (q[1] << 8))).toBe(1);
    expect([...new Int8Array(q.buffer, 2, 4)]).toEqual([127, -3, 3, -127]);
  });
});
