/**
 * Test support: small llama / qwen2 GGUF files with seeded random weights, written and parsed in
 * memory, with a synthetic SentencePiece vocabulary so llama.cpp can load them too. Used by the
 * model tests only (not exported from the package).
 */
import { GGMLType, quantize } from '@sovereign/trueno';
import { type GGUFFile, GGUFValueType, type GGUFValue, type GGUFTensorSpec, gguf, readGGUF, writeGGUF } from '../gguf/index.js';
import type { ModelArch } from './config.js';

/** Shape and content of a generated model. */
export interface TestModelSpec {
  readonly arch: ModelArch;
  readonly dim: number;
  readonly nLayers: number;
  readonly nHeads: number;
  readonly nKvHeads: number;
  readonly ffnDim: number;
  /** At least 259 (unk, bos, eos and the 256 byte tokens). */
  readonly vocab: number;
  readonly contextLength?: number;
  /** No `output.weight`: the LM head is `token_embd.weight`. */
  readonly tied?: boolean;
  /** Type of the matrices (default F32); norms and biases stay F32. */
  readonly type?: GGMLType;
  /** Type of `token_embd.weight` (default: `type`). */
  readonly embdType?: GGMLType;
  /** Write Q/K/V biases (default: true for qwen2). */
  readonly qkvBias?: boolean;
  readonly freqBase?: number;
  readonly rmsEps?: number;
  readonly seed?: number;
  /** Extra or replacing metadata entries. */
  readonly metadata?: ReadonlyArray<readonly [string, GGUFValue]>;
  /** Tensors to drop or to replace (by name), to build broken files. */
  readonly edit?: (tensors: GGUFTensorSpec[]) => GGUFTensorSpec[];
}

/** mulberry32 values in [-1, 1). */
function rand(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

/** Synthetic SentencePiece vocabulary: <unk>, <s>, </s>, <0x00>..<0xFF>, then pieces ▁t259.. */
function vocabMetadata(n: number): Array<[string, GGUFValue]> {
  const tokens = ['<unk>', '<s>', '</s>'];
  for (let b = 0; b < 256; b++) tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  while (tokens.length < n) tokens.push(`▁t${tokens.length}`);
  const types = tokens.map((_, i) => (i === 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : 1));
  return [
    ['tokenizer.ggml.model', gguf.str('llama')],
    ['tokenizer.ggml.tokens', gguf.arr(GGUFValueType.STRING, tokens)],
    ['tokenizer.ggml.scores', gguf.arr(GGUFValueType.FLOAT32, tokens.map((_, i) => -i))],
    ['tokenizer.ggml.token_type', gguf.arr(GGUFValueType.INT32, types)],
    ['tokenizer.ggml.bos_token_id', gguf.u32(1)],
    ['tokenizer.ggml.eos_token_id', gguf.u32(2)],
    ['tokenizer.ggml.unknown_token_id', gguf.u32(0)],
  ];
}

/** The write spec of a generated model (see {@link TestModelSpec}). */
export function testModelSpec(s: TestModelSpec): { metadata: Map<string, GGUFValue>; tensors: GGUFTensorSpec[] } {
  const r = rand(s.seed ?? 1);
  const a = s.arch;
  const headDim = s.dim / s.nHeads;
  const type = s.type ?? GGMLType.F32;
  const bias = s.qkvBias ?? a === 'qwen2';
  const metadata = new Map<string, GGUFValue>([
    ['general.architecture', gguf.str(a)],
    ['general.name', gguf.str(`test ${a}`)],
    [`${a}.context_length`, gguf.u32(s.contextLength ?? 256)],
    [`${a}.embedding_length`, gguf.u32(s.dim)],
    [`${a}.block_count`, gguf.u32(s.nLayers)],
    [`${a}.feed_forward_length`, gguf.u32(s.ffnDim)],
    [`${a}.attention.head_count`, gguf.u32(s.nHeads)],
    [`${a}.attention.head_count_kv`, gguf.u32(s.nKvHeads)],
    [`${a}.rope.freq_base`, gguf.f32(s.freqBase ?? (a === 'qwen2' ? 1_000_000 : 10_000))],
    [`${a}.attention.layer_norm_rms_epsilon`, gguf.f32(s.rmsEps ?? 1e-6)],
    ...vocabMetadata(s.vocab),
  ]);
  for (const [k, v] of s.metadata ?? []) metadata.set(k, v);

  const tensors: GGUFTensorSpec[] = [];
  const add = (name: string, dims: number[], t: GGMLType, scale: number, offset = 0): void => {
    const n = dims.reduce((x, y) => x * y, 1);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = offset + scale * r();
    tensors.push({ name, type: t, dims, data: quantize(t, v) });
  };
  const matrix = (name: string, nIn: number, nOut: number): void => add(name, [nIn, nOut], type, 1 / Math.sqrt(nIn));
  add('token_embd.weight', [s.dim, s.vocab], s.embdType ?? type, 1);
  add('output_norm.weight', [s.dim], GGMLType.F32, 0.2, 1);
  if (!s.tied) matrix('output.weight', s.dim, s.vocab);
  for (let l = 0; l < s.nLayers; l++) {
    const n = (x: string): string => `blk.${l}.${x}`;
    add(n('attn_norm.weight'), [s.dim], GGMLType.F32, 0.2, 1);
    matrix(n('attn_q.weight'), s.dim, s.nHeads * headDim);
    matrix(n('attn_k.weight'), s.dim, s.nKvHeads * headDim);
    matrix(n('attn_v.weight'), s.dim, s.nKvHeads * headDim);
    if (bias) {
      add(n('attn_q.bias'), [s.nHeads * headDim], GGMLType.F32, 0.5);
      add(n('attn_k.bias'), [s.nKvHeads * headDim], GGMLType.F32, 0.5);
      add(n('attn_v.bias'), [s.nKvHeads * headDim], GGMLType.F32, 0.5);
    }
    matrix(n('attn_output.weight'), s.nHeads * headDim, s.dim);
    add(n('ffn_norm.weight'), [s.dim], GGMLType.F32, 0.2, 1);
    matrix(n('ffn_gate.weight'), s.dim, s.ffnDim);
    matrix(n('ffn_up.weight'), s.dim, s.ffnDim);
    matrix(n('ffn_down.weight'), s.ffnDim, s.dim);
  }
  return { metadata, tensors: s.edit ? s.edit(tensors) : tensors };
}

/** Writes the generated model and parses it back (tensor data are views of the written bytes). */
export function testModel(s: TestModelSpec): { bytes: Uint8Array; file: GGUFFile } {
  const bytes = writeGGUF(testModelSpec(s));
  return { bytes, file: readGGUF(bytes, { source: `test-${s.arch}` }) };
}
