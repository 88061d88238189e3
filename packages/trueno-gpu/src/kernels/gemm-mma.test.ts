import { GGMLType, dequantize, fp16ToFp32, fp32Bits, fp32FromBits, fp32ToFp16, quantize } from '@sovereign/trueno';
import { describe, expect, it } from 'vitest';
import { emulate } from '../emu/emulate.js';
import { EmuMemory } from '../emu/memory.js';
import { launch } from '../emu/test-launch.js';
import { SM_TARGETS, emitModule, type Kernel } from '../ptx/kernel.js';
import { assemblePtx, ptxasForTests } from '../ptx/ptxas.js';
import { GEMM_FORMATS } from './gemm-mma-formats.js';
import {
  GEMM_MIN_K_SPLIT,
  LAUNCH_GAP_MICROS,
  GEMM_WARP_INSTR_PER_MMA,
  GEMV_THREAD_INSTR_PER_WEIGHT,
  gemmMmaCost,
  gemmMmaF16Reference,
  gemmMmaPredict,
  gemmMmaPredictedMicros,
  gemmMmaPreferred,
  gemmMmaReference,
  gemmMmaPlan,
  gemvPathPredict,
} from './gemm-mma-model.js';
import { type GemmTileM, UnsupportedGemmTypeError, buildGemmMma, gemmFormatFor, gemmMmaLaunch, gemmSlices } from './gemm-mma.js';
import { buildGemmSplitKReduce, gemmSplitKReduceLaunch, gemmSplitKReduceReference } from './gemm-splitk-reduce.js';
import { gemvLaunch } from './gemv-common.js';
import { seeded } from './gemv-conformance.js';
import { buildGemvFor } from './gemv-formats.js';
import { H100_BANDWIDTH_GBS, H100_F16_TENSOR_TFLOPS } from './kernel-model.js';
import { GEMM_MMA_VS_F32_NMSE, gemmMmaF16Nmse, nmse } from './tolerances.js';

const kernels = new Map<string, Kernel>();
function kernelFor(type: GGMLType, tileM: GemmTileM = 64): Kernel {
  let kern = kernels.get(`${type}/${tileM}`);
  if (!kern) kernels.set(`${type}/${tileM}`, (kern = buildGemmMma({ sm: 'sm_80', type, tileM })));
  return kern;
}

/** Runs the GEMM in the emulator (split-K: then the reduce kernel over its workspace); y is (nTok, nOut). */
function runGemm(type: GGMLType, w: Uint8Array, x: Float32Array, nTok: number, nOut: number, K: number, tileM: GemmTileM = 64, kSplit = K): Float32Array {
  const slices = gemmSlices(type, K, kSplit);
  const { grid, block } = gemmMmaLaunch(nTok, nOut, tileM, slices);
  const n = nTok * nOut;
  const ws = launch(kernelFor(type, tileM), grid, block, { w, x, y: slices * n * 4 }, { n_out: nOut, n_tok: nTok, k: K, k_split: kSplit }).f32('y', slices * n);
  if (slices === 1) return ws;
  const r = gemmSplitKReduceLaunch(n);
  const y = launch(reduceKernel, r.grid, r.block, { ws, y: n * 4 }, { n, slices }).f32('y', n);
  expect(y).toEqual(gemmSplitKReduceReference(ws, n, slices)); // the reduce pass is bit-exact
  return y;
}
const reduceKernel = buildGemmSplitKReduce({ sm: 'sm_80' });

/**
 * Runs the GEMM with buffer `last` allocated at the very end of emulated memory, so a read even
 * one byte past it faults (with the test helper's layout it could land in the next buffer).
 */
function runGemmTight(type: GGMLType, w: Uint8Array, x: Float32Array, nTok: number, nOut: number, K: number, last: 'w' | 'x', tileM: GemmTileM): Float32Array {
  const bufs: [string, ArrayBufferView | number][] = [['y', nTok * nOut * 4], last === 'w' ? ['x', x] : ['w', w], last === 'w' ? ['w', w] : ['x', x]];
  let top = 256;
  for (const [, b] of bufs) top = Math.ceil(top / 256) * 256 + (typeof b === 'number' ? b : b.byteLength);
  const mem = new EmuMemory(top - 256);
  const addr: Record<string, number> = {};
  for (const [name, b] of bufs) addr[name] = typeof b === 'number' ? mem.alloc(b) : mem.upload(b);
  expect(addr[last] + (last === 'w' ? w.byteLength : x.byteLength)).toBe(mem.bytes.length);
  const { grid, block } = gemmMmaLaunch(nTok, nOut, tileM);
  emulate(kernelFor(type, tileM), { grid, block, memory: mem, params: { ...addr, n_out: nOut, n_tok: nTok, k: K, k_split: K } });
  return mem.readF32(addr.y, nTok * nOut);
}

function weights(type: GGMLType, nOut: number, K: number, seed: number): Uint8Array {
  return quantize(type, seeded(nOut * K, seed));
}

describe('gemm_mma conformance (emulated)', () => {
  // [type, nTok, nOut, K]: odd token and output counts around the 64 × 64 tile, K a multiple of the block.
  const shapes: [string, GGMLType, number, number, number][] = [
    ['q8_0', GGMLType.Q8_0, 1, 1, 32],
    ['q8_0', GGMLType.Q8_0, 3, 7, 96],
    ['q8_0', GGMLType.Q8_0, 17, 65, 64],
    ['q8_0', GGMLType.Q8_0, 33, 127, 96],
    ['q8_0', GGMLType.Q8_0, 70, 1023, 32],
    ['q4_k', GGMLType.Q4_K, 1, 7, 256],
    ['q4_k', GGMLType.Q4_K, 3, 65, 512],
    ['q4_k', GGMLType.Q4_K, 17, 1, 256],
    ['q4_k', GGMLType.Q4_K, 33, 1023, 256],
    ['q4_k', GGMLType.Q4_K, 70, 127, 256],
    ['f16', GGMLType.F16, 1, 65, 96],
    ['f16', GGMLType.F16, 70, 7, 32],
    ['f16', GGMLType.F16, 33, 127, 64],
    ['q4_0', GGMLType.Q4_0, 17, 65, 64],
    ['q5_0', GGMLType.Q5_0, 3, 127, 96],
    ['q5_k', GGMLType.Q5_K, 33, 7, 256],
    ['q6_k', GGMLType.Q6_K, 70, 65, 256],
  ];
  const shapes128: [string, GGMLType, number, number, number][] = [
    ['q8_0', GGMLType.Q8_0, 129, 65, 64],
    ['q8_0', GGMLType.Q8_0, 3, 7, 32],
    ['q4_k', GGMLType.Q4_K, 70, 127, 256],
    ['f16', GGMLType.F16, 200, 33, 32],
    ['q5_0', GGMLType.Q5_0, 17, 1, 32],
    ['q6_k', GGMLType.Q6_K, 130, 7, 256],
  ];
  it.each(shapes)('%s (ggml type %i): %i tokens × %i outputs, K = %i: f16-rounded reference (tight) and exact f32 reference', (_, type, nTok, nOut, K) => {
    const w = weights(type, nOut, K, nOut * 131 + K);
    const x = seeded(nTok * K, nTok * 7 + K);
    const y = runGemm(type, w, x, nTok, nOut, K);
    expect(y.every(Number.isFinite)).toBe(true);
    expect(nmse(y, gemmMmaF16Reference(type, w, x, nTok, nOut, K))).toBeLessThan(gemmMmaF16Nmse(K));
    expect(nmse(y, gemmMmaReference(type, w, x, nTok, nOut, K))).toBeLessThan(GEMM_MMA_VS_F32_NMSE);
  });

  it.each(shapes128)('%s (ggml type %i), 128-token tiles: %i tokens × %i outputs, K = %i: both references', (_, type, nTok, nOut, K) => {
    const w = weights(type, nOut, K, nOut * 17 + K);
    const x = seeded(nTok * K, nTok * 5 + K);
    const y = runGemm(type, w, x, nTok, nOut, K, 128);
    expect(nmse(y, gemmMmaF16Reference(type, w, x, nTok, nOut, K))).toBeLessThan(gemmMmaF16Nmse(K));
    expect(nmse(y, gemmMmaReference(type, w, x, nTok, nOut, K))).toBeLessThan(GEMM_MMA_VS_F32_NMSE);
  });

  // [type, nTok, nOut, K, kSplit, tileM]: slices of unequal length (the last one shorter).
  const splits: [string, GGMLType, number, number, number, number, GemmTileM][] = [
    ['q8_0', GGMLType.Q8_0, 17, 65, 320, 96, 64],
    ['q4_k', GGMLType.Q4_K, 33, 7, 768, 256, 64],
    ['f16', GGMLType.F16, 70, 3, 160, 64, 128],
    ['q6_k', GGMLType.Q6_K, 1, 127, 512, 256, 64],
  ];
  it.each(splits)('%s (ggml type %i) split-K: %i tokens × %i outputs, K = %i in slices of %i (tile %i), reduced in order', (_, type, nTok, nOut, K, kSplit, tileM) => {
    const w = weights(type, nOut, K, nOut + K);
    const x = seeded(nTok * K, nTok + K);
    const y = runGemm(type, w, x, nTok, nOut, K, tileM, kSplit);
    expect(nmse(y, gemmMmaF16Reference(type, w, x, nTok, nOut, K))).toBeLessThan(gemmMmaF16Nmse(K));
    expect(nmse(y, gemmMmaReference(type, w, x, nTok, nOut, K))).toBeLessThan(GEMM_MMA_VS_F32_NMSE);
  });

  it.each([GGMLType.Q8_0, GGMLType.Q4_K])('type %i (ggml): LLM-like scales (weights ~0.02, activations ~3 with outliers of 300) stay within both bounds', (type) => {
    const [nTok, nOut, K] = [9, 33, 512];
    const w = quantize(type, seeded(nOut * K, 31).map((v) => 0.02 * v));
    const x = seeded(nTok * K, 32).map((v, i) => (i % 97 === 0 ? 300 * v : 3 * v));
    const y = runGemm(type, w, x, nTok, nOut, K);
    expect(nmse(y, gemmMmaF16Reference(type, w, x, nTok, nOut, K))).toBeLessThan(gemmMmaF16Nmse(K));
    expect(nmse(y, gemmMmaReference(type, w, x, nTok, nOut, K))).toBeLessThan(GEMM_MMA_VS_F32_NMSE);
  });

  it('split-K slices must start on block boundaries', () => {
    expect(gemmSlices(GGMLType.Q8_0, 320, 96)).toBe(4);
    expect(gemmSlices(GGMLType.Q4_K, 768, 768)).toBe(1);
    expect(() => gemmSlices(GGMLType.Q4_K, 768, 128)).toThrow(/multiples of 256/);
    expect(() => gemmMmaLaunch(1, 1, 64, 0)).toThrow(RangeError);
  });

  it.each([GGMLType.Q8_0, GGMLType.Q4_K, GGMLType.F16])('type %i (ggml): edge tiles never read past the end of W or X', (type) => {
    const [nTok, nOut, K] = [5, 67, gemmFormatFor(type).kMultiple];
    const w = weights(type, nOut, K, 3);
    const x = seeded(nTok * K, 4);
    const ref = gemmMmaF16Reference(type, w, x, nTok, nOut, K);
    for (const tileM of [64, 128] as const) {
      for (const last of ['w', 'x'] as const) expect(nmse(runGemmTight(type, w, x, nTok, nOut, K, last, tileM), ref)).toBeLessThan(gemmMmaF16Nmse(K));
    }
  });

  it.each([GGMLType.Q8_0, GGMLType.Q4_K])('type %i (ggml): a corrupted weight block trips both bounds, one flipped quant bit the tight one', (type) => {
    const f = gemmFormatFor(type);
    const [nTok, nOut, K] = [17, 7, 2 * f.qk];
    const w = weights(type, nOut, K, 21);
    const x = seeded(nTok * K, 22);
    const ref16 = gemmMmaF16Reference(type, w, x, nTok, nOut, K);
    const ref32 = gemmMmaReference(type, w, x, nTok, nOut, K);
    // The block's f16 scale d (Q8_0 at byte 0, Q4_K at byte 0) zeroed: block 1 of row 3 contributes nothing.
    const zeroed = w.slice();
    const at = 3 * (K / f.qk) * f.blockBytes + f.blockBytes;
    zeroed[at] = 0;
    zeroed[at + 1] = 0;
    const yz = runGemm(type, zeroed, x, nTok, nOut, K);
    expect(nmse(yz, ref16)).toBeGreaterThan(gemmMmaF16Nmse(K));
    expect(nmse(yz, ref32)).toBeGreaterThan(GEMM_MMA_VS_F32_NMSE);
    // A high bit of the block's last quant byte flipped (one or two weights change).
    const flipped = w.slice();
    flipped[at + f.blockBytes - 1] ^= 0x40;
    expect(nmse(runGemm(type, flipped, x, nTok, nOut, K), ref16)).toBeGreaterThan(gemmMmaF16Nmse(K));
  });
});

describe('gemm_mma tolerance', () => {
  /** f32 `s` truncated toward zero, then `extra` more ulps toward zero. */
  function truncate(s: number, extra: number): number {
    let r = Math.fround(s);
    if (Math.abs(r) > Math.abs(s)) r = fp32FromBits(fp32Bits(r) - 1);
    for (let i = 0; i < extra && r !== 0; i++) r = fp32FromBits(fp32Bits(r) - 1);
    return r;
  }

  it.each([4864, 18944])('holds for a tensor core that truncates each mma sum and loses one more ulp (K = %i)', (K) => {
    const [nTok, nOut, type] = [4, 16, GGMLType.Q8_0];
    const w = weights(type, nOut, K, 1);
    const x = seeded(nTok * K, 2);
    const h = (v: number): number => fp16ToFp32(fp32ToFp16(v));
    const wf = dequantize(type, w, nOut * K).map(h);
    const xf = x.map(h);
    const y = new Float32Array(nTok * nOut);
    for (let t = 0; t < nTok; t++) {
      for (let r = 0; r < nOut; r++) {
        let acc = 0;
        for (let k0 = 0; k0 < K; k0 += 16) {
          let s = acc;
          for (let i = k0; i < k0 + 16; i++) s += wf[r * K + i] * xf[t * K + i];
          acc = truncate(s, 1);
        }
        y[t * nOut + r] = acc;
      }
    }
    const e = nmse(y, gemmMmaF16Reference(type, w, x, nTok, nOut, K));
    expect(e).toBeGreaterThan(gemmMmaF16Nmse(K) / 1000); // the model does perturb
    expect(e).toBeLessThan(gemmMmaF16Nmse(K));
  });
});

describe('gemm_mma model', () => {
  it('tiles 64 × 64 with 128 threads and rejects types without a loader', () => {
    expect(gemmMmaLaunch(70, 1023)).toEqual({ grid: [16, 2, 1], block: [128, 1, 1] });
    expect(gemmMmaLaunch(1, 1)).toEqual({ grid: [1, 1, 1], block: [128, 1, 1] });
    expect(gemmMmaLaunch(300, 65, 128)).toEqual({ grid: [2, 3, 1], block: [256, 1, 1] });
    expect(buildGemmMma({ sm: 'sm_80', type: GGMLType.Q4_K, tileM: 128 }).name).toBe('gemm_mma_q4_k_m128');
    expect(() => gemmFormatFor(GGMLType.Q4_1)).toThrow(UnsupportedGemmTypeError);
    expect(() => buildGemmMma({ sm: 'sm_80', type: GGMLType.F32 })).toThrow(/supported are f16, q8_0/);
    expect([...GEMM_FORMATS.values()].map((f) => `${f.id}:${f.kStep}`)).toEqual(['f16:32', 'q8_0:32', 'q4_0:32', 'q5_0:32', 'q4_k:64', 'q5_k:64', 'q6_k:64']);
  });

  it('counts bytes once and flops on padded tiles (roofline: max of memory and tensor-core time)', () => {
    // Qwen2.5-0.5B FFN gate: 4864 outputs of K = 896 (Q8_0).
    const c = gemmMmaCost(GGMLType.Q8_0, 100, 4864, 896);
    expect(c.bytes).toBe(4864 * 28 * 34 + 100 * 896 * 4 + 100 * 4864 * 4);
    expect(c.flops).toBe(2 * 100 * 4864 * 896);
    expect(c.paddedFlops).toBe(2 * 128 * 4864 * 896);
    expect(c.l2Bytes).toBe(2 * 4864 * 28 * 34 + 76 * 100 * 896 * 4 + 100 * 4864 * 4);
    expect(c.blocks).toBe(2 * 76);
    expect(gemmMmaCost(GGMLType.Q8_0, 100, 4864, 896, 128).paddedFlops).toBe(c.paddedFlops);
    const us = gemmMmaPredictedMicros(c);
    expect(us).toBeCloseTo(Math.max((c.bytes / (H100_BANDWIDTH_GBS * 1e9)) * 1e6, (c.paddedFlops / (H100_F16_TENSOR_TFLOPS * 1e12)) * 1e6), 9);
    const p = gemmMmaPredict(GGMLType.Q8_0, 100, 4864, 896);
    expect(p.memory).toBeCloseTo((c.bytes / 3.35e12) * 1e6, 9);
    expect(p.total).toBe(Math.max(p.memory, p.tensor, p.issue) + LAUNCH_GAP_MICROS);
    // Split-K adds the workspace round trip and multiplies the blocks.
    const s4 = gemmMmaCost(GGMLType.Q8_0, 100, 4864, 896, 64, 4);
    expect(s4.bytes - c.bytes).toBe(2 * 4 * 100 * 4864 * 4);
    expect(s4.blocks).toBe(4 * c.blocks);
  });

  it('plans split-K for grids that leave SMs idle, and none for grids that fill them', () => {
    // Qwen2.5-1.5B attn_k: 4 output tiles. (0.5B's, 2 tiles of K = 896, is not split: its blocks
    // issue for ~2.3 µs, so 4 slices would save ~1.7 µs, less than the reduce launch's 2 µs gap.)
    const kv = gemmMmaPlan(GGMLType.Q8_0, 32, 256, 1536);
    expect(kv.slices).toBeGreaterThan(1);
    expect(kv.kSplit % 32).toBe(0);
    expect(kv.kSplit).toBeGreaterThanOrEqual(GEMM_MIN_K_SPLIT);
    expect(Math.ceil(1536 / kv.kSplit)).toBe(kv.slices);
    expect(kv.prediction.total).toBeLessThan(gemmMmaPredict(GGMLType.Q8_0, 32, 256, 1536).total);
    const wide = gemmMmaPlan(GGMLType.Q4_K, 512, 4864, 1024);
    expect(wide).toMatchObject({ slices: 1, kSplit: 1024, tileM: 128 });
  });

  it('prefers the GEMM over the GEMV path from a shape-dependent token count on (Qwen2.5 shapes)', () => {
    const shapes: [string, number, number][] = [
      ['0.5b attn_k', 128, 896],
      ['0.5b attn_q', 896, 896],
      ['0.5b ffn_gate', 4864, 896],
      ['0.5b ffn_down', 896, 4864],
      ['1.5b attn_q', 1536, 1536],
      ['7b ffn_down', 3584, 18944],
    ];
    const lines: string[] = [];
    for (const [name, nOut, K0] of shapes) {
      for (const type of [GGMLType.Q8_0, GGMLType.Q4_0, GGMLType.Q5_0, GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K]) {
        const K = Math.ceil(K0 / gemmFormatFor(type).kMultiple) * gemmFormatFor(type).kMultiple;
        let t = 1;
        while (!gemmMmaPreferred(type, t, nOut, K)) t++;
        // Once the GEMM wins it keeps winning, and it wins by two full token tiles.
        for (const n of [t + 1, t + 7, 64, 65, 127, 512, 4096]) if (n >= t) expect(gemmMmaPreferred(type, n, nOut, K), `${name} ${type} at ${n}`).toBe(true);
        expect(t).toBeLessThanOrEqual(128);
        const plan = gemmMmaPlan(type, 512, nOut, K);
        const g = plan.prediction;
        const v = gemvPathPredict(type, 512, nOut, K)!;
        const at = gemmMmaPlan(type, t, nOut, K);
        lines.push(
          `${name} ${gemmFormatFor(type).id}: GEMM from ${t} tokens (${at.slices} slices there); 512 tokens: GEMM m${plan.tileM}×${plan.slices} ${g.total.toFixed(1)} µs ` +
            `(issue ${g.issue.toFixed(1)}, tensor ${g.tensor.toFixed(1)}, memory ${g.memory.toFixed(1)}) vs GEMV ${v.total.toFixed(1)} µs`,
        );
      }
    }
    console.log(lines.join('\n'));
    expect(gemmMmaPreferred(GGMLType.F16, 1, 896, 896)).toBe(true); // no F16 GEMV
    expect(gemvPathPredict(GGMLType.F16, 1, 896, 896)).toBeUndefined();
  });

  it('instruction counts of the model match the emulated kernels', () => {
    for (const [type, f] of GEMM_FORMATS) {
      for (const tileM of [64, 128] as const) {
        const [nTok, nOut, K] = [tileM, 64, 1024];
        const w = weights(type, nOut, K, 5);
        const { grid, block } = gemmMmaLaunch(nTok, nOut, tileM);
        const r = launch(kernelFor(type, tileM), grid, block, { w, x: seeded(nTok * K, 6), y: nTok * nOut * 4 }, { n_out: nOut, n_tok: nTok, k: K, k_split: K });
        const perMma = r.stats.instructions / 32 / ((nTok / 16) * (nOut / 8) * (K / 16));
        expect(perMma / GEMM_WARP_INSTR_PER_MMA[tileM][f.id], `${f.id} m${tileM}`).toBeCloseTo(1, 1);
      }
      const counts = GEMV_THREAD_INSTR_PER_WEIGHT[f.id];
      if (!counts) continue;
      const [rows, Kv] = [8, 4096];
      const wv = weights(type, rows, Kv, 7);
      const per = (M: number): number => {
        const l = gemvLaunch(rows);
        return launch(buildGemvFor(type, { sm: 'sm_80', batch: M }), l.grid, l.block, { w: wv, x: seeded(M * Kv, 8), y: M * rows * 4 }, { n_rows: rows, k: Kv }).stats.instructions / (rows * Kv);
      };
      expect(per(1) / counts.one, f.id).toBeCloseTo(1, 1);
      expect(per(16) / (counts.one + 15 * counts.perToken), f.id).toBeCloseTo(1, 1);
    }
  });
});

describe.each(SM_TARGETS)('gemm_mma ptxas %s', (sm) => {
  const ptxas = ptxasForTests();
  it.skipIf(!ptxas)('assembles every format without spills', () => {
    const ks = [...GEMM_FORMATS.keys()].flatMap((type) => [buildGemmMma({ sm, type }), buildGemmMma({ sm, type, tileM: 128 })]);
    ks.push(buildGemmSplitKReduce({ sm }));
    const r = assemblePtx(emitModule(sm, ks), sm, ptxas);
    expect(r.log).not.toMatch(/error/i);
    expect(r.ok).toBe(true);
    expect(r.functions.length).toBe(ks.length);
    for (const f of r.functions) {
      expect(f.spillStores, `${f.name} spills`).toBe(0);
      expect(f.registers, `${f.name} registers`).toBeLessThanOrEqual(128);
      console.log(`${sm} ${f.name}: ${f.registers} registers, ${f.sharedBytes} bytes shared, ${f.spillStores} spill bytes`);
    }
  });
});
