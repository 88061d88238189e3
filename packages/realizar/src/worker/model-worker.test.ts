import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GGMLType, selectBackend } from '@sovereign/trueno';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveChatTemplate } from '../chat/resolve-chat-template.js';
import { ChatSession } from '../engine/chat-session.js';
import { ContextBudgetError, GenerateOptionsError } from '../engine/errors.js';
import { type GenerateChunk, type GenerateOptions, type GenerateResult, generate } from '../engine/generate.js';
import { GGUFError } from '../gguf/gguf-errors.js';
import { openGGUF } from '../gguf/gguf-open.js';
import { readGGUF } from '../gguf/gguf-reader.js';
import { InvalidTokenError } from '../model/errors.js';
import { loadModel } from '../model/model.js';
import { type TestModelSpec, testModel } from '../model/test-model.js';
import { Sampler } from '../sampler/sampler.js';
import { tokenizerFromGGUF } from '../tokenizer/from-gguf.js';
import { type ModelWorker, openModelWorker } from './model-worker.js';
import { ModelWorkerClosedError } from './worker-errors.js';

const SMALL: TestModelSpec = { arch: 'qwen2', dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 128, vocab: 400, type: GGMLType.Q8_0, seed: 3 };
// ~60 ms per token on the ref backend: slow enough that an abort lands while a token is computed.
const SLOW: TestModelSpec = { arch: 'llama', dim: 512, nLayers: 4, nHeads: 8, nKvHeads: 2, ffnDim: 1536, vocab: 4096, type: GGMLType.Q8_0, seed: 5, contextLength: 1024 };
const CTX = 512;

let dir: string;
let small: { path: string; bytes: Uint8Array };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'realizar-worker-'));
  const { bytes } = testModel(SMALL);
  small = { path: join(dir, 'small.gguf'), bytes };
  writeFileSync(small.path, bytes);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The in-thread engine on the same file and backend. */
function inThread(bytes: Uint8Array, backend: string) {
  const file = readGGUF(bytes);
  const tokenizer = tokenizerFromGGUF(file);
  const model = loadModel(file, { backend: selectBackend(backend).backend });
  return { file, tokenizer, model, session: model.createSession({ contextLength: CTX }) };
}

async function drain<R>(gen: AsyncGenerator<GenerateChunk, R, void>): Promise<{ chunks: GenerateChunk[]; result: R }> {
  const chunks: GenerateChunk[] = [];
  for (;;) {
    const next = await gen.next();
    if (next.done) return { chunks, result: next.value };
    chunks.push(next.value);
  }
}

/** The deterministic fields of a result (timings differ from run to run). */
function outcome(r: GenerateResult) {
  return { text: r.text, tokens: r.tokens, promptTokens: r.promptTokens, stopReason: r.stopReason, seed: r.seed };
}

describe.each(['ref', 'auto'])('ModelWorker on the %s backend', (backend) => {
  let w: ModelWorker;
  beforeAll(async () => {
    w = await openModelWorker(small.path, { backend, contextLength: CTX });
  });
  afterAll(() => w.close());

  it('worker: info reports the model config, backend, context length and vocabulary [F-WORKER-1]', () => {
    const local = inThread(small.bytes, backend);
    expect(w.info.config).toEqual(local.model.config);
    expect(w.info.backend.name).toBe(local.model.backend.name);
    expect(w.info.contextLength).toBe(CTX);
    expect(w.info.tokenizer.vocabSize).toBe(local.tokenizer.vocabSize);
  });

  it('worker: greedy and seeded sampled generations equal the in-thread engine, token for token [F-WORKER-2]', async () => {
    const local = inThread(small.bytes, w.info.backend.name);
    const prompt = [1, 300, 301, 302, 7];
    for (const opts of [
      { maxTokens: 40, sampling: { temperature: 0, seed: 1 } },
      { maxTokens: 40, sampling: { temperature: 0.9, seed: 7, repeatPenalty: 1.1 }, stop: ['t33'] },
    ] satisfies GenerateOptions[]) {
      local.session.reset();
      const mine = await drain(generate(local.session, local.tokenizer, prompt, { ...opts, sampling: new Sampler(opts.sampling) }));
      const theirs = await drain(w.generate(prompt, opts));
      expect(theirs.chunks).toEqual(mine.chunks);
      expect(outcome(theirs.result)).toEqual(outcome(mine.result));
      expect(theirs.result.tokens.length).toBeGreaterThan(0);
    }
  });

  it('worker: text prompts are tokenized as the in-thread tokenizer does [F-WORKER-3]', async () => {
    const local = inThread(small.bytes, 'ref');
    const text = 't300 t301 hello';
    const ids = local.tokenizer.encode(text, { addSpecial: false, parseSpecial: true });
    expect(await w.tokenize(text, { parseSpecial: true })).toEqual(ids);
    expect(await w.detokenize(ids)).toBe(local.tokenizer.decode(ids));
    const bos = local.tokenizer.bos!;
    const r = await drain(w.generate(text, { maxTokens: 3, sampling: { temperature: 0 }, bos: true }));
    expect(r.result.promptTokens).toEqual([bos, ...ids]);
  });

  it('worker: chat turns equal ChatSession turns, reusing the KV cache of the previous turn [F-WORKER-4]', async () => {
    const local = inThread(small.bytes, w.info.backend.name);
    const chat = new ChatSession({ session: local.session, tokenizer: local.tokenizer, template: resolveChatTemplate(local.file, { tokenizer: local.tokenizer }).template });
    const opts = { maxTokens: 12, sampling: { temperature: 0, seed: 1 } };
    const system = { role: 'system' as const, content: 'be brief' };
    const user1 = { role: 'user' as const, content: 't310 t311' };
    const user2 = { role: 'user' as const, content: 't320' };
    const mine1 = await drain(chat.send([system, user1], opts));
    const theirs1 = await drain(w.chat([system, user1], opts));
    expect(outcome(theirs1.result)).toEqual(outcome(mine1.result));
    expect(theirs1.result.message).toEqual(mine1.result.message);
    const mine2 = await drain(chat.send(user2, opts));
    const theirs2 = await drain(w.chat([system, user1, ...(theirs1.result.message ? [theirs1.result.message] : []), user2], opts));
    expect(outcome(theirs2.result)).toEqual(outcome(mine2.result));
    expect(theirs2.result.reusedTokens).toBe(mine2.result.reusedTokens);
    expect(theirs2.result.reusedTokens).toBeGreaterThan(0);
  });

  it('worker: errors in the worker keep their class, name, message and fields [F-WORKER-5]', async () => {
    // Invalid token: thrown by Session.forward in the worker.
    const local = inThread(small.bytes, 'ref');
    const bad = [1, 5000];
    const expected = await drain(generate(local.session, local.tokenizer, bad, { maxTokens: 2 })).catch((e: Error) => e);
    expect(expected).toBeInstanceOf(InvalidTokenError);
    const got = await drain(w.generate(bad, { maxTokens: 2 })).catch((e: Error) => e);
    expect(got).toBeInstanceOf(InvalidTokenError);
    expect({ name: (got as Error).name, message: (got as Error).message }).toEqual({ name: 'InvalidTokenError', message: (expected as Error).message });
    expect((got as InvalidTokenError).token).toBe(5000);

    // Context overflow: the prompt plus maxTokens exceed the worker's context.
    const long = Array.from({ length: CTX - 4 }, (_, i) => 300 + (i % 50));
    const overflow = await drain(w.generate(long, { maxTokens: 10 })).catch((e: Error) => e);
    expect(overflow).toBeInstanceOf(ContextBudgetError);
    expect((overflow as ContextBudgetError).maxTokensAllowed).toBe(4);
    expect((overflow as Error).message).toMatch(/exceed the context of 512/);

    // Options checked in this thread: a Sampler cannot cross.
    await expect(drain(w.generate([1], { maxTokens: 1, sampling: new Sampler() as never }))).rejects.toThrow(GenerateOptionsError);

    // The worker still serves requests after errors.
    expect((await drain(w.generate([1, 2], { maxTokens: 2, sampling: { temperature: 0 } }))).result.tokens).toHaveLength(2);
  });
});

describe('ModelWorker loading, aborting and closing', () => {
  it('worker: load errors reach the caller as the in-thread loader throws them [F-WORKER-6]', async () => {
    const missing = join(dir, 'missing.gguf');
    const junk = join(dir, 'junk.gguf');
    writeFileSync(junk, Buffer.from('this is not a gguf file at all, just text'));
    for (const path of [missing, junk]) {
      let expected: Error | undefined;
      try {
        openGGUF(path);
      } catch (e) {
        expected = e as Error;
      }
      const got = await openModelWorker(path).catch((e: Error) => e);
      expect(got).toBeInstanceOf(Error);
      expect({ name: (got as Error).name, message: (got as Error).message }).toEqual({ name: expected!.name, message: expected!.message });
      if (path === junk) expect(got).toBeInstanceOf(GGUFError);
      else expect((got as NodeJS.ErrnoException).code).toBe('ENOENT');
    }
    await expect(openModelWorker(small.path, { backend: 'tpu' })).rejects.toMatchObject({ name: 'UnknownBackendError' });
  });

  it('worker: an AbortSignal stops generation within one token [F-WORKER-7]', async () => {
    const path = join(dir, 'slow.gguf');
    writeFileSync(path, testModel(SLOW).bytes);
    const w = await openModelWorker(path, { backend: 'ref', contextLength: 512 });
    try {
      const ctl = new AbortController();
      const gen = w.generate([1, 300, 301], { maxTokens: 200, sampling: { temperature: 0 }, signal: ctl.signal });
      const seen: GenerateChunk[] = [];
      let result: GenerateResult | undefined;
      for (;;) {
        const next = await gen.next();
        if (next.done) {
          result = next.value;
          break;
        }
        seen.push(next.value);
        if (seen.length === 3) ctl.abort();
      }
      expect(seen).toHaveLength(3); // nothing is yielded after the abort
      expect(result.stopReason).toBe('abort');
      // The worker read the abort at its first token boundary after it arrived: besides the 3
      // tokens seen, at most the one being computed then (and one posted before the abort left).
      expect(result.tokens.length).toBeLessThanOrEqual(5);
      expect(result.tokens.slice(0, 3)).toEqual(seen.map((c) => c.token));

      // A signal aborted up front: nothing is fed, as with the in-thread engine.
      const pre = await drain(w.generate([1, 2], { maxTokens: 5, signal: AbortSignal.abort() }));
      expect(pre.chunks).toHaveLength(0);
      expect(pre.result.stopReason).toBe('abort');

      // Leaving the loop early (break) aborts the worker too: the next request runs right after.
      for await (const _ of w.generate([1, 2], { maxTokens: 200, sampling: { temperature: 0 } })) break;
      const t0 = performance.now();
      expect((await drain(w.generate([1], { maxTokens: 1 }))).result.tokens).toHaveLength(1);
      expect(performance.now() - t0).toBeLessThan(5_000); // not after 199 more tokens (~12 s)
    } finally {
      await w.close();
    }
  });

  it('worker: close() ends the thread; a running generation and later calls fail with ModelWorkerClosedError [F-WORKER-8]', async () => {
    const w = await openModelWorker(small.path, { backend: 'ref', contextLength: CTX });
    const gen = w.generate([1, 2, 3], { maxTokens: CTX - 3, sampling: { temperature: 0 } });
    await gen.next();
    const rest = drain(gen).catch((e: Error) => e);
    await w.close();
    expect(await rest).toBeInstanceOf(ModelWorkerClosedError);
    expect(w.open).toBe(false);
    expect(w.exitCode).toBeDefined();
    await expect(w.tokenize('x')).rejects.toBeInstanceOf(ModelWorkerClosedError);
    await expect(drain(w.generate([1], { maxTokens: 1 }))).rejects.toBeInstanceOf(ModelWorkerClosedError);
    await w.close(); // idempotent
  });
});
