import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Sampler } from '../sampler/sampler.js';
import { ContextBudgetError, GenerateOptionsError } from './errors.js';
import { collectGeneration, generate, type GenerateChunk, type GenerateOptions, type GenerateResult } from './generate.js';
import { ByteTokenizer, FakeSession, scripted } from './test-fakes.js';

const tok = new ByteTokenizer();
const greedy = { temperature: 0 };

async function run(
  session: FakeSession,
  prompt: number[],
  opts: Partial<GenerateOptions> = {},
): Promise<{ chunks: GenerateChunk[]; result: GenerateResult }> {
  const chunks: GenerateChunk[] = [];
  const gen = generate(session, tok, prompt, { maxTokens: 100, sampling: greedy, ...opts });
  for (;;) {
    const n = await gen.next();
    if (n.done) return { chunks, result: n.value };
    chunks.push(n.value);
  }
}

/** A session that, after `prompt`, emits the UTF-8 bytes of `text`, then EOS. */
function textSession(prompt: number[], text: string, ctx?: number): FakeSession {
  return new FakeSession(tok.vocabSize, scripted(prompt.length, tok.encodeBytes(text), tok.eos), ctx);
}

describe('generate', () => {
  it('prefills once, decodes one token per forward, stops at EOG without showing it', async () => {
    const prompt = [tok.bos, ...tok.encodeBytes('Q:')];
    const s = textSession(prompt, 'hi!');
    const { chunks, result } = await run(s, prompt);
    expect(s.calls[0]).toEqual(prompt);
    expect(s.calls.slice(1)).toEqual([[104], [105], [33]]); // the EOS is sampled but never fed
    expect(chunks.map((c) => c.text)).toEqual(['h', 'i', '!', '']);
    expect(result.text).toBe('hi!');
    expect(result.tokens).toEqual([104, 105, 33, tok.eos]);
    expect(result.promptTokens).toEqual(prompt);
    expect(result.stopReason).toBe('eog');
    expect(result.timings.promptTokenCount).toBe(3);
    expect(result.timings.generatedTokenCount).toBe(4);
    expect(result.timings.promptMs).toBeGreaterThanOrEqual(0);
    expect(result.timings.tokensPerSec).toBeGreaterThanOrEqual(0);
    expect(result.timings.loadMs).toBeUndefined();
  });

  it('stops at maxTokens (length); maxTokens 0 only prefills', async () => {
    const prompt = [tok.bos];
    const { result } = await run(textSession(prompt, 'abcdef'), prompt, { maxTokens: 3, loadMs: 12 });
    expect([result.text, result.stopReason, result.tokens.length, result.timings.loadMs]).toEqual(['abc', 'length', 3, 12]);
    const s = textSession(prompt, 'abc');
    const zero = await run(s, prompt, { maxTokens: 0 });
    expect([zero.result.tokens.length, zero.result.stopReason, s.calls.length]).toEqual([0, 'length', 1]);
  });

  it('cuts at a stop string spanning tokens and never shows its beginning', async () => {
    const prompt = [tok.bos];
    const { chunks, result } = await run(textSession(prompt, 'Sure.<|end|>more'), prompt, { stop: ['<|end|>'] });
    expect(result.text).toBe('Sure.');
    expect(result.stopReason).toBe('stop');
    expect(result.stopString).toBe('<|end|>');
    expect(chunks.map((c) => c.text).join('')).toBe('Sure.');
    expect(chunks.every((c) => !c.text.includes('<'))).toBe(true);
  });

  it('releases held-back text when the stop string does not complete', async () => {
    const prompt = [tok.bos];
    const { chunks, result } = await run(textSession(prompt, 'a<|en'), prompt, { stop: ['<|end|>'] });
    expect(chunks.map((c) => c.text)).toEqual(['a', '', '', '', '', '<|en']); // released with the EOS chunk
    expect(result.text).toBe('a<|en');
    expect(result.stopReason).toBe('eog');
    const capped = await run(textSession(prompt, 'a<|end'), prompt, { stop: ['<|end|>'], maxTokens: 3 });
    expect(capped.result.text).toBe('a<|');
  });

  it('stops at a stop token id', async () => {
    const prompt = [tok.bos];
    const { result } = await run(textSession(prompt, 'ab\ncd'), prompt, { stopTokens: [10] });
    expect([result.text, result.stopReason, result.tokens]).toEqual(['ab', 'stop', [97, 98, 10]]);
  });

  it('aborts between tokens, and before the prefill', async () => {
    const prompt = [tok.bos];
    const ac = new AbortController();
    const s = textSession(prompt, 'abcdefgh');
    const { result } = await run(s, prompt, {
      signal: ac.signal,
      onToken: (c) => c.token === 99 && ac.abort(),
    });
    expect([result.text, result.stopReason]).toEqual(['abc', 'abort']);
    expect(s.calls.length).toBe(3); // prefill + 'a' + 'b'; 'c' was sampled, then the abort
    const s2 = textSession(prompt, 'abc');
    const early = await run(s2, prompt, { signal: AbortSignal.abort() });
    expect([early.result.stopReason, early.result.tokens.length, s2.calls.length]).toEqual(['abort', 0, 0]);
  });

  it('checks the context budget up front with a message that names the fix', async () => {
    const prompt = [tok.bos, 1, 2, 3];
    const s = textSession(prompt, 'abcdefghij', 10);
    const err = await run(s, prompt, { maxTokens: 7 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContextBudgetError);
    expect((err as ContextBudgetError).maxTokensAllowed).toBe(6);
    expect((err as Error).message).toMatch(/4 prompt tokens \+ --max-tokens 7 = 11 tokens exceed the context of 10: use --max-tokens ≤ 6 or a larger --ctx \(≥ 11\)/);
    expect(s.calls.length).toBe(0);
    const full = await run(s, prompt, { maxTokens: -1 });
    expect([full.result.text, full.result.stopReason]).toEqual(['abcdef', 'length']);
    const tooLong = await run(textSession([], '', 3), [1, 2, 3], { maxTokens: 1 }).catch((e: Error) => e.message);
    expect(tooLong).toMatch(/3 prompt tokens do not fit in the context of 3 tokens.*larger --ctx \(> 3\)/);
  });

  it('rejects an empty prompt and a bad maxTokens', async () => {
    await expect(run(textSession([], 'a'), [])).rejects.toThrow(GenerateOptionsError);
    await expect(run(textSession([1], 'a'), [1], { maxTokens: 1.5 })).rejects.toThrow(/maxTokens must be an integer/);
  });

  it('yields to the event loop between tokens', async () => {
    const prompt = [tok.bos];
    let fired = -1;
    let seen = 0;
    setImmediate(() => (fired = seen));
    const gen = generate(textSession(prompt, 'abcdefgh'), tok, prompt, { maxTokens: 8, sampling: greedy });
    for (;;) {
      const n = await gen.next(); // microtask-only consumer: only the generator's yields let the immediate run
      if (n.done) break;
      seen++;
    }
    expect(fired).toBeGreaterThanOrEqual(0);
    expect(fired).toBeLessThan(8);
  });

  it('feeds the prompt to the sampler penalties and reproduces with a seed', async () => {
    const prompt = [tok.bos, 120];
    const prefersX = (): Float32Array => Float32Array.from({ length: tok.vocabSize }, (_, i) => (i === 120 ? 2 : i === 121 ? 1.5 : 0));
    const s = new FakeSession(tok.vocabSize, prefersX);
    const r = await collectGeneration(generate(s, tok, prompt, { maxTokens: 1, sampling: { temperature: 0, repeatPenalty: 2 } }));
    expect(r.tokens).toEqual([121]);
    const noisy = (h: readonly number[]): Float32Array => Float32Array.from({ length: tok.vocabSize }, (_, i) => Math.sin(i * (h.length + 1)));
    const once = () => collectGeneration(generate(new FakeSession(tok.vocabSize, noisy), tok, prompt, { maxTokens: 20, sampling: { seed: 42, temperature: 1.2 } }));
    const [a, b] = [await once(), await once()];
    expect(a.tokens).toEqual(b.tokens);
    expect(a.seed).toBe(42);
    const shared = new Sampler({ seed: 1 });
    expect((await collectGeneration(generate(new FakeSession(tok.vocabSize, noisy), tok, prompt, { maxTokens: 2, sampling: shared }))).seed).toBe(1);
  });
});

describe('generate properties', () => {
  it('generate: chunks concatenate to the text cut before the earliest stop string, and no chunk splits a character [F-GEN-1]', async () => {
    const alphabet = fc.constantFrom('a', 'b', '<', '|', '>', 'é', '€', '😀', '\n');
    const textArb = fc.array(alphabet, { maxLength: 30 }).map((xs) => xs.join(''));
    const stopArb = fc.array(fc.array(alphabet, { minLength: 1, maxLength: 4 }).map((xs) => xs.join('')), { maxLength: 3 });
    await fc.assert(
      fc.asyncProperty(textArb, stopArb, fc.integer({ min: 1, max: 200 }), async (text, stop, maxTokens) => {
        const prompt = [tok.bos];
        const { chunks, result } = await run(textSession(prompt, text), prompt, { stop, maxTokens });
        const bytes = tok.encodeBytes(text);
        let expected = new TextDecoder().decode(Uint8Array.from(bytes.slice(0, maxTokens)));
        let cut = -1;
        for (const s of stop) {
          const i = expected.indexOf(s);
          if (i >= 0 && (cut < 0 || i < cut)) cut = i;
        }
        if (cut >= 0) expected = expected.slice(0, cut);
        expect(chunks.map((c) => c.text).join('')).toBe(expected);
        expect(result.text).toBe(expected);
        expect(result.tokens.length).toBe(chunks.length);
        const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
        for (const c of chunks) {
          expect(loneSurrogate.test(c.text)).toBe(false);
          // U+FFFD only from the final flush, when maxTokens cut a character's bytes short.
          if (c !== chunks.at(-1)) expect(c.text.includes('\uFFFD')).toBe(false);
        }
        expect(result.stopReason).toBe(cut >= 0 ? 'stop' : bytes.length < maxTokens ? 'eog' : 'length');
      }),
      { numRuns: 200 },
    );
  });
});
