import { describe, expect, it } from 'vitest';
import { launch } from '../emu/test-launch.js';
import { addBiasCost, addBiasLaunch, addBiasReference, addCost, addLaunch, addReference, buildAdd, buildAddBias } from './add.js';
import { seeded } from './gemv-conformance.js';
import { describePtxas } from './ops-test-support.js';
import { ADD_NMSE, nmse } from './tolerances.js';

const kAdd = buildAdd({ sm: 'sm_80' });
const kBias = buildAddBias({ sm: 'sm_80' });

function runAdd(a: Float32Array, b: Float32Array, n: number): Float32Array {
  const { grid, block } = addLaunch(n);
  return launch(kAdd, grid, block, { a, b, out: n * 4 }, { n }).f32('out', n);
}

function runBias(x: Float32Array, bias: Float32Array, nTok: number, n: number): Float32Array {
  const { grid, block } = addBiasLaunch(nTok, n);
  return launch(kBias, grid, block, { x, bias }, { n }).f32('x', nTok * n);
}

describe('add', () => {
  it.each([1, 3, 31, 257, 1023, 4864])('add_f32 is bit-identical to Backend.add: n = %i', (n) => {
    const a = seeded(n, n);
    const b = seeded(n, n + 1);
    const y = runAdd(a, b, n);
    expect(nmse(y, addReference(a, b, n))).toBeLessThanOrEqual(ADD_NMSE);
    expect(y).toEqual(addReference(a, b, n));
  });

  it.each([
    [1, 1],
    [3, 33],
    [2, 1023],
    [5, 128],
  ])('add_bias_f32 is bit-identical to Backend.addBias: %i rows of %i', (nTok, n) => {
    const x = seeded(nTok * n, n * 5);
    const bias = seeded(n, 77);
    const y = runBias(x, bias, nTok, n);
    expect(y).toEqual(addBiasReference(x, bias, nTok, n));
    expect(nmse(y, addBiasReference(x, bias, nTok, n))).toBeLessThanOrEqual(ADD_NMSE);
  });

  it('one wrong bias value is caught by the (exact) bound', () => {
    const [nTok, n] = [2, 31];
    const x = seeded(nTok * n, 1);
    const bias = seeded(n, 2);
    const ref = addBiasReference(x, bias, nTok, n);
    const bad = bias.slice();
    bad[30] = Math.fround(bad[30] * (1 + 2 ** -20));
    expect(nmse(runBias(x, bad, nTok, n), ref)).toBeGreaterThan(ADD_NMSE);
  });

  it('cost model: 12 bytes per added element, 8 per biased one plus the bias', () => {
    expect(addCost(896)).toEqual({ bytes: 12 * 896, flops: 896 });
    expect(addBiasCost(4, 128).bytes).toBe(8 * 4 * 128 + 4 * 128);
    expect(addLaunch(1023).grid).toEqual([4, 1, 1]);
    expect(addBiasLaunch(3, 257).grid).toEqual([2, 3, 1]);
  });
});

describePtxas('add', (sm) => [buildAdd({ sm }), buildAddBias({ sm })]);
