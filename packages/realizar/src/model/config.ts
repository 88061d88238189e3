/**
 * `ModelConfig`: the hyper-parameters of a llama-family model, read from GGUF metadata
 * (`<arch>.*` keys, as llama.cpp's `llama_model::load_hparams` reads them) and checked for
 * consistency. The vocabulary size is taken from `token_embd.weight` (its row count), which is
 * what the forward pass indexes, rather than from the tokenizer arrays.
 *
 * RoPE scaling: `none` and `linear` (`rope.scaling.factor`, or the older `rope.scale_linear`)
 * are exact; `yarn` maps to ggml's YaRN parameters (ext_factor 1, β_fast 32, β_slow 1, attention
 * factor 1 as ggml_rope_ext applies it). Per-model YaRN extras of newer llama.cpp
 * (`rope.scaling.yarn_log_multiplier`, ...) and `longrope` are not supported: the latter is
 * rejected with a ModelConfigError rather than run with wrong positions.
 */
import type { RopeMode, RopeParams } from '@sovereign/trueno';
import { type GGUFFile, GGUFValueType } from '../gguf/index.js';
import { ARCHITECTURES } from './architecture.js';
import { ModelConfigError, UnsupportedArchitectureError } from './errors.js';

/** Architectures this engine runs. */
export type ModelArch = 'llama' | 'qwen2';

/** Architectures this engine runs, for messages and checks. */
export const MODEL_ARCHS: readonly ModelArch[] = ['llama', 'qwen2'];

/** RoPE settings of a model (ggml_rope_ext parameters, frequency factors aside). */
export interface ModelRope extends RopeParams {
  readonly mode: RopeMode;
  /** Rotated dimensions per head, `<arch>.rope.dimension_count` (default headDim). */
  readonly nRot: number;
  readonly freqBase: number;
  /** 1 / scaling factor (1 without scaling). */
  readonly freqScale: number;
  /** `<arch>.rope.scaling.type`: none, linear or yarn. */
  readonly scaling: 'none' | 'linear' | 'yarn';
}

/** Hyper-parameters of a model. */
export interface ModelConfig {
  readonly arch: ModelArch;
  /** `general.name`, or '' when absent. */
  readonly name: string;
  /** Model width, `<arch>.embedding_length`. */
  readonly dim: number;
  /** `<arch>.block_count`. */
  readonly nLayers: number;
  /** `<arch>.attention.head_count`. */
  readonly nHeads: number;
  /** `<arch>.attention.head_count_kv` (default nHeads); nHeads is a multiple of it (GQA). */
  readonly nKvHeads: number;
  /** `<arch>.attention.key_length`, default dim / nHeads. */
  readonly headDim: number;
  /** `<arch>.feed_forward_length`. */
  readonly ffnDim: number;
  /** Rows of `token_embd.weight`. */
  readonly vocabSize: number;
  /** Trained context length, `<arch>.context_length`. */
  readonly contextLength: number;
  /** `<arch>.attention.layer_norm_rms_epsilon`. */
  readonly rmsEps: number;
  readonly rope: ModelRope;
  /** True when there is no `output.weight` and the LM head reuses `token_embd.weight`. */
  readonly tiedEmbeddings: boolean;
}

/** The file's architecture; throws UnsupportedArchitectureError for anything but llama and qwen2. */
export function modelArchOf(file: GGUFFile): ModelArch {
  const arch = stringKey(file, 'general.architecture');
  if (!(MODEL_ARCHS as readonly string[]).includes(arch)) throw new UnsupportedArchitectureError(arch, MODEL_ARCHS);
  return arch as ModelArch;
}

function describe(file: GGUFFile, key: string): string {
  const v = file.get(key);
  if (!v) return 'missing';
  return v.type === GGUFValueType.ARRAY ? 'an array' : `${typeof v.value === 'string' ? JSON.stringify(v.value) : String(v.value)}`;
}

function stringKey(file: GGUFFile, key: string, fallback?: string): string {
  const v = file.get(key);
  if (v === undefined && fallback !== undefined) return fallback;
  if (v === undefined || typeof v.value !== 'string') throw new ModelConfigError(key, 'a string', describe(file, key));
  return v.value;
}

function numberKey(file: GGUFFile, key: string, fallback?: number): number {
  const v = file.get(key);
  if (v === undefined && fallback !== undefined) return fallback;
  if (v === undefined || (typeof v.value !== 'number' && typeof v.value !== 'bigint')) {
    throw new ModelConfigError(key, 'a number', describe(file, key));
  }
  return Number(v.value);
}

function positiveInt(file: GGUFFile, key: string, fallback?: number): number {
  const n = numberKey(file, key, fallback);
  if (!Number.isSafeInteger(n) || n <= 0) throw new ModelConfigError(key, 'a positive integer', String(n));
  return n;
}

/**
 * Reads and checks the hyper-parameters of `file` (a llama or qwen2 GGUF). Throws
 * {@link ModelConfigError} naming the key for a missing, mistyped or inconsistent value.
 */
export function readModelConfig(file: GGUFFile): ModelConfig {
  const arch = modelArchOf(file);
  const k = (s: string): string => `${arch}.${s}`;
  const dim = positiveInt(file, k('embedding_length'));
  const nLayers = positiveInt(file, k('block_count'));
  const nHeads = positiveInt(file, k('attention.head_count'));
  const nKvHeads = positiveInt(file, k('attention.head_count_kv'), nHeads);
  if (nHeads % nKvHeads !== 0) {
    throw new ModelConfigError(k('attention.head_count_kv'), `a divisor of head_count ${nHeads}`, String(nKvHeads));
  }
  if (!file.has(k('attention.key_length')) && dim % nHeads !== 0) {
    throw new ModelConfigError(k('attention.head_count'), `a divisor of embedding_length ${dim}`, String(nHeads));
  }
  const headDim = positiveInt(file, k('attention.key_length'), dim / nHeads);
  const valueLength = positiveInt(file, k('attention.value_length'), headDim);
  if (valueLength !== headDim) {
    throw new ModelConfigError(k('attention.value_length'), `equal to key_length ${headDim}`, String(valueLength));
  }
  const ffnDim = positiveInt(file, k('feed_forward_length'));
  const contextLength = positiveInt(file, k('context_length'));
  const rmsEps = numberKey(file, k('attention.layer_norm_rms_epsilon'));
  if (!(rmsEps > 0 && rmsEps < 1)) throw new ModelConfigError(k('attention.layer_norm_rms_epsilon'), 'a number in (0, 1)', String(rmsEps));

  const embd = file.tensor('token_embd.weight');
  if (!embd || embd.dims.length !== 2) {
    throw new ModelConfigError('token_embd.weight', 'a 2-D tensor [embedding_length, vocab]', embd ? `dims [${embd.dims.join(', ')}]` : 'missing');
  }
  return {
    arch,
    name: stringKey(file, 'general.name', ''),
    dim,
    nLayers,
    nHeads,
    nKvHeads,
    headDim,
    ffnDim,
    vocabSize: embd.dims[1],
    contextLength,
    rmsEps,
    rope: readRope(file, arch, headDim, contextLength),
    tiedEmbeddings: file.tensor('output.weight') === undefined,
  };
}

function readRope(file: GGUFFile, arch: ModelArch, headDim: number, contextLength: number): ModelRope {
  const k = (s: string): string => `${arch}.${s}`;
  const nRot = positiveInt(file, k('rope.dimension_count'), headDim);
  if (nRot % 2 !== 0 || nRot > headDim) throw new ModelConfigError(k('rope.dimension_count'), `an even number ≤ head dim ${headDim}`, String(nRot));
  const freqBase = numberKey(file, k('rope.freq_base'), 10_000);
  if (!(freqBase > 1)) throw new ModelConfigError(k('rope.freq_base'), 'a number > 1', String(freqBase));
  // llama.cpp: the type defaults to linear, and a factor of 0 (or none) means no scaling.
  const type = stringKey(file, k('rope.scaling.type'), 'linear');
  const factor = numberKey(file, k('rope.scaling.factor'), numberKey(file, k('rope.scale_linear'), 0));
  if (!(factor >= 0) || !Number.isFinite(factor)) throw new ModelConfigError(k('rope.scaling.factor'), 'a finite number ≥ 0', String(factor));
  const freqScale = factor === 0 ? 1 : 1 / factor;
  const base = { mode: ARCHITECTURES[arch].ropeMode, nRot, freqBase, freqScale };
  if (type === 'none' || (type === 'linear' && freqScale === 1)) return { ...base, freqScale: type === 'none' ? 1 : freqScale, scaling: 'none' };
  if (type === 'linear') return { ...base, scaling: 'linear' };
  if (type === 'yarn') {
    const nCtxOrig = positiveInt(file, k('rope.scaling.original_context_length'), contextLength);
    return { ...base, scaling: 'yarn', extFactor: 1, attnFactor: 1, betaFast: 32, betaSlow: 1, nCtxOrig };
  }
  throw new ModelConfigError(k('rope.scaling.type'), "'none', 'linear' or 'yarn'", JSON.stringify(type));
}
