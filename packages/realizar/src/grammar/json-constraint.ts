/**
 * The token-level constraint of JSON mode / JSON-schema mode: at each step the token trie is walked
 * against the byte automaton, pruning a subtree at the first byte that no stack accepts. Inside a
 * plain string whole subtrees of plain-ASCII tokens are allowed without walking them, and masks are
 * cached by automaton state (inside a long string the state repeats at every step).
 */
import { ConstraintViolationError } from './grammar-errors.js';
import { type Frame, canEnd, initialState, isPlainString, stateKey, step, stringLexer } from './json-automaton.js';
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

const stringTables = new WeakMap<TokenTrie, Map<string, { inside: Uint8Array; closing: Int32Array }>>();

/** Tokens that, from lexer state `state`, stay inside the string, and those that reach its closing quote. */
function insideStringMask(trie: TokenTrie, table: Int8Array, state: number): { inside: Uint8Array; closing: Int32Array } {
  let byTable = stringTables.get(trie);
  if (!byTable) stringTables.set(trie, (byTable = new Map()));
  const key = `${state}:${table[0x5c]}`;
  let hit = byTable.get(key);
  if (hit) return hit;
  const inside = new Uint8Array(trie.vocabSize);
  const closing: number[] = [];
  for (const id of trie.order) {
    const b = trie.bytes[id]!;
    let s = state;
    for (let i = 0; i < b.length && s >= 0; i++) s = table[s * 256 + b[i]];
    if (s >= 0) inside[id] = 1;
    else if (s === -2) closing.push(id);
  }
  hit = { inside, closing: Int32Array.from(closing) };
  byTable.set(key, hit);
  return hit;
}

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
    const lex = this.tops.length === 1 ? stringLexer(this.tops[0]) : null;
    if (lex) this.stringMask(lex.table, lex.state, mask);
    else {
      mask.fill(0);
      this.walk(0, this.tops, mask);
    }
    if (this.tops.some(canEnd)) for (const id of t.eog) mask[id] = 1;
    if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, mask.slice(0, t.vocabSize));
  }

  /**
   * Inside an unconstrained string: the tokens that stay inside it come from a per-vocabulary table
   * (lexer state → mask, built once); only tokens that close the string are stepped through the
   * whole automaton.
   */
  private stringMask(table: Int8Array, state: number, mask: Uint8Array): void {
    const { inside, closing } = insideStringMask(this.trie, table, state);
    mask.set(inside);
    for (const id of closing) if (this.wouldAccept(this.trie.bytes[id]!)) mask[id] = 1;
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
