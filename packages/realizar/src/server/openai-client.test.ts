import { Ajv } from 'ajv';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyServer } from './test-server.js';

let s: Awaited<ReturnType<typeof tinyServer>>;
let client: OpenAI;

beforeAll(async () => {
  s = await tinyServer({ apiKey: 'sekret' });
  client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'sekret', maxRetries: 0 });
});
afterAll(() => s?.close());

describe('openai client against apr serve', () => {
  it('lists the served model', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['tiny']);
  });

  it('chat completion: content, exact usage, seeded determinism', async () => {
    const req = { model: 'tiny', messages: [{ role: 'user' as const, content: 'hello there' }], max_tokens: 8, seed: 42, temperature: 0.7 };
    const a = await client.chat.completions.create(req);
    const b = await client.chat.completions.create(req);
    expect(a.object).toBe('chat.completion');
    expect(a.choices[0].message.role).toBe('assistant');
    expect(a.choices[0].message.content).toBe(b.choices[0].message.content);
    // Usage is the tokenized rendered prompt and the generated count.
    const prompt = s.tiny.seen.at(-1)!.prompt;
    const rendered = await s.tiny.tokenize('<|im_start|>user\nhello there<|im_end|>\n<|im_start|>assistant\n', { addSpecial: s.tiny.model.addBos });
    expect(prompt).toEqual(rendered);
    expect(a.usage?.prompt_tokens).toBe(prompt.length);
    expect(a.usage?.completion_tokens).toBeGreaterThan(0);
    expect(a.usage?.completion_tokens).toBeLessThanOrEqual(8);
    expect(a.usage?.total_tokens).toBe(a.usage!.prompt_tokens + a.usage!.completion_tokens);
    expect(['stop', 'length']).toContain(a.choices[0].finish_reason);
    if (a.choices[0].finish_reason === 'length') expect(a.usage?.completion_tokens).toBe(8);
  });

  it('streams chat chunks with a final usage chunk; the text equals the non-streamed one', async () => {
    const req = { model: 'tiny', messages: [{ role: 'user' as const, content: 'stream me' }], max_tokens: 10, temperature: 0 };
    const whole = await client.chat.completions.create(req);
    const stream = await client.chat.completions.create({ ...req, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const ch of stream) {
      if (ch.choices.length > 0) {
        text += ch.choices[0].delta.content ?? '';
        finish = ch.choices[0].finish_reason ?? finish;
      }
      if (ch.usage) usage = ch.usage;
    }
    expect(text).toBe(whole.choices[0].message.content);
    expect(finish).toBe(whole.choices[0].finish_reason);
    // Same counts; the second request reuses the first one's KV (cached_tokens may differ).
    expect({ ...usage, prompt_tokens_details: undefined }).toEqual({ ...whole.usage, prompt_tokens_details: undefined });
  });

  it('legacy completions with logprobs, and stop strings', async () => {
    const r = await client.completions.create({ model: 'tiny', prompt: 'abc', max_tokens: 6, temperature: 0, logprobs: 3 });
    expect(r.object).toBe('text_completion');
    const lp = r.choices[0].logprobs!;
    expect(lp.tokens!.length).toBe(r.usage!.completion_tokens);
    for (const [i, l] of lp.token_logprobs!.entries()) {
      expect(l).toBeLessThanOrEqual(0);
      const top = Object.values(lp.top_logprobs![i]);
      expect(top.length).toBeGreaterThan(0);
      // greedy: the sampled token is the most likely one (top entries are keyed by text, which may collide)
      expect(l).toBeGreaterThanOrEqual(Math.max(...top) - 1e-6);
    }
    expect(lp.tokens!.join('')).toBe(r.choices[0].text);
  });

  it('chat logprobs + top_logprobs', async () => {
    const r = await client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], max_tokens: 4, temperature: 0, logprobs: true, top_logprobs: 2 });
    const c = r.choices[0].logprobs!.content!;
    expect(c.length).toBe(r.usage!.completion_tokens);
    for (const t of c) {
      expect(t.top_logprobs.length).toBe(2);
      expect(t.logprob).toBeCloseTo(t.top_logprobs[0].logprob, 5);
    }
  });

  it('embeddings: one L2-normalised vector per input, of the model width', async () => {
    const r = await client.embeddings.create({ model: 'tiny', input: ['one', 'two words'], encoding_format: 'float' });
    expect(r.data.length).toBe(2);
    for (const d of r.data) {
      expect(d.embedding.length).toBe(64);
      expect(Math.hypot(...d.embedding)).toBeCloseTo(1, 5);
    }
    expect(r.data[0].embedding).not.toEqual(r.data[1].embedding);
    expect(r.usage.prompt_tokens).toBe((await s.tiny.tokenize('one', { addSpecial: s.tiny.model.addBos })).length + (await s.tiny.tokenize('two words', { addSpecial: s.tiny.model.addBos })).length);
  });

  it('json_object and json_schema become engine constraints', async () => {
    await client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'json' }], max_tokens: 2, response_format: { type: 'json_object' } });
    expect(s.tiny.seen.at(-1)!.constraint).toEqual({ kind: 'json_object' });
    const schema = { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] };
    await client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'json' }], max_tokens: 2, response_format: { type: 'json_schema', json_schema: { name: 's', schema } } });
    expect(s.tiny.seen.at(-1)!.constraint).toEqual({ kind: 'json_schema', schema });
  });

  // The constraint keeps every output a valid prefix; a random tiny model may still fill a string
  // until max_tokens ('length', incomplete, as OpenAI reports it). Every 'stop' output is complete.
  it('json_schema: every finished output parses and validates against the schema (seeded sampling) [F-SERVE-JSON]', { timeout: 60_000 }, async () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, n: { type: 'integer' }, ok: { type: 'boolean' }, tags: { type: 'array', items: { enum: ['a', 'b'] }, maxItems: 3 } },
      required: ['name', 'n', 'ok', 'tags'],
      additionalProperties: false,
    };
    const validate = new Ajv().compile(schema);
    let finished = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = await client.chat.completions.create({
        model: 'tiny',
        messages: [{ role: 'user', content: 'json' }],
        max_tokens: 400,
        temperature: 1,
        seed,
        response_format: { type: 'json_schema', json_schema: { name: 's', schema } },
      });
      const text = r.choices[0].message.content ?? '';
      if (r.choices[0].finish_reason === 'length') continue;
      expect(r.choices[0].finish_reason, `seed ${seed}: ${text}`).toBe('stop');
      const value: unknown = JSON.parse(text);
      expect(validate(value), `seed ${seed}: ${text} ${JSON.stringify(validate.errors)}`).toBe(true);
      finished++;
    }
    expect(finished).toBeGreaterThanOrEqual(2);
  });

  it('tools: rendered into the prompt; a tool message round trip is accepted', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const r = await client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'weather in Paris?' }], tools, max_tokens: 4 });
    const text = await s.tiny.detokenize(s.tiny.seen.at(-1)!.prompt);
    expect(text).toContain('get_weather');
    expect(text).toContain('<tool_call>');
    expect(['stop', 'length', 'tool_calls']).toContain(r.choices[0].finish_reason);
    const r2 = await client.chat.completions.create({
      model: 'tiny',
      tools,
      max_tokens: 2,
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
      ],
    });
    expect(r2.choices[0].message.role).toBe('assistant');
    expect(await s.tiny.detokenize(s.tiny.seen.at(-1)!.prompt)).toContain('sunny');
  });

  it('errors are typed: bad key 401, unknown model 404, n > 1 400 naming n', async () => {
    const bad = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'wrong', maxRetries: 0 });
    await expect(bad.models.list()).rejects.toMatchObject({ status: 401 });
    await expect(client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 404, param: 'model' });
    await expect(client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], n: 2 })).rejects.toMatchObject({ status: 400, param: 'n' });
    await expect(client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], max_tokens: 100000 })).rejects.toMatchObject({ status: 400, code: 'context_length_exceeded' });
  });
});
