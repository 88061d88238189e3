/** Errors name the key (or argument), what was expected and what was found. */
import { describe, expect, it } from 'vitest';
import { ggufWith, spmTokens, tinySpmTokenizer } from '../../test/tokenizer/synthetic-vocab.js';
import { gguf } from '../gguf/index.js';
import { TokenIdError, TokenizerConfigError, TokenizerError, tokenizerFromGGUF, tokenizerFromHFJson } from './index.js';

function configError(f: () => unknown): TokenizerConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TokenizerConfigError);
    expect(e).toBeInstanceOf(TokenizerError);
    return e as TokenizerConfigError;
  }
  throw new Error('expected a TokenizerConfigError');
}

const { tokens } = spmTokens(['▁a']);

describe('tokenizerFromGGUF errors', () => {
  it('unknown tokenizer.ggml.model', () => {
    const e = configError(() =>
      tokenizerFromGGUF(ggufWith([['tokenizer.ggml.model', gguf.str('bert')], ['tokenizer.ggml.tokens', gguf.arrStr(tokens)]])),
    );
    expect(e.key).toBe('tokenizer.ggml.model');
    expect(e.message).toMatch(/synthetic\.gguf.*tokenizer\.ggml\.model.*"bert".*'llama'.*'gpt2'/);
    expect(e.actual).toBe('"bert"');
  });

  it('missing model and missing tokens', () => {
    expect(configError(() => tokenizerFromGGUF(ggufWith([['general.name', gguf.str('x')]]))).key).toBe('tokenizer.ggml.model');
    const e = configError(() => tokenizerFromGGUF(ggufWith([['tokenizer.ggml.model', gguf.str('llama')]])));
    expect(e.key).toBe('tokenizer.ggml.tokens');
    expect(e.message).toMatch(/missing/);
  });

  it('tokens of the wrong type, and too few scores', () => {
    const wrong = configError(() =>
      tokenizerFromGGUF(ggufWith([['tokenizer.ggml.model', gguf.str('llama')], ['tokenizer.ggml.tokens', gguf.arrI32([1, 2])]])),
    );
    expect(wrong.key).toBe('tokenizer.ggml.tokens');
    const short = configError(() =>
      tokenizerFromGGUF(
        ggufWith([
          ['tokenizer.ggml.model', gguf.str('llama')],
          ['tokenizer.ggml.tokens', gguf.arrStr(tokens)],
          ['tokenizer.ggml.scores', gguf.arrF32([0, 0])],
        ]),
      ),
    );
    expect(short.key).toBe('tokenizer.ggml.scores');
    expect(short.message).toMatch(/2 entries for 260 tokens/);
  });

  it('gpt2 without merges, and an unknown pre-tokenizer', () => {
    const base = [['tokenizer.ggml.model', gguf.str('gpt2')], ['tokenizer.ggml.tokens', gguf.arrStr(['a', 'b', 'ab'])]] as const;
    expect(configError(() => tokenizerFromGGUF(ggufWith([...base]))).key).toBe('tokenizer.ggml.merges');
    const e = configError(() =>
      tokenizerFromGGUF(ggufWith([...base, ['tokenizer.ggml.merges', gguf.arrStr(['a b'])], ['tokenizer.ggml.pre', gguf.str('nope')]])),
    );
    expect(e.key).toBe('tokenizer.ggml.pre');
    expect(e.message).toMatch(/"nope".*qwen2/);
  });
});

describe('tokenizerFromHFJson errors', () => {
  it('rejects non-BPE models and non-byte-level decoders', () => {
    expect(configError(() => tokenizerFromHFJson({ model: { type: 'WordPiece' } })).key).toBe('model.type');
    const metaspace = { model: { type: 'BPE', vocab: { a: 0 }, merges: [] }, decoder: { type: 'Metaspace' } };
    expect(configError(() => tokenizerFromHFJson(metaspace)).key).toBe('decoder.type');
  });
});

describe('id range errors', () => {
  const tok = tinySpmTokenizer();
  it.each([[-1], [tok.vocabSize], [1.5], [Number.NaN]])('decode / tokenText / stream push reject id %s', (id) => {
    expect(() => tok.decode([0, id])).toThrow(TokenIdError);
    expect(() => tok.decode([0, id])).toThrow(new RegExp(`ids\\[1\\]: token id ${id} is out of range \\(expected an integer in \\[0, ${tok.vocabSize}\\)\\)`));
    expect(() => tok.tokenText(id)).toThrow(TokenIdError);
    expect(() => tok.createStreamDecoder().push(id)).toThrow(TokenIdError);
  });

  it('isEog is false for ids out of range', () => {
    expect(tok.isEog(-1)).toBe(false);
    expect(tok.isEog(1e9)).toBe(false);
  });
});
