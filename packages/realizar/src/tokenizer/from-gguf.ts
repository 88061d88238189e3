/**
 * Builds a {@link Tokenizer} from a GGUF file's `tokenizer.ggml.*` metadata, reading the keys
 * llama.cpp's vocab loader reads (with its defaults when a key is absent).
 */
import { type GGUFHeader, GGUFKeyError, GGUFValueType } from '../gguf/index.js';
import { LlamaTokenizer } from './llama-tokenizer.js';
import { TokenizerConfigError } from './tokenizer-errors.js';
import type { Tokenizer } from './tokenizer.js';
import { type SpecialRole, Vocab } from './vocab.js';

/** GGUF key (after `tokenizer.ggml.`) of each special-token role; later aliases are deprecated. */
const ID_KEYS: ReadonlyArray<readonly [SpecialRole, string]> = [
  ['bos', 'bos_token_id'],
  ['eos', 'eos_token_id'],
  ['eot', 'eot_token_id'],
  ['eom', 'eom_token_id'],
  ['unk', 'unknown_token_id'],
  ['sep', 'seperator_token_id'],
  ['pad', 'padding_token_id'],
  ['mask', 'mask_token_id'],
  ['fimPre', 'fim_pre_token_id'],
  ['fimSuf', 'fim_suf_token_id'],
  ['fimMid', 'fim_mid_token_id'],
  ['fimPad', 'fim_pad_token_id'],
  ['fimRep', 'fim_rep_token_id'],
  ['fimSep', 'fim_sep_token_id'],
  ['fimPre', 'prefix_token_id'],
  ['fimSuf', 'suffix_token_id'],
  ['fimMid', 'middle_token_id'],
];

/** Re-throws metadata type errors as {@link TokenizerConfigError} naming the key. */
function read<T>(key: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof GGUFKeyError) {
      throw new TokenizerConfigError(e.message, { key, expected: e.expected, actual: e.actual });
    }
    throw e;
  }
}

/**
 * A tokenizer for the vocabulary in `file` (`tokenizer.ggml.model` `llama` → SentencePiece,
 * `gpt2` → byte-level BPE with the `tokenizer.ggml.pre` pre-tokenizer).
 *
 * @throws TokenizerConfigError when `tokenizer.ggml.model` or `tokenizer.ggml.tokens` is missing or
 *   unsupported, or an array has the wrong type or length.
 */
export function tokenizerFromGGUF(file: GGUFHeader): Tokenizer {
  const g = (k: string) => `tokenizer.ggml.${k}`;
  if (!file.has(g('model'))) {
    throw new TokenizerConfigError(`${file.source}: key 'tokenizer.ggml.model': missing (the file has no vocabulary)`, {
      key: g('model'),
      expected: "'llama' or 'gpt2'",
      actual: 'missing',
    });
  }
  if (!file.has(g('tokens'))) {
    throw new TokenizerConfigError(`${file.source}: key 'tokenizer.ggml.tokens': missing (expected arr[str])`, {
      key: g('tokens'),
      expected: 'arr[str]',
      actual: 'missing',
    });
  }
  const model = read(g('model'), () => file.getString(g('model')));
  const tokens = read(g('tokens'), () => file.getStringArray(g('tokens')));
  let scores: ArrayLike<number> | undefined;
  const sv = file.get(g('scores'));
  if (sv) {
    if (sv.type === GGUFValueType.ARRAY && (sv.itemType === GGUFValueType.FLOAT32 || sv.itemType === GGUFValueType.INT32)) {
      scores = sv.value as Float32Array | Int32Array;
    } else {
      throw new TokenizerConfigError(`${file.source}: key 'tokenizer.ggml.scores': expected arr[f32] or arr[i32]`, {
        key: g('scores'),
        expected: 'arr[f32] or arr[i32]',
        actual: sv.type === GGUFValueType.ARRAY ? `arr of type ${sv.itemType}` : `type ${sv.type}`,
      });
    }
  }
  const tokenTypes = file.has(g('token_type'))
    ? read(g('token_type'), () => file.getArray(g('token_type'), GGUFValueType.INT32))
    : undefined;
  const merges = file.has(g('merges')) ? read(g('merges'), () => file.getStringArray(g('merges'))) : undefined;
  const ids: Partial<Record<SpecialRole, number>> = {};
  for (const [role, key] of ID_KEYS) {
    if (file.has(g(key))) ids[role] = read(g(key), () => file.getU32(g(key)));
  }
  const flag = (key: string) => (file.has(g(key)) ? read(g(key), () => file.getBool(g(key))) : undefined);
  const vocab = new Vocab({
    model,
    pre: file.has(g('pre')) ? read(g('pre'), () => file.getString(g('pre'))) : undefined,
    tokens,
    scores,
    tokenTypes,
    merges,
    ids,
    addBos: flag('add_bos_token'),
    addEos: flag('add_eos_token'),
    addSpacePrefix: flag('add_space_prefix'),
    source: file.source,
  });
  return new LlamaTokenizer(vocab);
}
