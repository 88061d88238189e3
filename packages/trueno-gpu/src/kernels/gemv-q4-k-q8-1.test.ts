import { GGMLType, Tensor, quantize, refBackend } from '@sovereign/trueno';
import { describe, expect, it } from 'vitest';
import { emulate } from '../emu/emulate.js';
import { EmuMemory } from '../emu/memory.js';
import { launch } from '../emu/test-launch.js';
import { SM_TARGETS, emitModule } from '../ptx/kernel.js';
import { assemblePtx, ptxasForTests } from '../ptx/ptxas.js';
import { seeded } from './gemv-conformance.js';
import { buildGemvQ4_KQ8_1, gemvQ4_KQ8_1Cost, gemvQ4_KQ8_1Launch, gemvQ4_KQ8_1Reference } from './gemv-q4-k-q8-1.js';
import { buildQuantizeQ8_1, quantizeQ8_1Launch } from './gemv-q8-1-quantize.js';
import { GEMV_DP4A_NMSE, GEMV_VS_MATMUL_REF_NMSE, nmse } from './tolerances.js';

const ptxas = ptxasForTests();

describe('gemv q4_k x q8_1 (dp4a)', () => {
  const kern = buildGemvQ4_KQ8_1({ sm: 'sm_80' });
  it.each([
    [1, 256],
    [3, 768],
    [31, 512],
    [33, 256],
    [127, 256],
    [1023, 256],
  ])('emulated matches dequantized W · dequantized Q8_1 x: %i rows, K = %i', (nRows, K) => {
    const w = quantize(GGMLType.Q4_K, seeded(nRows * K, nRows + K));
    const xq = quantize(GGMLType.Q8_1, seeded(K, 7));
    const { grid, block } = gemvQ4_KQ8_1Launch(nRows);
    const y = launch(kern, grid, block, { w, xq, y: nRows * 4 }, { n_rows: nRows, k: K }).f32('y', nRows);
    expect(nmse(y, gemvQ4_KQ8_1Reference(w, xq, nRows, K))).toBeLessThan(GEMV_DP4A_NMSE);
  });

  it('quantize kernel + GEMV on one device memory agree with the engine matmul to quantization noise', () => {
    const [nRows, K] = [45, 1024];
    const w = quantize(GGMLType.Q4_K, seeded(nRows * K, 1));
    const x = seeded(K, 2);
    const mem = new EmuMemory(1 << 20);
    const aw = mem.upload(w);
    const ax = mem.upload(x);
    const axq = mem.alloc((K / 32) * 36);
    const ay = mem.alloc(nRows * 4);
    emulate(buildQuantizeQ8_1({ sm: 'sm_80' }), { ...quantizeQ8_1Launch(K / 32), memory: mem, params: { x: ax, q: axq, n_blocks: K / 32 } });
    emulate(kern, { ...gemvQ4_KQ8_1Launch(nRows), memory: mem, params: { w: aw, xq: axq, y: ay, n_rows: nRows, k: K } });
    const out = new Float32Array(nRows);
    refBackend.matmul(Tensor.view('w', GGMLType.Q4_K, [K, nRows], w), x, 1, out);
    expect(nmse(mem.readF32(ay, nRows), out)).toBeLessThan(GEMV_VS_MATMUL_REF_NMSE);
  });

  it('costs 36 bytes per 32 activations', () => {
    const c = gemvQ4_KQ8_1Cost(896, 4864);
    expect(c.bytes).toBe((896 * 4864 * 144) / 256 + (4864 / 32) * 36 + 896 * 4);
  });

  describe.each(SM_TARGETS)('ptxas %s', (sm) => {
    it.skipIf(!ptxas)('assembles without spills', () => {
      const r = assemblePtx(emitModule(sm, [buildGemvQ4_KQ8_1({ sm })]), sm, ptxas);
      expect(r.ok, r.log).toBe(true);
      expect(r.functions[0].spillStores).toBe(0);
    });
  });
});
