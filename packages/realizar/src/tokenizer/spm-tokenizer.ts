/**
 * SentencePiece-style tokenization (`tokenizer.ggml.model = llama`), a port of llama.cpp's
 * `llm_tokenizer_spm_session`: start from single code points, repeatedly merge the adjacent pair
 * whose concatenation is the vocabulary token with the highest score (leftmost on ties), then emit
 * each final piece as a token or, when it is not in the vocabulary, as its UTF-8 bytes (`<0xXX>`).
 */
import { PriorityQueue } from './priority-queue.js';
import { TokenizerError } from './tokenizer-errors.js';
import { utf8Encode } from './unicode.js';
import type { Vocab } from './vocab.js';

interface SpmSymbol {
  prev: number;
  next: number;
  /** UTF-16 offset and length in the text (0 length: merged away). */
  start: number;
  len: number;
}

interface SpmBigram {
  left: number;
  right: number;
  score: number;
  len: number;
}

const HEX = '0123456789ABCDEF';

/** Byte-fallback token of one byte: `<0xXX>`, else the byte as a one-character token. */
export function spmByteToken(vocab: Vocab, b: number): number | undefined {
  return vocab.tokenToId.get(`<0x${HEX[b >> 4]}${HEX[b & 15]}>`) ?? vocab.tokenToId.get(String.fromCharCode(b));
}

/** Tokenizes one fragment (already space-escaped: ' ' → '▁') and appends ids to `out`. */
export function spmTokenize(vocab: Vocab, text: string, out: number[]): void {
  const symbols: SpmSymbol[] = [];
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    const len = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1;
    symbols.push({ prev: symbols.length - 1, next: i + len < text.length ? symbols.length + 1 : -1, start: i, len });
    i += len;
  }
  const queue = new PriorityQueue<SpmBigram>((a, b) => a.score > b.score || (a.score === b.score && a.left < b.left));
  const tryAdd = (left: number, right: number) => {
    if (left === -1 || right === -1) return;
    const s = symbols[left];
    const len = s.len + symbols[right].len;
    const id = vocab.tokenToId.get(text.substr(s.start, len));
    if (id === undefined) return;
    queue.push({ left, right, score: vocab.scores[id], len });
  };
  for (let i = 1; i < symbols.length; i++) tryAdd(i - 1, i);

  for (let bg = queue.pop(); bg !== undefined; bg = queue.pop()) {
    const l = symbols[bg.left];
    const r = symbols[bg.right];
    // Skip pairs invalidated by an earlier merge.
    if (l.len === 0 || r.len === 0 || l.len + r.len !== bg.len) continue;
    l.len += r.len;
    r.len = 0;
    l.next = r.next;
    if (r.next >= 0) symbols[r.next].prev = bg.left;
    tryAdd(l.prev, bg.left);
    tryAdd(bg.left, l.next);
  }

  // Every merged piece is a token by construction; only unmerged code points can be unknown, and
  // those fall back to bytes (llama.cpp's `resegment`).
  for (let i = symbols.length > 0 ? 0 : -1; i !== -1; i = symbols[i].next) {
    const s = symbols[i];
    const piece = text.substr(s.start, s.len);
    const id = vocab.tokenToId.get(piece);
    if (id !== undefined) {
      out.push(id);
      continue;
    }
    for (const b of utf8Encode(piece)) {
      const bt = spmByteToken(vocab, b) ?? vocab.ids.unk;
      // llama.cpp aborts when a vocabulary lacks byte tokens; we emit <unk> instead when there is one.
      if (bt === null) {
        throw new TokenizerError(`SPM vocabulary has no token <0x${HEX[b >> 4]}${HEX[b & 15]}> and no <unk>`, {
          key: 'tokenizer.ggml.tokens',
          expected: 'byte-fallback tokens <0x00>..<0xFF> or an unknown token',
          actual: 'neither',
        });
      }
      out.push(bt);
    }
  }
}
