/**
 * Parity with llama.cpp itself (node-llama-cpp's prebuilt CPU binary, a devDependency, never
 * built or downloaded here): the same generated qwen2 / llama GGUF through both engines must give
 * the same top-1 token at every position and close raw logits. llama.cpp runs with an f32 KV
 * cache and no flash attention, so what remains are its SIMD summation orders; for quantized
 * weights both sides round the activations to the same vec_dot type (Q8_0 / Q8_1 / Q8_K).
 * Skips with a reason when no usable binary is present.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GGMLType, dtypeInfo } from '@sovereign/trueno';
import { type Llama, LlamaLogLevel, type Token, getLlama } from 'node-llama-cpp';
import { afterAll, describe, expect, it } from 'vitest';
import { readGGUF, writeGGUF } from '../gguf/index.js';
import { loadModel } from '../model/model.js';
import { type TestModelSpec, testModelSpec } from '../model/test-model.js';

const llama: Llama | undefined = await getLlama({
  gpu: false,
  build: 'never',
  skipDownload: true,
  usePrebuiltBinaries: true,
  progressLogs: false,
  logLevel: LlamaLogLevel.error,
}).catch((e: Error) => {
  console.warn(`skipping llama.cpp parity tests: node-llama-cpp has no usable prebuilt binary (${e.message})`);
  return undefined;
});

const dir = mkdtempSync(join(tmpdir(), 'apr-parity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Raw logits (nTok, vocab) of every position from llama.cpp. */
async function llamaCppLogits(path: string, tokens: number[], vocab: number): Promise<Float32Array> {
  const model = await llama!.loadModel({ modelPath: path, gpuLayers: 0 });
  try {
    const ctx = await model.createContext({
      contextSize: 64,
      batchSize: 64,
      threads: 1,
      flashAttention: false,
      experimentalKvCacheKeyType: 'F32',
      experimentalKvCacheValueType: 'F32',
    });
    try {
      const res = await ctx.getSequence().controlledEvaluate(tokens.map((t) => [t as Token, { generateNext: { logits: true } }]));
      const out = new Float32Array(tokens.length * vocab);
      res.forEach((r, i) => {
        for (const [tok, l] of r!.next.logits!) out[i * vocab + tok] = l;
      });
      return out;
    } finally {
      await ctx.dispose();
    }
  } finally {
    await model.dispose();
  }
}

const argmaxRow = (x: Float32Array, row: number, n: number): number => {
  let best = row * n;
  for (let i = row * n; i < (row + 1) * n; i++) if (x[i] > x[best]) best = i;
  return best - row * n;
};

const TOKENS = [1, 280, 42, 7, 259, 290, 280, 13, 99, 2, 270, 271];

// Max |Δlogit| / max |logit| allowed. Measured with node-llama-cpp 3.22.1: 0.6e-7 .. 3.3e-7 for
// every case at 1e-5 below. The last case is looser on purpose: there one Q8_K activation lies on
// a rounding tie that the prebuilt binary's compiled quantizer breaks the other way (position 2
// diverges, 7.1e-3, and reaches later positions through the KV cache); top-1 still agrees.
const small = { arch: 'qwen2', dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 96, vocab: 300 } as const;
const kShape = { arch: 'qwen2', dim: 256, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 256, vocab: 300 } as const;
// On CPUs with AVX512-FP16 (Sapphire Rapids and later) node-llama-cpp loads its sapphirerapids
// ggml build, whose f16 vec_dot accumulates in half precision (simd-mappings.h: GGML_F16x32_FMA
// = _mm512_fmadd_ph): its f16 logits are then only ~1e-3 accurate (measured 4.2e-4 here), while
// ours accumulate in f32. The bound follows the oracle's precision, not ours.
const ORACLE_F16_HALF_ACC = process.platform === 'linux' && /\bavx512_fp16\b/.test(cpuFlags());
function cpuFlags(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}
const CASES: Array<[string, TestModelSpec, number]> = [
  ['qwen2 f32 tied', { ...small, tied: true }, 1e-5],
  ['llama f32 GQA 8/2', { ...small, arch: 'llama', nHeads: 8, freqBase: 10_000 }, 1e-5],
  ['qwen2 f16', { ...small, type: GGMLType.F16 }, ORACLE_F16_HALF_ACC ? 2e-3 : 1e-5],
  ...[GGMLType.BF16, GGMLType.Q4_0, GGMLType.Q4_1, GGMLType.Q5_0, GGMLType.Q5_1, GGMLType.Q8_0].map(
    (type): [string, TestModelSpec, number] => [`qwen2 ${dtypeInfo(type).name}`, { ...small, type }, 1e-5],
  ),
  ...[GGMLType.Q2_K, GGMLType.Q3_K, GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K].map(
    (type): [string, TestModelSpec, number] => [`qwen2 ${dtypeInfo(type).name}`, { ...kShape, type, embdType: GGMLType.F32 }, 1e-5],
  ),
  ['qwen2 q4_K with q6_K embedding', { ...kShape, type: GGMLType.Q4_K, embdType: GGMLType.Q6_K }, 2e-2],
];

describe.skipIf(!llama)('parity with llama.cpp (node-llama-cpp, CPU)', () => {
  for (const [name, spec, tol] of CASES) {
    it(`${name}: same top-1 token at every position and logits within ${tol} of llama.cpp's [F-MODEL-8]`, async () => {
      const bytes = writeGGUF(testModelSpec({ ...spec, contextLength: 64 }));
      const path = join(dir, `${name.replace(/\W+/g, '-')}.gguf`);
      writeFileSync(path, bytes);
      const theirs = await llamaCppLogits(path, TOKENS, spec.vocab);
      const ours = loadModel(readGGUF(bytes)).createSession().forward(TOKENS, { allLogits: true });
      let num = 0;
      let den = 0;
      for (let i = 0; i < ours.length; i++) {
        num = Math.max(num, Math.abs(ours[i] - theirs[i]));
        den = Math.max(den, Math.abs(theirs[i]));
      }
      console.log(`${name}: max |Δlogit| / max |logit| = ${(num / den).toExponential(2)}`);
      expect(num / den).toBeLessThan(tol);
      for (let t = 0; t < TOKENS.length; t++) expect(argmaxRow(ours, t, spec.vocab)).toBe(argmaxRow(theirs, t, spec.vocab));
    });
  }
});
