/**
 * Code-point helpers shared by the pre-tokenizers: UTF-8 conversion and the character classes of
 * llama.cpp's `unicode.cpp` (letter = \p{L}, number = \p{N}, and its own whitespace set, which is
 * Unicode White_Space: it includes U+0085 but, unlike JavaScript's `\s`, not U+FEFF).
 */

const encoder = new TextEncoder();

/** UTF-8 bytes of `s` (lone surrogates become U+FFFD, as llama.cpp's decoder treats bad bytes). */
export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/** UTF-8 byte length of a string without allocating (lone surrogates count as U+FFFD: 3 bytes). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** The code points of a well-formed string. */
export function codePoints(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out.push(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
        i++;
        continue;
      }
    }
    out.push(c);
  }
  return out;
}

/** String of code points `cps[start..end)`. */
export function fromCodePoints(cps: readonly number[], start = 0, end = cps.length): string {
  let s = '';
  // String.fromCodePoint with many arguments is fast, but bounded to avoid stack limits.
  for (let i = start; i < end; i += 4096) {
    s += String.fromCodePoint(...cps.slice(i, Math.min(end, i + 4096)));
  }
  return s;
}

/** llama.cpp's `unicode_set_whitespace`. */
const WHITESPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
  0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

/** The same whitespace set as a regex character-class body (used to translate `\s`). */
export const WHITESPACE_CLASS = '\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** Flag bits of {@link cptFlags}. */
export const F_NUMBER = 1;
export const F_LETTER = 2;
export const F_WHITESPACE = 4;
/** Set for every code point in range: llama.cpp's `flags.as_uint() != 0` (only "out of range" is 0). */
export const F_DEFINED = 8;
const F_COMPUTED = 0x80;

const RE_LETTER = /\p{L}/u;
const RE_NUMBER = /\p{N}/u;
// Computed lazily: testing all 1.1M code points up front would cost far more than the 300 ms budget.
const flagsCache = new Uint8Array(0x110000);

function computeFlags(cp: number): number {
  const ch = String.fromCodePoint(cp);
  let f = F_DEFINED | F_COMPUTED;
  if (RE_LETTER.test(ch)) f |= F_LETTER;
  if (RE_NUMBER.test(ch)) f |= F_NUMBER;
  if (WHITESPACE.has(cp)) f |= F_WHITESPACE;
  return f;
}

/**
 * Category flags of a code point (0 for out-of-range positions, which callers pass as -1), the
 * subset of llama.cpp's `unicode_cpt_flags` its pre-tokenizers test.
 */
export function cptFlags(cp: number): number {
  if (cp < 0 || cp >= 0x110000) return 0;
  let f = flagsCache[cp];
  if (f === 0) flagsCache[cp] = f = computeFlags(cp);
  return f & ~F_COMPUTED;
}

/** ASCII-only lower-casing: the only use (contractions after `'`) compares with ASCII letters. */
export function asciiLower(cp: number): number {
  return cp >= 0x41 && cp <= 0x5a ? cp + 0x20 : cp;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `s` with each lone surrogate replaced by U+FFFD (`String.prototype.toWellFormed`, ES2024). */
export function toWellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, '\uFFFD');
}
