import { Ollama } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyServer } from './test-server.js';

let s: Awaited<ReturnType<typeof tinyServer>>;
let ollama: Ollama;

beforeAll(async () => {
  s = await tinyServer();
  ollama = new Ollama({ host: s.url });
});
afterAll(() => s?.close());

describe('ollama client against apr serve', () => {
  it('version, tags and show', async () => {
    expect((await ollama.version()).version).toMatch(/^\d+\.\d+\.\d+/);
    const tags = await ollama.list();
    expect(tags.models.map((m) => m.name)).toEqual(['tiny:latest']);
    expect(tags.models[0].details.family).toBe('qwen2');
    expect(tags.models[0].details.quantization_level).toBe('Q8_0');
    const show = await ollama.show({ model: 'tiny:latest' });
    expect(show.template).toContain('im_start');
    // JSON object at runtime (the client's type says Map)
    expect((show.model_info as unknown as Record<string, unknown>)['qwen2.context_length']).toBe(2048);
  });

  it('generate (not streamed): response and ns timings, eval_count = generated tokens', async () => {
    const r = await ollama.generate({ model: 'tiny', prompt: 'once upon', stream: false, options: { num_predict: 6, temperature: 0, seed: 1 } });
    expect(r.done).toBe(true);
    expect(['stop', 'length']).toContain(r.done_reason);
    expect(r.eval_count).toBeGreaterThan(0);
    expect(r.eval_count).toBeLessThanOrEqual(6);
    expect(r.prompt_eval_count).toBe(s.tiny.seen.at(-1)!.prompt.length);
    expect(r.total_duration).toBeGreaterThan(r.eval_duration);
    expect(r.eval_duration).toBeGreaterThan(0);
    expect(s.tiny.seen.at(-1)!.maxTokens).toBe(6);
  });

  it('generate streamed: NDJSON parts concatenate to the whole response', async () => {
    const opts = { model: 'tiny', prompt: 'stream', options: { num_predict: 8, temperature: 0 } };
    const whole = await ollama.generate({ ...opts, stream: false });
    let text = '';
    let last: { done: boolean; eval_count?: number } | undefined;
    for await (const part of await ollama.generate({ ...opts, stream: true })) {
      text += part.response;
      last = part;
    }
    expect(text).toBe(whole.response);
    expect(last?.done).toBe(true);
    expect(last?.eval_count).toBe(whole.eval_count);
  });

  it('chat, streamed and not, with options.stop and format json', async () => {
    const msgs = [{ role: 'user', content: 'hi' }];
    const whole = await ollama.chat({ model: 'tiny', messages: msgs, stream: false, options: { num_predict: 5, temperature: 0, stop: ['zzz'] }, format: 'json' });
    expect(whole.message.role).toBe('assistant');
    expect(s.tiny.seen.at(-1)!.stop).toEqual(['zzz']);
    expect(s.tiny.seen.at(-1)!.constraint).toEqual({ kind: 'json_object' });
    let text = '';
    for await (const part of await ollama.chat({ model: 'tiny', messages: msgs, stream: true, options: { num_predict: 5, temperature: 0, stop: ['zzz'] }, format: 'json' })) {
      text += part.message.content;
    }
    expect(text).toBe(whole.message.content);
  });

  it('unknown model is an error the client reports', async () => {
    await expect(ollama.generate({ model: 'llama3', prompt: 'x', stream: false })).rejects.toMatchObject({ status_code: 404 });
  });
});
