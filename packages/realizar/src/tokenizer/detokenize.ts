/**
 * Token → bytes (llama.cpp's `token_to_piece`) and the text post-processing of `llama_detokenize`.
 * Pieces are bytes, not strings: one UTF-8 character may be spread over several byte tokens, so
 * text is only formed after concatenation (or incrementally by the stream decoder).
 */
import { unicodeToByte } from './byte-unicode.js';
import { TokenAttr } from './tokenizer.js';
import { codePoints, utf8Encode } from './unicode.js';
import type { Vocab } from './vocab.js';

const EMPTY = new Uint8Array(0);
const SPECIAL = TokenAttr.UNKNOWN | TokenAttr.CONTROL;

/** Lazily computed piece bytes per token (the "special" rendering; suppression is applied on top). */
export class PieceTable {
  private readonly pieces: (Uint8Array | undefined)[];

  constructor(private readonly vocab: Vocab) {
    this.pieces = new Array<Uint8Array | undefined>(vocab.size);
  }

  /**
   * The bytes of token `id`: '' for CONTROL/UNKNOWN unless `special`, and up to one leading space
   * stripped when `lstrip` (llama.cpp strips the SPM dummy-prefix space on the first token).
   */
  bytes(id: number, special: boolean, lstrip: boolean): Uint8Array {
    const attr = this.vocab.attrs[id];
    if (!special && attr & SPECIAL) return EMPTY;
    let p = this.pieces[id];
    if (p === undefined) this.pieces[id] = p = this.compute(id);
    return lstrip && p.length > 0 && p[0] === 0x20 ? p.subarray(1) : p;
  }

  private compute(id: number): Uint8Array {
    const v = this.vocab;
    const attr = v.attrs[id];
    const text = v.tokens[id];
    if (attr & (SPECIAL | TokenAttr.USER_DEFINED)) return utf8Encode(text);
    if (attr & TokenAttr.NORMAL) {
      // SPM: '▁' stands for a space. BPE: each character stands for one byte.
      if (v.type === 'spm') return utf8Encode(text.replaceAll('\u2581', ' '));
      return decodeByteLevel(text);
    }
    if (attr & TokenAttr.BYTE) return Uint8Array.of(parseInt(text.slice(3, 5), 16));
    // UNUSED / UNDEFINED tokens print nothing, as in llama.cpp.
    return EMPTY;
  }
}

/**
 * llama.cpp's `llama_decode_text`: each character of a byte-level token back to its byte; a
 * character outside the byte alphabet becomes `[UNK_BYTE_0x<hex>` + token text + `]`.
 */
function decodeByteLevel(text: string): Uint8Array {
  const out: number[] = [];
  for (const cp of codePoints(text)) {
    const b = unicodeToByte(cp);
    if (b !== undefined) {
      out.push(b);
      continue;
    }
    const hex = [...utf8Encode(String.fromCodePoint(cp))].map((x) => x.toString(16).padStart(2, '0')).join('');
    for (const x of utf8Encode(`[UNK_BYTE_0x${hex}${text}]`)) out.push(x);
  }
  return Uint8Array.from(out);
}

/**
 * llama.cpp's `clean_spaces` passes over the detokenized text: drop the space before `?!.,`, turn
 * ` ' ` into `'`, and drop the space before `'s`, `'m`, `'re`, `'ve`. All characters involved are
 * ASCII, so working on the decoded string equals llama.cpp's byte passes.
 */
export function cleanSpaces(text: string): string {
  return text.replace(/ (?=[?!.,])/g, '').replace(/ ' /g, "'").replace(/ (?='(?:[sm]|re|ve))/g, '');
}
