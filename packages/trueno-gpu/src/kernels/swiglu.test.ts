import { describe, expect, it } from 'vitest';
import { launch } from '../emu/test-launch.js';
import { seeded } from './gemv-conformance.js';
import { describePtxas, withApproxError } from './ops-test-support.js';
import { buildSwiglu, swigluCost, swigluLaunch, swigluReference } from './swiglu.js';
import { SWIGLU_NMSE, nmse } from './tolerances.js';

const kernel = buildSwiglu({ sm: 'sm_80' });

function run(gate: Float32Array, up: Float32Array, n: number): Float32Array {
  const { grid, block } = swigluLaunch(n);
  return launch(kernel, grid, block, { gate, up, out: n * 4 }, { n }).f32('out', n);
}

/** Gate values over the range FFN activations take (|g| up to ~12), plus extremes. */
function gates(n: number, seed: number): Float32Array {
  const g = seeded(n, seed).map((v) => v * 12);
  if (n > 4) g.set([-100, 100, 0, -0], n - 4);
  return g;
}

describe('swiglu', () => {
  it.each([1, 3, 31, 257, 1023, 4864])('emulated matches Backend.swiglu: n = %i', (n) => {
    const g = gates(n, n);
    const u = seeded(n, n + 9);
    const y = run(g, u, n);
    expect(nmse(y, swigluReference(g, u, n))).toBeLessThan(SWIGLU_NMSE);
    expect(y.every(Number.isFinite)).toBe(true);
  });

  it('saturates like the reference: silu(-100) = -0, silu(100) = 100', () => {
    const y = run(new Float32Array([-100, 100]), new Float32Array([1, 1]), 2);
    expect(Object.is(y[0], -0)).toBe(true);
    expect(y[1]).toBe(100);
  });

  it('the bound holds with ex2.approx at its documented worst-case error (a GPU, not the emulator)', () => {
    const n = 1023;
    const g = gates(n, 21);
    const u = seeded(n, 22);
    const { grid, block } = swigluLaunch(n);
    const y = launch(withApproxError(kernel), grid, block, { gate: g, up: u, out: n * 4 }, { n }).f32('out', n);
    const e = nmse(y, swigluReference(g, u, n));
    expect(e).toBeGreaterThan(0);
    expect(e).toBeLessThan(SWIGLU_NMSE);
  });

  it('a corrupted up value is caught by the bound', () => {
    const n = 33;
    const g = seeded(n, 3).map((v) => v * 12);
    const u = seeded(n, 4);
    const ref = swigluReference(g, u, n);
    const bad = u.slice();
    const at = g.indexOf(Math.max(...g)); // where silu passes up through (silu ≈ g)
    bad[at] += 0.01;
    expect(nmse(run(g, bad, n), ref)).toBeGreaterThan(SWIGLU_NMSE);
  });

  it('cost model: 12 bytes per element', () => {
    expect(swigluCost(4864).bytes).toBe(12 * 4864);
  });
});

describePtxas('swiglu', (sm) => [buildSwiglu({ sm })]);
