/**
 * The non-tokenizer metadata of a generated model, with the keys, value types and order that
 * convert_hf_to_gguf + llama-quantize produce (`general.*`, then `<arch>.*` hyper-parameters,
 * `general.file_type`, the tokenizer, and `general.quantization_version` last).
 */
import { type GGUFValue, gguf } from '@sovereign/realizar/gguf';
import { type ModelPreset, headDim } from './model-presets.js';
import { LlamaFileType } from './model-types.js';
import type { TokenizerMetadata } from './tokenizer-metadata.js';

/** ggml's `GGML_QNT_VERSION`: the quantization format revision written by llama-quantize. */
export const GGML_QNT_VERSION = 2;

/** Everything besides the file type that ends up in the metadata. */
export interface MetadataInput {
  readonly preset: ModelPreset;
  readonly ftype: LlamaFileType;
  /** True when any tensor is in a block-quantized type. */
  readonly quantized: boolean;
  readonly tokenizer: TokenizerMetadata;
  /** The seed, recorded so that a file says how to regenerate it. */
  readonly seed: number;
}

/** Metadata key/value pairs in file order. */
export function buildMetadata(m: MetadataInput): Array<readonly [string, GGUFValue]> {
  const p = m.preset;
  const a = p.arch;
  const out: Array<readonly [string, GGUFValue]> = [
    ['general.architecture', gguf.str(a)],
    ['general.type', gguf.str('model')],
    ['general.name', gguf.str(p.displayName)],
    ['general.description', gguf.str(`random weights from @sovereign/tools gen-model (preset ${p.id}, seed ${m.seed})`)],
    [`${a}.block_count`, gguf.u32(p.nLayer)],
    [`${a}.context_length`, gguf.u32(p.contextLength)],
    [`${a}.embedding_length`, gguf.u32(p.nEmbd)],
    [`${a}.feed_forward_length`, gguf.u32(p.nFf)],
    [`${a}.attention.head_count`, gguf.u32(p.nHead)],
    [`${a}.attention.head_count_kv`, gguf.u32(p.nHeadKv)],
    [`${a}.rope.freq_base`, gguf.f32(p.ropeTheta)],
    [`${a}.attention.layer_norm_rms_epsilon`, gguf.f32(p.rmsEps)],
  ];
  if (a === 'llama') {
    // convert_hf_to_gguf's LlamaModel also writes these two.
    out.push([`${a}.vocab_size`, gguf.u32(m.tokenizer.vocabSize)]);
    out.push([`${a}.rope.dimension_count`, gguf.u32(headDim(p))]);
  }
  out.push(['general.file_type', gguf.u32(m.ftype)]);
  out.push(...m.tokenizer.entries);
  if (m.quantized) out.push(['general.quantization_version', gguf.u32(GGML_QNT_VERSION)]);
  return out;
}
