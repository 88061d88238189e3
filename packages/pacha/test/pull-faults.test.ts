import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DigestMismatchError, HttpStatusError, NetworkError } from '../src/pull/errors.js';
import { parseLinkedEtag, parseRetryAfter } from '../src/pull/http.js';
import { type PullEvent, pull } from '../src/pull/pull.js';
import type { HubFault } from '../src/testing/loopback-hub.js';
import { FAST, blobDir, ggufBytes, hubAndStore } from './pull-helpers.js';

const SIZE = 200_000;
const file = ggufBytes(SIZE, 7);
const REF = 'hf://org/repo/model-q8_0.gguf';
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function pullWith(faults: HubFault[], extra: Record<string, unknown> = {}) {
  const h = await hubAndStore({ files: { 'org/repo/model-q8_0.gguf': file }, faults });
  cleanup = h.done;
  const events: PullEvent[] = [];
  const r = await pull(h.store, REF, { env: h.env, ...FAST, ...extra, onProgress: (e) => events.push(e) });
  return { ...h, r, events };
}

function expectIntact(home: string, path: string): void {
  expect(readFileSync(path).equals(file)).toBe(true);
  expect(blobDir(home).hidden).toEqual([]);
}

describe('pull http helpers', () => {
  it('X-Linked-Etag: quoted, weak or bare sha256 hex; anything else is no digest', () => {
    const hex = 'ab'.repeat(32);
    expect(parseLinkedEtag(`"${hex}"`)).toBe(hex);
    expect(parseLinkedEtag(`W/"${hex.toUpperCase()}"`)).toBe(hex);
    expect(parseLinkedEtag(hex)).toBe(hex);
    expect(parseLinkedEtag('"abc123"')).toBeUndefined();
    expect(parseLinkedEtag(undefined)).toBeUndefined();
  });

  it('Retry-After: delta seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('pull: faults the downloader recovers from', () => {
  it('no fault: 4 parts, events in Ollama order, blob and manifest written', async () => {
    const { r, events, home, hub } = await pullWith([]);
    expectIntact(home, r.modelPath);
    expect(r.display).toBe('hf.co/org/repo:model-q8_0');
    const statuses = events.map((e) => e.status.replace(/pulling [0-9a-f]{12}/, 'pulling D'));
    expect(statuses[0]).toBe('pulling manifest');
    expect(statuses.slice(-3)).toEqual(['verifying sha256 digest', 'writing manifest', 'success']);
    const last = events.filter((e) => e.completed !== undefined).pop()!;
    expect(last).toMatchObject({ total: SIZE, completed: SIZE, digest: `sha256:${hub.sha(file)}` });
    expect(hub.sent.get(hub.sha(file))).toBe(SIZE);
    expect(hub.requests.filter((q) => q.path.startsWith('/cdn/') && q.method === 'GET').length).toBe(4);
  });

  it.each<[string, HubFault[]]>([
    ['reset mid-part', [{ kind: 'reset', at: 30_000 }]],
    ['truncated body', [{ kind: 'truncate', at: 120_000 }]],
    ['stall longer than stallMs', [{ kind: 'stall', at: 10_000, ms: 1_500 }]],
    ['stall before the response headers', [{ kind: 'stall', request: 0, at: 0, ms: 1_500 }]],
    ['429 with Retry-After', [{ kind: 'status', status: 429, retryAfter: 0, request: 1 }]],
    ['500', [{ kind: 'status', status: 500, request: 0 }]],
    ['503 twice', [{ kind: 'status', status: 503, times: 2 }]],
    ['Range ignored (200 full body)', [{ kind: 'ignore-range', request: 2 }]],
    ['reset at the first byte, three times', [{ kind: 'reset', request: 0, at: 0 }, { kind: 'reset', request: 4 }, { kind: 'reset', request: 5 }]],
  ])('%s → right bytes, nothing left over', async (_name, faults) => {
    const { r, home } = await pullWith(faults);
    expectIntact(home, r.modelPath);
  });

  it('Retry-After is honoured', async () => {
    const t0 = Date.now();
    const { r, home } = await pullWith([{ kind: 'status', status: 429, retryAfter: 1, request: 0 }], { maxDelayMs: 5_000 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expectIntact(home, r.modelPath);
  });

  it('a resumed part does not fetch again what it already has (reset → Range from the offset)', async () => {
    const { r, home, hub } = await pullWith([{ kind: 'reset', at: 100_000 }], { parallel: 1 });
    expectIntact(home, r.modelPath);
    const ranges = hub.requests.filter((q) => q.path.startsWith('/cdn/') && q.method === 'GET').map((q) => q.range);
    expect(ranges[0]).toBe(`bytes=0-${SIZE - 1}`);
    expect(ranges[1]).toMatch(/^bytes=\d+-199999$/);
    // Whatever the reset cut off in flight is fetched again, never more than that.
    expect(hub.sent.get(hub.sha(file))!).toBeLessThan(SIZE + 100_000);
  });

  it('the retry budget counts consecutive failures: it resets whenever bytes flowed', async () => {
    const resets: HubFault[] = [20_000, 60_000, 100_000, 140_000, 180_000].map((at) => ({ kind: 'reset', at }));
    const { r, home } = await pullWith(resets, { parallel: 1, retries: 2 });
    expectIntact(home, r.modelPath);
    // Three resets in a row before any byte: over a budget of 2.
    const h = await hubAndStore({ files: { 'org/repo/model-q8_0.gguf': file }, faults: [0, 1, 2].map((request) => ({ kind: 'reset', request, at: 0 })) });
    const err = await pull(h.store, REF, { env: h.env, ...FAST, parallel: 1, retries: 2 }).catch((e: unknown) => e);
    await h.done();
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as Error).message).toMatch(/^GET .*model-q8_0\.gguf \(part 0-199999\): gave up after 3 failed attempts in a row \(last: .*\); check the network/);
  });

  it('wrong bytes every time → DigestMismatchError naming URL and digests; no blob, no manifest, no partial state', async () => {
    const h = await hubAndStore({ files: { 'org/repo/model-q8_0.gguf': file }, faults: [{ kind: 'flip', at: 5, times: Infinity }] });
    cleanup = h.done;
    const err = await pull(h.store, REF, { env: h.env, ...FAST }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect((err as Error).message).toContain(`expected sha256:${h.hub.sha(file)}`);
    expect((err as Error).message).toContain('/org/repo/resolve/main/model-q8_0.gguf');
    expect(blobDir(h.home)).toEqual({ blobs: [], hidden: [] });
    expect(await h.store.names()).toEqual([]);
  });

  it('500 forever → HttpStatusError after the bounded retries', async () => {
    const h = await hubAndStore({ files: { 'org/repo/model-q8_0.gguf': file }, faults: [{ kind: 'status', status: 500, times: Infinity }] });
    cleanup = h.done;
    const err = await pull(h.store, REF, { env: h.env, ...FAST, retries: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpStatusError);
    expect((err as Error).message).toMatch(/HTTP 500; the server failed: pull again later/);
    expect(h.hub.dataRequests()).toBeLessThanOrEqual(4 * 4);
  });
});
