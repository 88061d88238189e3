/**
 * The `--type` names the generator accepts and the llama.cpp file types (`enum llama_ftype` in
 * llama.h, stored as `general.file_type`) they correspond to.
 *
 * A plain tensor-type name (`q4_0`, `q4_k`, ...) means "pure": every quantizable weight gets that
 * type (llama-quantize `--pure`), with llama.cpp's fallback when a row is not a whole number of
 * blocks. A mix name (`q4_k_m`, ...) applies llama.cpp's per-tensor recipe. Either kind can be
 * switched with `recipe` (`llama` on a plain name = what `llama-quantize in.gguf out.gguf Q4_0`
 * does, e.g. the output matrix in Q6_K).
 */
import { GGMLType } from '@sovereign/trueno';
import { UnknownModelTypeError } from './errors.js';

/** `enum llama_ftype` ids (llama.h). Only the ones this generator writes are listed. */
export enum LlamaFileType {
  ALL_F32 = 0,
  MOSTLY_F16 = 1,
  MOSTLY_Q4_0 = 2,
  MOSTLY_Q4_1 = 3,
  MOSTLY_Q8_0 = 7,
  MOSTLY_Q5_0 = 8,
  MOSTLY_Q5_1 = 9,
  MOSTLY_Q2_K = 10,
  MOSTLY_Q3_K_S = 11,
  MOSTLY_Q3_K_M = 12,
  MOSTLY_Q3_K_L = 13,
  MOSTLY_Q4_K_S = 14,
  MOSTLY_Q4_K_M = 15,
  MOSTLY_Q5_K_S = 16,
  MOSTLY_Q5_K_M = 17,
  MOSTLY_Q6_K = 18,
  MOSTLY_BF16 = 32,
}

/** How per-tensor types are chosen: uniformly, or by llama.cpp's `llama_tensor_get_type`. */
export type RecipeKind = 'pure' | 'llama';

/** A resolved `--type`. */
export interface ModelTypeSpec {
  /** The name as given, lower case. */
  readonly name: string;
  /** `general.file_type`. */
  readonly ftype: LlamaFileType;
  /** llama.cpp's `llama_ftype_get_default_type(ftype)`, or the pure type. */
  readonly defaultType: GGMLType;
  readonly recipe: RecipeKind;
}

// name → [ftype, default tensor type, default recipe]. Plain K names map to the ftype that
// llama-quantize's aliases pick (`Q3_K` → Q3_K_M, `Q4_K` → Q4_K_M, `Q5_K` → Q5_K_M).
const TABLE: Record<string, readonly [LlamaFileType, GGMLType, RecipeKind]> = {
  f32: [LlamaFileType.ALL_F32, GGMLType.F32, 'pure'],
  f16: [LlamaFileType.MOSTLY_F16, GGMLType.F16, 'pure'],
  bf16: [LlamaFileType.MOSTLY_BF16, GGMLType.BF16, 'pure'],
  q4_0: [LlamaFileType.MOSTLY_Q4_0, GGMLType.Q4_0, 'pure'],
  q4_1: [LlamaFileType.MOSTLY_Q4_1, GGMLType.Q4_1, 'pure'],
  q5_0: [LlamaFileType.MOSTLY_Q5_0, GGMLType.Q5_0, 'pure'],
  q5_1: [LlamaFileType.MOSTLY_Q5_1, GGMLType.Q5_1, 'pure'],
  q8_0: [LlamaFileType.MOSTLY_Q8_0, GGMLType.Q8_0, 'pure'],
  q2_k: [LlamaFileType.MOSTLY_Q2_K, GGMLType.Q2_K, 'pure'],
  q3_k: [LlamaFileType.MOSTLY_Q3_K_M, GGMLType.Q3_K, 'pure'],
  q4_k: [LlamaFileType.MOSTLY_Q4_K_M, GGMLType.Q4_K, 'pure'],
  q5_k: [LlamaFileType.MOSTLY_Q5_K_M, GGMLType.Q5_K, 'pure'],
  q6_k: [LlamaFileType.MOSTLY_Q6_K, GGMLType.Q6_K, 'pure'],
  q3_k_s: [LlamaFileType.MOSTLY_Q3_K_S, GGMLType.Q3_K, 'llama'],
  q3_k_m: [LlamaFileType.MOSTLY_Q3_K_M, GGMLType.Q3_K, 'llama'],
  q3_k_l: [LlamaFileType.MOSTLY_Q3_K_L, GGMLType.Q3_K, 'llama'],
  q4_k_s: [LlamaFileType.MOSTLY_Q4_K_S, GGMLType.Q4_K, 'llama'],
  q4_k_m: [LlamaFileType.MOSTLY_Q4_K_M, GGMLType.Q4_K, 'llama'],
  q5_k_s: [LlamaFileType.MOSTLY_Q5_K_S, GGMLType.Q5_K, 'llama'],
  q5_k_m: [LlamaFileType.MOSTLY_Q5_K_M, GGMLType.Q5_K, 'llama'],
};

/** All accepted `--type` names: plain tensor types first, then llama.cpp mixes. */
export function modelTypeNames(): string[] {
  return Object.keys(TABLE);
}

/**
 * Resolves a `--type` name (case-insensitive); `recipe` overrides the name's default recipe.
 * Throws {@link UnknownModelTypeError} for names not in {@link modelTypeNames}.
 */
export function resolveModelType(name: string, recipe?: RecipeKind): ModelTypeSpec {
  const key = name.toLowerCase();
  const row = TABLE[key];
  if (!row) throw new UnknownModelTypeError(name, modelTypeNames());
  return { name: key, ftype: row[0], defaultType: row[1], recipe: recipe ?? row[2] };
}

/** True for the types ggml calls quantized (block types), false for F32/F16/BF16. */
export function isQuantizedType(t: GGMLType): boolean {
  return t !== GGMLType.F32 && t !== GGMLType.F16 && t !== GGMLType.BF16;
}
