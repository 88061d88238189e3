/**
 * Model shapes the generator can write. The real-model presets copy the hyper-parameters of the
 * Hugging Face `config.json` of the named model; the small ones are chosen to be quick to generate
 * while still exercising every code path (GQA, QKV bias, tied and separate output, K-quants).
 */
import { UnknownPresetError } from './errors.js';

/** Architectures the generator writes (`general.architecture`). */
export type PresetArch = 'qwen2' | 'llama';

/** Hyper-parameters of one generated model. The vocabulary size comes from the tokenizer. */
export interface ModelPreset {
  /** Preset id used on the command line. */
  readonly id: string;
  /** `general.name` written into the file. */
  readonly displayName: string;
  readonly arch: PresetArch;
  /** `<arch>.block_count`. */
  readonly nLayer: number;
  /** `<arch>.embedding_length` (model dimension). */
  readonly nEmbd: number;
  /** `<arch>.attention.head_count`. */
  readonly nHead: number;
  /** `<arch>.attention.head_count_kv` (GQA: query head h uses KV head h / (nHead / nHeadKv)). */
  readonly nHeadKv: number;
  /** `<arch>.feed_forward_length`. */
  readonly nFf: number;
  /** `<arch>.context_length`. */
  readonly contextLength: number;
  /** `<arch>.rope.freq_base`. */
  readonly ropeTheta: number;
  /** `<arch>.attention.layer_norm_rms_epsilon`. */
  readonly rmsEps: number;
  /** True when there is no `output.weight` and the LM head reuses `token_embd.weight`. */
  readonly tiedEmbeddings: boolean;
}

/** Head dimension (`nEmbd / nHead`). */
export function headDim(p: ModelPreset): number {
  return p.nEmbd / p.nHead;
}

/** Whether the architecture carries Q/K/V projection biases (Qwen2 does, llama does not). */
export function hasQkvBias(p: ModelPreset): boolean {
  return p.arch === 'qwen2';
}

const PRESETS: readonly ModelPreset[] = [
  {
    // Smallest useful Qwen2 shape: 2 layers so that llama.cpp's per-layer recipes see a first and
    // a last layer; head dim 16 with 2 KV heads exercises GQA (2 query heads per KV head). Rows of
    // 64 and 128 values are too short for K-quants (256 per super-block), so K types fall back to
    // 32-block types exactly as llama-quantize does; use `tiny-k` to exercise real K-quant rows.
    id: 'tiny',
    displayName: 'tiny (random)',
    arch: 'qwen2',
    nLayer: 2,
    nEmbd: 64,
    nHead: 4,
    nHeadKv: 2,
    nFf: 128,
    contextLength: 2048,
    ropeTheta: 1_000_000,
    rmsEps: 1e-6,
    tiedEmbeddings: true,
  },
  {
    // Smallest Qwen2 shape in which every weight row is a multiple of 256, so every K-quant type
    // applies with no fallback; separate output.weight (head dim 64, 2 query heads per KV head).
    id: 'tiny-k',
    displayName: 'tiny-k (random)',
    arch: 'qwen2',
    nLayer: 2,
    nEmbd: 256,
    nHead: 4,
    nHeadKv: 2,
    nFf: 512,
    contextLength: 2048,
    ropeTheta: 1_000_000,
    rmsEps: 1e-6,
    tiedEmbeddings: false,
  },
  {
    // Qwen/Qwen2.5-0.5B(-Instruct, -Coder) config.json: tie_word_embeddings true.
    id: 'qwen2.5-0.5b',
    displayName: 'Qwen2.5 0.5B (random)',
    arch: 'qwen2',
    nLayer: 24,
    nEmbd: 896,
    nHead: 14,
    nHeadKv: 2,
    nFf: 4864,
    contextLength: 32768,
    ropeTheta: 1_000_000,
    rmsEps: 1e-6,
    tiedEmbeddings: true,
  },
  {
    // Qwen/Qwen2.5-1.5B(-Instruct, -Coder) config.json: tie_word_embeddings true.
    id: 'qwen2.5-1.5b',
    displayName: 'Qwen2.5 1.5B (random)',
    arch: 'qwen2',
    nLayer: 28,
    nEmbd: 1536,
    nHead: 12,
    nHeadKv: 2,
    nFf: 8960,
    contextLength: 32768,
    ropeTheta: 1_000_000,
    rmsEps: 1e-6,
    tiedEmbeddings: true,
  },
  {
    // A small llama: no QKV bias, separate output.weight, Llama-2 style theta and epsilon.
    id: 'llama-tiny',
    displayName: 'llama-tiny (random)',
    arch: 'llama',
    nLayer: 2,
    nEmbd: 64,
    nHead: 4,
    nHeadKv: 2,
    nFf: 128,
    contextLength: 2048,
    ropeTheta: 10_000,
    rmsEps: 1e-5,
    tiedEmbeddings: false,
  },
];

/** Ids of all presets, in documentation order. */
export function presetIds(): string[] {
  return PRESETS.map((p) => p.id);
}

/** The preset with this id; throws {@link UnknownPresetError} otherwise. */
export function getPreset(id: string): ModelPreset {
  const p = PRESETS.find((x) => x.id === id);
  if (!p) throw new UnknownPresetError(id, presetIds());
  return p;
}
