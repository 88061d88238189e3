import { GGMLType, Tensor, quantize, refBackend } from '@sovereign/trueno';
import { describe, expect, it } from 'vitest';
import { launch } from '../emu/test-launch.js';
import { SM_TARGETS, emitModule, type Kernel } from '../ptx/kernel.js';
import { assemblePtx, ptxasForTests } from '../ptx/ptxas.js';
import { seeded } from './gemv-conformance.js';
import { buildGemvQ4_0Q8_1, buildGemvQ5_0Q8_1, buildGemvQ8_0Q8_1, gemvDp4aLaunch, gemvDp4aReference } from './gemv-q8-1-dp4a.js';
import { GEMV_NMSE, nmse } from './tolerances.js';

const ptxas = ptxasForTests();
const KERNELS: [string, GGMLType, (o: { sm: 'sm_80' | 'sm_89' | 'sm_90' }) => Kernel, number][] = [
  ['q8_0', GGMLType.Q8_0, buildGemvQ8_0Q8_1, 34],
  ['q4_0', GGMLType.Q4_0, buildGemvQ4_0Q8_1, 18],
  ['q5_0', GGMLType.Q5_0, buildGemvQ5_0Q8_1, 22],
];

describe.each(KERNELS)('gemv %s x q8_1 (dp4a)', (_id, type, build, blockBytes) => {
  const kern = build({ sm: 'sm_80' });
  const run = (w: Uint8Array, xq: Uint8Array, nRows: number, K: number): Float32Array =>
    launch(kern, gemvDp4aLaunch(nRows).grid, [128], { w, xq, y: nRows * 4 }, { n_rows: nRows, k: K }).f32('y', nRows);

  it.each([
    [1, 32],
    [3, 352],
    [31, 96],
    [33, 352],
    [127, 64],
    [1023, 352],
  ])('emulated matches dequantized W · dequantized Q8_1 x: %i rows, K = %i', (nRows, K) => {
    const w = quantize(type, seeded(nRows * K, nRows + K));
    const xq = quantize(GGMLType.Q8_1, seeded(K, 9));
    expect(nmse(run(w, xq, nRows, K), gemvDp4aReference(type, w, xq, nRows, K))).toBeLessThan(GEMV_NMSE);
  });

  it("equals the engine matmul (ggml's vec_dot with x as Q8_0: same d and int8) to float rounding; a corrupted byte is caught", () => {
    const [nRows, K] = [19, 640];
    const w = quantize(type, seeded(nRows * K, 3));
    const x = seeded(K, 4);
    const out = new Float32Array(nRows);
    refBackend.matmul(Tensor.view('w', type, [K, nRows], w), x, 1, out);
    const xq = quantize(GGMLType.Q8_1, x);
    expect(nmse(run(w, xq, nRows, K), out)).toBeLessThan(GEMV_NMSE);
    const bad = w.slice();
    bad[blockBytes * 20 + blockBytes - 1] ^= 0x40;
    expect(nmse(run(bad, xq, nRows, K), out)).toBeGreaterThan(GEMV_NMSE);
  });

  describe.each(SM_TARGETS)('ptxas %s', (sm) => {
    it.skipIf(!ptxas)('assembles without spills', () => {
      const r = assemblePtx(emitModule(sm, [build({ sm })]), sm, ptxas);
      expect(r.ok, r.log).toBe(true);
      expect(r.functions[0].spillStores).toBe(0);
    });
  });
});
