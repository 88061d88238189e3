/**
 * BPE pre-tokenization: splitting text into words before merges, as llama.cpp's
 * `unicode_regex_split` does. A pre-tokenizer is a list of regexes applied in sequence, each one
 * refining the chunks the previous produced (matches and the gaps between them both become chunks).
 * Patterns llama.cpp handles with hand-written code go to {@link customSplitter}; the rest run on
 * JavaScript's regex engine with `\p{…}` property escapes, with `\s` rewritten to llama.cpp's
 * whitespace set.
 */
import { customSplitter } from './regex-split-custom.js';
import { WHITESPACE_CLASS, codePoints, fromCodePoints } from './unicode.js';

/**
 * Rewrites a llama.cpp / tokenizer.json pattern for JavaScript: `\s`/`\S` use llama.cpp's
 * whitespace set (JS `\s` also matches U+FEFF and misses U+0085), and simple case-insensitive
 * groups `(?i:…)` (unsupported by Node 20) are expanded into `[xX]` classes.
 */
export function toJsRegexSource(pattern: string): string {
  let out = '';
  let inClass = false;
  let caseless = -1; // paren depth at which a (?i: group started, or -1
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\' && i + 1 < pattern.length) {
      const nx = pattern[i + 1];
      i++;
      if (nx === 's') out += inClass ? WHITESPACE_CLASS : `[${WHITESPACE_CLASS}]`;
      else if (nx === 'S' && !inClass) out += `[^${WHITESPACE_CLASS}]`;
      else out += ch + nx;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += ch;
      continue;
    }
    if (ch === '(') {
      depth++;
      if (pattern.startsWith('(?i:', i)) {
        if (caseless < 0) caseless = depth;
        out += '(?:';
        i += 3;
        continue;
      }
    } else if (ch === ')') {
      if (depth === caseless) caseless = -1;
      depth--;
    } else if (caseless >= 0 && /[a-zA-Z]/.test(ch)) {
      out += `[${ch.toLowerCase()}${ch.toUpperCase()}]`;
      continue;
    }
    out += ch;
  }
  return out;
}

const compiled = new Map<string, RegExp>();

function jsRegex(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(toJsRegexSource(pattern), 'gu');
    compiled.set(pattern, re);
  }
  return re;
}

/** Number of code points in `s[from, to)` (UTF-16 indices). */
function cpCount(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** `unicode_regex_split_stl`: matches and the gaps between them become chunks. */
function splitWithRegex(cps: readonly number[], offsets: readonly number[], pattern: string): number[] {
  const re = jsRegex(pattern);
  const out: number[] = [];
  let start = 0;
  for (const len of offsets) {
    const chunk = fromCodePoints(cps, start, start + len);
    start += len;
    re.lastIndex = 0;
    let last = 0; // UTF-16 index of the end of the previous match
    for (let m = re.exec(chunk); m !== null; m = re.exec(chunk)) {
      if (m[0].length === 0) {
        // An empty match splits nothing; step over one code point, as std::regex_iterator does.
        re.lastIndex = m.index + (chunk.codePointAt(m.index)! > 0xffff ? 2 : 1);
        if (m.index >= chunk.length) break;
        continue;
      }
      if (m.index > last) out.push(cpCount(chunk, last, m.index));
      out.push(cpCount(chunk, m.index, m.index + m[0].length));
      last = m.index + m[0].length;
    }
    if (last < chunk.length) out.push(cpCount(chunk, last, chunk.length));
  }
  return out;
}

/** Splits `text` into words with the pattern list `regexes` (llama.cpp `unicode_regex_split`). */
export function preTokenize(text: string, regexes: readonly string[]): string[] {
  const cps = codePoints(text);
  let offsets: number[] = [cps.length];
  for (const pattern of regexes) {
    const custom = customSplitter(pattern);
    const next = custom ? custom(cps, offsets) : [];
    // llama.cpp falls back to the regex engine when the custom splitter yields nothing.
    offsets = next.length > 0 ? next : splitWithRegex(cps, offsets, pattern);
  }
  const words: string[] = [];
  let start = 0;
  for (const len of offsets) {
    if (len > 0) words.push(fromCodePoints(cps, start, start + len));
    start += len;
  }
  return words;
}

/** Validates that every pattern compiles for JavaScript; returns the first error message. */
export function checkPatterns(regexes: readonly string[]): string | undefined {
  for (const p of regexes) {
    if (customSplitter(p)) continue;
    try {
      jsRegex(p);
    } catch (e) {
      return `${JSON.stringify(p)}: ${(e as Error).message}`;
    }
  }
  return undefined;
}
