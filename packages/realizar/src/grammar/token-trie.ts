/**
 * The vocabulary as a byte trie for mask computation: tokens are sorted by their bytes, so every
 * trie node's subtree is one contiguous range of the sorted order and "allow this whole subtree"
 * is a loop over a range. Built once per {@link VocabTexts} and shared.
 */
import type { VocabTexts } from './vocab-texts.js';

/** A byte trie over the tokens that may appear inside a document (not special, not EOG, not empty). */
export interface TokenTrie {
  readonly vocabSize: number;
  /** Eligible token ids sorted by bytes. */
  readonly order: Int32Array;
  /** Per node: first child, next sibling (-1 none), byte of the edge into the node. */
  readonly firstChild: Int32Array;
  readonly nextSibling: Int32Array;
  readonly edge: Uint8Array;
  /** Per node: its subtree's range [start, end) in `order`; the first `term` tokens end at the node. */
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly term: Int32Array;
  /**
   * Per node: 1 when every byte below it (in every token of the subtree) is a plain ASCII string
   * character (0x20..0x7F except `"` and `\`), so that inside a string the whole subtree is allowed.
   */
  readonly plain: Uint8Array;
  /** Token bytes by id (undefined for ineligible tokens). */
  readonly bytes: readonly (Uint8Array | undefined)[];
  readonly eog: Int32Array;
}

const tries = new WeakMap<VocabTexts, TokenTrie>();

function isPlain(b: number): boolean {
  return b >= 0x20 && b < 0x80 && b !== 0x22 && b !== 0x5c;
}

/** The trie of `vocab` (memoised). */
export function tokenTrie(vocab: VocabTexts): TokenTrie {
  const hit = tries.get(vocab);
  if (hit) return hit;
  const n = vocab.size;
  const bytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(n);
  const keys: string[] = new Array<string>(n);
  const ids: number[] = [];
  const eog: number[] = [];
  for (let id = 0; id < n; id++) {
    if (vocab.isEog(id)) {
      eog.push(id);
      continue;
    }
    if (vocab.isSpecial(id)) continue;
    const b = vocab.bytes(id);
    if (b.length === 0) continue;
    bytes[id] = b;
    // Latin-1 code units compare like bytes, so sorting these strings sorts by bytes.
    keys[id] = String.fromCharCode.apply(null, b as unknown as number[]);
    ids.push(id);
  }
  ids.sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b));
  const order = Int32Array.from(ids);

  const firstChild: number[] = [-1];
  const lastChild: number[] = [-1];
  const nextSibling: number[] = [-1];
  const edge: number[] = [0];
  const start: number[] = [0];
  const end: number[] = [order.length];
  const term: number[] = [0];
  const depth: number[] = [0];
  // Deepest position of a non-plain byte below the node, over its subtree.
  const lastBad: number[] = [-1];
  const path: number[] = [0];
  let prev: Uint8Array = new Uint8Array(0);
  const pop = (i: number) => {
    const node = path.pop()!;
    end[node] = i;
    const parent = path[path.length - 1];
    lastBad[parent] = Math.max(lastBad[parent], lastBad[node]);
  };
  for (let i = 0; i < order.length; i++) {
    const b = bytes[order[i]]!;
    let lcp = 0;
    while (lcp < b.length && lcp < prev.length && b[lcp] === prev[lcp]) lcp++;
    while (path.length - 1 > lcp) pop(i);
    for (let d = path.length - 1; d < b.length; d++) {
      const parent = path[path.length - 1];
      const node = edge.length;
      firstChild.push(-1);
      lastChild.push(-1);
      nextSibling.push(-1);
      edge.push(b[d]);
      start.push(i);
      end.push(-1);
      term.push(0);
      depth.push(d + 1);
      lastBad.push(-1);
      if (lastChild[parent] < 0) firstChild[parent] = node;
      else nextSibling[lastChild[parent]] = node;
      lastChild[parent] = node;
      path.push(node);
    }
    const leaf = path[path.length - 1];
    term[leaf]++;
    let bad = -1;
    for (let d = b.length - 1; d >= 0; d--) {
      if (!isPlain(b[d])) {
        bad = d;
        break;
      }
    }
    lastBad[leaf] = Math.max(lastBad[leaf], bad);
    prev = b;
  }
  while (path.length > 1) pop(order.length);
  const plain = new Uint8Array(edge.length);
  for (let i = 0; i < edge.length; i++) plain[i] = lastBad[i] < depth[i] ? 1 : 0;
  const trie: TokenTrie = {
    vocabSize: n,
    order,
    firstChild: Int32Array.from(firstChild),
    nextSibling: Int32Array.from(nextSibling),
    edge: Uint8Array.from(edge),
    start: Int32Array.from(start),
    end: Int32Array.from(end),
    term: Int32Array.from(term),
    plain,
    bytes,
    eog: Int32Array.from(eog),
  };
  tries.set(vocab, trie);
  return trie;
}
