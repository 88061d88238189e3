/**
 * llama.cpp's tokenizer test vectors (`ggml-vocab-*.gguf.inp/.out`, 46 cases each): tokenizing each
 * text with no BOS/EOS and no special parsing must give exactly the recorded ids, and detokenizing
 * the ids must give the text back.
 */
import { describe, expect, it } from 'vitest';
import { ggufTokenizer, qwenTokenizer, readVocabCases } from '../../test/tokenizer/vocab-fixtures.js';
import type { Tokenizer } from './index.js';

interface Suite {
  readonly name: string;
  readonly load: () => Tokenizer | undefined;
  /** Expected text of decode(ids) for a case text (llama.cpp detokenize semantics). */
  readonly decoded: (text: string) => string;
  /** Expected concatenation of the raw pieces (no first-token space strip, no space clean-up). */
  readonly pieces: (text: string) => string;
}

const suites: Suite[] = [
  {
    name: 'ggml-vocab-llama-spm.gguf',
    load: () => ggufTokenizer('ggml-vocab-llama-spm.gguf')?.tok,
    // llama.cpp strips the SPM dummy-prefix space from the first piece.
    decoded: (t) => t,
    pieces: (t) => (t === '' ? '' : ` ${t}`),
  },
  {
    name: 'llama-2-tiny-random.gguf',
    load: () => ggufTokenizer('llama-2-tiny-random.gguf')?.tok,
    decoded: (t) => t,
    pieces: (t) => (t === '' ? '' : ` ${t}`),
  },
  {
    name: 'ggml-vocab-gpt-2.gguf',
    load: () => ggufTokenizer('ggml-vocab-gpt-2.gguf')?.tok,
    // gpt-2 vocabularies have clean_spaces on: " ?" → "?", " 's" → "'s", ...
    decoded: (t) => t.replace(/ (?=[?!.,])/g, '').replace(/ ' /g, "'").replace(/ (?='(?:[sm]|re|ve))/g, ''),
    pieces: (t) => t,
  },
  { name: 'ggml-vocab-qwen2.gguf', load: () => qwenTokenizer(), decoded: (t) => t, pieces: (t) => t },
];

for (const suite of suites) {
  // The llama-2-tiny-random vocabulary is the llama-spm one (same tokens, scores and types).
  const vectors = suite.name === 'llama-2-tiny-random.gguf' ? 'ggml-vocab-llama-spm.gguf' : suite.name;
  const cases = readVocabCases(vectors);
  const tok = cases ? suite.load() : undefined;
  describe.skipIf(!cases || !tok)(`llama.cpp vectors: ${suite.name}`, () => {
    it('has 46 cases', () => {
      expect(cases!.length).toBe(46);
    });

    it.each(cases ?? [])('case $index: encode gives the recorded ids', ({ text, ids }) => {
      expect(tok!.encode(text)).toEqual(ids);
    });

    it('decode(ids) gives the text back (llama.cpp detokenize)', () => {
      for (const { text, ids } of cases!) expect(tok!.decode(ids), JSON.stringify(text)).toBe(suite.decoded(text));
    });

    it('the concatenated pieces give the text (SPM: with the dummy-prefix space)', () => {
      for (const { text, ids } of cases!) {
        // A leading BOS prints nothing and takes the first-token space strip, leaving every piece verbatim.
        const withBos = tok!.bos === null ? ids : [tok!.bos, ...ids];
        expect(tok!.decode(withBos, { cleanSpaces: false }), JSON.stringify(text)).toBe(suite.pieces(text));
      }
    });
  });
}
