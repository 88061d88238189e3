/**
 * Model weights as zero-copy {@link Tensor} views of the GGUF file's bytes, with every tensor
 * checked against the config: name, dtype (one with reference kernels) and dims (ggml order,
 * `[nIn, nOut]` for a matrix). Tensors the architecture does not use are an error, as in
 * llama.cpp ("wrong number of tensors"), so a file that needs more than we implement is refused
 * instead of run incompletely. Only the small 1-D norm weights and biases become Float32Arrays
 * (views for aligned f32 data, else dequantized once).
 */
import { GGMLType, Tensor, dequantize, dtypeInfo, quantOps } from '@sovereign/trueno';
import type { GGUFFile, GGUFTensorInfo } from '../gguf/index.js';
import type { ModelConfig } from './config.js';
import { ModelTensorError } from './errors.js';

/** Weights of one transformer block. Shapes in ggml order. */
export interface LayerWeights {
  /** `blk.N.attn_norm.weight` (dim). */
  readonly attnNorm: Float32Array;
  /** `attn_q` [dim, nHeads·headDim]. */
  readonly wq: Tensor;
  /** `attn_k` [dim, nKvHeads·headDim]. */
  readonly wk: Tensor;
  /** `attn_v` [dim, nKvHeads·headDim]. */
  readonly wv: Tensor;
  /** Q/K/V biases (required for qwen2, optional for llama). */
  readonly bq?: Float32Array;
  readonly bk?: Float32Array;
  readonly bv?: Float32Array;
  /** `attn_output` [nHeads·headDim, dim]. */
  readonly wo: Tensor;
  /** Optional `attn_output.bias` (dim) (llama.cpp loads it for llama when present). */
  readonly bo?: Float32Array;
  /** `ffn_norm.weight` (dim). */
  readonly ffnNorm: Float32Array;
  /** `ffn_gate` [dim, ffnDim]. */
  readonly wGate: Tensor;
  /** `ffn_up` [dim, ffnDim]. */
  readonly wUp: Tensor;
  /** `ffn_down` [ffnDim, dim]. */
  readonly wDown: Tensor;
}

/** All weights of a model. */
export interface ModelWeights {
  /** `token_embd.weight` [dim, vocab]. */
  readonly tokenEmbd: Tensor;
  /** `output_norm.weight` (dim). */
  readonly outputNorm: Float32Array;
  /** `output.weight` [dim, vocab], or `token_embd.weight` itself when tied. */
  readonly output: Tensor;
  /** Optional `rope_freqs.weight` (nRot/2): llama 3 frequency factors. */
  readonly ropeFreqs?: Float32Array;
  readonly layers: readonly LayerWeights[];
}

/** Options of {@link loadWeights}. */
export interface LoadWeightsOptions {
  /** Whether `blk.N.attn_{q,k,v}.bias` must be present (qwen2) or may be (llama). */
  readonly qkvBias: 'required' | 'optional';
}

const dimsText = (d: readonly number[]): string => `[${d.join(', ')}]`;

// ggml drops trailing dimensions of 1; compare shapes the same way.
function sameDims(a: readonly number[], b: readonly number[]): boolean {
  const trim = (d: readonly number[]): number[] => {
    const out = [...d];
    while (out.length > 1 && out[out.length - 1] === 1) out.pop();
    return out;
  };
  const ta = trim(a);
  const tb = trim(b);
  return ta.length === tb.length && ta.every((v, i) => v === tb[i]);
}

/** Hands out the file's tensors by name, checking each, and remembers which were used. */
class TensorTable {
  private readonly used = new Set<string>();

  constructor(private readonly file: GGUFFile) {}

  private info(name: string, dims: readonly number[], required: boolean): GGUFTensorInfo | undefined {
    const t = this.file.tensor(name);
    if (!t) {
      if (required) throw new ModelTensorError(name, `a tensor with dims ${dimsText(dims)}`, 'missing');
      return undefined;
    }
    this.used.add(name);
    if (!sameDims(t.dims, dims)) throw new ModelTensorError(name, `dims ${dimsText(dims)}`, `dims ${dimsText(t.dims)}`);
    const d = dtypeInfo(t.type);
    try {
      quantOps(t.type);
    } catch {
      throw new ModelTensorError(name, 'a tensor type with kernels (f32, f16, bf16, q4_0..q8_0, q2_K..q6_K)', `type ${d.name}`);
    }
    return t;
  }

  /** A weight matrix (or the embedding) as a zero-copy tensor view. */
  matrix(name: string, dims: readonly number[]): Tensor {
    const t = this.info(name, dims, true)!;
    return Tensor.view(t.name, t.type, dims, t.data);
  }

  /** A 1-D vector as f32: a view of aligned f32 data, else dequantized once. */
  vector(name: string, n: number, required: true): Float32Array;
  vector(name: string, n: number, required: boolean): Float32Array | undefined;
  vector(name: string, n: number, required: boolean): Float32Array | undefined {
    const t = this.info(name, [n], required);
    if (!t) return undefined;
    if (t.type === GGMLType.F32 && t.data.byteOffset % 4 === 0) return new Float32Array(t.data.buffer, t.data.byteOffset, n);
    return dequantize(t.type, t.data, n);
  }

  has(name: string): boolean {
    return this.file.tensor(name) !== undefined;
  }

  /** Throws for the first tensor of the file that no call asked for. */
  checkAllUsed(arch: string): void {
    for (const t of this.file.tensors) {
      if (!this.used.has(t.name)) {
        throw new ModelTensorError(t.name, `no such tensor in a ${arch} model`, `a ${dtypeInfo(t.type).name} tensor ${dimsText(t.dims)}`);
      }
    }
  }
}

/**
 * Collects and validates the weights of `file` for `config`. Throws {@link ModelTensorError}
 * naming the tensor with expected vs actual dims or type, for a missing tensor, or for one the
 * architecture does not use.
 */
export function loadWeights(file: GGUFFile, config: ModelConfig, opts: LoadWeightsOptions): ModelWeights {
  const { dim, nHeads, nKvHeads, headDim, ffnDim, vocabSize } = config;
  const qDim = nHeads * headDim;
  const kvDim = nKvHeads * headDim;
  const tt = new TensorTable(file);
  const tokenEmbd = tt.matrix('token_embd.weight', [dim, vocabSize]);
  const outputNorm = tt.vector('output_norm.weight', dim, true);
  const output = tt.has('output.weight') ? tt.matrix('output.weight', [dim, vocabSize]) : tokenEmbd;
  const ropeFreqs = tt.vector('rope_freqs.weight', config.rope.nRot / 2, false);
  const layers: LayerWeights[] = [];
  for (let i = 0; i < config.nLayers; i++) {
    const n = (s: string): string => `blk.${i}.${s}`;
    const biasRequired = opts.qkvBias === 'required';
    layers.push({
      attnNorm: tt.vector(n('attn_norm.weight'), dim, true),
      wq: tt.matrix(n('attn_q.weight'), [dim, qDim]),
      wk: tt.matrix(n('attn_k.weight'), [dim, kvDim]),
      wv: tt.matrix(n('attn_v.weight'), [dim, kvDim]),
      bq: tt.vector(n('attn_q.bias'), qDim, biasRequired),
      bk: tt.vector(n('attn_k.bias'), kvDim, biasRequired),
      bv: tt.vector(n('attn_v.bias'), kvDim, biasRequired),
      wo: tt.matrix(n('attn_output.weight'), [qDim, dim]),
      bo: tt.vector(n('attn_output.bias'), dim, false),
      ffnNorm: tt.vector(n('ffn_norm.weight'), dim, true),
      wGate: tt.matrix(n('ffn_gate.weight'), [dim, ffnDim]),
      wUp: tt.matrix(n('ffn_up.weight'), [dim, ffnDim]),
      wDown: tt.matrix(n('ffn_down.weight'), [ffnDim, dim]),
    });
  }
  tt.checkAllUsed(config.arch);
  return { tokenEmbd, outputNorm, output, ropeFreqs, layers };
}
