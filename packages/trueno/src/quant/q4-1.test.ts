import { describe, expect, it } from 'vitest';
import { blockQuantSuite, roundTrip } from '../../test/block-quant-suite.js';
import { fp16ToFp32 } from './fp16.js';
import { q4_1Ops } from './q4-1.js';

blockQuantSuite({ ops: q4_1Ops, id: 'Q4_1', hasMin: true, ggmlDequantize: true, grid: [-7, 8] });

describe('q4_1 layout', () => {
  it('q4_1: d = (max-min)/15 at byte 0, m = min at byte 2, nibbles from byte 4 [F-Q4_1-9]', () => {
    const x = new Float32Array(32).map((_, i) => 10 + (i % 16));
    const { q, y } = roundTrip(q4_1Ops, x);
    expect(fp16ToFp32(q[0] | (q[1] << 8))).toBe(1);
    expect(fp16ToFp32(q[2] | (q[3] << 8))).toBe(10);
    for (let j = 0; j < 16; j++) expect(q[4 + j]).toBe(j | (j << 4));
    expect([...y]).toEqual([...x]);
  });
});
