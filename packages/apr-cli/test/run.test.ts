import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateModel } from '@sovereign/tools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apr } from './cli-harness.js';

const fixtures = join(import.meta.dirname, '../../../../shared/fixtures');
const stories = join(fixtures, 'stories260K.gguf');
const haveFixtures = existsSync(stories);
if (!haveFixtures) console.warn(`skipping stories260K CLI tests: ${fixtures} not found (../shared/fixtures is absent)`);

const dir = mkdtempSync(join(tmpdir(), 'apr-run-'));
const tiny = join(dir, 'tiny-q8_0.gguf');
beforeAll(async () => {
  await generateModel({ preset: 'tiny', type: 'q8_0', out: tiny, threads: 1 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('apr run', () => {
  it.skipIf(!haveFixtures)('stories260K: greedy 200 tokens from BOS print the recorded TinyStories text', async () => {
    const expected = readFileSync(join(fixtures, 'stories260K.expected-greedy-200.txt'), 'utf8');
    const r = await apr(['run', stories, '--prompt', '', '--max-tokens', '200', '--temperature', '0']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected);
    expect(r.stderr).toMatch(/eval\s+= [\d.]+ ms \/ 200 tokens/);
  });

  it.skipIf(!haveFixtures)('--json prints text, ids and llama.cpp-style timings', async () => {
    const r = await apr(['run', stories, '--prompt', 'Once upon', '-n', '12', '--temperature', '0', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.promptTokens[0]).toBe(1); // llama vocab: BOS added by default
    expect(out.tokens).toHaveLength(12);
    expect(out.timings).toMatchObject({ promptTokenCount: out.promptTokens.length, generatedTokenCount: 12 });
    for (const k of ['loadMs', 'promptMs', 'promptTokensPerSec', 'generateMs', 'tokensPerSec']) expect(out.timings[k]).toBeGreaterThan(0);
    const noBos = JSON.parse((await apr(['run', stories, '--prompt', 'Once upon', '-n', '1', '--no-bos', '--json'])).stdout);
    expect(noBos.promptTokens[0]).not.toBe(1);
  });

  it('qwen2 tiny: --chat renders the ChatML template and streams tokens; same seed, same text', async () => {
    const args = ['run', tiny, '--chat', '--prompt', 'Write hello world in Python', '-n', '8', '--seed', '7', '--json'];
    const a = JSON.parse((await apr(args)).stdout);
    const b = JSON.parse((await apr(args)).stdout);
    expect(a.promptTokens.slice(0, 3)).toEqual([151644, 8948, 198]); // <|im_start|>system\n
    expect(a.promptTokens.slice(-3)).toEqual([151644, 77091, 198]); // <|im_start|>assistant\n
    expect(a.tokens.length).toBeGreaterThan(0);
    expect(b.tokens).toEqual(a.tokens);
    expect(b.seed).toBe(7);
  });

  it('reads the prompt from stdin', async () => {
    const r = await apr(['run', tiny, '-n', '2', '--temperature', '0', '--json'], 'hi\n');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).promptTokens).toEqual([6023]); // "hi", no BOS for qwen2
  });

  it('context overflow is an explicit error, not truncation', async () => {
    const r = await apr(['run', tiny, '--prompt', 'a b c d e f g h', '-n', '100', '--ctx', '16']);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/context/i);
  });
});

describe('apr tokenize / detokenize', () => {
  it('matches llama.cpp defaults: no BOS, no special parsing unless asked', async () => {
    const plain = JSON.parse((await apr(['tokenize', tiny, 'Hello world<|im_end|>', '--json'])).stdout);
    const special = JSON.parse((await apr(['tokenize', tiny, 'Hello world<|im_end|>', '--json', '--parse-special'])).stdout);
    expect(plain.tokens.slice(0, 2)).toEqual([9707, 1879]);
    expect(plain.tokens.length).toBeGreaterThan(3);
    expect(special.tokens).toEqual([9707, 1879, 151645]);
    const text = await apr(['detokenize', tiny, '9707', '1879']);
    expect(text.stdout).toBe('Hello world\n');
    const bad = await apr(['detokenize', tiny, 'x1']);
    expect(bad.code).toBe(2);
  });
});

describe('apr chat', () => {
  it('answers each line, keeps history, handles /reset and /exit', async () => {
    const r = await apr(['chat', tiny, '-n', '3', '--temperature', '0'], 'hello\n/reset\nagain\n/exit\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(conversation cleared)');
    expect(r.stdout.match(/>>> /g)?.length).toBeGreaterThanOrEqual(4);
  });
});
