/**
 * The {@link Tokenizer} implementation: llama.cpp's `llama_vocab::impl::tokenize` and `detokenize`
 * over a built {@link Vocab}, dispatching raw text to the SPM or BPE algorithm.
 */
import { BpeTokenizer } from './bpe-tokenizer.js';
import { PieceTable, cleanSpaces } from './detokenize.js';
import { partitionSpecial } from './special-tokens.js';
import { spmTokenize } from './spm-tokenizer.js';
import { toWellFormed } from './unicode.js';
import { type StreamDecoderHost, TokenStreamDecoder } from './stream-decoder.js';
import { TokenIdError } from './tokenizer-errors.js';
import type { DecodeOptions, EncodeOptions, StreamDecoder, Tokenizer } from './tokenizer.js';
import type { Vocab, VocabType } from './vocab.js';

/** A tokenizer over a loaded vocabulary (build it with `tokenizerFromGGUF` / `tokenizerFromHFJson`). */
export class LlamaTokenizer implements Tokenizer, StreamDecoderHost {
  readonly vocabSize: number;
  readonly bos: number | null;
  readonly eos: number | null;
  readonly eot: number | null;
  readonly addBos: boolean;
  readonly addEos: boolean;
  /** `spm` or `bpe`. */
  readonly type: VocabType;
  /** @internal for the stream decoder */
  readonly pieces: PieceTable;
  /** @internal */
  readonly addBosFlag: boolean;
  /** @internal */
  readonly addEosFlag: boolean;
  /** @internal */
  readonly addSpacePrefix: boolean;
  /** @internal */
  readonly cleanSpacesDefault: boolean;
  private readonly bpe: BpeTokenizer | undefined;

  constructor(readonly vocab: Vocab) {
    this.vocabSize = vocab.size;
    this.type = vocab.type;
    this.bos = vocab.ids.bos;
    this.eos = vocab.ids.eos;
    this.eot = vocab.ids.eot;
    this.addBosFlag = vocab.addBos;
    this.addEosFlag = vocab.addEos;
    // llama.cpp asserts when asked to add a token the vocabulary lacks; we simply cannot add it.
    this.addBos = vocab.addBos && this.bos !== null;
    this.addEos = vocab.addEos && this.eos !== null;
    this.addSpacePrefix = vocab.addSpacePrefix;
    this.cleanSpacesDefault = vocab.cleanSpaces;
    this.pieces = new PieceTable(vocab);
    this.bpe = vocab.type === 'bpe' ? new BpeTokenizer(vocab) : undefined;
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    const addSpecial = opts.addSpecial ?? false;
    const v = this.vocab;
    // llama.cpp receives bytes; a lone surrogate has no UTF-8 form and its decoder yields U+FFFD.
    const frags = partitionSpecial(toWellFormed(text), v.specialCache, v.tokens, v.attrs, opts.parseSpecial ?? false);
    const out: number[] = [];
    if (addSpecial && this.addBos) out.push(this.bos!);
    if (this.bpe) {
      for (const f of frags) {
        if ('id' in f) out.push(f.id);
        else this.bpe.tokenize(f.text, out);
      }
    } else {
      // SPM: the dummy-prefix space goes before the first raw fragment and after every special token.
      let prevSpecial = true;
      for (const f of frags) {
        if ('id' in f) {
          out.push(f.id);
          prevSpecial = true;
          continue;
        }
        const raw = v.addSpacePrefix && prevSpecial ? ` ${f.text}` : f.text;
        spmTokenize(v, raw.replaceAll(' ', '\u2581'), out);
        prevSpecial = false;
      }
    }
    if (addSpecial && this.addEos) out.push(this.eos!);
    return out;
  }

  decode(ids: readonly number[], opts: DecodeOptions = {}): string {
    const removeSpecial = opts.removeSpecial ?? false;
    const special = opts.unparseSpecial ?? false;
    for (let i = 0; i < ids.length; i++) this.checkId(ids[i], `ids[${i}]`);
    let start = 0;
    let end = ids.length;
    let removeSpace = this.addSpacePrefix;
    if (removeSpecial && this.addBosFlag && end > 0 && ids[0] === this.bos) {
      removeSpace = false;
      start = 1;
    }
    if (removeSpecial && this.addEosFlag && end > start && ids[end - 1] === this.eos) end--;
    const parts: Uint8Array[] = [];
    let total = 0;
    for (let i = start; i < end; i++) {
      const b = this.pieces.bytes(ids[i], special, removeSpace);
      removeSpace = false;
      parts.push(b);
      total += b.length;
    }
    const all = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(all);
    return (opts.cleanSpaces ?? this.cleanSpacesDefault) ? cleanSpaces(text) : text;
  }

  tokenText(id: number): string {
    this.checkId(id, 'id');
    return this.vocab.tokens[id];
  }

  isEog(id: number): boolean {
    return this.vocab.eog.has(id);
  }

  createStreamDecoder(opts?: DecodeOptions): StreamDecoder {
    return new TokenStreamDecoder(this, opts);
  }

  /** @internal Throws {@link TokenIdError} unless `id` is an integer in [0, vocabSize). */
  checkId(id: number, where: string): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new TokenIdError(`${where}: token id ${id} is out of range (expected an integer in [0, ${this.vocabSize}))`, {
        key: where,
        expected: `an integer in [0, ${this.vocabSize})`,
        actual: String(id),
      });
    }
  }
}
