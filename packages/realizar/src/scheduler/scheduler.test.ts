import { describe, expect, it } from 'vitest';
import { collectGeneration, generate } from '../engine/generate.js';
import { PromptTooLongError, QueueFullError, type ServeRequest } from '../server/engine-api.js';
import { ConstraintUnavailableError, type LiveConstraint } from './constraint.js';
import { Scheduler } from './scheduler.js';
import { collector, prompt, runAll, tinyModel } from './test-support.js';

const { model, tokenizer } = tinyModel();
const greedy = (id: string, p: number[], maxTokens = 24, extra: Partial<ServeRequest> = {}): ServeRequest => ({
  id,
  prompt: p,
  maxTokens,
  sampling: { temperature: 0 },
  ...extra,
});

describe('Scheduler', () => {
  it.each(['ref', 'auto'])('4 concurrent greedy requests produce exactly the tokens and text each produces alone (%s backend) [F-SCHED-3]', async (backend) => {
    const { model, tokenizer } = tinyModel(undefined, backend);
    const prompts = [prompt(5, 11), prompt(40, 12), prompt(13, 13), prompt(27, 14)];
    const together = runAll(model, tokenizer, prompts.map((p, i) => greedy(`r${i}`, p, 24 + i)), { prefillChunk: 16 });
    for (const [i, p] of prompts.entries()) {
      const session = model.createSession({ contextLength: 256 });
      const alone = await collectGeneration(generate(session, tokenizer, p, { maxTokens: 24 + i, sampling: { temperature: 0 } }));
      expect(together[i].tokens()).toEqual(alone.tokens);
      expect(together[i].text()).toBe(alone.text);
      const done = together[i].done()!;
      expect(done.finishReason).toBe(alone.stopReason === 'eog' ? 'stop' : 'length');
      expect(done.completionTokens).toBe(alone.tokens.length);
      expect(done.promptTokens).toBe(p.length);
      expect(done.timings.promptEvaluated + done.timings.promptCached).toBe(p.length);
    }
  });

  it('a seeded request samples the same tokens alone and among others [F-SCHED-4]', () => {
    const req = (id: string, seed: number, p: number[]): ServeRequest => ({ id, prompt: p, maxTokens: 30, ignoreEos: true, sampling: { temperature: 1.5, topK: 0, topP: 1, minP: 0, seed } });
    const alone = runAll(model, tokenizer, [req('a', 42, prompt(9, 1))], { parallel: 1 })[0].tokens();
    const mixed = runAll(model, tokenizer, [req('x', 7, prompt(30, 2)), req('a', 42, prompt(9, 1)), req('y', 8, prompt(4, 3)), req('z', 9, prompt(17, 4))], { prefillChunk: 8 });
    expect(mixed[1].tokens()).toEqual(alone);
    expect(new Set(alone).size).toBeGreaterThan(3); // really sampled, not a fixed point
  });

  it('chunked prefill: a long prompt arriving mid-generation does not stop the other slot decoding [F-SCHED-5]', () => {
    const s = new Scheduler(model, tokenizer, { parallel: 2, slotContext: 256, maxQueue: 4, prefillChunk: 8 });
    const a = collector();
    s.submit(greedy('a', prompt(4, 5), 60, { ignoreEos: true }), a.sink);
    s.step(); // prefill of a + its first token
    const b = collector();
    s.submit(greedy('b', prompt(70, 6), 4, { ignoreEos: true }), b.sink);
    let steps = 0;
    while (b.tokens().length === 0) {
      const before = a.tokens().length;
      s.step();
      steps++;
      expect(a.tokens().length).toBe(before + 1); // one decode token of a every step
    }
    // 70 prompt tokens in chunks of at most 8 prompt tokens → at least 9 steps.
    expect(steps).toBeGreaterThanOrEqual(Math.ceil(70 / 8));
  });

  it('cancel frees the slot at once (queued or running) and stats return to idle [F-SCHED-6]', () => {
    const s = new Scheduler(model, tokenizer, { parallel: 1, slotContext: 128, maxQueue: 4, prefillChunk: 16 });
    const a = collector();
    const b = collector();
    s.submit(greedy('a', prompt(6, 7), 100, { ignoreEos: true }), a.sink);
    s.submit(greedy('b', prompt(6, 8), 100, { ignoreEos: true }), b.sink);
    s.step();
    s.step();
    expect(s.stats()).toMatchObject({ activeSlots: 1, queued: 1 });
    s.cancel('b');
    expect(b.done()?.finishReason).toBe('cancelled');
    expect(b.done()?.completionTokens).toBe(0);
    s.cancel('a');
    expect(a.done()).toMatchObject({ finishReason: 'cancelled', completionTokens: 2 });
    expect(s.stats()).toMatchObject({ activeSlots: 0, queued: 0, kvUsed: 0 });
    expect(s.idle).toBe(true);
    expect(s.step()).toBe(false);
  });

  it('queue full → QueueFullError; prompt leaving no room → PromptTooLongError; context end → length [F-SCHED-7]', () => {
    const s = new Scheduler(model, tokenizer, { parallel: 1, slotContext: 32, maxQueue: 1, prefillChunk: 16 });
    expect(() => s.submit(greedy('long', prompt(32, 1), 1), () => {})).toThrow(PromptTooLongError);
    const a = collector();
    s.submit(greedy('a', prompt(20, 9), 50, { ignoreEos: true }), a.sink);
    s.submit(greedy('b', prompt(3, 9), 2), () => {});
    expect(() => s.submit(greedy('c', prompt(3, 9), 2), () => {})).toThrow(QueueFullError);
    expect(() => s.submit(greedy('a', prompt(3, 9), 2), () => {})).toThrow(/already live/);
    while (!s.idle) s.step();
    // 20 prompt tokens in a 32-position slot: tokens 1..12 are fed back, the 13th ends at the context end.
    expect(a.done()).toMatchObject({ finishReason: 'length', completionTokens: 13 });
  });

  it('prefix cache: a repeated prompt reuses the slot KV, reports promptCached and gives the same output [F-SCHED-8]', () => {
    const s = new Scheduler(model, tokenizer, { parallel: 2, slotContext: 256, maxQueue: 4, prefillChunk: 16 });
    const p = prompt(30, 10);
    const run = (id: string, pr: number[]) => {
      const c = collector();
      s.submit(greedy(id, pr, 12), c.sink);
      while (!s.idle) s.step();
      return c;
    };
    const first = run('1', p);
    const other = run('2', prompt(25, 99)); // shares only BOS with slot 0: takes the least recently used slot 1
    const second = run('3', p);
    const extended = run('4', [...p, ...first.tokens().slice(0, 3), 305]);
    expect(first.done()!.timings.promptCached).toBe(0);
    expect(other.done()!.timings.promptCached).toBe(0); // slot 1 was empty
    expect(second.done()!.timings).toMatchObject({ promptCached: 29, promptEvaluated: 1 });
    expect(second.tokens()).toEqual(first.tokens());
    expect(extended.done()!.timings.promptCached).toBe(33);
    const fresh = runAll(model, tokenizer, [greedy('f', [...p, ...first.tokens().slice(0, 3), 305], 12)])[0];
    expect(extended.tokens()).toEqual(fresh.tokens());
    expect(s.stats().cachedPromptTokensTotal).toBe(29 + 33);
  });

  it('logprobs are the raw log-softmax: the greedy token is the top alternative, values ≤ 0, sorted [F-SCHED-9]', () => {
    const [c] = runAll(model, tokenizer, [greedy('l', prompt(8, 3), 5, { logprobs: true, topLogprobs: 5, ignoreEos: true })]);
    for (const e of c.events) {
      if (e.type !== 'token') continue;
      const lp = e.logprob!;
      expect(lp.id).toBe(e.id);
      expect(lp.top).toHaveLength(5);
      expect(lp.top![0].id).toBe(e.id);
      expect(lp.top![0].logprob).toBe(lp.logprob);
      expect(lp.logprob).toBeLessThanOrEqual(0);
      for (let i = 1; i < 5; i++) expect(lp.top![i].logprob).toBeLessThanOrEqual(lp.top![i - 1].logprob);
      expect(lp.top!.reduce((z, t) => z + Math.exp(t.logprob), 0)).toBeLessThanOrEqual(1 + 1e-9);
    }
  });

  it('constraint hook: only allowed tokens are sampled and done() ends the request; no factory → clear error [F-SCHED-10]', () => {
    const allowed = [300, 333, 377];
    let accepted = 0;
    let seen: unknown;
    const factory = (_spec: unknown, tok: unknown): LiveConstraint => {
      seen = tok;
      return {
        allowed: (m) => allowed.forEach((id) => (m[id] = 1)),
        accept: () => void accepted++,
        done: () => accepted >= 4,
      };
    };
    const [c] = runAll(model, tokenizer, [{ ...greedy('c', prompt(5, 2), 50), sampling: { temperature: 1, seed: 3 }, constraint: { kind: 'json_object' } }], {
      createConstraint: factory,
    });
    expect(c.tokens()).toHaveLength(4);
    for (const t of c.tokens()) expect(allowed).toContain(t);
    expect(c.done()!.finishReason).toBe('stop');
    expect(seen).toBe(tokenizer);
    const s = new Scheduler(model, tokenizer, { parallel: 1, slotContext: 64, maxQueue: 1, prefillChunk: 8 });
    expect(() => s.submit({ ...greedy('x', [1, 300], 3), constraint: { kind: 'json_object' } }, () => {})).toThrow(ConstraintUnavailableError);
  });

  it('stop strings end generation and are not returned; maxTokens 0 ends at once [F-SCHED-11]', () => {
    const [base] = runAll(model, tokenizer, [greedy('b', prompt(6, 21), 16, { ignoreEos: true })]);
    const text = base.text();
    const stop = text.slice(5, 8);
    const [c, z] = runAll(model, tokenizer, [greedy('s', prompt(6, 21), 16, { ignoreEos: true, stop: [stop] }), greedy('z', [1, 300], 0)]);
    expect(c.text()).toBe(text.slice(0, text.indexOf(stop)));
    expect(c.done()!.finishReason).toBe('stop');
    expect(z.done()).toMatchObject({ finishReason: 'length', completionTokens: 0 });
  });

  it('embeddings: one L2-normalised vector per input, deterministic, input-dependent [F-SCHED-12]', () => {
    const s = new Scheduler(model, tokenizer, { parallel: 1, slotContext: 64, maxQueue: 1, prefillChunk: 8 });
    const r = s.embed([prompt(5, 1), prompt(12, 2), prompt(5, 1)]);
    expect(r.promptTokens).toBe(22);
    expect(r.embeddings).toHaveLength(3);
    for (const v of r.embeddings) {
      expect(v).toHaveLength(model.config.dim);
      expect(Math.hypot(...v)).toBeCloseTo(1, 6);
    }
    expect(r.embeddings[2]).toEqual(r.embeddings[0]);
    expect(r.embeddings[1]).not.toEqual(r.embeddings[0]);
  });
});
