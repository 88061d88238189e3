import { GGMLType, dtypeInfo, quantize } from '@sovereign/trueno';
import { describe, expect, it } from 'vitest';
import { launch } from '../emu/test-launch.js';
import { SM_TARGETS, emitModule } from '../ptx/kernel.js';
import { assemblePtx, ptxasForTests } from '../ptx/ptxas.js';
import { seeded } from './gemv-conformance.js';
import { GEMV_DP4A_BUILDERS } from './gemv-formats.js';
import { gemvDp4aLaunch, gemvDp4aReference } from './gemv-q8-1-dp4a.js';
import { GEMV_DP4A_NMSE, GEMV_NMSE, nmse } from './tolerances.js';

const ptxas = ptxasForTests();

describe.each([...GEMV_DP4A_BUILDERS].map(([t, b]) => [dtypeInfo(t).name, t, b] as const))('dp4a gemv %s, batched', (_name, type, build) => {
  // Q4_K's min term uses Q8_1's fp16 s (see GEMV_DP4A_NMSE); the others are exact integer dots.
  const bound = type === GGMLType.Q4_K ? GEMV_DP4A_NMSE : GEMV_NMSE;
  const qk = dtypeInfo(type).blockSize;
  it.each([2, 3, 16])('M = %i: each sequence matches the reference; weights unpacked once for all', (M) => {
    const [nRows, K] = [33, qk * 3];
    const w = quantize(type, seeded(nRows * K, 5 + M));
    const xq = quantize(GGMLType.Q8_1, seeded(M * K, 6));
    const y = launch(build({ sm: 'sm_80', batch: M }), gemvDp4aLaunch(nRows).grid, [128], { w, xq, y: M * nRows * 4 }, { n_rows: nRows, k: K }).f32('y', M * nRows);
    const ref = gemvDp4aReference(type, w, xq, nRows, K, M);
    for (let m = 0; m < M; m++) expect(nmse(y.subarray(m * nRows, (m + 1) * nRows), ref.subarray(m * nRows, (m + 1) * nRows))).toBeLessThan(bound);
  });

  describe.each(SM_TARGETS)('ptxas %s', (sm) => {
    it.skipIf(!ptxas)('assembles batch 4 and 16 without spills', () => {
      const r = assemblePtx(emitModule(sm, [build({ sm, batch: 4 }), build({ sm, batch: 16 })]), sm, ptxas);
      expect(r.ok, r.log).toBe(true);
      for (const f of r.functions) expect(f.spillStores, f.name).toBe(0);
    });
  });
});
