/**
 * Streaming detokenization: bytes of each token's piece go through a streaming UTF-8 decoder, so a
 * character split across tokens (emoji, CJK in byte-fallback or byte-level tokens) is emitted only
 * once complete. When the vocabulary cleans spaces (` ?` → `?`), text that a later token could
 * still change (a space among the last few characters, and what follows it) is held back too.
 */
import { type PieceTable, cleanSpaces } from './detokenize.js';
import type { DecodeOptions, StreamDecoder } from './tokenizer.js';

/** What the stream decoder needs from its tokenizer. */
export interface StreamDecoderHost {
  readonly pieces: PieceTable;
  readonly bos: number | null;
  readonly eos: number | null;
  readonly addBosFlag: boolean;
  readonly addEosFlag: boolean;
  readonly addSpacePrefix: boolean;
  readonly cleanSpacesDefault: boolean;
  checkId(id: number, where: string): void;
}

/**
 * Where `pending` can be cut so that everything before the cut is final: every clean-up pattern
 * starts with a space and spans at most four characters, so a space within three characters before
 * the cut (or the end) might still begin a match and moves the cut back to it. Surrogate pairs are
 * never split.
 */
function safeCut(pending: string): number {
  let c = pending.length;
  for (;;) {
    if (c <= 0) return 0;
    const lo = Math.max(0, c - 3);
    const space = pending.lastIndexOf(' ', c - 1);
    if (space >= lo) {
      c = pending.indexOf(' ', lo);
      continue;
    }
    const u = pending.charCodeAt(c);
    if (u >= 0xdc00 && u <= 0xdfff) {
      c--;
      continue;
    }
    return c;
  }
}

/** The {@link StreamDecoder} of a tokenizer (see `Tokenizer.createStreamDecoder`). */
export class TokenStreamDecoder implements StreamDecoder {
  private utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
  private index = 0;
  private removeSpace: boolean;
  private heldEos: { lstrip: boolean } | undefined;
  private pending = '';
  private readonly removeSpecial: boolean;
  private readonly unparseSpecial: boolean;
  private readonly clean: boolean;

  constructor(
    private readonly host: StreamDecoderHost,
    opts: DecodeOptions = {},
  ) {
    this.removeSpecial = opts.removeSpecial ?? false;
    this.unparseSpecial = opts.unparseSpecial ?? false;
    this.clean = opts.cleanSpaces ?? host.cleanSpacesDefault;
    this.removeSpace = host.addSpacePrefix;
  }

  push(id: number): string {
    const h = this.host;
    h.checkId(id, 'push(id)');
    const first = this.index++ === 0;
    if (first && this.removeSpecial && h.addBosFlag && id === h.bos) {
      this.removeSpace = false;
      return '';
    }
    const lstrip = this.removeSpace;
    this.removeSpace = false;
    let text = '';
    if (this.heldEos) {
      text += this.piece(h.eos!, this.heldEos.lstrip);
      this.heldEos = undefined;
    }
    // A trailing EOS is dropped by decode(removeSpecial); we only know it was trailing at flush().
    if (this.removeSpecial && h.addEosFlag && id === h.eos) this.heldEos = { lstrip };
    else text += this.piece(id, lstrip);
    return this.release(text, false);
  }

  flush(): string {
    this.heldEos = undefined;
    const out = this.release(this.utf8.decode(), true);
    this.utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
    this.index = 0;
    this.removeSpace = this.host.addSpacePrefix;
    this.pending = '';
    return out;
  }

  private piece(id: number, lstrip: boolean): string {
    return this.utf8.decode(this.host.pieces.bytes(id, this.unparseSpecial, lstrip), { stream: true });
  }

  private release(text: string, final: boolean): string {
    if (!this.clean) return text;
    this.pending += text;
    const cut = final ? this.pending.length : safeCut(this.pending);
    if (cut === 0) return '';
    const out = cleanSpaces(this.pending.slice(0, cut));
    this.pending = this.pending.slice(cut);
    return out;
  }
}
