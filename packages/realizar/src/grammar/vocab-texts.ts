/**
 * What constrained decoding needs from a tokenizer: the bytes each token adds to the output and
 * which tokens are end-of-generation or special.
 */
import { LlamaTokenizer } from '../tokenizer/llama-tokenizer.js';
import { TokenAttr, type Tokenizer } from '../tokenizer/tokenizer.js';

/** A vocabulary seen as byte strings. */
export interface VocabTexts {
  readonly size: number;
  /**
   * The bytes token `id` adds to the output. Byte-level BPE tokens may hold part of a UTF-8
   * character, so this is bytes, not text.
   */
  bytes(id: number): Uint8Array;
  /** End-of-generation tokens: allowed only once the document is complete. */
  isEog(id: number): boolean;
  /** Control/user-defined/unused tokens: never allowed inside a document. */
  isSpecial(id: number): boolean;
}

const SPECIAL = TokenAttr.CONTROL | TokenAttr.UNKNOWN | TokenAttr.USER_DEFINED | TokenAttr.UNUSED;
const cache = new WeakMap<Tokenizer, VocabTexts>();

/**
 * The {@link VocabTexts} of a tokenizer (memoised per tokenizer, so that the token trie built from
 * it is shared by every request).
 */
export function vocabTextsFromTokenizer(tok: Tokenizer): VocabTexts {
  let v = cache.get(tok);
  if (v) return v;
  if (tok instanceof LlamaTokenizer) {
    const attrs = tok.vocab.attrs;
    v = {
      size: tok.vocabSize,
      bytes: (id) => tok.pieces.bytes(id, true, false),
      isEog: (id) => tok.isEog(id),
      isSpecial: (id) => (attrs[id] & SPECIAL) !== 0,
    };
  } else {
    // Another Tokenizer implementation: single-token decoding is the best available view (a token
    // holding part of a UTF-8 character decodes to U+FFFD and so is never allowed).
    const enc = new TextEncoder();
    v = {
      size: tok.vocabSize,
      bytes: (id) => enc.encode(tok.decode([id])),
      isEog: (id) => tok.isEog(id),
      isSpecial: () => false,
    };
  }
  cache.set(tok, v);
  return v;
}
