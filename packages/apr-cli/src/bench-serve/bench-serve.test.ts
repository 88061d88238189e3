import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBenchServe, type BenchServeFlags } from '../commands/bench-serve.js';
import { runLevel } from './load-runner.js';
import { formatServeReport } from './serve-report.js';
import { interTokenGaps, percentile, summarizeLevel, type RequestSample } from './serve-stats.js';
import { SseParser, type SseEvent } from './sse-parser.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('bench-serve statistics', () => {
  it('percentile interpolates between closest ranks', () => {
    expect(percentile([3, 1, 2], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([0, 10], 99)).toBeCloseTo(9.9);
    expect(percentile([], 50)).toBeNaN();
  });

  it('percentile: within [min, max] and non-decreasing in p [F-BSERVE-1]', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }), fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (xs, p, q) => {
        const [a, b] = p <= q ? [p, q] : [q, p];
        const pa = percentile(xs, a);
        expect(pa).toBeGreaterThanOrEqual(Math.min(...xs));
        expect(percentile(xs, b)).toBeLessThanOrEqual(Math.max(...xs));
        expect(percentile(xs, b)).toBeGreaterThanOrEqual(pa - 1e-9 * Math.max(1, Math.abs(pa)));
      }),
    );
  });

  it('summarizeLevel: aggregate tok/s over the level wall time, TTFT and gaps from arrivals, failures left out', () => {
    const s = (start: number, times: number[], end: number, tokens: number, error?: string): RequestSample => ({
      startMs: start, firstTokenMs: times[0] ?? null, tokenTimesMs: times, endMs: end, completionTokens: tokens, promptTokens: 10, ...(error ? { error } : {}),
    });
    const st = summarizeLevel(2, [s(0, [100, 110, 130], 140, 3), s(20, [220, 230], 1000, 2), s(30, [40], 50, 1, 'HTTP 500')]);
    expect(st.wallMs).toBe(1000);
    expect(st.completionTokens).toBe(5);
    expect(st.aggregateTokPerSec).toBeCloseTo(5);
    expect(st.failed).toBe(1);
    expect(st.ttftMs.p50).toBe(150);
    expect(st.itlMs.n).toBe(3);
    expect(st.itlMs.p50).toBe(10);
    expect(st.promptTokens).toBe(20);
    expect(st.errors).toEqual(['HTTP 500']);
    expect(interTokenGaps([5])).toEqual([]);
  });

  it('SSE parser: any chunking with any line end gives the same events [F-BSERVE-2]', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string({ maxLength: 8 }).map((x) => x.replace(/[\r\n]/g, '')), { minLength: 1, maxLength: 3 }), { maxLength: 5 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.array(fc.nat(), { maxLength: 8 }),
        (events, eol, cuts) => {
          const text = events.map((lines) => lines.map((l) => `data: ${l}${eol}`).join('') + eol).join('');
          const got: SseEvent[] = [];
          const p = new SseParser((e) => got.push(e));
          let prev = 0;
          for (const c of [...new Set(cuts.map((x) => x % (text.length + 1)))].sort((a, b) => a - b)) {
            p.push(text.slice(prev, c));
            prev = c;
          }
          p.push(text.slice(prev));
          p.end();
          expect(got).toEqual(events.map((lines) => ({ event: 'message', data: lines.join('\n') })));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('runLevel keeps exactly C requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const { stats } = await runLevel(3, 10, async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      const startMs = performance.now();
      await sleep(5);
      inFlight--;
      return { startMs, firstTokenMs: null, tokenTimesMs: [], endMs: performance.now(), completionTokens: 1, promptTokens: null };
    });
    expect(peak).toBe(3);
    expect(stats.requests).toBe(10);
    expect(stats.completionTokens).toBe(10);
  });
});

describe('apr bench-serve against a fake streaming server', () => {
  const TOKENS = 5;
  const TTFT = 60;
  const GAP = 30;
  const bodies: Array<Record<string, unknown>> = [];
  let inFlight = 0;
  let peak = 0;
  let rejectIgnoreEos = false;
  let server: Server;
  let url = '';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/v1/models') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'fake' }] }));
      return;
    }
    let raw = '';
    for await (const c of req) raw += String(c);
    const body = JSON.parse(raw) as Record<string, unknown>;
    if (rejectIgnoreEos && 'ignore_eos' in body) {
      res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"error":{"message":"unknown field ignore_eos"}}');
      return;
    }
    bodies.push(body);
    inFlight++;
    peak = Math.max(peak, inFlight);
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    const write = (o: object) => res.write(`data: ${JSON.stringify(o)}\n\n`);
    write({ choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] });
    await sleep(TTFT);
    for (let i = 0; i < TOKENS; i++) {
      if (i > 0) await sleep(GAP);
      write({ choices: [{ index: 0, delta: { content: `t${i}` }, finish_reason: null }] });
    }
    write({ choices: [{ index: 0, delta: {}, finish_reason: 'length' }] });
    write({ choices: [], usage: { prompt_tokens: 11, completion_tokens: TOKENS, total_tokens: 11 + TOKENS } });
    res.end('data: [DONE]\n\n');
    inFlight--;
  }

  beforeAll(async () => {
    server = createServer((req, res) => void handle(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const flags = (over: Partial<BenchServeFlags> = {}): BenchServeFlags => ({
    url, concurrency: [1, 3], requests: 6, maxTokens: 8, promptTokens: 16, endpoint: 'chat', temperature: 0, readyTimeout: 5, ...over,
  });

  it('measures tokens, TTFT and inter-token gaps per level, with C streams in flight', async () => {
    const report = await runBenchServe(undefined, flags(), () => {});
    expect(report.model).toBe('fake');
    expect(report.apr.map((l) => l.concurrency)).toEqual([1, 3]);
    for (const l of report.apr) {
      expect(l.failed).toBe(0);
      expect(l.completionTokens).toBe(6 * TOKENS);
      expect(l.promptTokens).toBe(6 * 11);
      expect(l.ttftMs.p50).toBeGreaterThanOrEqual(TTFT - 5);
      expect(l.itlMs.n).toBe(6 * (TOKENS - 1));
      expect(l.itlMs.p50).toBeGreaterThanOrEqual(GAP - 5);
      expect(l.itlMs.p50).toBeLessThan(GAP * 4);
    }
    expect(peak).toBe(3);
    // Three streams at once finish the same work in about a third of the time.
    expect(report.scaling!).toBeGreaterThan(1.5);
    const sent = bodies.at(-1)!;
    expect(sent).toMatchObject({ model: 'fake', stream: true, stream_options: { include_usage: true }, max_tokens: 8, temperature: 0, ignore_eos: true });
    expect((sent.messages as Array<{ content: string }>)[0]!.content).toMatch(/^Request \d+:/);
    const table = formatServeReport(report);
    expect(table).toContain('| apr serve |');
    expect(table).toMatch(/aggregate decode tok\/s at 3 streams \/ 1 stream\(s\) = [\d.]+x/);
  }, 30_000);

  it('drops ignore_eos when the server rejects it, and fails clearly when no server answers', async () => {
    rejectIgnoreEos = true;
    try {
      const report = await runBenchServe(undefined, flags({ concurrency: [2], requests: 2 }), () => {});
      expect(report.apr[0]!.failed).toBe(0);
      expect(bodies.at(-1)).not.toHaveProperty('ignore_eos');
    } finally {
      rejectIgnoreEos = false;
    }
    await expect(runBenchServe(undefined, flags({ url: 'http://127.0.0.1:9' }), () => {})).rejects.toThrow(/warm-up request/);
  }, 30_000);
});

// A stand-in for `apr serve` (APR_BIN): parses --host/--port like the real command, answers /health
// with 503 for a while (model loading), then streams; records its argv for the test.
const FAKE_SERVE = `
const http = require('node:http');
const fs = require('node:fs');
const a = process.argv.slice(2);
const port = Number(a[a.indexOf('--port') + 1]);
const host = a[a.indexOf('--host') + 1];
fs.writeFileSync(process.env.FAKE_ARGV_OUT, JSON.stringify(a));
const readyAt = Date.now() + 300;
http.createServer(async (req, res) => {
  if (req.url === '/health') { res.writeHead(Date.now() < readyAt ? 503 : 200).end(); return; }
  if (req.url === '/v1/models') { res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"data":[{"id":"child"}]}'); return; }
  for await (const _ of req);
  res.writeHead(200, { 'Content-Type': 'text/event-stream' });
  for (let i = 0; i < 3; i++) { await new Promise((r) => setTimeout(r, 10)); res.write('data: {"choices":[{"delta":{"content":"x"}}]}\\n\\n'); }
  res.end('data: [DONE]\\n\\n');
}).listen(port, host);
process.on('SIGTERM', () => process.exit(0));
`;

describe('apr bench-serve MODEL (starts apr serve itself)', () => {
  it('starts the server child on a free loopback port, waits for /health, benchmarks it and stops it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-serve-'));
    const script = join(dir, 'fake-serve.cjs');
    const model = join(dir, 'm.gguf');
    const argvOut = join(dir, 'argv.json');
    writeFileSync(script, FAKE_SERVE);
    writeFileSync(model, 'GGUF');
    const saved = { bin: process.env.APR_BIN, out: process.env.FAKE_ARGV_OUT };
    process.env.APR_BIN = script;
    process.env.FAKE_ARGV_OUT = argvOut;
    try {
      const logs: string[] = [];
      const report = await runBenchServe(model, { concurrency: [1, 2], requests: 2, maxTokens: 3, promptTokens: 8, endpoint: 'chat', temperature: 0, threads: 2, readyTimeout: 20 }, (s) => logs.push(s));
      expect(report.model).toBe('child');
      expect(report.apr.map((l) => [l.concurrency, l.failed, l.completionTokens])).toEqual([[1, 0, 6], [2, 0, 6]]);
      const argv = JSON.parse(readFileSync(argvOut, 'utf8')) as string[];
      expect(argv.slice(0, 2)).toEqual(['serve', model]);
      expect(argv).toEqual(expect.arrayContaining(['--host', '127.0.0.1', '--parallel', '2', '--threads', '2']));
      const port = argv[argv.indexOf('--port') + 1];
      // Stopped afterwards: nothing listens on its port any more.
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    } finally {
      if (saved.bin === undefined) delete process.env.APR_BIN;
      else process.env.APR_BIN = saved.bin;
      if (saved.out === undefined) delete process.env.FAKE_ARGV_OUT;
      else process.env.FAKE_ARGV_OUT = saved.out;
    }
  }, 30_000);
});
