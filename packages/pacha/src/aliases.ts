/**
 * Built-in aliases: `qwen2.5-coder:<size>[-<quant>]` names the Qwen2.5-Coder instruct GGUF that Qwen
 * publishes on the Hugging Face hub (`Qwen/Qwen2.5-Coder-<SIZE>-Instruct-GGUF`). `latest` is
 * `7b-q4_k_m`, as Ollama's `qwen2.5-coder:latest`.
 *
 * An alias names a repo and a quant, not a file: Qwen publishes the larger quants split into
 * llama.cpp shards (`…-q4_k_m-00001-of-00002.gguf`), so the pull lists the repo and picks the file
 * or the shards of the quant (`pickQuantFile`). `file` is the single-file name Qwen uses when a
 * quant is not split; the pull falls back to it only when the hub has no listing API (404).
 */
import { RefError } from './errors.js';
import { DEFAULT_HOST, DEFAULT_NAMESPACE, type ModelName } from './model-name.js';

/** The alias family name. */
export const QWEN_CODER_FAMILY = 'qwen2.5-coder';
/** Sizes Qwen publishes instruct GGUFs for. */
export const QWEN_CODER_SIZES = ['0.5b', '1.5b', '3b', '7b', '14b', '32b'] as const;
/** Quantisations in those repos (file-name spelling). */
export const QWEN_CODER_QUANTS = ['q2_k', 'q3_k_m', 'q4_0', 'q4_k_m', 'q5_0', 'q5_k_m', 'q6_k', 'q8_0', 'fp16'] as const;
/** Quant of a tag that names only a size. */
export const DEFAULT_QUANT = 'q4_k_m';

/** A resolved alias: the hub repo and quant (and the conventional single-file name). */
export interface AliasTarget {
  readonly org: string;
  readonly repo: string;
  /** `qwen2.5-coder-<size>-instruct-<quant>.gguf`: the name of an unsplit file, used only without a listing. */
  readonly file: string;
  readonly size: string;
  readonly quant: string;
}

/**
 * The hub repo and quant of `name` when it is a built-in alias (default host and namespace, family
 * `qwen2.5-coder`); undefined for other names. Throws {@link RefError} for a tag of the family that
 * names no published file.
 */
export function resolveAlias(name: ModelName): AliasTarget | undefined {
  if (name.host !== DEFAULT_HOST || name.namespace !== DEFAULT_NAMESPACE || name.name !== QWEN_CODER_FAMILY) return undefined;
  const tag = name.tag === 'latest' ? `7b-${DEFAULT_QUANT}` : name.tag.toLowerCase();
  const m = /^([0-9.]+b)(?:-(.+))?$/.exec(tag);
  const size = m?.[1];
  const quant = m?.[2] ?? DEFAULT_QUANT;
  if (!size || !(QWEN_CODER_SIZES as readonly string[]).includes(size) || !(QWEN_CODER_QUANTS as readonly string[]).includes(quant)) {
    throw new RefError(
      `'${QWEN_CODER_FAMILY}:${name.tag}' is not a built-in alias: the tag must be <size>[-<quant>] with size one of ` +
        `${QWEN_CODER_SIZES.join(', ')} and quant one of ${QWEN_CODER_QUANTS.join(', ')} (default ${DEFAULT_QUANT}); ` +
        `for Ollama's own tags use ollama://library/${QWEN_CODER_FAMILY}:${name.tag}`,
    );
  }
  const sizeUpper = size.toUpperCase();
  return {
    org: 'Qwen',
    repo: `Qwen2.5-Coder-${sizeUpper}-Instruct-GGUF`,
    file: `qwen2.5-coder-${size}-instruct-${quant}.gguf`,
    size,
    quant,
  };
}
