/**
 * GPU-free performance checks of the GEMV kernels, from the emulator's counters: PTX instructions
 * per weight byte (the issue roofline) and global-memory sectors per weight byte (coalescing).
 * The bounds sit ~10% above the values measured when the kernels were written, so a change that
 * makes a kernel issue-heavier or less coalesced fails here before anyone needs a GPU to see it.
 */
import { GGMLType, quantize } from '@sovereign/trueno';
import { describe, expect, it } from 'vitest';
import { programOf } from '../emu/emulate.js';
import { launch } from '../emu/test-launch.js';
import { gemvCost, gemvLaunch, buildGemv } from './gemv-common.js';
import { seeded } from './gemv-conformance.js';
import { GEMV_FORMATS } from './gemv-formats.js';
import { buildGemvQ4_KQ8_1, gemvQ4_KQ8_1Cost, gemvQ4_KQ8_1Launch } from './gemv-q4-k-q8-1.js';
import { buildGemvQ6_KQ8_1, gemvQ6_KQ8_1Cost, gemvQ6_KQ8_1Launch } from './gemv-q6-k-q8-1.js';
import { GEMV_DP4A_BUILDERS } from './gemv-formats.js';
import { H100_BANDWIDTH_GBS, issueMicros, predictedMicros } from './kernel-model.js';

// [PTX thread instructions per weight byte, weight-load sectors·32 per weight byte], measured
// (64 rows × 8 blocks, 2 rows per warp) 2026-11-23 + ~10%.
const BOUNDS: Record<string, [number, number]> = {
  q8_0: [8.4, 5.7],
  q4_0: [18.0, 3.6],
  q5_0: [18.2, 5.7],
  q4_k: [17.1, 3.1],
  q5_k: [15.7, 2.8],
  q6_k: [16.2, 5.5],
};

describe('gemv profile (emulator counters)', () => {
  it.each([...GEMV_FORMATS.values()].map((f) => [f.id, f] as const))('%s: instructions and sectors per weight byte stay within budget', (id, f) => {
    const nRows = 64;
    const K = f.qk * 8;
    const w = quantize(f.type, seeded(nRows * K, 3));
    const kern = buildGemv(f, { sm: 'sm_80' });
    const { grid, block } = gemvLaunch(nRows);
    const r = launch(kern, grid, block, { w, x: seeded(K, 4), y: nRows * 4 }, { n_rows: nRows, k: K }, undefined, true);
    const prog = programOf(kern, true);
    let wSectors = 0;
    for (const [pc, c] of r.stats.memory!.byStep) {
      const i = prog.steps[pc].instr;
      if (i.op === 'ld' && i.type !== 'f32') wSectors += c.sectors;
    }
    const instrPerByte = r.stats.instructions / w.byteLength;
    const sectorBytesPerByte = (wSectors * 32) / w.byteLength;
    const cost = gemvCost(f, nRows, K);
    // Fraction of HBM bandwidth the issue rate allows (PTX counts; pessimistic, see issueMicros).
    const issueFrac = Math.min(1, predictedMicros(cost, H100_BANDWIDTH_GBS) / issueMicros(r.stats.instructions));
    console.log(`${id}: ${instrPerByte.toFixed(2)} instr/B, ${sectorBytesPerByte.toFixed(2)} sector B/B, issue allows ${(100 * issueFrac).toFixed(0)}% of HBM`);
    expect(instrPerByte).toBeLessThan(BOUNDS[id][0]);
    expect(sectorBytesPerByte).toBeLessThan(BOUNDS[id][1]);
  });

  it('q4_k x q8_1 (dp4a) issues a third fewer instructions per weight byte than the f32-activation kernel', () => {
    const [nRows, K] = [64, 2048];
    const w = quantize(GGMLType.Q4_K, seeded(nRows * K, 3));
    const xq = quantize(GGMLType.Q8_1, seeded(K, 4));
    const r = launch(buildGemvQ4_KQ8_1({ sm: 'sm_80' }), gemvQ4_KQ8_1Launch(nRows).grid, [128], { w, xq, y: nRows * 4 }, { n_rows: nRows, k: K });
    const instrPerByte = r.stats.instructions / w.byteLength;
    const issueFrac = Math.min(1, predictedMicros(gemvQ4_KQ8_1Cost(nRows, K)) / issueMicros(r.stats.instructions));
    console.log(`q4_k x q8_1: ${instrPerByte.toFixed(2)} instr/B, issue allows ${(100 * issueFrac).toFixed(0)}% of HBM`);
    // Measured 10.52 (vs 15.54 for the f32 path) + 10%.
    expect(instrPerByte).toBeLessThan(11.6);
  });

  it('q6_k x q8_1 (dp4a) issues fewer instructions per weight byte than the f32-activation kernel', () => {
    const [nRows, K] = [64, 2048];
    const w = quantize(GGMLType.Q6_K, seeded(nRows * K, 3));
    const xq = quantize(GGMLType.Q8_1, seeded(K, 4));
    const r = launch(buildGemvQ6_KQ8_1({ sm: 'sm_80' }), gemvQ6_KQ8_1Launch(nRows).grid, [128], { w, xq, y: nRows * 4 }, { n_rows: nRows, k: K });
    const instrPerByte = r.stats.instructions / w.byteLength;
    const issueFrac = Math.min(1, predictedMicros(gemvQ6_KQ8_1Cost(nRows, K)) / issueMicros(r.stats.instructions));
    console.log(`q6_k x q8_1: ${instrPerByte.toFixed(2)} instr/B, issue allows ${(100 * issueFrac).toFixed(0)}% of HBM`);
    // Measured 12.24 (vs 14.70 for the f32 path) + 10%.
    expect(instrPerByte).toBeLessThan(13.5);
  });

  it.each([
    ['q8_0', GGMLType.Q8_0],
    ['q4_0', GGMLType.Q4_0],
    ['q5_0', GGMLType.Q5_0],
  ] as const)('%s x q8_1 (dp4a): instructions per weight byte', (id, type) => {
    const [nRows, K] = [64, 256];
    const w = quantize(type, seeded(nRows * K, 3));
    const xq = quantize(GGMLType.Q8_1, seeded(K, 4));
    const r = launch(GEMV_DP4A_BUILDERS.get(type)!({ sm: 'sm_80' }), [Math.ceil(nRows / 8)], [128], { w, xq, y: nRows * 4 }, { n_rows: nRows, k: K });
    const instrPerByte = r.stats.instructions / w.byteLength;
    console.log(`${id} x q8_1: ${instrPerByte.toFixed(2)} instr/B`);
    expect(instrPerByte).toBeLessThan(DP4A_BOUNDS[id]);
  });
});

// dp4a kernels, PTX instructions per weight byte: measured (6.25, 12.47, 13.29) + ~10%.
const DP4A_BOUNDS: Record<string, number> = { q8_0: 6.9, q4_0: 13.7, q5_0: 14.6 };
