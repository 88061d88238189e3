import { describe, expect, it } from 'vitest';
import { blockQuantSuite, roundTrip } from '../../test/block-quant-suite.js';
import { readU32 } from './block-io.js';
import { q5_0Ops } from './q5-0.js';

blockQuantSuite({ ops: q5_0Ops, id: 'Q5_0', hasMin: false, ggmlDequantize: true, grid: [-16, 15] });

describe('q5_0 layout', () => {
  it('q5_0: bit j of the u32 at byte 2 is the fifth bit of value j [F-Q5_0-9]', () => {
    // x = j - 16: max = -16 -> d = 1, q = j, so values 16..31 have the fifth bit set.
    const x = new Float32Array(32).map((_, j) => j - 16);
    const { q, y } = roundTrip(q5_0Ops, x);
    const qh = readU32(q, 2);
    expect(qh).toBe(0xffff0000);
    for (let j = 0; j < 16; j++) expect(q[6 + j], `byte ${j}`).toBe(j | (j << 4));
    expect([...y]).toEqual([...x]);
  });
});
