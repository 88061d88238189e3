import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGGUF } from '../gguf/gguf-open.js';
import { testModel } from '../model/test-model.js';
import { PromptTooLongError, QueueFullError, type ServeEngine, type ServeEvent, type ServeRequest } from '../server/engine-api.js';
import { openServeEngine } from '../server/index.js';
import { ModelWorkerClosedError } from '../worker/worker-errors.js';
import { TINY, prompt, runAll, tinyModel } from './test-support.js';

let dir: string;
let path: string;
let engine: ServeEngine;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'realizar-serve-'));
  path = join(dir, 'tiny.gguf');
  writeFileSync(path, testModel(TINY).bytes);
  engine = await openServeEngine(path, { backend: 'ref', parallel: 2, maxQueue: 1, slotContext: 128, prefillChunk: 16 });
}, 60_000);
afterAll(async () => {
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function collect(it: AsyncIterable<ServeEvent>): Promise<ServeEvent[]> {
  const out: ServeEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

const req = (id: string, p: number[], maxTokens: number, extra: Partial<ServeRequest> = {}): ServeRequest => ({ id, prompt: p, maxTokens, sampling: { temperature: 0 }, ...extra });

async function waitIdle(e: ServeEngine): Promise<void> {
  for (let i = 0; i < 200 && (e.stats().activeSlots > 0 || e.stats().queued > 0); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('openServeEngine (worker thread)', () => {
  it('reports the model and generates what the in-thread scheduler generates, concurrently [F-SCHED-13]', async () => {
    expect(engine.model).toMatchObject({ id: 'tiny', architecture: 'qwen2', slotContext: 128, embeddingLength: 64, vocabSize: 400, backend: 'ref', bos: 1, eos: 2 });
    expect(engine.model.quantization.toLowerCase()).toBe('q8_0');
    const reqs = [req('a', prompt(10, 1), 12), req('b', prompt(20, 2), 9)];
    const [a, b] = await Promise.all(reqs.map((r) => collect(engine.generate(r))));
    // Stats are sent before each 'done': once both are seen, the slots read free.
    expect(engine.stats()).toMatchObject({ activeSlots: 0, generatedTokensTotal: a.length + b.length - 2 });
    const { model, tokenizer } = tinyModel();
    const local = runAll(model, tokenizer, reqs);
    const ids = (ev: ServeEvent[]) => ev.flatMap((e) => (e.type === 'token' ? [e.id] : []));
    expect(ids(a)).toEqual(local[0].tokens());
    expect(ids(b)).toEqual(local[1].tokens());
    expect(a.at(-1)).toMatchObject({ type: 'done', promptTokens: 10, completionTokens: ids(a).length });
    expect(await engine.tokenize('hello', { addSpecial: false })).toEqual(tokenizer.encode('hello', { addSpecial: false }));
    expect(await engine.detokenize([300, 301])).toBe(tokenizer.decode([300, 301]));
    const emb = await engine.embed([prompt(4, 3)]);
    expect(emb.embeddings[0]).toHaveLength(64);
    await waitIdle(engine);
    expect(engine.stats()).toMatchObject({ activeSlots: 0, queued: 0, slots: 2 });
    expect(engine.stats().generatedTokensTotal).toBeGreaterThanOrEqual(ids(a).length + ids(b).length);
  });

  it('errors cross with their class: QueueFullError, PromptTooLongError; abort cancels and frees the slot [F-SCHED-14]', async () => {
    await expect(collect(engine.generate(req('long', prompt(128, 1), 1)))).rejects.toBeInstanceOf(PromptTooLongError);
    const ctl = [new AbortController(), new AbortController(), new AbortController()];
    const its = ctl.map((c, i) => engine.generate(req(`q${i}`, prompt(5, i), 120, { ignoreEos: true }), c.signal)[Symbol.asyncIterator]());
    // Two slots and one queue place: the first three are accepted (first event or queued), the fourth is refused.
    await Promise.all(its.slice(0, 2).map((x) => x.next()));
    const third = its[2].next(); // posted before q3: the worker queues it first
    const err = await collect(engine.generate(req('q3', prompt(5, 3), 4))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueFullError);
    expect((err as Error).name).toBe('QueueFullError');
    for (const c of ctl) c.abort();
    const rest = await Promise.all(its.map(async (x, i) => {
      const ev: ServeEvent[] = i === 2 ? [(await third).value as ServeEvent] : [];
      for (let n = await x.next(); !n.done; n = await x.next()) ev.push(n.value);
      return ev;
    }));
    for (const ev of rest) expect(ev.at(-1)).toMatchObject({ type: 'done', finishReason: 'cancelled' });
    await waitIdle(engine);
    expect(engine.stats()).toMatchObject({ activeSlots: 0, queued: 0 });
  });

  it('a load error crosses with the loader error name; close() ends the worker [F-SCHED-15]', async () => {
    const bad = join(dir, 'bad.gguf');
    writeFileSync(bad, Buffer.from('GGUF not really a model file at all'));
    let local: Error | undefined;
    try {
      openGGUF(bad);
    } catch (e) {
      local = e as Error;
    }
    const remote = (await openServeEngine(bad, { backend: 'ref' }).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(remote).toBeInstanceOf(Error);
    expect(remote.name).toBe(local!.name);
    expect(remote.message).toBe(local!.message);

    const e2 = await openServeEngine(path, { backend: 'ref', parallel: 1 });
    await e2.close();
    await expect(e2.tokenize('x')).rejects.toBeInstanceOf(ModelWorkerClosedError);
    await expect(collect(e2.generate(req('z', [1, 300], 2)))).rejects.toBeInstanceOf(ModelWorkerClosedError);
  });
});
