import { GGMLType, Tensor, quantize, refBackend } from '@sovereign/trueno';
import { describe, expect, it } from 'vitest';
import { launch } from '../emu/test-launch.js';
import { SM_TARGETS, emitModule } from '../ptx/kernel.js';
import { assemblePtx, ptxasForTests } from '../ptx/ptxas.js';
import { seeded } from './gemv-conformance.js';
import { buildGemvQ6_KQ8_1, gemvQ6_KQ8_1Cost, gemvQ6_KQ8_1Launch, gemvQ6_KQ8_1Reference } from './gemv-q6-k-q8-1.js';
import { GEMV_NMSE, GEMV_VS_MATMUL_REF_NMSE, nmse } from './tolerances.js';

const ptxas = ptxasForTests();

describe('gemv q6_k x q8_1 (dp4a)', () => {
  const kern = buildGemvQ6_KQ8_1({ sm: 'sm_80' });
  const run = (w: Uint8Array, xq: Uint8Array, nRows: number, K: number): Float32Array =>
    launch(kern, gemvQ6_KQ8_1Launch(nRows).grid, [128], { w, xq, y: nRows * 4 }, { n_rows: nRows, k: K }).f32('y', nRows);

  it.each([
    [1, 256],
    [3, 768],
    [31, 512],
    [33, 256],
    [127, 256],
    [1023, 256],
  ])('emulated matches dequantized W · dequantized Q8_1 x (exact int dots): %i rows, K = %i', (nRows, K) => {
    const w = quantize(GGMLType.Q6_K, seeded(nRows * K, nRows + K));
    const xq = quantize(GGMLType.Q8_1, seeded(K, 7));
    expect(nmse(run(w, xq, nRows, K), gemvQ6_KQ8_1Reference(w, xq, nRows, K))).toBeLessThan(GEMV_NMSE);
  });

  it('agrees with the engine matmul to quantization noise, and catches a corrupted byte', () => {
    const [nRows, K] = [17, 1024];
    const w = quantize(GGMLType.Q6_K, seeded(nRows * K, 1));
    const x = seeded(K, 2);
    const xq = quantize(GGMLType.Q8_1, x);
    const out = new Float32Array(nRows);
    refBackend.matmul(Tensor.view('w', GGMLType.Q6_K, [K, nRows], w), x, 1, out);
    expect(nmse(run(w, xq, nRows, K), out)).toBeLessThan(GEMV_VS_MATMUL_REF_NMSE);
    const bad = w.slice();
    bad[210 * 4 + 7] ^= 0x40;
    expect(nmse(run(bad, xq, nRows, K), gemvQ6_KQ8_1Reference(w, xq, nRows, K))).toBeGreaterThan(GEMV_NMSE);
    expect(gemvQ6_KQ8_1Cost(nRows, K).bytes).toBe(nRows * 4 * 210 + 32 * 36 + nRows * 4);
  });

  describe.each(SM_TARGETS)('ptxas %s', (sm) => {
    it.skipIf(!ptxas)('assembles without spills', () => {
      const r = assemblePtx(emitModule(sm, [buildGemvQ6_KQ8_1({ sm })]), sm, ptxas);
      expect(r.ok, r.log).toBe(true);
      expect(r.functions[0].spillStores).toBe(0);
    });
  });
});
