/**
 * The tokenizer contract the rest of the stack codes against: text ⇄ token ids with llama.cpp's
 * semantics (`src/llama-vocab.cpp`), built from a GGUF file's `tokenizer.ggml.*` metadata or from a
 * Hugging Face `tokenizer.json`.
 */

/** Options of {@link Tokenizer.encode}; both mirror llama.cpp's `llama_tokenize` flags. */
export interface EncodeOptions {
  /**
   * Add BOS (when the vocabulary says `add_bos_token`) and EOS (when `add_eos_token`), like
   * llama.cpp's `add_special`. Default false.
   */
  readonly addSpecial?: boolean;
  /**
   * Match CONTROL and UNKNOWN tokens (e.g. `<|im_start|>`, `<s>`) written as text, like llama.cpp's
   * `parse_special`. USER_DEFINED tokens are always matched. Default false.
   */
  readonly parseSpecial?: boolean;
}

/** Options of {@link Tokenizer.decode}; mirror llama.cpp's `llama_detokenize` flags. */
export interface DecodeOptions {
  /** Drop a leading BOS (if `addBos`) and a trailing EOS (if `addEos`). Default false. */
  readonly removeSpecial?: boolean;
  /** Print CONTROL/UNKNOWN tokens as their text instead of nothing. Default false. */
  readonly unparseSpecial?: boolean;
  /**
   * Override the vocabulary's `clean_spaces` post-processing (removes the space in ` ?`, ` 's`, ...;
   * on for `gpt-2`/`default` BPE vocabularies as in llama.cpp, off for SPM and qwen2/llama3).
   */
  readonly cleanSpaces?: boolean;
}

/**
 * Incremental detokenizer for streaming output. The concatenation of every `push` result and the
 * final `flush` equals `decode(ids)` of all pushed ids; a UTF-8 code point split across tokens is
 * held back until complete, so no chunk ends with half a character.
 */
export interface StreamDecoder {
  /** Adds one token and returns the text that became final (possibly ''). */
  push(id: number): string;
  /** Returns whatever was held back (an incomplete byte sequence becomes U+FFFD) and resets. */
  flush(): string;
}

/** A text ⇄ token-id codec for one vocabulary. */
export interface Tokenizer {
  /** Number of tokens; every id produced is in [0, vocabSize). */
  readonly vocabSize: number;
  /** Beginning-of-sequence token, or null when the vocabulary has none. */
  readonly bos: number | null;
  /** End-of-sequence token, or null. */
  readonly eos: number | null;
  /** End-of-turn token (`tokenizer.ggml.eot_token_id`, or found by text like `<|im_end|>`), or null. */
  readonly eot: number | null;
  /** Whether `encode(..., { addSpecial: true })` prepends BOS. */
  readonly addBos: boolean;
  /** Whether `encode(..., { addSpecial: true })` appends EOS. */
  readonly addEos: boolean;
  /** Text → ids (llama.cpp `llama_tokenize`). Lone surrogates are encoded as U+FFFD. */
  encode(text: string, opts?: EncodeOptions): number[];
  /** Ids → text (llama.cpp `llama_detokenize`). Throws {@link TokenizerError} for an id out of range. */
  decode(ids: readonly number[], opts?: DecodeOptions): string;
  /** The raw vocabulary entry of `id` (e.g. `▁the`, `Ġthe`, `<0x0A>`). */
  tokenText(id: number): string;
  /** True for end-of-generation tokens (EOS, EOT, and tokens llama.cpp marks EOG by their text). */
  isEog(id: number): boolean;
  /** A fresh streaming detokenizer (default decode options, or those given). */
  createStreamDecoder(opts?: DecodeOptions): StreamDecoder;
}

/** llama.cpp's `llama_token_type` (the values stored in `tokenizer.ggml.token_type`). */
export enum TokenType {
  UNDEFINED = 0,
  NORMAL = 1,
  UNKNOWN = 2,
  CONTROL = 3,
  USER_DEFINED = 4,
  UNUSED = 5,
  BYTE = 6,
}

/** llama.cpp's `llama_token_attr` bit flags (what the tokenizer actually consults). */
export enum TokenAttr {
  UNDEFINED = 0,
  UNKNOWN = 1 << 0,
  UNUSED = 1 << 1,
  NORMAL = 1 << 2,
  CONTROL = 1 << 3,
  USER_DEFINED = 1 << 4,
  BYTE = 1 << 5,
  NORMALIZED = 1 << 6,
  LSTRIP = 1 << 7,
  RSTRIP = 1 << 8,
  SINGLE_WORD = 1 << 9,
}

/** Maps a stored token type to its attribute, as llama.cpp's vocab loader does. */
export function attrFromTokenType(type: number): TokenAttr {
  switch (type) {
    case TokenType.UNKNOWN:
      return TokenAttr.UNKNOWN;
    case TokenType.UNUSED:
      return TokenAttr.UNUSED;
    case TokenType.NORMAL:
      return TokenAttr.NORMAL;
    case TokenType.CONTROL:
      return TokenAttr.CONTROL;
    case TokenType.USER_DEFINED:
      return TokenAttr.USER_DEFINED;
    case TokenType.BYTE:
      return TokenAttr.BYTE;
    default:
      return TokenAttr.UNDEFINED;
  }
}
