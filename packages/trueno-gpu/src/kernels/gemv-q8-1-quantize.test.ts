import { describe, expect, it } from 'vitest';
import { launch } from '../emu/test-launch.js';
import { SM_TARGETS, emitModule } from '../ptx/kernel.js';
import { assemblePtx, ptxasForTests } from '../ptx/ptxas.js';
import { seeded } from './gemv-conformance.js';
import { buildQuantizeQ8_1, quantizeQ8_1Launch, quantizeQ8_1Reference } from './gemv-q8-1-quantize.js';

const ptxas = ptxasForTests();

describe('quantize q8_1 kernel', () => {
  const kern = buildQuantizeQ8_1({ sm: 'sm_80' });
  it.each([1, 3, 31, 33, 127])('is byte-identical to the reference for %i blocks (incl. halves, zeros, tiny values)', (nBlocks) => {
    const x = seeded(nBlocks * 32, nBlocks).map((v, i) => (i % 97 === 0 ? 0 : i % 89 === 0 ? v * 1e-30 : v * 3));
    // A block whose values land exactly on .5 after scaling: amax 127 gives d = 1, id = 1.
    if (nBlocks > 2) x.set(Float32Array.from({ length: 32 }, (_, i) => (i === 0 ? 127 : (i - 16) + 0.5)), 64);
    // And an all-zero block (d = 0, id = 0).
    if (nBlocks > 1) x.fill(0, 32, 64);
    const { grid, block } = quantizeQ8_1Launch(nBlocks);
    const r = launch(kern, grid, block, { x, q: nBlocks * 36 }, { n_blocks: nBlocks });
    expect([...r.mem.readBytes(r.addr.q, nBlocks * 36)]).toEqual([...quantizeQ8_1Reference(x)]);
  });

  describe.each(SM_TARGETS)('ptxas %s', (sm) => {
    it.skipIf(!ptxas)('assembles', () => {
      const r = assemblePtx(emitModule(sm, [buildQuantizeQ8_1({ sm })]), sm, ptxas);
      expect(r.ok, r.log).toBe(true);
    });
  });
});
