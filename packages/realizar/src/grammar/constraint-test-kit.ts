/**
 * Test kit for constraints (imported by tests only): a small synthetic byte vocabulary and a random
 * walk that samples among allowed tokens, closing the document once a length budget is spent.
 */
import { type Frame, canEnd, stateKey, step } from './json-automaton.js';
import type { JsonConstraint } from './json-constraint.js';
import type { VocabTexts } from './vocab-texts.js';

const enc = new TextEncoder();

/** Fragments beside the 256 single bytes: common multi-byte JSON pieces and split UTF-8. */
const FRAGMENTS = [
  '{"', '":', '": ', '",', '", "', '"}', '"]', '},', '}]', ']}', '}}', '[{', '[]', '{}', '""', ', ', ',\n  ',
  '\n', '\n  ', '    ', 'true', 'false', 'null', 'name', 'age', '"name"', '"tags"', 'id', '0.5', '12', '-1',
  'e+', '1e', '\\n', '\\"', '\\u00e9', '\\ud83d', 'é', 'hé', '日本', '\u{1F600}', 'abc', ' the', '"a', 'a"',
];

/** Synthetic vocabulary: ids 0..255 are single bytes, then fragments, then one EOG and one special token. */
export function syntheticVocab(): VocabTexts & { readonly eogId: number; readonly specialId: number; readonly fragments: readonly Uint8Array[] } {
  const pieces: Uint8Array[] = [];
  for (let b = 0; b < 256; b++) pieces.push(Uint8Array.of(b));
  for (const f of FRAGMENTS) pieces.push(enc.encode(f));
  // Halves of a 4-byte character: tokens that end and start inside a UTF-8 sequence.
  const emoji = enc.encode('\u{1F600}');
  pieces.push(emoji.subarray(0, 2), emoji.subarray(2));
  const eogId = pieces.length;
  const specialId = eogId + 1;
  pieces.push(enc.encode('<|im_end|>'), enc.encode('<|im_start|>'));
  return {
    size: pieces.length,
    bytes: (id) => pieces[id],
    isEog: (id) => id === eogId,
    isSpecial: (id) => id === specialId,
    eogId,
    specialId,
    fragments: pieces,
  };
}

/** A small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The first byte of a shortest completion of the document from the constraint's state (breadth
 * first over bytes of `alphabet`, states merged by key), or undefined when none within `limit`.
 */
export function shortestCompletionByte(c: JsonConstraint, alphabet: readonly number[], limit = 20000): number | undefined {
  let frontier: { tops: readonly Frame[]; first: number }[] = [{ tops: c.state(), first: -1 }];
  const seen = new Set<string>([stateKey(c.state())]);
  while (frontier.length > 0 && seen.size < limit) {
    const next: typeof frontier = [];
    for (const { tops, first } of frontier) {
      for (const b of alphabet) {
        const out: Frame[] = [];
        for (const f of tops) step(f, b, out);
        if (out.length === 0) continue;
        const f0 = first < 0 ? b : first;
        if (out.some(canEnd)) return f0;
        const key = stateKey(out);
        if (seen.has(key)) continue;
        seen.add(key);
        next.push({ tops: out, first: f0 });
      }
    }
    frontier = next;
  }
  return undefined;
}

/** Structural bytes, a digit, and letters for names and literals (bytes of the schema are added by callers). */
const BASE_ALPHABET = [...'"{}[]:,0-.e+123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_ \\'].map((ch) => ch.charCodeAt(0));

export interface WalkResult {
  readonly text: string;
  readonly completed: boolean;
  readonly steps: number;
  /** Ids chosen, in order. */
  readonly ids: number[];
}

/**
 * Drives `c` with random allowed tokens from `vocab` until it accepts EOG (or `maxSteps`); after
 * `budget` steps picks EOG or the first byte of a shortest completion. `onStep` sees every mask before sampling.
 */
export function randomWalk(
  c: JsonConstraint,
  vocab: VocabTexts & { readonly eogId: number },
  seed: number,
  budget: number,
  maxSteps = 4000,
  onStep?: (mask: Uint8Array) => void,
  alphabet: readonly number[] = BASE_ALPHABET,
): WalkResult {
  const rand = prng(seed);
  const mask = new Uint8Array(vocab.size);
  const out: Uint8Array[] = [];
  const ids: number[] = [];
  for (let s = 0; s < maxSteps; s++) {
    c.allowed(mask);
    onStep?.(mask);
    const allowed: number[] = [];
    for (let i = 0; i < vocab.size; i++) if (mask[i]) allowed.push(i);
    if (allowed.length === 0) throw new Error(`dead end after ${JSON.stringify(decode(out))}`);
    let id = allowed[Math.floor(rand() * allowed.length)];
    if (s >= budget) {
      if (mask[vocab.eogId]) id = vocab.eogId;
      else {
        const b = shortestCompletionByte(c, alphabet);
        if (b !== undefined) id = b;
      }
    } else if (id === vocab.eogId && rand() < 0.5) {
      // Early EOG would make most documents tiny; take it only half of the time before the budget.
      const other = allowed.filter((x) => x !== vocab.eogId);
      if (other.length > 0) id = other[Math.floor(rand() * other.length)];
    }
    ids.push(id);
    c.accept(id);
    if (id === vocab.eogId) return { text: decode(out), completed: true, steps: s + 1, ids };
    out.push(vocab.bytes(id));
  }
  return { text: decode(out), completed: false, steps: maxSteps, ids };
}

function decode(parts: Uint8Array[]): string {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(all);
}
