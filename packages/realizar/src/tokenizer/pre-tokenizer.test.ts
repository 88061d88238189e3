/** Pre-tokenizer splitting: the patterns of llama.cpp's qwen2, llama3, gpt-2 and default types. */
import { describe, expect, it } from 'vitest';
import { preTokenizerInfo } from './pre-tokenizer-table.js';
import { preTokenize, toJsRegexSource } from './pre-tokenizer.js';

const split = (pre: string, text: string) => preTokenize(text, preTokenizerInfo(pre)!.regexes);

describe('pre-tokenizers', () => {
  it('qwen2: single digits, contractions, space-prefixed words, newline runs', () => {
    expect(split('qwen2', "Hello world's 2024!\n\n  x")).toEqual(['Hello', ' world', "'s", ' ', '2', '0', '2', '4', '!\n\n', ' ', ' x']);
    expect(split('qwen2', "I'LL")).toEqual(['I', "'LL"]);
  });

  it('llama3: digits in groups of three', () => {
    expect(split('llama3', '1234567 x')).toEqual(['123', '456', '7', ' x']);
  });

  it('gpt-2: letters, numbers and punctuation runs each take one leading space', () => {
    // A contraction only splits off where a new match starts: here the apostrophe joins the run.
    expect(split('gpt-2', "Hello  world 123 ?!'s it's")).toEqual(['Hello', ' ', ' world', ' 123', " ?!'", 's', ' it', "'s"]);
  });

  it('default: four patterns in sequence', () => {
    expect(split('default', 'a+b=1234')).toEqual(['a', '+', 'b', '=', '123', '4']);
  });

  it("uses llama.cpp's whitespace set (U+0085 yes, U+FEFF no)", () => {
    expect(toJsRegexSource('\\s+')).not.toContain('\\s');
    expect(split('qwen2', 'a\u0085\u0085b')).toEqual(['a', '\u0085', '\u0085b']);
    expect(split('qwen2', 'a\ufeffb')).toEqual(['a', '\ufeffb']);
  });

  it('expands (?i:...) groups for the JavaScript engine', () => {
    expect(toJsRegexSource("(?i:'s|'t)")).toBe("(?:'[sS]|'[tT])");
  });

  it('knows the common names and rejects unknown ones', () => {
    for (const n of ['default', '', 'gpt-2', 'qwen2', 'llama3', 'llama-bpe', 'deepseek-llm', 'deepseek-coder', 'deepseek-v3']) {
      expect(preTokenizerInfo(n), n).toBeDefined();
    }
    expect(preTokenizerInfo('no-such-pre')).toBeUndefined();
  });
});
