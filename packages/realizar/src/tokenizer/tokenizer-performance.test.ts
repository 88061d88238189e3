/**
 * Time budgets for the 151k-token Qwen2 vocabulary: construction < 300 ms, encoding 10 KB of text
 * < 50 ms (best of three, after construction).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath, qwenTokenizerFiles } from '../../test/tokenizer/vocab-fixtures.js';
import { tokenizerFromHFJson } from './index.js';

describe('performance (Qwen2 vocabulary)', () => {
  const { json, config } = qwenTokenizerFiles();

  it('constructs in < 300 ms and encodes 10 KB in < 50 ms', () => {
    // A warm-up build, then the best of two, so that the budget measures our code rather than V8's
    // first-time compilation or a busy machine.
    let tok = tokenizerFromHFJson(json, config);
    let build = Infinity;
    for (let i = 0; i < 2; i++) {
      const t0 = performance.now();
      tok = tokenizerFromHFJson(json, config);
      build = Math.min(build, performance.now() - t0);
    }

    const inp = fixturePath('ggml-vocab-qwen2.gguf.inp');
    const seed = inp ? readFileSync(inp, 'utf8') : 'function main() {\n  return "héllo wörld 😀 日本語";\n}\n';
    let text = '';
    while (text.length < 10240) text += seed;
    text = text.slice(0, 10240);
    let encode = Infinity;
    for (let i = 0; i < 3; i++) {
      const t1 = performance.now();
      const ids = tok.encode(text);
      encode = Math.min(encode, performance.now() - t1);
      expect(tok.decode(ids)).toBe(text);
    }
    console.info(`qwen2 tokenizer: build ${build.toFixed(1)} ms, encode 10 KB ${encode.toFixed(2)} ms`);
    expect(build).toBeLessThan(300);
    expect(encode).toBeLessThan(50);
  });
});
