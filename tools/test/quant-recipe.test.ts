import { GGMLType, dtypeInfo } from '@sovereign/trueno';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chooseTensorTypes,
  fallbackType,
  getPreset,
  LlamaFileType,
  modelTypeNames,
  planTensors,
  QWEN25_VOCAB_SIZE,
  resolveModelType,
  TensorShapeError,
  UnknownModelTypeError,
  useMoreBits,
  type ModelPreset,
} from '../src/index.js';

function typesOf(preset: string, type: string, recipe?: 'pure' | 'llama'): Map<string, GGMLType> {
  const p = getPreset(preset);
  return chooseTensorTypes(p, resolveModelType(type, recipe), planTensors(p, QWEN25_VOCAB_SIZE));
}

const name = (t: GGMLType | undefined): string => (t === undefined ? 'missing' : dtypeInfo(t).name);

describe('model types', () => {
  it('maps --type names to llama.cpp file types', () => {
    expect(resolveModelType('Q4_K_M')).toMatchObject({ ftype: LlamaFileType.MOSTLY_Q4_K_M, defaultType: GGMLType.Q4_K, recipe: 'llama' });
    expect(resolveModelType('q8_0')).toMatchObject({ ftype: 7, defaultType: GGMLType.Q8_0, recipe: 'pure' });
    expect(resolveModelType('f16').ftype).toBe(1);
    expect(resolveModelType('bf16').ftype).toBe(32);
    expect(resolveModelType('q4_k').ftype).toBe(15); // llama-quantize's alias Q4_K = Q4_K_M
    expect(resolveModelType('q4_0', 'llama').recipe).toBe('llama');
  });
  it('names the accepted types for an unknown one', () => {
    expect(() => resolveModelType('q9_9')).toThrow(UnknownModelTypeError);
    expect(() => resolveModelType('q9_9')).toThrow(/unknown model type 'q9_9': expected one of f32, f16, .*q4_k_m/);
  });
});

describe('quant recipe (llama.cpp llama_tensor_get_type)', () => {
  it('use_more_bits: first/last eighth and every third layer', () => {
    const picked = Array.from({ length: 24 }, (_, i) => i).filter((i) => useMoreBits(i, 24));
    expect(picked).toEqual([0, 1, 2, 5, 8, 11, 14, 17, 20, 21, 22, 23]);
    expect([0, 1].map((i) => useMoreBits(i, 2))).toEqual([false, true]);
  });

  it('recipe: Q4_K_M on qwen2.5-0.5b matches llama.cpp, including the 896-wide fallback [F-GEN-9]', () => {
    const t = typesOf('qwen2.5-0.5b', 'q4_k_m');
    const expected: Record<string, string> = {
      'token_embd.weight': 'q8_0', // tied → output rule; 896 % 256 ≠ 0 → Q8_0
      'blk.0.attn_q.weight': 'q5_0', // Q4_K → Q5_0 fallback
      'blk.0.attn_q.bias': 'f32',
      'blk.0.attn_k.weight': 'q5_0',
      'blk.0.attn_v.weight': 'q8_0', // use_more_bits → Q6_K → Q8_0 fallback
      'blk.3.attn_v.weight': 'q5_0', // not more bits → Q4_K → Q5_0
      'blk.5.attn_v.weight': 'q8_0',
      'blk.0.attn_output.weight': 'q5_0',
      'blk.0.ffn_gate.weight': 'q5_0',
      'blk.0.ffn_up.weight': 'q5_0',
      'blk.0.ffn_down.weight': 'q6_K', // rows of 4864 = 19·256: no fallback
      'blk.3.ffn_down.weight': 'q4_K',
      'blk.23.ffn_down.weight': 'q6_K',
      'blk.0.attn_norm.weight': 'f32',
      'output_norm.weight': 'f32',
    };
    for (const [k, v] of Object.entries(expected)) expect(`${k}: ${name(t.get(k))}`).toBe(`${k}: ${v}`);
    expect(t.has('output.weight')).toBe(false);
  });

  it('recipe: Q4_K_M on qwen2.5-1.5b (rows multiple of 256) [F-GEN-9]', () => {
    const t = typesOf('qwen2.5-1.5b', 'q4_k_m');
    expect(name(t.get('token_embd.weight'))).toBe('q6_K');
    expect(name(t.get('blk.0.attn_q.weight'))).toBe('q4_K');
    expect(name(t.get('blk.0.attn_v.weight'))).toBe('q6_K');
    expect(name(t.get('blk.3.attn_v.weight'))).toBe('q4_K');
    expect(name(t.get('blk.24.ffn_down.weight'))).toBe('q6_K');
    expect(name(t.get('blk.4.ffn_down.weight'))).toBe('q4_K');
  });

  it('recipe: separate output and other mixes follow llama.cpp', () => {
    const l = typesOf('llama-tiny', 'q4_k_m');
    expect(name(l.get('output.weight'))).toBe('q8_0'); // 64 % 256 ≠ 0
    expect(name(l.get('token_embd.weight'))).toBe('q5_0'); // untied: default Q4_K, then fallback
    const k = typesOf('tiny-k', 'q4_0', 'llama');
    expect(name(k.get('output.weight'))).toBe('q6_K'); // llama-quantize Q4_0: output in Q6_K
    expect(name(k.get('token_embd.weight'))).toBe('q4_0');
    const q2 = typesOf('qwen2.5-0.5b', 'q2_k', 'llama');
    expect(name(q2.get('blk.0.attn_v.weight'))).toBe('q5_0'); // n_gqa 7 ≥ 4 → Q4_K → Q5_0
    expect(name(q2.get('blk.0.ffn_down.weight'))).toBe('q3_K');
    expect(name(q2.get('blk.0.attn_output.weight'))).toBe('q4_0'); // Q3_K → Q4_0 (current llama.cpp)
    const s = typesOf('qwen2.5-1.5b', 'q4_k_s');
    expect([0, 3, 4].map((i) => name(s.get(`blk.${i}.attn_v.weight`)))).toEqual(['q5_K', 'q5_K', 'q4_K']);
    expect([2, 3].map((i) => name(s.get(`blk.${i}.ffn_down.weight`)))).toEqual(['q5_K', 'q4_K']);
  });

  it('pure types put every weight in the type (with the shape fallback)', () => {
    const k = typesOf('tiny-k', 'q4_k');
    for (const [n, t] of k) expect(`${n}: ${name(t)}`).toBe(`${n}: ${n.endsWith('weight') && !n.includes('norm') ? 'q4_K' : 'f32'}`);
    expect(name(typesOf('tiny', 'q6_k').get('blk.0.attn_q.weight'))).toBe('q8_0');
    expect(name(typesOf('tiny', 'f16').get('token_embd.weight'))).toBe('f16');
  });

  it('fallback: F16 when 32 does not divide the row; no fallback for 32-block types', () => {
    expect(fallbackType({ name: 'x', dims: [100, 4] }, GGMLType.Q4_K)).toBe(GGMLType.F16);
    expect(() => fallbackType({ name: 'x', dims: [100, 4] }, GGMLType.Q8_0)).toThrow(TensorShapeError);
    expect(() => fallbackType({ name: 'x', dims: [100, 4] }, GGMLType.Q8_0)).toThrow(/row length 100 .* block size 32/);
  });

  const arbPreset: fc.Arbitrary<ModelPreset> = fc
    .record({
      arch: fc.constantFrom('qwen2' as const, 'llama' as const),
      nLayer: fc.integer({ min: 1, max: 40 }),
      nHeadKv: fc.constantFrom(1, 2, 4),
      gqa: fc.constantFrom(1, 2, 4, 7),
      headDim: fc.constantFrom(32, 64, 128),
      nFf: fc.integer({ min: 1, max: 64 }).map((k) => k * 32),
      tied: fc.boolean(),
    })
    .map((r) => ({
      id: 'prop',
      displayName: 'prop',
      arch: r.arch,
      nLayer: r.nLayer,
      nHead: r.nHeadKv * r.gqa,
      nHeadKv: r.nHeadKv,
      nEmbd: r.nHeadKv * r.gqa * r.headDim,
      nFf: r.nFf,
      contextLength: 64,
      ropeTheta: 10000,
      rmsEps: 1e-5,
      tiedEmbeddings: r.tied,
    }));

  it('recipe: every chosen type fits its tensor rows, and 1-D tensors stay F32 [F-GEN-3]', () => {
    fc.assert(
      fc.property(arbPreset, fc.constantFrom(...modelTypeNames()), fc.constantFrom('pure' as const, 'llama' as const), (p, type, recipe) => {
        const plans = planTensors(p, 96);
        const types = chooseTensorTypes(p, resolveModelType(type, recipe), plans);
        for (const t of plans) {
          const chosen = types.get(t.name)!;
          if (t.dims.length === 1) expect(chosen).toBe(GGMLType.F32);
          expect(t.dims[0] % dtypeInfo(chosen).blockSize).toBe(0);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('recipe: the result does not depend on the order tensors are listed in [F-GEN-4]', () => {
    fc.assert(
      fc.property(arbPreset, fc.constantFrom('q4_k_m', 'q3_k_m', 'q4_k_s', 'q5_k_m', 'q2_k'), fc.integer(), (p, type, salt) => {
        const plans = planTensors(p, 96);
        // Deterministic shuffle from the salt.
        const shuffled = [...plans].sort((a, b) => ((fnv(a.name) ^ salt) >>> 0) - ((fnv(b.name) ^ salt) >>> 0));
        const spec = resolveModelType(type, 'llama');
        expect(chooseTensorTypes(p, spec, shuffled)).toEqual(chooseTensorTypes(p, spec, plans));
      }),
      { numRuns: 100 },
    );
  });
});

function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
