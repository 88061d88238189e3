import { describe, expect, it } from 'vitest';
import { blockQuantSuite, roundTrip } from '../../test/block-quant-suite.js';
import { readU32 } from './block-io.js';
import { fp16ToFp32 } from './fp16.js';
import { q5_1Ops } from './q5-1.js';

blockQuantSuite({ ops: q5_1Ops, id: 'Q5_1', hasMin: true, ggmlDequantize: true, grid: [-15, 16] });

describe('q5_1 layout', () => {
  it('q5_1: d, m at bytes 0 and 2, qh at byte 4, nibbles from byte 8 [F-Q5_1-9]', () => {
    const x = new Float32Array(32).map((_, i) => -3 + i); // min -3, d = 31/31 = 1, q = i
    const { q, y } = roundTrip(q5_1Ops, x);
    expect(fp16ToFp32(q[0] | (q[1] << 8))).toBe(1);
    expect(fp16ToFp32(q[2] | (q[3] << 8))).toBe(-3);
    expect(readU32(q, 4)).toBe(0xffff0000); // values 16..31 have the fifth bit
    for (let j = 0; j < 16; j++) expect(q[8 + j]).toBe(j | (j << 4));
    expect([...y]).toEqual([...x]);
  });
});
