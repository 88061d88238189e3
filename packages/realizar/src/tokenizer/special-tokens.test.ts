/**
 * Special-token behaviour (llama.cpp semantics): partitioning with/without parseSpecial, BOS/EOS
 * handling, EOG detection, and detokenization of control tokens.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tinySpmTokenizer } from '../../test/tokenizer/synthetic-vocab.js';
import { fixturePath, ggufTokenizer, qwenTokenizer } from '../../test/tokenizer/vocab-fixtures.js';

const IM_START = 151644;
const IM_END = 151645;
const ENDOFTEXT = 151643;
const THINK = 151667;

describe('Qwen2 vocabulary (tokenizer.json)', () => {
  const qwen = qwenTokenizer();

  it('reports its size and special ids', () => {
    expect(qwen.vocabSize).toBe(151669);
    expect([qwen.bos, qwen.eos, qwen.eot, qwen.addBos, qwen.addEos]).toEqual([null, IM_END, IM_END, false, false]);
  });

  it('matches control tokens only with parseSpecial', () => {
    const text = '<|im_start|>user\nhi<|im_end|>';
    const on = qwen.encode(text, { parseSpecial: true });
    expect(on[0]).toBe(IM_START);
    expect(on[on.length - 1]).toBe(IM_END);
    expect(on.slice(1, -1)).toEqual(qwen.encode('user\nhi'));
    const off = qwen.encode(text);
    expect(off).not.toContain(IM_START);
    expect(qwen.decode(off)).toBe(text);
  });

  it('always matches USER_DEFINED added tokens such as <think>', () => {
    expect(qwen.encode('a<think>b')).toEqual([...qwen.encode('a'), THINK, ...qwen.encode('b')]);
    expect(qwen.decode([THINK])).toBe('<think>');
  });

  it('prints control tokens only with unparseSpecial', () => {
    expect(qwen.decode([IM_START, ...qwen.encode('x')])).toBe('x');
    expect(qwen.decode([IM_START, ...qwen.encode('x')], { unparseSpecial: true })).toBe('<|im_start|>x');
  });

  it('marks <|im_end|>, <|endoftext|> and the FIM pad/repo/file-sep tokens as EOG', () => {
    for (const id of [IM_END, ENDOFTEXT, 151662, 151663, 151664]) expect(qwen.isEog(id), `id ${id}`).toBe(true);
    for (const id of [IM_START, THINK, 0, 151659]) expect(qwen.isEog(id), `id ${id}`).toBe(false);
  });

  it('addSpecial adds nothing when the vocabulary does not ask for BOS/EOS', () => {
    expect(qwen.encode('hello', { addSpecial: true })).toEqual(qwen.encode('hello'));
  });

  it('tokenText gives the raw vocabulary entry', () => {
    expect(qwen.tokenText(qwen.encode(' the')[0])).toBe('Ġthe');
    expect(qwen.tokenText(IM_END)).toBe('<|im_end|>');
  });
});

const spm = ggufTokenizer('ggml-vocab-llama-spm.gguf')?.tok;

describe.skipIf(!spm)('Llama 2 SentencePiece vocabulary', () => {
  it('adds BOS by default (add_bos_token) and the dummy-prefix space', () => {
    expect([spm!.bos, spm!.eos, spm!.addBos, spm!.addEos]).toEqual([1, 2, true, false]);
    const hello = spm!.encode('Hello');
    expect(spm!.tokenText(hello[0])).toBe('▁Hello');
    expect(spm!.encode('Hello', { addSpecial: true })).toEqual([1, ...hello]);
    expect(spm!.encode('', { addSpecial: true })).toEqual([1]);
    expect(spm!.encode('')).toEqual([]);
  });

  it('parses <s> only with parseSpecial, and puts the prefix space after a special token', () => {
    expect(spm!.encode('<s>Hello', { parseSpecial: true })).toEqual([1, ...spm!.encode('Hello')]);
    expect(spm!.encode('<s>Hello')).not.toContain(1);
    expect(spm!.encode('a</s>b', { parseSpecial: true })).toEqual([...spm!.encode('a'), 2, ...spm!.encode('b')]);
  });

  it('strips the leading space of the first piece, unless BOS comes first', () => {
    const ids = spm!.encode('Hello world');
    expect(spm!.decode(ids)).toBe('Hello world');
    expect(spm!.decode([1, ...ids])).toBe(' Hello world');
    expect(spm!.decode([1, ...ids], { removeSpecial: true })).toBe(' Hello world');
    expect(spm!.decode([1, ...ids, 2], { unparseSpecial: true })).toBe('<s> Hello world</s>');
  });

  it('emits byte tokens for characters outside the vocabulary', () => {
    const ids = spm!.encode('😀');
    expect(ids.map((id) => spm!.tokenText(id))).toEqual(['▁', '<0xF0>', '<0x9F>', '<0x98>', '<0x80>']);
    expect(spm!.decode(ids)).toBe('😀');
  });
});

describe('EOS handling with add_eos_token', () => {
  const tok = tinySpmTokenizer({ addEos: true });

  it('addSpecial appends EOS; removeSpecial drops a leading BOS and one trailing EOS', () => {
    const ids = tok.encode('ab', { addSpecial: true });
    expect(ids[0]).toBe(1);
    expect(ids[ids.length - 1]).toBe(2);
    expect(tok.decode(ids, { removeSpecial: true, unparseSpecial: true })).toBe(' ab');
    expect(tok.decode([...ids, 2], { removeSpecial: true, unparseSpecial: true })).toBe(' ab</s>');
    const d = tok.createStreamDecoder({ removeSpecial: true, unparseSpecial: true });
    expect(ids.map((id) => d.push(id)).join('') + d.flush()).toBe(' ab');
  });
});

const storiesPath = fixturePath('stories260K.gguf');
const expectedPath = fixturePath('stories260K.expected-greedy-200.txt');
const readmePath = fixturePath('README.md');

describe.skipIf(!storiesPath || !expectedPath || !readmePath)('stories260K vocabulary', () => {
  it("decodes llama2.c's recorded greedy ids to the recorded text", () => {
    const tok = ggufTokenizer('stories260K.gguf')!.tok;
    const readme = readFileSync(readmePath!, 'utf8');
    const block = readme.slice(readme.indexOf('(BOS excluded) are:'));
    const ids = block.slice(block.indexOf('```') + 3, block.indexOf('```', block.indexOf('```') + 3)).trim().split(/\s+/).map(Number);
    expect(ids).toHaveLength(200);
    const expected = readFileSync(expectedPath!, 'utf8');
    expect(tok.decode(ids)).toBe(expected);
    const d = tok.createStreamDecoder();
    expect(ids.map((id) => d.push(id)).join('') + d.flush()).toBe(expected);
  });
});
