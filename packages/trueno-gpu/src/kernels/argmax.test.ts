import { describe, expect, it } from 'vitest';
import { launch } from '../emu/test-launch.js';
import { ARGMAX_CHUNK, argmaxCost, argmaxLaunch, argmaxReference, buildArgmaxPartial, buildArgmaxReduce } from './argmax.js';
import { seeded } from './gemv-conformance.js';
import { describePtxas } from './ops-test-support.js';

const kPartial = buildArgmaxPartial({ sm: 'sm_80' });
const kReduce = buildArgmaxReduce({ sm: 'sm_80' });

/** Both launches in the emulator; returns the M indices. */
function run(x: Float32Array, n: number, M = 1): Uint32Array {
  const g = argmaxLaunch(n, M);
  const p = launch(kPartial, g.partial.grid, g.partial.block, { x, part: g.partBytes }, { n, chunk: g.chunk });
  const part = p.mem.readBytes(p.addr.part, g.partBytes);
  return launch(kReduce, g.reduce.grid, g.reduce.block, { part, out: 4 * M }, { n_parts: g.nParts }).u32('out', M);
}

describe('argmax', () => {
  it.each([
    [1, 1],
    [3, 2],
    [31, 3],
    [1023, 1],
    [ARGMAX_CHUNK + 1, 2],
    [151936, 1],
  ])('emulated equals argmaxRef: n = %i, %i rows', (n, M) => {
    const x = seeded(n * M, n + M);
    expect(run(x, n, M)).toEqual(argmaxReference(x, n, M));
  });

  it('ties go to the lowest index, across threads and across blocks (Qwen2.5 vocabulary)', () => {
    const n = 151936;
    const x = seeded(n, 3);
    for (const j of [150000, 4100, 4099, 70000]) x[j] = 5; // 4099 and 4100: same block, different threads
    expect(run(x, n)[0]).toBe(4099);
    x[4099] = 4;
    x[4100] = 4;
    expect(run(x, n)[0]).toBe(70000);
    expect(argmaxReference(x, n)[0]).toBe(70000);
  });

  it('NaN never wins; all -Infinity (or NaN) gives 0', () => {
    const x = seeded(300, 4);
    x[7] = NaN;
    x[250] = 3;
    expect(run(x, 300)[0]).toBe(250);
    const empty = new Float32Array(5000).fill(-Infinity);
    empty[4000] = NaN;
    expect(run(empty, 5000)[0]).toBe(0);
    expect(argmaxReference(empty, 5000)[0]).toBe(0);
    const negInf = new Float32Array([-Infinity, -Infinity, -1e30]);
    expect(run(negInf, 3)[0]).toBe(2);
  });

  it('each row of a batch is independent: a new maximum in row 1 does not move row 0', () => {
    const n = 3001;
    const x = seeded(2 * n, 9);
    const before = run(x, n, 2);
    x[n + 2999] = 10;
    const after = run(x, n, 2);
    expect(after[0]).toBe(before[0]);
    expect(after[1]).toBe(2999);
  });

  it('cost model: 75 partial blocks per Qwen2.5 row, x read once', () => {
    const g = argmaxLaunch(151936, 4);
    expect(g.nParts).toBe(75);
    expect(g.partial.grid).toEqual([75, 4, 1]);
    expect(argmaxCost(151936, 4).bytes).toBe(4 * 4 * 151936 + 16 * 4 * 75 + 16);
  });
});

describePtxas('argmax', (sm) => [buildArgmaxPartial({ sm }), buildArgmaxReduce({ sm })]);
