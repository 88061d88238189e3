import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServeEngine } from './engine-api.js';
import { startServer } from './start-server.js';
import { tinyEngine, tinyServer } from './test-server.js';

let s: Awaited<ReturnType<typeof tinyServer>>;
const KEY = 'k-123';

beforeAll(async () => {
  s = await tinyServer({ apiKey: KEY, maxBodyBytes: 64 * 1024, engine: { maxQueue: 8 } });
});
afterAll(() => s?.close());

const auth = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' };
const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = auth) => fetch(`${s.url}${path}`, { method: 'POST', headers, body });
const chat = (extra: Record<string, unknown> = {}) => JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, ...extra });

async function expectError(r: Response, status: number, param?: string | null) {
  expect(r.status).toBe(status);
  const b = (await r.json()) as { error: { message: string; type: string; param: string | null; code: string | null } };
  expect(typeof b.error.message).toBe('string');
  expect(typeof b.error.type).toBe('string');
  if (param !== undefined) expect(b.error.param).toBe(param);
  return b.error;
}

/** Polls /metrics until the server is idle (no request in flight, no active slot, empty queue). */
async function waitIdle(): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const m = await (await fetch(`${s.url}/metrics`, { headers: auth })).text();
    if (/^apr_requests_in_flight 0$/m.test(m) && /^apr_slots_active 0$/m.test(m) && /^apr_queue_depth 0$/m.test(m) && /^apr_kv_used_tokens 0$/m.test(m)) return m;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the server did not return to idle');
}

describe('HTTP robustness', () => {
  it('400 on malformed JSON, wrong types (field named), invalid UTF-8; unknown fields ignored', async () => {
    await expectError(await post('/v1/chat/completions', '{"messages": [}'), 400, null);
    await expectError(await post('/v1/chat/completions', chat({ temperature: 'hot' })), 400, 'temperature');
    await expectError(await post('/v1/chat/completions', JSON.stringify({ messages: [{ role: 'robot', content: 'x' }] })), 400, 'messages.0.role');
    await expectError(await post('/v1/completions', JSON.stringify({ prompt: 'x', max_tokens: -3 })), 400, 'max_tokens');
    const bad = new Uint8Array([...Buffer.from('{"prompt":"'), 0xff, 0xfe, ...Buffer.from('"}')]);
    const e = await expectError(await post('/v1/completions', bad), 400);
    expect(e.code).toBe('invalid_encoding');
    const ok = await post('/v1/chat/completions', chat({ frobnicate: { deep: [1, 2] }, user: 'u', logit_bias: {} }));
    expect(ok.status).toBe(200);
  });

  it('413 on a body over the limit, 404 on unknown model and endpoint', async () => {
    const huge = JSON.stringify({ prompt: 'x'.repeat(200 * 1024) });
    await expectError(await post('/v1/completions', huge), 413);
    await expectError(await post('/v1/chat/completions', chat({ model: 'gpt-4' })), 404, 'model');
    expect((await post('/v1/chat/completions', chat({ model: 'tiny' }))).status).toBe(200);
    expect((await post('/v1/chat/completions', chat({ model: 'tiny.gguf' }))).status).toBe(200);
    await expectError(await fetch(`${s.url}/v1/nope`, { headers: auth }), 404);
  });

  it('401 without or with a wrong key; /health stays open', async () => {
    await expectError(await post('/v1/chat/completions', chat(), { 'Content-Type': 'application/json' }), 401);
    await expectError(await post('/v1/chat/completions', chat(), { Authorization: 'Bearer nope', 'Content-Type': 'application/json' }), 401);
    await expectError(await fetch(`${s.url}/metrics`), 401);
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
  });

  it('tokenize / detokenize round trip (llama-server shapes)', async () => {
    const t = (await (await post('/tokenize', JSON.stringify({ content: 'hello world' }))).json()) as { tokens: number[] };
    expect(t.tokens.length).toBeGreaterThan(0);
    const d = (await (await post('/detokenize', JSON.stringify({ tokens: t.tokens }))).json()) as { content: string };
    expect(d.content).toBe(await s.tiny.detokenize(t.tokens));
    expect(d.content).toContain('hello');
    await expectError(await post('/detokenize', JSON.stringify({ tokens: [1e9] })), 400, 'tokens.0');
  });

  it('a client that disconnects mid-stream cancels its request; metrics return to idle', async () => {
    await waitIdle();
    const before = s.tiny.stats().generatedTokensTotal;
    const ac = new AbortController();
    const r2 = await fetch(`${s.url}/v1/completions`, { method: 'POST', headers: auth, body: JSON.stringify({ prompt: 'go', max_tokens: 900, stream: true, temperature: 1, seed: 5 }), signal: ac.signal });
    const reader = r2.body!.getReader();
    await reader.read(); // the first chunk arrived: the request is running
    ac.abort();
    const m = await waitIdle();
    expect(Number(/^apr_requests_cancelled_total (\d+)$/m.exec(m)![1])).toBeGreaterThanOrEqual(1);
    // the request stopped early: far fewer than the 900 tokens asked for were generated
    expect(s.tiny.stats().generatedTokensTotal - before).toBeLessThan(900);
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
  });

  it('64 concurrent requests: each gets a well-formed answer or a 429 with Retry-After; then idle', async () => {
    const rs = await Promise.all(
      Array.from({ length: 64 }, (_, i) => post(i % 2 ? '/v1/chat/completions' : '/v1/completions', i % 2 ? chat({ max_tokens: 3, stream: i % 4 === 1 }) : JSON.stringify({ prompt: `p${i}`, max_tokens: 3 }))),
    );
    let ok = 0;
    let limited = 0;
    for (const r of rs) {
      if (r.status === 200) {
        ok++;
        const text = await r.text();
        if (r.headers.get('content-type')?.startsWith('text/event-stream')) expect(text.trim().endsWith('data: [DONE]')).toBe(true);
        else expect(JSON.parse(text).usage.completion_tokens).toBeGreaterThan(0);
      } else {
        limited++;
        expect(r.status).toBe(429);
        expect(r.headers.get('retry-after')).toBe('1');
        expect(((await r.json()) as { error: { type: string } }).error.type).toBe('rate_limit_error');
      }
    }
    expect(ok + limited).toBe(64);
    expect(ok).toBeGreaterThanOrEqual(9); // one running + a queue of 8
    expect(limited).toBeGreaterThan(0);
    const m = await waitIdle();
    expect(m).toMatch(/apr_requests_total\{endpoint="\/v1\/(chat\/)?completions",status="429"\} \d+/);
    expect(m).toMatch(/apr_request_duration_seconds_count \d+/);
    expect(m).toMatch(/apr_time_to_first_token_seconds_bucket\{le="\+Inf"\} \d+/);
    expect(m).toMatch(new RegExp(`apr_kv_capacity_tokens ${s.tiny.stats().kvCapacity}\\b`));
  });
});

describe('loading', () => {
  it('/health is 503 {"status":"loading"} until the engine resolves, then 200', async () => {
    let resolve!: (e: ServeEngine) => void;
    const pending = new Promise<ServeEngine>((r) => (resolve = r));
    const srv = await startServer(pending, { port: 0 });
    try {
      const h = await fetch(`${srv.url}/health`);
      expect(h.status).toBe(503);
      expect(await h.json()).toEqual({ status: 'loading' });
      expect((await fetch(`${srv.url}/v1/models`)).status).toBe(503);
      resolve(await tinyEngine());
      await srv.engine;
      expect((await fetch(`${srv.url}/health`)).status).toBe(200);
    } finally {
      await srv.close();
    }
  });
});
