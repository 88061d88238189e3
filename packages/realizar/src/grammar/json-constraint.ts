/**
 * The token-level constraint of JSON mode / JSON-schema mode: at each step the token trie is walked
 * against the byte automaton, pruning a subtree at the first byte that no stack accepts. Inside a
 * plain string whole subtrees of plain-ASCII tokens are allowed without walking them, and masks are
 * cached by automaton state (inside a long string the state repeats at every step).
 */
import { ConstraintViolationError } from './grammar-errors.js';
import { type Frame, canEnd, initialState, isPlainString, stateKey, step } from './json-automaton.js';
import type { SchemaNode } from './json-schema-compile.js';
import type { TokenTrie } from './token-trie.js';

/** A decoding constraint driven by the engine: mask, sample, accept. */
export interface TokenConstraint {
  /**
   * Writes 1 into `mask` (vocabulary-sized) for every token that keeps the output a valid prefix,
   * 0 for the others; end-of-generation tokens get 1 only when the document is complete.
   */
  allowed(mask: Uint8Array): void;
  /** Advances past a sampled token; throws {@link ConstraintViolationError} for a token `allowed` refused. */
  accept(tokenId: number): void;
  /**
   * True when the output so far is a complete document. For objects, arrays, strings and literals
   * nothing may follow except EOG, so the engine may stop at once; a top-level number may grow.
   */
  done(): boolean;
}

const CACHE_ENTRIES = 16;

/** {@link TokenConstraint} over a compiled schema. */
export class JsonConstraint implements TokenConstraint {
  private tops: Frame[];
  private finished = false;
  private readonly cache = new Map<string, Uint8Array>();

  constructor(
    root: SchemaNode,
    private readonly trie: TokenTrie,
  ) {
    this.tops = initialState(root);
  }

  allowed(mask: Uint8Array): void {
    const t = this.trie;
    if (mask.length < t.vocabSize) throw new RangeError(`mask has ${mask.length} entries for a vocabulary of ${t.vocabSize} tokens`);
    if (this.finished) {
      mask.fill(0);
      return;
    }
    const key = stateKey(this.tops);
    const hit = this.cache.get(key);
    if (hit) {
      mask.set(hit);
      return;
    }
    mask.fill(0);
    this.walk(0, this.tops, mask);
    if (this.tops.some(canEnd)) for (const id of t.eog) mask[id] = 1;
    if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, mask.slice(0, t.vocabSize));
  }

  private walk(node: number, states: readonly Frame[], mask: Uint8Array): void {
    const t = this.trie;
    const order = t.order;
    for (let c = t.firstChild[node]; c >= 0; c = t.nextSibling[c]) {
      const b = t.edge[c];
      const next: Frame[] = [];
      for (const s of states) step(s, b, next);
      if (next.length === 0) continue;
      const s = t.start[c];
      if (next.length === 1 && t.plain[c] && isPlainString(next[0])) {
        for (let i = s, e = t.end[c]; i < e; i++) mask[order[i]] = 1;
        continue;
      }
      for (let i = s, e = s + t.term[c]; i < e; i++) mask[order[i]] = 1;
      if (t.firstChild[c] >= 0) this.walk(c, next, mask);
    }
  }

  accept(tokenId: number): void {
    const t = this.trie;
    if (this.finished) throw new ConstraintViolationError(`token ${tokenId} after the end of the document`);
    const bytes = t.bytes[tokenId];
    if (!bytes) {
      if (t.eog.includes(tokenId) && this.tops.some(canEnd)) {
        this.finished = true;
        return;
      }
      throw new ConstraintViolationError(`token ${tokenId} is not allowed here (special, end-of-generation before the document is complete, or empty)`);
    }
    let states = this.tops;
    for (let i = 0; i < bytes.length; i++) {
      const next: Frame[] = [];
      for (const s of states) step(s, bytes[i], next);
      if (next.length === 0) {
        throw new ConstraintViolationError(`token ${tokenId} (${JSON.stringify(new TextDecoder().decode(bytes))}) breaks the document at its byte ${i}; sample only tokens the mask allows`);
      }
      states = next;
    }
    this.tops = states;
  }

  done(): boolean {
    return this.finished || this.tops.some(canEnd);
  }

  /** @internal The automaton stacks (their tops), for tests. */
  state(): readonly Frame[] {
    return this.tops;
  }

  /** Whether `bytes` would keep the output a valid prefix (for tests and diagnostics). */
  wouldAccept(bytes: Uint8Array): boolean {
    let states = this.tops;
    for (let i = 0; i < bytes.length && states.length > 0; i++) {
      const next: Frame[] = [];
      for (const s of states) step(s, bytes[i], next);
      states = next;
    }
    return states.length > 0;
  }
}
