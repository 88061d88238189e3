/**
 * The llama and qwen2 forward passes against a plain float64 reference (model/reference-forward.ts),
 * layer by layer: on the real stories260K weights and on generated models that exercise what
 * stories260K does not (Q/K/V bias, NEOX RoPE, tied output, θ = 1e6, more GQA shapes, quantized
 * weights). A negative control shows the comparison notices a wrong RoPE layout.
 */
import { GGMLType, dtypeInfo } from '@sovereign/trueno';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../test/gguf/fixtures.js';
import { type GGUFFile, gguf, openGGUF, readGGUF, writeGGUF } from '../gguf/index.js';
import { loadModel } from '../model/model.js';
import { referenceForward } from '../model/reference-forward.js';
import { type TestModelSpec, testModel, testModelSpec } from '../model/test-model.js';

/** max |a - b| / max |b|. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

/** Runs `tokens` as one prefill and returns per-layer relative errors and the logits' error. */
function compare(file: GGUFFile, tokens: number[]): { layers: number[]; logits: number } {
  const ref = referenceForward(file, tokens);
  const layers: number[] = [];
  const logits = loadModel(file)
    .createSession()
    .forward(tokens, { allLogits: true, onLayer: (l, h) => layers.push(relErr(h, ref.hidden[l])) });
  return { layers, logits: relErr(logits, ref.logits) };
}

const TOKENS = [1, 300, 42, 7, 259, 511, 300, 13, 99, 2, 400, 401];

const SHAPES: Array<[string, TestModelSpec]> = [
  ['qwen2 GQA 4/2, bias, tied, θ 1e6', { arch: 'qwen2', dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 96, vocab: 512, tied: true }],
  ['qwen2 MQA 6/1, untied', { arch: 'qwen2', dim: 96, nLayers: 2, nHeads: 6, nKvHeads: 1, ffnDim: 64, vocab: 300, seed: 2 }],
  ['llama GQA 8/2, untied', { arch: 'llama', dim: 64, nLayers: 3, nHeads: 8, nKvHeads: 2, ffnDim: 128, vocab: 512, seed: 3 }],
  ['llama MHA with optional Q/K/V bias, tied', { arch: 'llama', dim: 32, nLayers: 1, nHeads: 2, nKvHeads: 2, ffnDim: 40, vocab: 260, qkvBias: true, tied: true, seed: 4 }],
];

describe('forward vs float64 reference', () => {
  const stories = fixture('stories260K.gguf');
  it.skipIf(!stories)('stories260K: every layer and the logits match the f64 reference within 1e-5 [F-MODEL-5]', () => {
    const { layers, logits } = compare(openGGUF(stories!), TOKENS);
    expect(layers).toHaveLength(5);
    for (const e of layers) expect(e).toBeLessThan(1e-5);
    expect(logits).toBeLessThan(1e-5);
  });

  for (const [name, spec] of SHAPES) {
    it(`${name}: every layer and the logits match the f64 reference within 1e-5 [F-MODEL-6]`, () => {
      const { layers, logits } = compare(testModel(spec).file, TOKENS.filter((t) => t < spec.vocab));
      for (const e of layers) expect(e).toBeLessThan(1e-5);
      expect(logits).toBeLessThan(1e-5);
    });
  }

  // Quantized weights: our matmul also rounds the activations (to f16 / Q8_0 / Q8_1 / Q8_K, as
  // ggml does), so the f64 reference (same dequantized weights, exact activations) is only close.
  const QUANT_TOL: Array<[GGMLType, number]> = [
    // Measured (seed 9): f16 3.3e-4, bf16 2.2e-3, q8_0 7.3e-3, q4_0 7.3e-3, q5_1 7.7e-3, q4_K 8.8e-3, q6_K 8.3e-3.
    [GGMLType.F16, 2e-3],
    [GGMLType.BF16, 1e-2],
    [GGMLType.Q8_0, 2e-2],
    [GGMLType.Q4_0, 2e-2],
    [GGMLType.Q5_1, 2e-2],
    [GGMLType.Q4_K, 2.5e-2],
    [GGMLType.Q6_K, 2.5e-2],
  ];
  for (const [type, tol] of QUANT_TOL) {
    it(`qwen2 with ${dtypeInfo(type).name} weights: logits within ${tol} of the reference on the same dequantized weights [F-MODEL-7]`, () => {
      const k = dtypeInfo(type).blockSize === 256;
      const spec: TestModelSpec = { arch: 'qwen2', dim: k ? 256 : 64, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: k ? 256 : 96, vocab: 300, type, seed: 9 };
      const { logits } = compare(testModel(spec).file, TOKENS.filter((t) => t < 300).slice(0, 6));
      expect(logits).toBeLessThan(tol);
    });
  }

  it('negative control: qwen2 weights run with llama\'s RoPE layout (normal pairs) diverge from the reference', () => {
    const spec: TestModelSpec = { arch: 'qwen2', dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 96, vocab: 512 };
    const { file } = testModel(spec);
    const w = testModelSpec(spec);
    w.metadata.set('general.architecture', gguf.str('llama'));
    for (const [k, v] of [...w.metadata]) {
      if (k.startsWith('qwen2.')) {
        w.metadata.delete(k);
        w.metadata.set(`llama.${k.slice(6)}`, v);
      }
    }
    const asLlama = readGGUF(writeGGUF(w));
    const ref = referenceForward(file, TOKENS);
    const got = loadModel(asLlama).createSession().forward(TOKENS, { allLogits: true });
    expect(relErr(got, ref.logits)).toBeGreaterThan(1e-2);
  });
});
