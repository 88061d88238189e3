/**
 * Per-tensor type choice, reproducing llama.cpp's `src/llama-quant.cpp` (read at commit
 * 007dbbf3fd17, 2026): `tensor_allows_quantization`, `llama_tensor_get_type_impl` and
 * `tensor_type_fallback`, restricted to the file types in {@link LlamaFileType}. Branches for
 * types we do not write (IQ*, TQ*, MXFP4), for MoE (n_expert == 8) and for Falcon are left out
 * because no preset reaches them; the llama-70B rule is kept.
 *
 * The source tensors are assumed to be what convert_hf_to_gguf writes before quantizing: 1-D
 * tensors (norms, biases) in F32, which llama-quantize never changes.
 */
import { GGMLType, dtypeInfo } from '@sovereign/trueno';
import { TensorShapeError } from './errors.js';
import { LlamaFileType as FT, isQuantizedType, type ModelTypeSpec } from './model-types.js';

/** The hyper-parameters the recipe looks at. */
export interface RecipeModel {
  readonly arch: string;
  readonly nLayer: number;
  readonly nHead: number;
  readonly nHeadKv: number;
}

/** A tensor as the recipe sees it: name and ggml dims (`dims[0]` = row length). */
export interface RecipeTensor {
  readonly name: string;
  readonly dims: readonly number[];
}

type Category =
  | 'token_embd'
  | 'attn_q'
  | 'attn_k'
  | 'attn_v'
  | 'attn_qkv'
  | 'attn_output'
  | 'ffn_up'
  | 'ffn_gate'
  | 'ffn_down'
  | 'output'
  | 'other';

/** llama.cpp's `tensor_get_category` (substring matches, in its order). */
function category(name: string): Category {
  if (name === 'output.weight') return 'output';
  if (name === 'token_embd.weight' || name === 'per_layer_token_embd.weight') return 'token_embd';
  if (name.includes('attn_qkv.weight')) return 'attn_qkv';
  if (name.includes('attn_v.weight')) return 'attn_v';
  if (name.includes('attn_k.weight')) return 'attn_k';
  if (name.includes('attn_q.weight')) return 'attn_q';
  if (name.includes('attn_output.weight')) return 'attn_output';
  if (name.includes('ffn_up')) return 'ffn_up';
  if (name.includes('ffn_gate')) return 'ffn_gate';
  if (name.includes('ffn_down')) return 'ffn_down';
  return 'other';
}

/** llama.cpp's `tensor_allows_quantization` for the names our architectures have. */
export function allowsQuantization(t: RecipeTensor): boolean {
  return t.dims.length >= 2 && t.name.endsWith('weight') && !t.name.includes('_norm.weight');
}

/**
 * `use_more_bits`: the first and last eighth of the layers, and every third layer in between,
 * get more bits (integer division as in C++).
 */
export function useMoreBits(iLayer: number, nLayers: number): boolean {
  const eighth = Math.trunc(nLayers / 8);
  return iLayer < eighth || iLayer >= Math.trunc((7 * nLayers) / 8) || (iLayer - eighth) % 3 === 2;
}

/**
 * `tensor_type_fallback`: K-quants need rows that are a multiple of 256. llama.cpp falls back to a
 * 32-block type of similar size (Q4_K→Q5_0, Q5_K→Q5_1, Q6_K→Q8_0, Q2_K/Q3_K→Q4_0; older
 * llama.cpp used IQ4_NL for Q2_K/Q3_K, the current code uses Q4_0), and to F16 when even 32 does
 * not divide the row. Types with no fallback throw, as llama.cpp does.
 */
export function fallbackType(t: RecipeTensor, target: GGMLType): GGMLType {
  const ncols = t.dims[0];
  if (ncols % dtypeInfo(target).blockSize === 0) return target;
  let ret: GGMLType;
  switch (target) {
    case GGMLType.Q2_K:
    case GGMLType.Q3_K:
      ret = GGMLType.Q4_0;
      break;
    case GGMLType.Q4_K:
      ret = GGMLType.Q5_0;
      break;
    case GGMLType.Q5_K:
      ret = GGMLType.Q5_1;
      break;
    case GGMLType.Q6_K:
      ret = GGMLType.Q8_0;
      break;
    default:
      throw new TensorShapeError(
        `${t.name}: row length ${ncols} is not a multiple of ${dtypeInfo(target).name}'s block size ` +
          `${dtypeInfo(target).blockSize}, and llama.cpp defines no fallback for ${dtypeInfo(target).name}`,
      );
  }
  return ncols % dtypeInfo(ret).blockSize === 0 ? ret : GGMLType.F16;
}

/**
 * Chooses the type of every tensor, as llama-quantize would when converting an F32/F16 file of
 * these tensors to `spec.ftype` (`spec.recipe === 'pure'` behaves like `--pure`). The result does
 * not depend on the order of `tensors`: llama.cpp's counters run over its name-sorted order
 * (`weight_name_comparer`: by layer number, then name), and so does this function.
 */
export function chooseTensorTypes(
  model: RecipeModel,
  spec: ModelTypeSpec,
  tensors: readonly RecipeTensor[],
): Map<string, GGMLType> {
  const sorted = [...tensors].sort(compareWeightNames);
  const tied = !tensors.some((t) => t.name === 'output.weight');
  const nAttnV = tensors.filter((t) => category(t.name) === 'attn_v' || category(t.name) === 'attn_qkv').length;
  const state = { iAttnV: 0, iFfnDown: 0, nAttnV, tied };
  const out = new Map<string, GGMLType>();
  for (const t of sorted) {
    if (!allowsQuantization(t)) {
      out.set(t.name, GGMLType.F32);
      continue;
    }
    let type = spec.defaultType;
    if (isQuantizedType(type)) {
      if (spec.recipe === 'llama') type = recipeType(model, spec.ftype, type, t, state);
      type = fallbackType(t, type);
    }
    out.set(t.name, type);
  }
  return out;
}

interface RecipeState {
  iAttnV: number;
  iFfnDown: number;
  readonly nAttnV: number;
  readonly tied: boolean;
}

/** `llama_tensor_get_type_impl` for the non-IQ file types. */
function recipeType(model: RecipeModel, ftype: FT, defaultType: GGMLType, t: RecipeTensor, s: RecipeState): GGMLType {
  const cat = category(t.name);
  const nGqa = Math.trunc(model.nHead / model.nHeadKv);
  const is70B = model.arch === 'llama' && model.nLayer === 80 && model.nHead !== model.nHeadKv;
  let type = defaultType;
  if (cat === 'output' || (s.tied && cat === 'token_embd')) {
    // The LM head is the most sensitive matrix: Q6_K unless the file is Q8_0, or Q8_0 when the
    // row length does not fit the default type's block (checked before the K fallback).
    if (t.dims[0] % dtypeInfo(type).blockSize !== 0) type = GGMLType.Q8_0;
    else if (type !== GGMLType.Q8_0) type = GGMLType.Q6_K;
  } else if (cat === 'token_embd') {
    // Only IQ/TQ file types change a separate token embedding.
  } else if (cat === 'attn_v' || cat === 'attn_qkv') {
    if (ftype === FT.MOSTLY_Q2_K) type = nGqa >= 4 ? GGMLType.Q4_K : GGMLType.Q3_K;
    else if (ftype === FT.MOSTLY_Q3_K_M) type = s.iAttnV < 2 ? GGMLType.Q5_K : GGMLType.Q4_K;
    else if (ftype === FT.MOSTLY_Q3_K_L) type = GGMLType.Q5_K;
    else if ((ftype === FT.MOSTLY_Q4_K_M || ftype === FT.MOSTLY_Q5_K_M) && useMoreBits(s.iAttnV, s.nAttnV)) {
      type = GGMLType.Q6_K;
    } else if (ftype === FT.MOSTLY_Q4_K_S && s.iAttnV < 4) type = GGMLType.Q5_K;
    if (is70B && (type === GGMLType.Q3_K || type === GGMLType.Q4_K)) type = GGMLType.Q5_K;
    s.iAttnV++;
  } else if (cat === 'ffn_down') {
    // n_expert <= 1: the layer index is the running count of ffn_down tensors.
    const i = s.iFfnDown;
    const n = model.nLayer;
    if (ftype === FT.MOSTLY_Q2_K) type = GGMLType.Q3_K;
    else if (ftype === FT.MOSTLY_Q3_K_M) type = i < Math.trunc(n / 16) ? GGMLType.Q5_K : GGMLType.Q4_K;
    else if (ftype === FT.MOSTLY_Q3_K_L) type = GGMLType.Q5_K;
    else if (ftype === FT.MOSTLY_Q4_K_M) {
      if (useMoreBits(i, n)) type = GGMLType.Q6_K;
    } else if (ftype === FT.MOSTLY_Q5_K_M && useMoreBits(i, n)) type = GGMLType.Q6_K;
    else if (ftype === FT.MOSTLY_Q4_K_S && i < Math.trunc(n / 8)) type = GGMLType.Q5_K;
    s.iFfnDown++;
  } else if (cat === 'attn_output') {
    if (ftype === FT.MOSTLY_Q2_K) type = GGMLType.Q3_K;
    else if (ftype === FT.MOSTLY_Q3_K_M) type = GGMLType.Q4_K;
    else if (ftype === FT.MOSTLY_Q3_K_L) type = GGMLType.Q5_K;
  }
  return type;
}

/** llama.cpp's `weight_name_comparer`: by `blk.N.` layer number (-1 for none), then by name. */
export function compareWeightNames(a: RecipeTensor, b: RecipeTensor): number {
  const la = layerOf(a.name);
  const lb = layerOf(b.name);
  if (la !== lb) return la - lb;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function layerOf(name: string): number {
  const m = /^blk\.(\d+)\./.exec(name);
  return m ? Number(m[1]) : -1;
}
