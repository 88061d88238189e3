import type { RopeParams } from '@sovereign/trueno';
import { describe, expect, it } from 'vitest';
import { launch } from '../emu/test-launch.js';
import { seeded } from './gemv-conformance.js';
import { describePtxas, withApproxError } from './ops-test-support.js';
import { buildRope, ropeCost, ropeLaunch, ropeReference, ropeScalars } from './rope.js';
import { ROPE_NMSE, nmse } from './tolerances.js';

const kernels = { normal: buildRope({ sm: 'sm_80', mode: 'normal' }), neox: buildRope({ sm: 'sm_80', mode: 'neox' }) };

function run(x: Float32Array, nTok: number, nHeads: number, headDim: number, positions: number[], p: RopeParams): Float32Array {
  const { n_rot, ...f } = ropeScalars(p, headDim);
  const { grid, block } = ropeLaunch(nTok);
  const bufs = { x, pos: new Uint32Array(positions), ...(p.freqFactors ? { freq_factors: p.freqFactors } : {}) };
  const scalars = { n_heads: nHeads, head_dim: headDim, n_rot, ...f, ...(p.freqFactors ? {} : { freq_factors: 0 }) };
  return launch(kernels[p.mode], grid, block, bufs, scalars).f32('x', nTok * nHeads * headDim);
}

const QWEN: RopeParams = { mode: 'neox', freqBase: 1e6 };
const LLAMA: RopeParams = { mode: 'normal', freqBase: 10000 };
const ff = (n: number): Float32Array => new Float32Array(n).map((_, i) => (i < n / 4 ? 1 : i < n / 2 ? 2.5 : 8));

describe('rope', () => {
  // [name, params, nTok, nHeads, headDim, positions]
  const cases: [string, RopeParams, number, number, number, number[]][] = [
    ['qwen2.5 neox, one decode token', QWEN, 1, 14, 64, [5]],
    ['qwen2.5 neox, K heads of 3 sequences at long positions', QWEN, 3, 2, 64, [0, 4095, 32767]],
    ['llama normal, prefill', LLAMA, 7, 3, 128, [0, 1, 2, 3, 4, 5, 6]],
    ['llama normal, position 100000 (range reduction)', LLAMA, 1, 1, 128, [100000]],
    ['linear scaling (freqScale 0.25)', { ...LLAMA, freqScale: 0.25 }, 2, 5, 64, [17, 1023]],
    ['llama 3 freq factors', { ...LLAMA, freqBase: 500000, freqFactors: ff(64) }, 3, 4, 128, [1, 900, 8191]],
    ['YaRN (ext 1, nCtxOrig 4096, factor 4)', { ...QWEN, freqScale: 0.25, extFactor: 1, attnFactor: 1, nCtxOrig: 4096 }, 2, 3, 64, [31, 16000]],
    ['partial rotation nRot 32 of 64 (neox)', { ...QWEN, nRot: 32 }, 2, 3, 64, [3, 333]],
    ['partial rotation nRot 2 of 64 (normal)', { ...LLAMA, nRot: 2 }, 1, 1, 64, [1023]],
  ];
  it.each(cases)('emulated matches ropeRef: %s', (_, p, nTok, nHeads, headDim, positions) => {
    const x = seeded(nTok * nHeads * headDim, nHeads * headDim + nTok);
    const y = run(x, nTok, nHeads, headDim, positions, p);
    expect(nmse(y, ropeReference(x, nTok, nHeads, headDim, positions, p))).toBeLessThan(ROPE_NMSE);
    const nRot = p.nRot ?? headDim;
    for (let d = nRot; d < headDim; d++) expect(y[d]).toBe(x[d]); // pass-through dims untouched
  });

  it('the bound holds with cos/sin.approx at their documented worst-case error (a GPU, not the emulator)', () => {
    const [nTok, nHeads, headDim] = [3, 14, 64];
    const pos = [7, 4095, 32767];
    const x = seeded(nTok * nHeads * headDim, 23);
    const { n_rot, ...f } = ropeScalars(QWEN, headDim);
    const { grid, block } = ropeLaunch(nTok);
    const y = launch(withApproxError(kernels.neox), grid, block, { x, pos: new Uint32Array(pos) }, { n_heads: nHeads, head_dim: headDim, n_rot, freq_factors: 0, ...f }).f32('x', x.length);
    const e = nmse(y, ropeReference(x, nTok, nHeads, headDim, pos, QWEN));
    expect(e).toBeGreaterThan(0);
    expect(e).toBeLessThan(ROPE_NMSE);
  });

  it('a position off by one in one token is caught by the bound', () => {
    const [nTok, nHeads, headDim] = [3, 2, 64];
    const x = seeded(nTok * nHeads * headDim, 5);
    const ref = ropeReference(x, nTok, nHeads, headDim, [10, 11, 12], QWEN);
    expect(nmse(run(x, nTok, nHeads, headDim, [10, 11, 13], QWEN), ref)).toBeGreaterThan(ROPE_NMSE);
  });

  it('scalars follow ropeRef: theta_scale = powf(base, -2/nRot), mscale grows under YaRN', () => {
    expect(ropeScalars(QWEN, 64).theta_scale).toBe(Math.fround(Math.pow(1e6, Math.fround(-2 / 64))));
    expect(ropeScalars({ ...QWEN, extFactor: 1, freqScale: 0.25, nCtxOrig: 4096 }, 64).mscale).toBeGreaterThan(1);
    expect(() => ropeScalars({ ...QWEN, nRot: 3 }, 64)).toThrow(/even/);
    expect(ropeCost(1, 14, 64).bytes).toBe(8 * 14 * 64 + 4);
  });
});

describePtxas('rope', (sm) => [buildRope({ sm, mode: 'normal' }), buildRope({ sm, mode: 'neox' })]);
