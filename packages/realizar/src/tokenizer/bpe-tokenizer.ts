/**
 * Byte-level BPE (`tokenizer.ggml.model = gpt2`), a port of llama.cpp's `llm_tokenizer_bpe_session`:
 * pre-tokenize into words, map each word's UTF-8 bytes to GPT-2's byte alphabet, then repeatedly
 * merge the adjacent pair with the lowest merge rank (leftmost on ties). Results are cached per
 * word, which is what makes long inputs cheap: natural text repeats its words.
 */
import { byteToUnicode } from './byte-unicode.js';
import { preTokenize } from './pre-tokenizer.js';
import { PriorityQueue } from './priority-queue.js';
import type { Vocab } from './vocab.js';

interface BpeSymbol {
  prev: number;
  next: number;
  start: number;
  len: number;
}

interface BpeBigram {
  left: number;
  right: number;
  text: string;
  rank: number;
}

/** Cached words at most; the cache is dropped wholesale when full (cheap, and bounds memory). */
const CACHE_LIMIT = 65536;

/** Byte-level encoding of a word: UTF-8 bytes, each replaced by its alphabet character. */
function byteEncode(word: string): string {
  let s = '';
  for (let i = 0; i < word.length; i++) {
    let c = word.charCodeAt(i);
    if (c < 0x80) {
      s += byteToUnicode(c);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < word.length) {
      const d = word.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        i++;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // lone surrogate: what llama.cpp makes of bad UTF-8
    if (c < 0x800) s += byteToUnicode(0xc0 | (c >> 6)) + byteToUnicode(0x80 | (c & 63));
    else if (c < 0x10000) {
      s += byteToUnicode(0xe0 | (c >> 12)) + byteToUnicode(0x80 | ((c >> 6) & 63)) + byteToUnicode(0x80 | (c & 63));
    } else {
      s +=
        byteToUnicode(0xf0 | (c >> 18)) +
        byteToUnicode(0x80 | ((c >> 12) & 63)) +
        byteToUnicode(0x80 | ((c >> 6) & 63)) +
        byteToUnicode(0x80 | (c & 63));
    }
  }
  return s;
}

/** The BPE algorithm bound to one vocabulary, with its word cache. */
export class BpeTokenizer {
  private readonly cache = new Map<string, readonly number[]>();

  constructor(private readonly vocab: Vocab) {}

  /** Tokenizes one raw-text fragment and appends the ids to `out`. */
  tokenize(text: string, out: number[]): void {
    for (const word of preTokenize(text, this.vocab.pre!.regexes)) {
      let ids = this.cache.get(word);
      if (ids === undefined) {
        ids = this.tokenizeWord(byteEncode(word));
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(word, ids);
      }
      for (const id of ids) out.push(id);
    }
  }

  /** Merges one byte-encoded word. */
  private tokenizeWord(word: string): number[] {
    const { tokenToId, bpeRanks } = this.vocab;
    const out: number[] = [];
    if (this.vocab.ignoreMerges) {
      const id = tokenToId.get(word);
      if (id !== undefined) return [id];
    }
    const symbols: BpeSymbol[] = [];
    for (let i = 0; i < word.length; ) {
      const c = word.charCodeAt(i);
      const len = c >= 0xd800 && c <= 0xdbff && i + 1 < word.length ? 2 : 1;
      symbols.push({ prev: symbols.length - 1, next: i + len < word.length ? symbols.length + 1 : -1, start: i, len });
      i += len;
    }
    const queue = new PriorityQueue<BpeBigram>((a, b) => a.rank < b.rank || (a.rank === b.rank && a.left < b.left));
    const tryAdd = (left: number, right: number) => {
      if (left === -1 || right === -1) return;
      const l = symbols[left];
      const r = symbols[right];
      const lt = word.substr(l.start, l.len);
      const rt = word.substr(r.start, r.len);
      const rank = bpeRanks.get(`${lt} ${rt}`);
      if (rank === undefined) return;
      queue.push({ left, right, text: lt + rt, rank });
    };
    for (let i = 1; i < symbols.length; i++) tryAdd(i - 1, i);
    for (let bg = queue.pop(); bg !== undefined; bg = queue.pop()) {
      const l = symbols[bg.left];
      const r = symbols[bg.right];
      if (l.len === 0 || r.len === 0) continue;
      // Skip pairs invalidated by an earlier merge.
      if (l.len + r.len !== bg.text.length || word.substr(l.start, l.len + r.len) !== bg.text || l.next !== bg.right) continue;
      l.len += r.len;
      r.len = 0;
      l.next = r.next;
      if (r.next >= 0) symbols[r.next].prev = bg.left;
      tryAdd(l.prev, bg.left);
      tryAdd(bg.left, l.next);
    }
    for (let i = symbols.length > 0 ? 0 : -1; i !== -1; i = symbols[i].next) {
      const s = symbols[i];
      const piece = word.substr(s.start, s.len);
      const id = tokenToId.get(piece);
      if (id !== undefined) {
        out.push(id);
        continue;
      }
      // llama.cpp looks up each UTF-8 byte of the piece as a one-byte token; only ASCII bytes can
      // match, the rest are dropped (this only happens with incomplete vocabularies).
      for (let j = 0; j < piece.length; j++) {
        const c = piece.charCodeAt(j);
        const bid = c < 0x80 ? tokenToId.get(piece[j]) : undefined;
        if (bid !== undefined) out.push(bid);
      }
    }
    return out;
  }
}
