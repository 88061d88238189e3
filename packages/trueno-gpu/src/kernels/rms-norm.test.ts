import { describe, expect, it } from 'vitest';
import { launch } from '../emu/test-launch.js';
import { seeded } from './gemv-conformance.js';
import { H100_BANDWIDTH_GBS, predictedMicros } from './kernel-model.js';
import { describePtxas } from './ops-test-support.js';
import { buildRmsNorm, rmsNormCost, rmsNormLaunch, rmsNormReference } from './rms-norm.js';
import { RMS_NORM_NMSE, nmse } from './tolerances.js';

const kernel = buildRmsNorm({ sm: 'sm_80' });

function run(x: Float32Array, w: Float32Array, eps: number, nTok: number, dim: number): Float32Array {
  const { grid, block } = rmsNormLaunch(nTok);
  return launch(kernel, grid, block, { x, weight: w, out: x.length * 4 }, { dim, eps }).f32('out', nTok * dim);
}

describe('rms_norm', () => {
  it.each([
    [1, 1],
    [3, 31],
    [2, 257],
    [5, 896],
    [1, 1023],
  ])('emulated matches rmsNormRef: %i rows of dim %i', (nTok, dim) => {
    const x = seeded(nTok * dim, dim * 3 + nTok);
    for (let i = 0; i < x.length; i += 7) x[i] *= 40; // outliers, as in real hidden states
    const w = seeded(dim, dim + 1);
    const e = nmse(run(x, w, 1e-6, nTok, dim), rmsNormReference(x, w, 1e-6, nTok, dim));
    expect(e).toBeLessThan(RMS_NORM_NMSE);
  });

  it('eps dominates an all-zero row (no NaN) and rows are independent', () => {
    const [nTok, dim] = [3, 64];
    const x = seeded(nTok * dim, 4);
    x.fill(0, dim, 2 * dim);
    const w = seeded(dim, 5);
    const y = run(x, w, 1e-5, nTok, dim);
    expect(y.subarray(dim, 2 * dim).every((v) => v === 0)).toBe(true);
    expect(nmse(y, rmsNormReference(x, w, 1e-5, nTok, dim))).toBeLessThan(RMS_NORM_NMSE);
  });

  it('a corrupted weight is caught by the bound', () => {
    const [nTok, dim] = [2, 127];
    const x = seeded(nTok * dim, 8);
    const w = seeded(dim, 9);
    const ref = rmsNormReference(x, w, 1e-6, nTok, dim);
    const bad = w.slice();
    bad[100] *= 1.5;
    expect(nmse(run(x, bad, 1e-6, nTok, dim), ref)).toBeGreaterThan(RMS_NORM_NMSE);
  });

  it('cost model: x once, weight once, out once', () => {
    const c = rmsNormCost(4, 896);
    expect(c.bytes).toBe(4 * (2 * 4 * 896 + 896));
    expect(predictedMicros(c, H100_BANDWIDTH_GBS)).toBeCloseTo((c.bytes / 3.35e12) * 1e6, 9);
  });
});

describePtxas('rms_norm', (sm) => [buildRmsNorm({ sm })]);
