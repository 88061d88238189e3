/**
 * Falsifiable properties of the tokenizers (F-TOK-n): round trips, id ranges, and the streaming
 * decoder's agreement with `decode`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tinySpmTokenizer } from '../../test/tokenizer/synthetic-vocab.js';
import { ggufTokenizer, qwenTokenizer } from '../../test/tokenizer/vocab-fixtures.js';
import type { DecodeOptions, Tokenizer } from './index.js';
import { preTokenize } from './pre-tokenizer.js';
import { RE_GPT2, RE_LLAMA3, RE_QWEN2 } from './regex-split-custom.js';
import { toWellFormed } from './unicode.js';

const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc
    .array(fc.constantFrom(' ', '   ', '\n', '\t', '\r\n', 'a', 'The', '日本語', '😀', '👨‍👩‍👧', '123', "'s", '?', '<think>', '<s>', 'é', 'e\u0301'), {
      maxLength: 16,
    })
    .map((a) => a.join('')),
);

/** Streams `ids` through a fresh decoder, returning the chunks (the last is flush()). */
function streamChunks(tok: Tokenizer, ids: readonly number[], opts?: DecodeOptions): string[] {
  const d = tok.createStreamDecoder(opts);
  const chunks = ids.map((id) => d.push(id));
  chunks.push(d.flush());
  return chunks;
}

const spm = ggufTokenizer('ggml-vocab-llama-spm.gguf')?.tok;
const gpt2 = ggufTokenizer('ggml-vocab-gpt-2.gguf')?.tok;
const qwen = qwenTokenizer();
const all: [string, Tokenizer | undefined][] = [
  ['qwen2', qwen],
  ['llama-spm', spm],
  ['gpt-2', gpt2],
];

describe('round trips', () => {
  it('BPE tokenizer: decode(encode(s)) == s for any Unicode string [F-TOK-1]', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        expect(qwen.decode(qwen.encode(s))).toBe(toWellFormed(s));
      }),
      { numRuns: 400 },
    );
  });

  it.skipIf(!spm)('SPM tokenizer: decode(encode(s)) == s, and " " + s after BOS [F-TOK-2]', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const w = toWellFormed(s);
        expect(spm!.decode(spm!.encode(s))).toBe(w);
        // With BOS the first-token space strip falls on BOS, so the dummy-prefix space shows.
        expect(spm!.decode(spm!.encode(s, { addSpecial: true }))).toBe(w === '' ? '' : ` ${w}`);
      }),
      { numRuns: 300 },
    );
  });

  it.skipIf(!gpt2)('GPT-2 tokenizer: decode without space clean-up round-trips [F-TOK-3]', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        expect(gpt2!.decode(gpt2!.encode(s), { cleanSpaces: false })).toBe(toWellFormed(s));
      }),
      { numRuns: 300 },
    );
  });
});

describe('id range', () => {
  it('tokenizer: every id encode returns is in [0, vocabSize) [F-TOK-4]', () => {
    for (const [name, tok] of all) {
      if (!tok) continue;
      fc.assert(
        fc.property(anyText, fc.boolean(), fc.boolean(), (s, addSpecial, parseSpecial) => {
          for (const id of tok.encode(s, { addSpecial, parseSpecial })) {
            expect(Number.isInteger(id) && id >= 0 && id < tok.vocabSize, `${name} id ${id}`).toBe(true);
          }
        }),
        { numRuns: 150 },
      );
    }
  });
});

describe('streaming', () => {
  it('stream decoder: chunks concatenate to decode(ids) for any ids and options [F-TOK-5]', () => {
    for (const [name, tok] of [...all, ['tiny-spm-eos', tinySpmTokenizer({ addEos: true })] as const]) {
      if (!tok) continue;
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 0, max: tok.vocabSize - 1 }), { maxLength: 40 }),
          fc.record({ removeSpecial: fc.boolean(), unparseSpecial: fc.boolean(), cleanSpaces: fc.boolean() }),
          (ids, opts) => {
            expect(streamChunks(tok, ids, opts).join(''), name).toBe(tok.decode(ids, opts));
          },
        ),
        { numRuns: 150 },
      );
    }
  });

  it('stream decoder: never emits half a character for valid text [F-TOK-6]', () => {
    const text = anyText.map(toWellFormed).filter((s) => !s.includes('\ufffd'));
    for (const [name, tok] of all) {
      if (!tok) continue;
      fc.assert(
        fc.property(text, (s) => {
          const ids = tok.encode(s);
          const chunks = streamChunks(tok, ids);
          for (const c of chunks) {
            expect(c.includes('\ufffd'), `${name}: U+FFFD in ${JSON.stringify(c)}`).toBe(false);
            expect(toWellFormed(c), `${name}: lone surrogate`).toBe(c);
          }
          expect(chunks.join('')).toBe(tok.decode(ids));
        }),
        { numRuns: 150 },
      );
    }
  });

  it.skipIf(!gpt2)('stream decoder: space clean-up across token boundaries equals decode [F-TOK-7]', () => {
    // Tokens that make ` ?`, ` ' `, ` 's`, ` 're` patterns straddle chunk boundaries.
    const pool = [' ', '?', '!', '.', ',', "'", 's', 'm', 're', 've', 'a', 'Hello', '  ', '😀', 'ĠĠ'].flatMap((t) => gpt2!.encode(t));
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pool), { maxLength: 30 }), (ids) => {
        expect(streamChunks(gpt2!, ids).join('')).toBe(gpt2!.decode(ids));
      }),
      { numRuns: 500 },
    );
  });
});

describe('pre-tokenizer', () => {
  it("pre-tokenizer: llama.cpp's hand-written splitters equal the regex they replace [F-TOK-8]", () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc
        .array(fc.constantFrom(' ', '  ', '\n', '\r', '\t', 'a', 'B', '1', '12345', "'s", "'LL", '.', '!?', '日本', '\u00a0', '\u0085', '\ufeff', '😀', '\u0301'), {
          maxLength: 12,
        })
        .map((a) => a.join('')),
    );
    fc.assert(
      fc.property(text, (s) => {
        // Wrapping a pattern in a group defeats the exact-string dispatch, forcing the regex engine.
        for (const re of [RE_GPT2, RE_QWEN2, RE_LLAMA3]) expect(preTokenize(s, [re])).toEqual(preTokenize(s, [`(?:${re})`]));
      }),
      { numRuns: 400 },
    );
  });
});
