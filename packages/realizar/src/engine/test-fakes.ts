/**
 * Deterministic fakes of a model session and tokenizers, for the engine's tests (not exported from
 * the package). The session's "model" is a function of the tokens in its KV cache.
 */

import type { ChatTokenizer, LogitsSession, StreamDecoder } from './types.js';

/** Picks the next token from the cache contents, or returns raw logits. */
export type FakeModel = (history: readonly number[]) => number | Float32Array;

/** A session whose logits are one-hot (10 vs 0) at the token `model(history)` chooses. */
export class FakeSession implements LogitsSession {
  readonly history: number[] = [];
  readonly calls: number[][] = [];
  resets = 0;
  truncations: number[] = [];

  constructor(
    private readonly vocabSize: number,
    private readonly model: FakeModel,
    readonly contextLength?: number,
  ) {}

  get position(): number {
    return this.history.length;
  }

  forward(tokens: readonly number[]): Float32Array {
    if (this.contextLength !== undefined && this.history.length + tokens.length > this.contextLength) {
      throw new Error(`fake context overflow: ${this.history.length} + ${tokens.length} > ${this.contextLength}`);
    }
    this.calls.push([...tokens]);
    this.history.push(...tokens);
    const next = this.model(this.history);
    if (next instanceof Float32Array) return next;
    const logits = new Float32Array(this.vocabSize);
    logits[next] = 10;
    return logits;
  }

  reset(): void {
    this.history.length = 0;
    this.resets++;
  }

  truncate(position: number): void {
    this.history.length = position;
    this.truncations.push(position);
  }
}

/** A session without `truncate`, to exercise the reset path. */
export class NoTruncateSession extends FakeSession {
  override truncate = undefined as unknown as (p: number) => void;
}

/**
 * Byte-level fake tokenizer: ids 0..255 are bytes, 256 = BOS, 257 = EOS (the only EOG), 258 = EOT.
 * Its stream decoder releases only complete UTF-8 characters, like the real one.
 */
export class ByteTokenizer {
  readonly vocabSize = 259;
  readonly bos = 256;
  readonly eos = 257;
  readonly eot = 258;
  readonly addBos = true;

  isEog(id: number): boolean {
    return id === this.eos;
  }

  encodeBytes(text: string): number[] {
    return Array.from(new TextEncoder().encode(text));
  }

  createStreamDecoder(): StreamDecoder {
    const td = new TextDecoder('utf-8');
    return {
      push: (id) => (id < 256 ? td.decode(Uint8Array.of(id), { stream: true }) : ''),
      flush: () => td.decode(),
    };
  }
}

/**
 * Character-level fake chat tokenizer: ids 0..7 are specials (`<s>`, `</s>`, `<|im_start|>`,
 * `<|im_end|>`), a character c is id `c.codePointAt(0) + 8`. `<|im_end|>` and `</s>` are EOG.
 */
export class CharTokenizer implements ChatTokenizer {
  static readonly SPECIALS = ['<s>', '</s>', '<|im_start|>', '<|im_end|>'];
  readonly bos = 0;
  readonly eos = 1;
  readonly imStart = 2;
  readonly imEnd = 3;
  readonly vocabSize = 8 + 0x3000;

  constructor(readonly addBos = false) {}

  isEog(id: number): boolean {
    return id === this.eos || id === this.imEnd;
  }

  encode(text: string, opts: { addSpecial?: boolean; parseSpecial?: boolean } = {}): number[] {
    const ids: number[] = opts.addSpecial && this.addBos ? [this.bos] : [];
    let i = 0;
    outer: while (i < text.length) {
      if (opts.parseSpecial) {
        for (let s = 0; s < CharTokenizer.SPECIALS.length; s++) {
          if (text.startsWith(CharTokenizer.SPECIALS[s], i)) {
            ids.push(s);
            i += CharTokenizer.SPECIALS[s].length;
            continue outer;
          }
        }
      }
      const cp = text.codePointAt(i)!;
      ids.push(cp + 8);
      i += cp > 0xffff ? 2 : 1;
    }
    return ids;
  }

  tokenText(id: number): string {
    return id < 8 ? (CharTokenizer.SPECIALS[id] ?? '') : String.fromCodePoint(id - 8);
  }

  createStreamDecoder(): StreamDecoder {
    return { push: (id) => (id < 8 ? '' : String.fromCodePoint(id - 8)), flush: () => '' };
  }
}

/** A model that replays `script` (token ids) after the prompt, then emits `end` forever. */
export function scripted(promptLength: number, script: readonly number[], end: number): FakeModel {
  return (h) => script[h.length - promptLength] ?? end;
}
