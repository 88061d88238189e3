/**
 * GpuBackend.matmul on the tensor-core GEMM path (matmul-route.ts), on the emulated device:
 * prompt-sized token counts route to the GEMM (checked through stats().matmulLaunches), results
 * agree with the kernel's own f16 reference within its accumulation bound, with the exact
 * reference within the f16-rounding bound, and with trueno's ref backend within the bound the
 * GEMV path already meets against it.
 */
import { GGMLType, Tensor, quantize, refBackend } from '@sovereign/trueno';
import { describe, expect, it } from 'vitest';
import { gemmMmaF16Reference, gemmMmaPlan, gemmMmaReference } from '../kernels/gemm-mma-model.js';
import { GEMM_MMA_VS_F32_NMSE, GEMV_VS_MATMUL_REF_NMSE, gemmMmaF16Nmse, nmse } from '../kernels/tolerances.js';
import { createEmuBackend } from './emu-backend.js';

function randomF32(seed: number, n: number, amp = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (2 * (((t ^ (t >>> 14)) >>> 0) / 4294967296) - 1) * amp;
  }
  return out;
}

function weight(type: GGMLType, nIn: number, nOut: number, seed: number): Tensor {
  return Tensor.view(`w${seed}`, type, [nIn, nOut], quantize(type, randomF32(seed, nIn * nOut, 1 / Math.sqrt(nIn))));
}

function bytesOf(w: Tensor): Uint8Array {
  return new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength);
}

describe('gpu backend matmul on the tensor-core GEMM (emulated device)', () => {
  const cases: [string, GGMLType, number][] = [
    ['q8_0', GGMLType.Q8_0, 96],
    ['q4_K', GGMLType.Q4_K, 256],
    ['f16', GGMLType.F16, 64],
  ];
  it.each(cases)('%s: nTok 17, 33 and 70 take the GEMM, within its f16 bounds and the ref bound [F-GPU-GEMM-BE-1]', (_name, type, nIn) => {
    const be = createEmuBackend({ bytes: 16 << 20 });
    const nOut = 37;
    const w = weight(type, nIn, nOut, 11);
    const tokens = [17, 33, 70];
    for (const nTok of tokens) {
      const x = randomF32(nTok + 100, nTok * nIn);
      const out = new Float32Array(nTok * nOut + 5).fill(9); // the tail past (nTok, nOut) must stay
      be.matmul(w, x, nTok, out);
      be.download(out);
      const y = out.subarray(0, nTok * nOut);
      expect(nmse(y, gemmMmaF16Reference(type, bytesOf(w), x, nTok, nOut, nIn))).toBeLessThan(gemmMmaF16Nmse(nIn));
      expect(nmse(y, gemmMmaReference(type, bytesOf(w), x, nTok, nOut, nIn))).toBeLessThan(GEMM_MMA_VS_F32_NMSE);
      const want = new Float32Array(nTok * nOut + 5).fill(9);
      refBackend.matmul(w, x, nTok, want);
      expect(nmse(out, want)).toBeLessThan(GEMV_VS_MATMUL_REF_NMSE);
      expect(out.subarray(nTok * nOut)).toEqual(want.subarray(nTok * nOut));
    }
    const s = be.stats();
    expect(s.fallbacks).toEqual({});
    expect(s.matmulLaunches).toEqual({ gemm: tokens.length, gemmReduce: 0, gemv: 0 });
    expect(s.weightUploads.count).toBe(1);
  });

  it('a split-K plan launches the GEMM into the workspace and the reduce pass; equal to the unsplit f16 reference', () => {
    const type = GGMLType.Q8_0;
    const [nTok, nOut, nIn] = [17, 40, 2048];
    const plan = gemmMmaPlan(type, nTok, nOut, nIn);
    expect(plan.slices).toBeGreaterThan(1); // one output tile: the model splits K to fill SMs
    const be = createEmuBackend({ bytes: 16 << 20 });
    const w = weight(type, nIn, nOut, 5);
    const x = randomF32(6, nTok * nIn);
    const out = new Float32Array(nTok * nOut);
    be.matmul(w, x, nTok, out);
    be.download(out);
    expect(nmse(out, gemmMmaF16Reference(type, bytesOf(w), x, nTok, nOut, nIn))).toBeLessThan(gemmMmaF16Nmse(nIn));
    expect(be.stats().matmulLaunches).toEqual({ gemm: 1, gemmReduce: 1, gemv: 0 });
  });

  it('decode (nTok 1) stays on the GEMV, F16 decode on the CPU; gemm: false keeps prompts on the GEMV', () => {
    const be = createEmuBackend({ bytes: 16 << 20 });
    const q = weight(GGMLType.Q8_0, 64, 9, 1);
    const f = weight(GGMLType.F16, 64, 9, 2);
    const x = randomF32(3, 17 * 64);
    be.matmul(q, x, 1, new Float32Array(9));
    be.matmul(f, x, 1, new Float32Array(9));
    expect(be.stats().matmulLaunches).toEqual({ gemm: 0, gemmReduce: 0, gemv: 1 });
    expect(be.stats().fallbacks).toEqual({ 'matmul f16': 1 });
    const off = createEmuBackend({ bytes: 16 << 20, gemm: false });
    off.matmul(q, x, 17, new Float32Array(17 * 9));
    expect(off.stats().matmulLaunches).toEqual({ gemm: 0, gemmReduce: 0, gemv: 2 });
  });

  it('the bound catches a corrupted weight block on the GEMM path', () => {
    const type = GGMLType.Q8_0;
    const [nTok, nOut, nIn] = [17, 7, 64];
    const w = weight(type, nIn, nOut, 9);
    const bad = bytesOf(w).slice();
    bad.fill(0, 34 * 3, 34 * 4); // row 1, block 1 zeroed (34-byte Q8_0 blocks, 2 per row)
    const be = createEmuBackend({ bytes: 16 << 20 });
    const x = randomF32(10, nTok * nIn);
    const out = new Float32Array(nTok * nOut);
    be.matmul(Tensor.view('bad', type, [nIn, nOut], bad), x, nTok, out);
    be.download(out);
    expect(be.stats().matmulLaunches.gemm).toBe(1);
    expect(nmse(out, gemmMmaReference(type, bytesOf(w), x, nTok, nOut, nIn))).toBeGreaterThan(GEMM_MMA_VS_F32_NMSE);
  });
});
