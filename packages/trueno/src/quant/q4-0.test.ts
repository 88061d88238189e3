import { describe, expect, it } from 'vitest';
import { blockQuantSuite, roundTrip } from '../../test/block-quant-suite.js';
import { fp16ToFp32 } from './fp16.js';
import { q4_0Ops } from './q4-0.js';

blockQuantSuite({ ops: q4_0Ops, id: 'Q4_0', hasMin: false, ggmlDequantize: true, grid: [-8, 7] });

describe('q4_0 layout', () => {
  it('q4_0: low nibble of byte j is value j, high nibble value j+16, d = max/-8 [F-Q4_0-9]', () => {
    // Values -8..7 times 0.5 except the signed extreme: max = -4 -> d = 0.5, q = x/d + 8.
    const x = new Float32Array(32).map((_, i) => ((i % 16) - 8) * 0.5);
    const { q, y } = roundTrip(q4_0Ops, x);
    expect(fp16ToFp32(q[0] | (q[1] << 8))).toBe(0.5);
    for (let j = 0; j < 16; j++) {
      expect(q[2 + j] & 0x0f, `low nibble ${j}`).toBe(j % 16);
      expect(q[2 + j] >>> 4, `high nibble ${j}`).toBe((j + 16) % 16);
    }
    expect([...y]).toEqual([...x]);
  });

  it('q4_0: the level +8 does not exist, ggml clamps it to 15 [F-Q4_0-10]', () => {
    // max = -2 gives d = 0.25; +2 would be q = 16, clamped to 15 -> 1.75.
    const x = new Float32Array(32);
    x[0] = -2;
    x[1] = 2;
    const { y } = roundTrip(q4_0Ops, x);
    expect(y[0]).toBe(-2);
    expect(y[1]).toBe(1.75);
  });
});
