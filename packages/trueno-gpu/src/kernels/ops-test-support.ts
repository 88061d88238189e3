/**
 * Test helper of the non-GEMV kernel tests (not exported from the package): ptxas assembly of a
 * module per SM target, checked for errors and spills.
 */
import { describe, expect, it } from 'vitest';
import { SM_TARGETS, type SmTarget, emitModule, type Kernel } from '../ptx/kernel.js';
import { assemblePtx, ptxasForTests } from '../ptx/ptxas.js';

/** Registers `ptxas <sm>` tests that assemble `build(sm)` for sm_80/89/90 (skipped, with ptxas's warning, when absent). */
export function describePtxas(what: string, build: (sm: SmTarget) => Kernel[]): void {
  const ptxas = ptxasForTests();
  describe.each(SM_TARGETS)(`${what}: ptxas %s`, (sm) => {
    it.skipIf(!ptxas)('assembles without spills', () => {
      const r = assemblePtx(emitModule(sm, build(sm)), sm, ptxas);
      expect(r.log).not.toMatch(/error/i);
      expect(r.ok).toBe(true);
      for (const f of r.functions) expect(f.spillStores, `${f.name} spills`).toBe(0);
    });
  });
}
