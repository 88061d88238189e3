import { describe, expect, it } from 'vitest';
import { SM_TARGETS, emitModule } from './kernel.js';
import { assemblePtx, findPtxas, parsePtxasInfo, ptxasForTests } from './ptxas.js';
import { buildAllOpsKernel } from './test-kernels.js';

const ptxas = ptxasForTests();

describe('ptxas harness', () => {
  it('parses the -v report per entry', () => {
    const log = [
      "ptxas info    : Compiling entry function 'gemv_q8_0' for 'sm_80'",
      'ptxas info    : Function properties for gemv_q8_0',
      '    8 bytes stack frame, 4 bytes spill stores, 12 bytes spill loads',
      'ptxas info    : Used 40 registers, used 1 barriers, 2048 bytes smem, 388 bytes cmem[0]',
    ].join('\n');
    expect(parsePtxasInfo(log)).toEqual([{ name: 'gemv_q8_0', registers: 40, spillStores: 4, spillLoads: 12, sharedBytes: 2048, stackBytes: 8 }]);
  });

  it('finds ptxas from $PTXAS only when it is executable, and PTXAS=off disables it', () => {
    expect(findPtxas({ PTXAS: '/nonexistent/ptxas', PATH: '' })).toBe(findPtxas({ PATH: '' }));
    expect(findPtxas({ PTXAS: 'off', PATH: '/usr/local/cuda/bin' })).toBeUndefined();
  });

  it.skipIf(!ptxas)('reports errors of invalid PTX with ok = false and the log', () => {
    const r = assemblePtx('.version 8.0\n.target sm_80\n.address_size 64\n.visible .entry e() { bogus.u32 %r1; }\n', 'sm_80', ptxas);
    expect(r.ok).toBe(false);
    expect(r.log).toMatch(/error/i);
  });

  describe.each(SM_TARGETS)('the all-instructions kernel for %s', (sm) => {
    it.skipIf(!ptxas)('assembles without spills', () => {
      const r = assemblePtx(emitModule(sm, [buildAllOpsKernel()]), sm, ptxas);
      expect(r.log).not.toMatch(/error/i);
      expect(r.ok).toBe(true);
      expect(r.functions[0]).toMatchObject({ name: 'all_ops', spillStores: 0, sharedBytes: 1024 });
    });
  });
});
