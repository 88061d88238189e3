/**
 * Hand-written splitters that llama.cpp (`unicode.cpp`) uses instead of a regex engine for its most
 * common pre-tokenizer patterns. They are ported statement by statement because they differ from a
 * real regex engine in corner cases (e.g. how a lone trailing space or `\s+(?!\S)` at the end of a
 * chunk is split), and the llama.cpp vectors are the reference.
 *
 * Each splitter takes the code points of the text and the current chunk lengths (in code points),
 * and returns the refined chunk lengths.
 */
import { F_DEFINED, F_LETTER, F_NUMBER, F_WHITESPACE, asciiLower, cptFlags } from './unicode.js';

/** The GPT-2 pattern, dispatched to {@link splitGpt2}. */
export const RE_GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
/** Llama 3's pattern as llama.cpp spells it (case-insensitive group expanded). */
export const RE_LLAMA3 =
  "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
/** Llama 3's pattern as tokenizer.json spells it. */
export const RE_LLAMA3_HF =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
/** Qwen2's pattern (Llama 3's with single digits) as llama.cpp spells it. */
export const RE_QWEN2 =
  "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
/** Qwen2's pattern as tokenizer.json spells it. */
export const RE_QWEN2_HF =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const APOS = 0x27;
const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const OUT = -1;

type Splitter = (cps: readonly number[], offsets: readonly number[]) => number[];

/** Shared driver: walks each chunk, giving the body cursor helpers bounded to that chunk. */
function forEachChunk(
  cps: readonly number[],
  offsets: readonly number[],
  body: (ini: number, end: number, add: (end: number) => number) => void,
): number[] {
  const out: number[] = [];
  let start = 0;
  for (const len of offsets) {
    const ini = start;
    const end = start + len;
    start = end;
    let prevEnd = ini;
    const add = (e: number): number => {
      const n = e - prevEnd;
      if (n > 0) out.push(n);
      prevEnd = e;
      return n;
    };
    body(ini, end, add);
  }
  return out;
}

/** `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)` (llama.cpp's port). */
export const splitGpt2: Splitter = (cps, offsets) =>
  forEachChunk(cps, offsets, (ini, end, add) => {
    const cpt = (p: number) => (p >= ini && p < end ? cps[p] : OUT);
    const fl = (p: number) => (p >= ini && p < end ? cptFlags(cps[p]) : 0);
    for (let pos = ini; pos < end; ) {
      const c = cpt(pos);
      const flags = fl(pos);
      if (c === APOS && pos + 1 < end) {
        const n1 = cpt(pos + 1);
        if (n1 === 0x73 || n1 === 0x74 || n1 === 0x6d || n1 === 0x64) {
          pos += add(pos + 2);
          continue;
        }
        if (pos + 2 < end) {
          const n2 = cpt(pos + 2);
          if ((n1 === 0x72 && n2 === 0x65) || (n1 === 0x76 && n2 === 0x65) || (n1 === 0x6c && n2 === 0x6c)) {
            pos += add(pos + 3);
            continue;
          }
        }
      }
      let f2 = c === SPACE ? fl(pos + 1) : flags;
      if (f2 & F_LETTER) {
        if (c === SPACE) pos++;
        while (f2 & F_LETTER) f2 = fl(++pos);
        add(pos);
        continue;
      }
      if (f2 & F_NUMBER) {
        if (c === SPACE) pos++;
        while (f2 & F_NUMBER) f2 = fl(++pos);
        add(pos);
        continue;
      }
      if (!(f2 & (F_WHITESPACE | F_LETTER | F_NUMBER)) && f2 & F_DEFINED) {
        if (c === SPACE) pos++;
        while (!(f2 & (F_WHITESPACE | F_LETTER | F_NUMBER)) && f2 & F_DEFINED) f2 = fl(++pos);
        add(pos);
        continue;
      }
      let nws = 0;
      while (fl(pos + nws) & F_WHITESPACE) nws++;
      if (nws > 1 && cpt(pos + nws) !== OUT) {
        pos += nws - 1;
        add(pos);
        continue;
      }
      if (nws > 0) {
        pos += nws;
        add(pos);
        continue;
      }
      add(++pos);
    }
  });

/**
 * Llama 3 (`maxDigits` 3) and Qwen2 (`maxDigits` 1):
 * `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,maxDigits}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
 */
function makeLlama3Splitter(maxDigits: number): Splitter {
  return (cps, offsets) =>
    forEachChunk(cps, offsets, (ini, end, add) => {
      const cpt = (p: number) => (p >= ini && p < end ? cps[p] : OUT);
      const fl = (p: number) => (p >= ini && p < end ? cptFlags(cps[p]) : 0);
      for (let pos = ini; pos < end; ) {
        const c = cpt(pos);
        const flags = fl(pos);
        if (c === APOS && pos + 1 < end) {
          const n1 = asciiLower(cpt(pos + 1));
          if (n1 === 0x73 || n1 === 0x74 || n1 === 0x6d || n1 === 0x64) {
            pos += add(pos + 2);
            continue;
          }
          if (pos + 2 < end) {
            const n2 = asciiLower(cpt(pos + 2));
            if ((n1 === 0x72 && n2 === 0x65) || (n1 === 0x76 && n2 === 0x65) || (n1 === 0x6c && n2 === 0x6c)) {
              pos += add(pos + 3);
              continue;
            }
          }
        }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (!(c === CR || c === LF || flags & F_NUMBER)) {
          if (flags & F_LETTER || fl(pos + 1) & F_LETTER) {
            pos++;
            while (fl(pos) & F_LETTER) pos++;
            add(pos);
            continue;
          }
        }
        // \p{N}{1,maxDigits}
        if (flags & F_NUMBER) {
          let first = pos;
          while (fl(pos) & F_NUMBER) {
            if (++pos - first >= maxDigits) {
              add(pos);
              first = pos;
            }
          }
          add(pos);
          continue;
        }
        // ' ?[^\s\p{L}\p{N}]+[\r\n]*' — llama.cpp tests the current code point's flags for "defined".
        let f2 = c === SPACE ? fl(pos + 1) : flags;
        if (!(f2 & (F_WHITESPACE | F_LETTER | F_NUMBER)) && flags & F_DEFINED) {
          if (c === SPACE) pos++;
          while (!(f2 & (F_WHITESPACE | F_LETTER | F_NUMBER)) && f2 & F_DEFINED) f2 = fl(++pos);
          let c2 = cpt(pos);
          while (c2 === CR || c2 === LF) c2 = cpt(++pos);
          add(pos);
          continue;
        }
        let nws = 0;
        let lastRN = 0;
        while (fl(pos + nws) & F_WHITESPACE) {
          const c2 = cpt(pos + nws);
          if (c2 === CR || c2 === LF) lastRN = pos + nws + 1;
          nws++;
        }
        // \s*[\r\n]+
        if (lastRN > 0) {
          pos = lastRN;
          add(pos);
          continue;
        }
        // \s+(?!\S)
        if (nws > 1 && cpt(pos + nws) !== OUT) {
          pos += nws - 1;
          add(pos);
          continue;
        }
        // \s+
        if (nws > 0) {
          pos += nws;
          add(pos);
          continue;
        }
        add(++pos);
      }
    });
}

/** Llama 3's splitter (digits in groups of up to three). */
export const splitLlama3: Splitter = makeLlama3Splitter(3);
/** Qwen2's splitter (single digits). */
export const splitQwen2: Splitter = makeLlama3Splitter(1);

/** The custom splitter llama.cpp substitutes for `regex` (compared as a string), if any. */
export function customSplitter(regex: string): Splitter | undefined {
  if (regex === RE_GPT2) return splitGpt2;
  if (regex === RE_LLAMA3 || regex === RE_LLAMA3_HF) return splitLlama3;
  if (regex === RE_QWEN2) return splitQwen2;
  return undefined;
}
