/**
 * Parity with llama.cpp itself (node-llama-cpp's prebuilt binding, offline): the same GGUF must give
 * the same ids for `tokenize(text, parseSpecial)` and the same text for `detokenize(ids,
 * unparseSpecial)`; checked on hand-picked tricky strings and on random strings.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import fc from 'fast-check';
import type { Llama, LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLlamaOrSkip, llamaDetokenize, llamaTokenize, loadModel } from '../../test/tokenizer/llama-cpp-oracle.js';
import { writeQwenVocabGGUF } from '../../test/tokenizer/qwen-vocab-gguf.js';
import { fixturePath, ggufTokenizer, qwenTokenizer } from '../../test/tokenizer/vocab-fixtures.js';
import { openGGUF } from '../gguf/index.js';
import { type Tokenizer, tokenizerFromGGUF } from './index.js';

/** Strings that exercise every branch: Unicode, emoji, CJK, code, whitespace runs, digits, specials. */
const TRICKY = [
  'Hello world',
  ' Hello',
  '  two leading spaces',
  'trailing spaces   ',
  '',
  ' ',
  '\n',
  '\n\n\n',
  '\t\tTabs\tand\ttext',
  'a\r\nb\r\n',
  'naïve café résumé',
  'e\u0301 combining',
  '日本語のテキストです。',
  '中文测试，标点！',
  '😀🎉 emoji 👨‍👩‍👧 family',
  'function f(x) { return x * 2; } // done',
  '    indented();\n        more();',
  '1234567890 3.14159 2,718 1e-9',
  "don't I'm we'LL they're",
  '<s>',
  '</s>',
  'foo<s>bar</s>baz',
  '<unk> <s> spaced </s>',
  '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n',
  '<|endoftext|>',
  '<think>reasoning</think>',
  'mixed Ελληνικά русский العربية हिन्दी',
  '\u00a0nbsp\u3000ideographic\u2028line',
  '\ufeffBOM',
  'x\u0000y',
  '\ufffd replacement',
  '▁already escaped',
  'Ⅻ ½ ² ٣',
  'lone \ud800 surrogate',
];

const randomText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc
    .array(
      fc.constantFrom('<s>', '</s>', '<|im_start|>', '<|im_end|>', '<think>', "'s", ' ', '   ', '\n', '\r\n', '\t', 'a',
        'the', '日本', '😀', '1', '123', '.', ' ?', '\u00a0', '\ufeff', 'é', 'e\u0301'),
      { maxLength: 10 },
    )
    .map((a) => a.join('')),
);

/** Asserts our tokenizer and llama.cpp agree on `text` (encode both ways, decode both ways). */
function expectParity(model: LlamaModel, toks: readonly Tokenizer[], text: string): void {
  for (const parseSpecial of [false, true]) {
    const ref = llamaTokenize(model, text, parseSpecial);
    for (const tok of toks) expect(tok.encode(text, { parseSpecial }), `${JSON.stringify(text)} parseSpecial=${parseSpecial}`).toEqual(ref);
    const bos = model.tokens.bos;
    for (const ids of bos === null ? [ref] : [ref, [bos, ...ref]]) {
      for (const unparseSpecial of [false, true]) {
        expect(toks[0].decode(ids, { unparseSpecial }), `decode ${JSON.stringify(ids)}`).toBe(llamaDetokenize(model, ids, unparseSpecial));
      }
    }
  }
}

// Top-level await so that a missing binding skips the suites (with a printed reason) at collection.
const llama: Llama | undefined = await getLlamaOrSkip();

afterAll(async () => {
  await llama?.dispose();
});

const tinyPath = fixturePath('llama-2-tiny-random.gguf');

describe.skipIf(!tinyPath || !llama)('llama.cpp parity: llama-2-tiny-random.gguf (SPM, 32k)', () => {
  let model: LlamaModel;
  let tok: Tokenizer;
  beforeAll(async () => {
    tok = tokenizerFromGGUF(openGGUF(tinyPath!));
    model = await loadModel(llama!, tinyPath!);
  });
  afterAll(async () => {
    await model?.dispose();
  });

  it.each(TRICKY.map((t) => [JSON.stringify(t), t]))('same ids and text as llama.cpp for %s', (_name, text) => {
    expectParity(model, [tok], text);
  });

  it('SPM tokenizer: equals llama.cpp on random text [F-TOK-9]', () => {
    fc.assert(fc.property(randomText, (s) => expectParity(model, [tok], s)), { numRuns: 300 });
  });

  it('BOS/EOS/EOG agree with llama.cpp', () => {
    expect([tok.bos, tok.eos, tok.eot]).toEqual([model.tokens.bos, model.tokens.eos, model.tokens.eot]);
    for (let id = 0; id < tok.vocabSize; id += 97) expect(tok.isEog(id)).toBe(model.isEogToken(id as never));
    expect(tok.isEog(2)).toBe(model.isEogToken(2 as never));
  });
});

describe.skipIf(!llama)('llama.cpp parity: Qwen2 vocabulary (byte-level BPE, 151k)', () => {
  let model: LlamaModel;
  let fromGguf: Tokenizer;
  let fromHf: Tokenizer;
  let path: string;
  beforeAll(async () => {
    path = writeQwenVocabGGUF();
    fromGguf = tokenizerFromGGUF(openGGUF(path));
    fromHf = qwenTokenizer();
    model = await loadModel(llama!, path, true);
  });
  afterAll(async () => {
    await model?.dispose();
    rmSync(dirname(path), { recursive: true, force: true });
  });

  it('tricky strings: GGUF and tokenizer.json tokenizers equal llama.cpp', () => {
    for (const text of TRICKY) expectParity(model, [fromGguf, fromHf], text);
  });

  it('BPE tokenizer: equals llama.cpp on random text [F-TOK-10]', () => {
    fc.assert(fc.property(randomText, (s) => expectParity(model, [fromGguf, fromHf], s)), { numRuns: 300 });
  });

  it('EOG set agrees with llama.cpp', () => {
    expect(fromGguf.eot).toBe(model.tokens.eot);
    for (let id = 151600; id < fromGguf.vocabSize; id++) expect(fromGguf.isEog(id), `id ${id}`).toBe(model.isEogToken(id as never));
  });
});

const gpt2 = ggufTokenizer('ggml-vocab-gpt-2.gguf');

describe.skipIf(!gpt2 || !llama)('llama.cpp parity: ggml-vocab-gpt-2.gguf (clean_spaces on)', () => {
  let model: LlamaModel;
  beforeAll(async () => {
    model = await loadModel(llama!, gpt2!.file.source, true);
  });
  afterAll(async () => {
    await model?.dispose();
  });

  it('GPT-2 tokenizer: equals llama.cpp on tricky and random text [F-TOK-11]', () => {
    for (const text of [...TRICKY, "Hello , world . It ' s fine ! Isn 't it ? we 're", " 're ' "]) expectParity(model, [gpt2!.tok], text);
    fc.assert(fc.property(randomText, (s) => expectParity(model, [gpt2!.tok], s)), { numRuns: 200 });
  });
});
