/**
 * ModelConfig from metadata and tensor validation: the values, and a typed error naming the key
 * or tensor (expected vs actual) for every way a file can be wrong.
 */
import { GGMLType } from '@sovereign/trueno';
import { describe, expect, it } from 'vitest';
import { type GGUFValue, gguf, readGGUF, writeGGUF } from '../gguf/index.js';
import { readModelConfig } from './config.js';
import { ModelConfigError, ModelTensorError, UnsupportedArchitectureError } from './errors.js';
import { loadModel } from './model.js';
import { type TestModelSpec, testModel, testModelSpec } from './test-model.js';

const QWEN: TestModelSpec = { arch: 'qwen2', dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 96, vocab: 300, tied: true };
const LLAMA: TestModelSpec = { arch: 'llama', dim: 64, nLayers: 1, nHeads: 8, nKvHeads: 4, ffnDim: 96, vocab: 260 };

const withMeta = (s: TestModelSpec, ...m: Array<[string, GGUFValue]>): TestModelSpec => ({ ...s, metadata: m });

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('readModelConfig', () => {
  it('config: qwen2 metadata → dims, GQA, NEOX RoPE with θ from the file, tied output [F-MODEL-10]', () => {
    const c = readModelConfig(testModel(QWEN).file);
    expect(c).toMatchObject({ arch: 'qwen2', name: 'test qwen2', dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, headDim: 16, ffnDim: 96 });
    expect(c).toMatchObject({ vocabSize: 300, contextLength: 256, rmsEps: Math.fround(1e-6), tiedEmbeddings: true });
    expect(c.rope).toEqual({ mode: 'neox', nRot: 16, freqBase: 1_000_000, freqScale: 1, scaling: 'none' });
    const l = readModelConfig(testModel(LLAMA).file);
    expect(l.rope.mode).toBe('normal');
    expect(l.tiedEmbeddings).toBe(false);
  });

  it('config: RoPE scaling — linear factor (and the old scale_linear key), YaRN parameters, longrope refused', () => {
    const lin = readModelConfig(testModel(withMeta(LLAMA, ['llama.rope.scaling.type', gguf.str('linear')], ['llama.rope.scaling.factor', gguf.f32(4)])).file);
    expect(lin.rope).toMatchObject({ scaling: 'linear', freqScale: 0.25 });
    const old = readModelConfig(testModel(withMeta(LLAMA, ['llama.rope.scale_linear', gguf.f32(2)])).file);
    expect(old.rope).toMatchObject({ scaling: 'linear', freqScale: 0.5 });
    const yarn = readModelConfig(
      testModel(
        withMeta(QWEN, ['qwen2.rope.scaling.type', gguf.str('yarn')], ['qwen2.rope.scaling.factor', gguf.f32(4)], ['qwen2.rope.scaling.original_context_length', gguf.u32(32768)]),
      ).file,
    );
    expect(yarn.rope).toMatchObject({ scaling: 'yarn', freqScale: 0.25, extFactor: 1, attnFactor: 1, betaFast: 32, betaSlow: 1, nCtxOrig: 32768 });
    const e = thrown(() => readModelConfig(testModel(withMeta(QWEN, ['qwen2.rope.scaling.type', gguf.str('longrope')])).file));
    expect(e).toBeInstanceOf(ModelConfigError);
    expect(e).toMatchObject({ key: 'qwen2.rope.scaling.type', actual: '"longrope"' });
  });

  it('config: missing, mistyped or inconsistent keys throw ModelConfigError naming the key [F-MODEL-11]', () => {
    const w = testModelSpec(QWEN);
    w.metadata.delete('qwen2.feed_forward_length');
    expect(thrown(() => readModelConfig(readGGUF(writeGGUF(w))))).toMatchObject({
      name: 'ModelConfigError',
      key: 'qwen2.feed_forward_length',
      actual: 'missing',
    });
    expect(thrown(() => readModelConfig(testModel(withMeta(QWEN, ['qwen2.block_count', gguf.str('x')])).file))).toMatchObject({
      key: 'qwen2.block_count',
      expected: 'a number',
      actual: '"x"',
    });
    expect(thrown(() => readModelConfig(testModel(withMeta(QWEN, ['qwen2.attention.head_count_kv', gguf.u32(3)])).file))).toMatchObject({
      key: 'qwen2.attention.head_count_kv',
      actual: '3',
    });
    expect(thrown(() => readModelConfig(testModel(withMeta(QWEN, ['qwen2.embedding_length', gguf.u32(0)])).file))).toBeInstanceOf(ModelConfigError);
    expect(thrown(() => readModelConfig(testModel(withMeta(QWEN, ['qwen2.rope.dimension_count', gguf.u32(7)])).file))).toMatchObject({
      key: 'qwen2.rope.dimension_count',
    });
    const e = thrown(() => readModelConfig(testModel(withMeta(QWEN, ['general.architecture', gguf.str('gpt2')])).file));
    expect(e).toBeInstanceOf(UnsupportedArchitectureError);
    expect((e as Error).message).toMatch(/'gpt2': supported are llama, qwen2/);
  });
});

describe('loadWeights validation', () => {
  const edit = (s: TestModelSpec, f: NonNullable<TestModelSpec['edit']>): TestModelSpec => ({ ...s, edit: f });

  it('weights: a tensor with the wrong dims throws ModelTensorError with expected vs actual [F-MODEL-12]', () => {
    const spec = edit(QWEN, (ts) => ts.map((t) => (t.name === 'blk.1.attn_k.weight' ? { ...t, dims: [32, 64] } : t)));
    const e = thrown(() => loadModel(testModel(spec).file));
    expect(e).toBeInstanceOf(ModelTensorError);
    expect(e).toMatchObject({ tensor: 'blk.1.attn_k.weight', expected: 'dims [64, 32]', actual: 'dims [32, 64]' });
    expect((e as Error).message).toBe("tensor 'blk.1.attn_k.weight': expected dims [64, 32], got dims [32, 64]");
  });

  it('weights: missing tensors, qwen2 without Q/K/V bias, and unexpected tensors are refused', () => {
    const missing = edit(LLAMA, (ts) => ts.filter((t) => t.name !== 'blk.0.ffn_up.weight'));
    expect(thrown(() => loadModel(testModel(missing).file))).toMatchObject({ tensor: 'blk.0.ffn_up.weight', actual: 'missing' });
    const noBias = edit(QWEN, (ts) => ts.filter((t) => t.name !== 'blk.1.attn_v.bias'));
    expect(thrown(() => loadModel(testModel(noBias).file))).toMatchObject({ tensor: 'blk.1.attn_v.bias', actual: 'missing' });
    const extra = edit(LLAMA, (ts) => [...ts, { name: 'blk.0.ffn_up.bias', type: GGMLType.F32, dims: [96], data: new Uint8Array(96 * 4) }]);
    expect(thrown(() => loadModel(testModel(extra).file))).toMatchObject({ tensor: 'blk.0.ffn_up.bias', expected: 'no such tensor in a llama model' });
    const i8 = edit(LLAMA, (ts) => ts.map((t) => (t.name === 'blk.0.ffn_norm.weight' ? { ...t, type: GGMLType.I8, data: new Uint8Array(64) } : t)));
    expect(thrown(() => loadModel(testModel(i8).file))).toMatchObject({ tensor: 'blk.0.ffn_norm.weight', actual: 'type i8' });
  });

  it('weights: optional llama biases and rope_freqs are picked up; norms of f32 files are views, others dequantized', () => {
    const spec: TestModelSpec = {
      ...LLAMA,
      qkvBias: true,
      type: GGMLType.Q8_0,
      edit: (ts) => [
        ...ts.map((t) => (t.name === 'output_norm.weight' ? { ...t, type: GGMLType.F16, data: new Uint8Array(64 * 2) } : t)),
        { name: 'rope_freqs.weight', type: GGMLType.F32, dims: [4], data: new Uint8Array(new Float32Array([1, 2, 4, 8]).buffer) },
      ],
    };
    const { file } = testModel(spec);
    const m = loadModel(file);
    expect(m.weights.layers[0].bq).toHaveLength(64);
    expect(m.weights.ropeFreqs).toEqual(new Float32Array([1, 2, 4, 8]));
    expect(m.weights.layers[0].attnNorm.buffer).toBe(file.bytes.buffer);
    expect(m.weights.outputNorm.buffer).not.toBe(file.bytes.buffer);
    expect(m.weights.layers[0].wq.data.buffer).toBe(file.bytes.buffer);
    expect(m.createSession().forward([1, 2, 3]).every(Number.isFinite)).toBe(true);
  });
});
