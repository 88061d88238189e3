/**
 * The conformance suite every GEMV kernel file runs (test helper, not exported): emulator output
 * vs the TS reference over odd row counts and K multiples of the block size, the batched kernel,
 * agreement with trueno's engine matmul at quantization-noise level, and ptxas assembly per target.
 */
import { Tensor, quantize, refBackend } from '@sovereign/trueno';
import { describe, expect, it } from 'vitest';
import { launch } from '../emu/test-launch.js';
import { SM_TARGETS, emitModule, type Kernel } from '../ptx/kernel.js';
import { assemblePtx, ptxasForTests } from '../ptx/ptxas.js';
import { type GemvBuildOptions, type GemvFormat, gemvLaunch, gemvReference } from './gemv-common.js';
import { seeded } from './seeded.js';
import { GEMV_NMSE, GEMV_VS_MATMUL_REF_NMSE, nmse } from './tolerances.js';

// The vitest-free generator (device-check bundles it too), re-exported for the kernel tests.
export { seeded };

/** Runs a GEMV kernel in the emulator; returns y (M, nRows). */
export function runGemv(kernel: Kernel, w: Uint8Array, x: Float32Array, nRows: number, K: number, M: number, rowsPerWarp?: number): Float32Array {
  const { grid, block } = gemvLaunch(nRows, rowsPerWarp);
  const r = launch(kernel, grid, block, { w, x, y: M * nRows * 4 }, { n_rows: nRows, k: K });
  return r.f32('y', M * nRows);
}

/** Registers the suite for one format. `shapes` are [nRows, K] pairs (K a multiple of qk). */
export function describeGemvConformance(fmt: GemvFormat, build: (o: GemvBuildOptions) => Kernel, shapes: readonly [number, number][], batches: readonly number[]): void {
  const ptxas = ptxasForTests();
  describe(`gemv ${fmt.id}`, () => {
    const k1 = build({ sm: 'sm_80' });
    it.each(shapes)(`emulated matches the dequantize+dot reference: %i rows, K = %i`, (nRows, K) => {
      const w = quantize(fmt.type, seeded(nRows * K, nRows * 7919 + K));
      const x = seeded(K, K + 17);
      const y = runGemv(k1, w, x, nRows, K, 1);
      const e = nmse(y, gemvReference(fmt.type, w, x, nRows, K));
      expect(e).toBeLessThan(GEMV_NMSE);
    });

    it.each(batches)(`batched (M = %i) reads weights once and matches the reference per sequence`, (M) => {
      const [nRows, K] = [33, fmt.qk * 3];
      const w = quantize(fmt.type, seeded(nRows * K, 99));
      const x = seeded(M * K, M);
      const y = runGemv(build({ sm: 'sm_80', batch: M }), w, x, nRows, K, M);
      const ref = gemvReference(fmt.type, w, x, nRows, K, M);
      for (let m = 0; m < M; m++) expect(nmse(y.subarray(m * nRows, (m + 1) * nRows), ref.subarray(m * nRows, (m + 1) * nRows))).toBeLessThan(GEMV_NMSE);
    });

    it.each([1, 4])('rowsPerWarp = %i (x reused across rows; rows past the end computed but not stored)', (R) => {
      for (const [nRows, K, M] of [[1, fmt.qk, 1], [7, fmt.qk * 2, 1], [33, fmt.qk, 3]]) {
        const w = quantize(fmt.type, seeded(nRows * K, 31 * nRows + R));
        const x = seeded(M * K, 41);
        const y = runGemv(build({ sm: 'sm_80', batch: M, rowsPerWarp: R }), w, x, nRows, K, M, R);
        expect(nmse(y, gemvReference(fmt.type, w, x, nRows, K, M))).toBeLessThan(GEMV_NMSE);
      }
    });

    it('agrees with the engine matmul (activations quantized like ggml) to quantization noise', () => {
      const [nRows, K] = [17, fmt.qk * 4];
      const w = quantize(fmt.type, seeded(nRows * K, 5));
      const x = seeded(K, 6);
      const out = new Float32Array(nRows);
      refBackend.matmul(Tensor.view('w', fmt.type, [K, nRows], w), x, 1, out);
      expect(nmse(runGemv(k1, w, x, nRows, K, 1), out)).toBeLessThan(GEMV_VS_MATMUL_REF_NMSE);
    });

    it('a corrupted byte in one block of one row is caught by the bound', () => {
      const [nRows, K] = [3, fmt.qk * 2];
      const w = quantize(fmt.type, seeded(nRows * K, 11));
      const x = seeded(K, 12);
      const ref = gemvReference(fmt.type, w, x, nRows, K);
      // Flip a high mantissa bit of one byte in the first block of row 1.
      const bad = w.slice();
      bad[(K / fmt.qk) * fmt.blockBytes + fmt.blockBytes - 1] ^= 0x40;
      expect(nmse(runGemv(k1, bad, x, nRows, K, 1), ref)).toBeGreaterThan(GEMV_NMSE);
    });

    describe.each(SM_TARGETS)('ptxas %s', (sm) => {
      it.skipIf(!ptxas)(`assembles the decode (1, 2, 4 rows per warp) and batched kernels without spills`, () => {
        const kernels = [build({ sm }), build({ sm, rowsPerWarp: 1 }), build({ sm, rowsPerWarp: 4 }), ...batches.map((b) => build({ sm, batch: b }))];
        const r = assemblePtx(emitModule(sm, kernels), sm, ptxas);
        expect(r.log).not.toMatch(/error/i);
        expect(r.ok).toBe(true);
        for (const f of r.functions) expect(f.spillStores, `${f.name} spills`).toBe(0);
      });
    });
  });
}
