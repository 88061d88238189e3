/**
 * Test helper of the non-GEMV kernel tests (not exported from the package): ptxas assembly of a
 * module per SM target, checked for errors and spills, and worst-case error injection for the
 * approximate transcendentals.
 */
import { describe, expect, it } from 'vitest';
import type { Instr } from '../ptx/instr.js';
import { SM_TARGETS, type SmTarget, emitModule, type Kernel } from '../ptx/kernel.js';
import { assemblePtx, ptxasForTests } from '../ptx/ptxas.js';
import { toOperand } from '../ptx/types.js';

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

/** PTX ISA worst cases of the approximate transcendentals the kernels use. */
export const EX2_APPROX_REL_ERROR = 2 ** -22;
export const SIN_COS_APPROX_ABS_ERROR = 2 ** -20.5;

/**
 * A copy of `kernel` whose `ex2.approx` results are scaled by (1 ± 2⁻²²) and whose
 * `sin/cos.approx` results are shifted by ±2⁻²⁰·⁵, the sign alternating between instruction
 * sites (so, e.g., attention's rescale factor and its weights err in opposite directions). The
 * emulator computes approx ops correctly rounded; this stands in for a GPU's documented worst
 * case, so a test can show the NMSE bounds hold on hardware too.
 */
export function withApproxError(kernel: Kernel): Kernel {
  const body: Instr[] = [];
  let site = 0;
  for (const i of kernel.body) {
    body.push(i);
    if (i.op !== 'un' || i.type !== 'f32' || !['ex2', 'sin', 'cos'].includes(i.fn)) continue;
    const sign = site++ % 2 === 0 ? 1 : -1;
    const fix: Instr =
      i.fn === 'ex2'
        ? { op: 'bin', fn: 'mul', type: 'f32', mode: 'rn', ftz: false, d: i.d, a: i.d, b: toOperand(1 + sign * EX2_APPROX_REL_ERROR) }
        : { op: 'bin', fn: 'add', type: 'f32', mode: 'rn', ftz: false, d: i.d, a: i.d, b: toOperand(sign * SIN_COS_APPROX_ABS_ERROR) };
    if (i.guard) fix.guard = i.guard;
    body.push(fix);
  }
  return { ...kernel, body };
}
