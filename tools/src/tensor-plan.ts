/**
 * The tensors of a preset, with the names and ggml shapes llama.cpp's convert_hf_to_gguf writes
 * (`gguf-py/gguf/tensor_mapping.py`). ggml dims list the contiguous row length first, so a
 * PyTorch `nn.Linear(in, out).weight` of shape [out, in] is `[in, out]` here, and the embedding
 * [vocab, dim] is `[dim, vocab]`.
 */
import { type ModelPreset, hasQkvBias, headDim } from './model-presets.js';
import { BIAS_INIT, NORM_INIT, WEIGHT_INIT, type WeightInit } from './random-weights.js';

/** One tensor to generate. */
export interface TensorPlan {
  readonly name: string;
  /** ggml order, `dims[0]` = row length. */
  readonly dims: readonly number[];
  /** Distribution of its random values. */
  readonly init: WeightInit;
}

/**
 * Tensors in file order: `token_embd`, then per block attention (norm, Q/K/V with optional bias,
 * output) and FFN (norm, gate, up, down), then `output_norm` and, unless tied, `output`.
 */
export function planTensors(p: ModelPreset, vocabSize: number): TensorPlan[] {
  const dim = p.nEmbd;
  const kvDim = p.nHeadKv * headDim(p);
  const w = (name: string, ...dims: number[]): TensorPlan => ({ name, dims, init: WEIGHT_INIT });
  const norm = (name: string): TensorPlan => ({ name, dims: [dim], init: NORM_INIT });
  const bias = (name: string, n: number): TensorPlan => ({ name, dims: [n], init: BIAS_INIT });

  const out: TensorPlan[] = [w('token_embd.weight', dim, vocabSize)];
  for (let i = 0; i < p.nLayer; i++) {
    const b = `blk.${i}`;
    out.push(norm(`${b}.attn_norm.weight`));
    out.push(w(`${b}.attn_q.weight`, dim, dim));
    if (hasQkvBias(p)) out.push(bias(`${b}.attn_q.bias`, dim));
    out.push(w(`${b}.attn_k.weight`, dim, kvDim));
    if (hasQkvBias(p)) out.push(bias(`${b}.attn_k.bias`, kvDim));
    out.push(w(`${b}.attn_v.weight`, dim, kvDim));
    if (hasQkvBias(p)) out.push(bias(`${b}.attn_v.bias`, kvDim));
    out.push(w(`${b}.attn_output.weight`, dim, dim));
    out.push(norm(`${b}.ffn_norm.weight`));
    out.push(w(`${b}.ffn_gate.weight`, dim, p.nFf));
    out.push(w(`${b}.ffn_up.weight`, dim, p.nFf));
    out.push(w(`${b}.ffn_down.weight`, p.nFf, dim));
  }
  out.push(norm('output_norm.weight'));
  if (!p.tiedEmbeddings) out.push(w('output.weight', dim, vocabSize));
  return out;
}

/** Number of values of a tensor. */
export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
