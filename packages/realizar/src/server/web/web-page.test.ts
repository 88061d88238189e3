/**
 * The web page in a real browser: headless Chromium (the system's, driven by playwright-core) opens
 * `/` on a hono app that has the page route plus fake `/v1/models`, `/v1/chat/completions` and
 * `/metrics` handlers, so the page is tested on its own; the fake chat releases one SSE chunk at a
 * time when the test says so, which makes "tokens appear as they arrive" an exact assertion.
 *
 * Chromium: $PLAYWRIGHT_CHROMIUM or $CHROMIUM_PATH, else /usr/bin/chromium or chromium-browser on
 * PATH (Debian: `apt-get install chromium`, see tools/ensure-chromium.sh). Without one the suite is
 * skipped with the reason printed.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWebRoutes } from './route.js';

function findChromium(): string | null {
  for (const v of [process.env.PLAYWRIGHT_CHROMIUM, process.env.CHROMIUM_PATH]) if (v && existsSync(v)) return v;
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/bin']);
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    for (const d of dirs) if (d && existsSync(join(d, name))) return join(d, name);
  }
  return null;
}

const CHROMIUM = findChromium();
if (!CHROMIUM) {
  console.warn('web-page.test: skipped, no Chromium found (set PLAYWRIGHT_CHROMIUM or run tools/ensure-chromium.sh)');
}

const SCREENSHOT = join(dirname(fileURLToPath(import.meta.url)), '../../../test-artifacts/web-chat.png');
const PIECES = ['Hello', ', I am', ' a streamed', ' reply.'];

/** Chunks wait here until the test lets one through. */
class Gate {
  private permits = 0;
  private waiters: Array<() => void> = [];
  wait(): Promise<void> {
    if (this.permits > 0) {
      this.permits--;
      return Promise.resolve();
    }
    return new Promise((r) => this.waiters.push(r));
  }
  open(n = 1): void {
    for (let i = 0; i < n; i++) {
      const w = this.waiters.shift();
      if (w) w();
      else this.permits++;
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const chunk = (delta: object, finish: string | null = null, extra: object = {}) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 0, model: 'fake-model', choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;

describe.skipIf(!CHROMIUM)('web page in headless Chromium', () => {
  const gate = new Gate();
  const chatBodies: Array<{ messages: Array<{ role: string; content: string }>; [k: string]: unknown }> = [];
  const aborted: boolean[] = [];
  const metrics = { decode: 12.5, prompt: 240, queue: 3, active: 2, slots: 4, kvUsed: 512, kvCap: 2048, requests: 7, generated: 1234 };
  let server: ServerType;
  let base = '';
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const app = new Hono();
    registerWebRoutes(app);
    app.get('/v1/models', (c) => c.json({ object: 'list', data: [{ id: 'fake-model', object: 'model', created: 0, owned_by: 'apr' }] }));
    app.get('/metrics', (c) =>
      c.text(
        [
          '# TYPE apr_decode_tokens_per_second gauge',
          `apr_decode_tokens_per_second ${metrics.decode}`,
          `apr_prompt_tokens_per_second ${metrics.prompt}`,
          `apr_queue_depth ${metrics.queue}`,
          `apr_slots_active ${metrics.active}`,
          `apr_slots_total ${metrics.slots}`,
          `apr_kv_used_tokens ${metrics.kvUsed}`,
          `apr_kv_capacity_tokens ${metrics.kvCap}`,
          `apr_requests_total{endpoint="chat",status="200"} ${metrics.requests - 2}`,
          `apr_requests_total{endpoint="completions"} 2`,
          `apr_generated_tokens_total ${metrics.generated}`,
          'apr_prompt_tokens_total 99',
          '',
        ].join('\n'),
        200,
        { 'Content-Type': 'text/plain; version=0.0.4' },
      ),
    );
    app.post('/v1/chat/completions', async (c) => {
      chatBodies.push(await c.req.json());
      const n = aborted.push(false) - 1;
      const enc = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        async start(ctrl) {
          try {
            ctrl.enqueue(enc.encode(chunk({ role: 'assistant', content: '' })));
            for (const p of PIECES) {
              await gate.wait();
              await sleep(20);
              ctrl.enqueue(enc.encode(chunk({ content: p })));
            }
            await gate.wait();
            ctrl.enqueue(enc.encode(chunk({}, 'stop')));
            ctrl.enqueue(enc.encode(`data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 9, completion_tokens: PIECES.length, total_tokens: 9 + PIECES.length } })}\n\n`));
            ctrl.enqueue(enc.encode('data: [DONE]\n\n'));
            ctrl.close();
          } catch {
            // The client went away (Stop): enqueue on a cancelled stream throws.
          }
        },
        cancel() {
          aborted[n] = true;
        },
      });
      return new Response(body, { headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' } });
    });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
    page.on('request', (r) => requested.push(r.url()));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
  }, 60_000);

  afterAll(async () => {
    gate.open(100);
    await browser?.close();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
  });

  it('streams a reply token by token, renders live metrics and loads nothing from elsewhere', async () => {
    const res = await fetch(`${base}/`);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");

    await page.goto(`${base}/`);
    await expect.poll(() => page.textContent('#model')).toBe('fake-model');
    await expect.poll(() => page.textContent('#m-decode')).toBe('12.5');
    expect(await page.textContent('#m-queue')).toBe('3');
    expect(await page.textContent('#m-active')).toBe('2');
    expect(await page.textContent('#m-slots')).toBe('4');
    expect(await page.textContent('#m-kv-pct')).toBe('25%');
    expect(await page.textContent('#m-requests')).toBe('7');
    expect(await page.textContent('#metrics-status')).toBe('live');

    await page.click('details.settings summary');
    await page.fill('#system', 'Answer briefly.');
    await page.fill('#temperature', '0.2');
    await page.fill('#max-tokens', '32');
    await page.fill('#input', 'Hi there');
    await page.click('#send');

    const reply = page.locator('.msg.assistant .content');
    await expect.poll(() => page.locator('.msg.assistant.streaming').count()).toBe(1);
    // Each released chunk shows up alone, while the reply is still streaming: the page renders
    // tokens as they arrive, not when the response ends.
    for (let k = 1; k <= PIECES.length; k++) {
      gate.open();
      await expect.poll(() => reply.textContent()).toBe(PIECES.slice(0, k).join(''));
      expect(await page.locator('.msg.assistant.streaming').count()).toBe(1);
      expect(await page.isDisabled('#send')).toBe(true);
    }
    metrics.decode = 31.5;
    metrics.active = 1;
    gate.open();
    await expect.poll(() => page.textContent('.msg.assistant .meta')).toMatch(/^4 tokens · first token \d+ ms · [\d.]+ tok\/s · stop$/);
    expect(await page.locator('.msg.assistant.streaming').count()).toBe(0);
    await expect.poll(() => page.textContent('#m-decode')).toBe('31.5');
    expect(await page.textContent('#m-active')).toBe('1');

    expect(chatBodies[0]).toMatchObject({
      model: 'fake-model',
      stream: true,
      temperature: 0.2,
      max_tokens: 32,
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'Hi there' },
      ],
    });

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });

    expect(pageErrors).toEqual([]);
    for (const u of requested) expect(u.startsWith(`${base}/`)).toBe(true);
  }, 60_000);

  it('sends the conversation so far and stops a reply on Stop', async () => {
    await page.fill('#input', 'And again');
    await page.press('#input', 'Enter');
    await expect.poll(() => chatBodies.length).toBe(2);
    gate.open();
    const second = page.locator('.msg.assistant .content').nth(1);
    await expect.poll(() => second.textContent()).toBe(PIECES[0]);
    await page.click('#stop');
    await expect.poll(() => page.locator('.msg.assistant .meta').nth(1).textContent()).toContain('stopped');
    await expect.poll(() => aborted[1]).toBe(true);
    expect(chatBodies[1]!.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(chatBodies[1]!.messages[2]!.content).toBe(PIECES.join(''));
    expect(await page.isDisabled('#send')).toBe(false);
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
