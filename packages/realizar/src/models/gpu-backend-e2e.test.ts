/**
 * End to end on the GPU backend without a GPU: small generated models run through trueno-gpu's
 * GpuBackend on the PTX-emulated device, against the ref backend. Greedy decoding must give the
 * same tokens, logits must agree within the GEMV-vs-matmulRef bound (the GPU keeps activations in
 * f32 where the CPU path quantizes them to Q8 first), and after the prompt a decode step moves no
 * activation buffer between host and device: only the logits row (or, with `deviceLogits` and the
 * backend's argmax, only the token index) comes back, plus the per-token inputs (embedding row,
 * positions, attention tables).
 */
import { type Backend, GGMLType, refBackend } from '@sovereign/trueno';
import { type GpuBackendStats, createEmuBackend, nmse } from '@sovereign/trueno-gpu';
import { describe, expect, it } from 'vitest';
import { collectGeneration, generate } from '../engine/generate.js';
import { loadModel } from '../model/model.js';
import { tokenizerFromGGUF } from '../tokenizer/index.js';
import { type TestModelSpec, testModel } from '../model/test-model.js';

const PROMPT = [1, 259, 299, 7, 42];
/** A prompt long enough (≥ 17 tokens) for the tensor-core GEMM path in prefill (trueno-gpu matmul-route.ts). */
const LONG_PROMPT = [1, 259, 299, 7, 42, 17, 100, 200, 33, 5, 88, 250, 12, 64, 128, 3, 77, 190, 222, 9];
/** Greedy tokens per run (the emulator runs ~2·10^7 instructions/s: a q8_0 step ~0.2 s, a q4_K step ~1 s). */
const STEPS = 8;
/** Logits NMSE vs ref: per-matmul activation-quantization noise of the ref path (~1e-5) through a 2-layer model. */
const LOGITS_NMSE = 1e-3;

interface Run {
  tokens: number[];
  logits: Float32Array[];
}

function greedy(be: Backend, spec: TestModelSpec, opts: { deviceLogits?: boolean; steps?: number; prompt?: number[]; onStep?: (step: number) => void } = {}): Run {
  const steps = opts.steps ?? STEPS;
  const { file } = testModel(spec);
  const model = loadModel(file, { backend: be });
  const s = model.createSession({ contextLength: 64 });
  const vocab = model.config.vocabSize;
  const tokens: number[] = [];
  const logits: Float32Array[] = [];
  let l = s.forward(opts.prompt ?? PROMPT, { deviceLogits: opts.deviceLogits });
  for (let i = 0; i < steps; i++) {
    if (!opts.deviceLogits) logits.push(l.slice());
    const t = be.argmax(l, vocab);
    tokens.push(t);
    opts.onStep?.(i);
    if (i + 1 < steps) l = s.forward([t], { deviceLogits: opts.deviceLogits });
  }
  return { tokens, logits };
}

function delta(a: GpuBackendStats, b: GpuBackendStats): Record<string, number> {
  return {
    activationUploads: b.activationUploads.count - a.activationUploads.count,
    activationDownloads: b.activationDownloads.count - a.activationDownloads.count,
    fallbackDownloads: b.fallbackDownloads.count - a.fallbackDownloads.count,
    weightUploads: b.weightUploads.count - a.weightUploads.count,
    argmaxReads: b.argmaxReads.count - a.argmaxReads.count,
    paramUploads: b.paramUploads.count - a.paramUploads.count,
  };
}

const MODELS: [string, TestModelSpec, number][] = [
  ['qwen2 q8_0 (headDim 64, GQA 2, bias, tied)', { arch: 'qwen2', dim: 128, nLayers: 2, nHeads: 2, nKvHeads: 1, ffnDim: 256, vocab: 300, type: GGMLType.Q8_0, tied: true, seed: 3 }, STEPS],
  ['llama q4_K (K-quant rows, untied)', { arch: 'llama', dim: 256, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 256, vocab: 300, type: GGMLType.Q4_K, seed: 5 }, 6],
];

describe.each(MODELS)('gpu backend end to end on the emulator: %s', (_name, spec, steps) => {
  const ref = greedy(refBackend, spec, { steps });

  it(`greedy ${steps} tokens equal the ref backend's, logits within ${LOGITS_NMSE}, no activation transfer per decode step [F-GPU-BE-2]`, () => {
    const be = createEmuBackend({ bytes: 64 << 20 });
    const perStep: Record<string, number>[] = [];
    let last = be.stats();
    const t0 = performance.now();
    const gpu = greedy(be, spec, {
      steps,
      onStep: () => {
        const now = be.stats();
        perStep.push(delta(last, now));
        last = now;
      },
    });
    const ms = performance.now() - t0;
    const worst = Math.max(...gpu.logits.map((l, i) => nmse(l, ref.logits[i])));
    console.log(`${spec.arch} ${GGMLType[spec.type!]}: ${steps} tokens in ${ms.toFixed(0)} ms on the emulator, worst logits NMSE ${worst.toExponential(2)}, stats ${JSON.stringify(be.stats())}`);
    expect(gpu.tokens).toEqual(ref.tokens);
    expect(worst).toBeLessThan(LOGITS_NMSE);
    expect(be.stats().fallbacks).toEqual({});
    // Step 0 is the prompt (first sight of every buffer); each decode step after it only downloads the logits.
    // Small inputs: the token's embedding row, its position for RoPE and for the KV store, and
    // the attention length travel in ONE staging copy per decode step (a recorded step graph);
    // the per-layer cache-pointer tables are uploaded again only by the first decode step (their
    // length follows nTok), then stay put.
    const pointerTables = 2 * spec.nLayers; // k and v per layer
    perStep.slice(1).forEach((d, i) => {
      expect(d).toEqual({ activationUploads: 0, activationDownloads: 1, fallbackDownloads: 0, weightUploads: 0, argmaxReads: 0, paramUploads: i === 0 ? 1 + pointerTables : 1 });
    });
  });

  it(`a ${LONG_PROMPT.length}-token prompt runs its matmuls on the tensor-core GEMM; greedy tokens equal ref, logits within ${LOGITS_NMSE} [F-GPU-BE-4]`, () => {
    const n = Math.min(steps, 4);
    const want = greedy(refBackend, spec, { steps: n, prompt: LONG_PROMPT });
    const be = createEmuBackend({ bytes: 64 << 20 });
    const gemm: number[] = [];
    const got = greedy(be, spec, { steps: n, prompt: LONG_PROMPT, onStep: () => gemm.push(be.stats().matmulLaunches.gemm) });
    const worst = Math.max(...got.logits.map((l, i) => nmse(l, want.logits[i])));
    console.log(`${spec.arch} ${GGMLType[spec.type!]} ${LONG_PROMPT.length}-token prompt: worst logits NMSE ${worst.toExponential(2)}, matmul launches ${JSON.stringify(be.stats().matmulLaunches)}`);
    expect(got.tokens).toEqual(want.tokens);
    expect(worst).toBeLessThan(LOGITS_NMSE);
    expect(be.stats().fallbacks).toEqual({});
    // The prompt's Q, K, V, O, gate, up and down projections of every layer took the GEMM; decode steps (one token) none.
    expect(gemm[0]).toBe(7 * spec.nLayers);
    expect(new Set(gemm).size).toBe(1);
  });

  // One model is enough for the argmax path (the emulated K-quant GEMVs are the slow part).
  it.skipIf(spec.type !== GGMLType.Q8_0)('with deviceLogits and the backend argmax only the token index comes back', () => {
    const be = createEmuBackend({ bytes: 64 << 20 });
    const perStep: Record<string, number>[] = [];
    let last = be.stats();
    const gpu = greedy(be, spec, {
      steps,
      deviceLogits: true,
      onStep: () => {
        const now = be.stats();
        perStep.push(delta(last, now));
        last = now;
      },
    });
    expect(gpu.tokens).toEqual(ref.tokens);
    perStep.slice(1).forEach((d, i) => {
      expect(d).toEqual({ activationUploads: 0, activationDownloads: 0, fallbackDownloads: 0, weightUploads: 0, argmaxReads: 1, paramUploads: i === 0 ? 1 + 2 * spec.nLayers : 1 });
    });
  });
});

describe('gpu backend: host reads of hidden states and batched sequences', () => {
  const spec = MODELS[0][1];

  it('generate() at temperature 0 picks tokens on the device (forwardGreedy): same tokens as ref, only indices come back', async () => {
    const { file } = testModel(spec);
    const tokenizer = tokenizerFromGGUF(file);
    const run = async (be: Backend) => {
      const session = loadModel(file, { backend: be }).createSession({ contextLength: 32 });
      return collectGeneration(generate(session, tokenizer, PROMPT, { maxTokens: 8, sampling: { temperature: 0 } }));
    };
    const want = await run(refBackend);
    const be = createEmuBackend({ bytes: 64 << 20 });
    const got = await run(be);
    expect(got.tokens).toEqual(want.tokens);
    const s = be.stats();
    expect(s.argmaxReads.count).toBe(got.tokens.length);
    expect(s.activationDownloads.count).toBe(0); // no logits row ever crossed back
  });

  it('f16 weights: the prompt on the tensor-core GEMM, decode matmuls (no GEMV kernel) on the CPU per op, counted; tokens equal ref [F-GPU-BE-3]', () => {
    const f16: TestModelSpec = { ...spec, type: GGMLType.F16, embdType: GGMLType.Q8_0 };
    const want = greedy(refBackend, f16, { steps: 4 });
    const be = createEmuBackend({ bytes: 64 << 20 });
    const got = greedy(be, f16, { steps: 4 });
    expect(got.tokens).toEqual(want.tokens);
    got.logits.forEach((l, i) => expect(nmse(l, want.logits[i])).toBeLessThan(LOGITS_NMSE));
    const s = be.stats();
    // 7 matrices per layer: the 5-token prompt's on the GEMM, the 3 decode forwards' on the CPU;
    // the tied LM head (Q8_0) has a GEMV kernel.
    expect(s.matmulLaunches.gemm).toBe(7 * f16.nLayers);
    expect(s.fallbacks).toEqual({ 'matmul f16': 3 * 7 * f16.nLayers });
    expect(s.fallbackDownloads.count).toBeGreaterThan(0); // inputs came back for the CPU
  });

  it.skipIf(typeof globalThis.gc !== 'function')('device copies of a dropped session are freed when its buffers are collected', async () => {
    const { file } = testModel(spec);
    const be = createEmuBackend({ bytes: 64 << 20 });
    const model = loadModel(file, { backend: be });
    const keep = model.createSession({ contextLength: 16 });
    keep.forward([1]);
    const one = be.residentBuffers.buffers; // the activations, logits and KV cache of one session
    (() => {
      const s = model.createSession({ contextLength: 16 });
      s.forward([1, 2]);
    })();
    expect(be.residentBuffers.buffers).toBeGreaterThan(one);
    for (let i = 0; i < 20 && be.residentBuffers.buffers > one; i++) {
      globalThis.gc!();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(be.residentBuffers.buffers).toBe(one);
    keep.forward([3]); // the live session is unaffected
  });

  it('onLayer sees the same residual stream as on the ref backend (downloaded before the callback)', () => {
    const { file } = testModel(spec);
    const layers = (be: Backend): Float32Array[] => {
      const out: Float32Array[] = [];
      loadModel(file, { backend: be })
        .createSession({ contextLength: 16 })
        .forward(PROMPT, { onLayer: (_l, h) => out.push(h.slice()) });
      return out;
    };
    const want = layers(refBackend);
    const got = layers(createEmuBackend({ bytes: 64 << 20 }));
    expect(got.length).toBe(want.length);
    got.forEach((h, l) => expect(nmse(h, want[l])).toBeLessThan(LOGITS_NMSE));
  });

  it('a batch runner step of two sequences (one prefill chunk, one decode: rows moved with copyWithin) matches ref', () => {
    const { file } = testModel(spec);
    const run = (be: Backend): Float32Array[] => {
      const r = loadModel(file, { backend: be }).createBatchRunner({ sequences: 2, contextLength: 32, maxRows: 8 });
      r.clear();
      r.add(0, PROMPT, 0, 3, true);
      r.run();
      const out = [r.logitsOf(0).slice()];
      r.clear();
      r.add(1, PROMPT, 0, 4, true); // rows 0..3: its last row moves to the front for the LM head
      r.add(0, [9], 0, 1, true);
      r.run();
      out.push(r.logitsOf(0).slice(), r.logitsOf(1).slice());
      return out;
    };
    const want = run(refBackend);
    const got = run(createEmuBackend({ bytes: 64 << 20 }));
    got.forEach((l, i) => expect(nmse(l, want[i])).toBeLessThan(LOGITS_NMSE));
  });
});
