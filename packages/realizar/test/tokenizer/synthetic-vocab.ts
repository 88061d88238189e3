/**
 * Small in-memory vocabularies for unit tests: a GGUF written with realizar's writer and read back,
 * so the tests go through `tokenizerFromGGUF` exactly as a model file would.
 */
import { type GGUFValue, gguf, readGGUF, writeGGUF } from '../../src/gguf/index.js';
import { type Tokenizer, tokenizerFromGGUF } from '../../src/tokenizer/index.js';

/** A GGUF holding only the given metadata. */
export function ggufWith(entries: ReadonlyArray<readonly [string, GGUFValue]>, source = 'synthetic.gguf') {
  return readGGUF(writeGGUF({ metadata: entries, tensors: [] }), { source });
}

/** Tokens of a tiny SentencePiece vocabulary: specials, all 256 byte tokens, then a few pieces. */
export function spmTokens(pieces: readonly string[]): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types = [2, 3, 3];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(6);
  }
  const scores = tokens.map(() => 0);
  pieces.forEach((p, i) => {
    tokens.push(p);
    types.push(1);
    scores.push(-i);
  });
  return { tokens, scores, types };
}

/** A tiny SPM tokenizer with `add_eos_token` set as given (to exercise EOS handling). */
export function tinySpmTokenizer(opts: { addEos?: boolean; pieces?: readonly string[] } = {}): Tokenizer {
  const { tokens, scores, types } = spmTokens(opts.pieces ?? ['▁a', '▁b', 'ab', '▁ab', '▁', 'a', 'b', 'c', '▁c', "'", 's']);
  return tokenizerFromGGUF(
    ggufWith([
      ['tokenizer.ggml.model', gguf.str('llama')],
      ['tokenizer.ggml.tokens', gguf.arrStr(tokens)],
      ['tokenizer.ggml.scores', gguf.arrF32(scores)],
      ['tokenizer.ggml.token_type', gguf.arrI32(types)],
      ['tokenizer.ggml.add_eos_token', gguf.bool(opts.addEos ?? false)],
    ]),
  );
}
