import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskSpaceError, PullAbortedError } from '../src/pull/errors.js';
import { pull } from '../src/pull/pull.js';
import { FAST, blobDir, ggufBytes, hubAndStore } from './pull-helpers.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** Bytes of all part files of the one partial download in `home`. */
function partialBytes(home: string): number {
  const dirs = blobDir(home).hidden.filter((n) => n.startsWith('.partial-'));
  expect(dirs).toHaveLength(1);
  const dir = join(home, 'blobs', dirs[0]!);
  return readdirSync(dir)
    .filter((n) => n.startsWith('part-'))
    .reduce((s, n) => s + statSync(join(dir, n)).size, 0);
}

const waitFor = async (cond: () => boolean, ms = 20_000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('pull: resume, sharing, limits', () => {
  it('SIGKILL mid-download, then the pull again: bytes on disk are not fetched again, the hash is right', async () => {
    const SIZE = 1 << 20;
    const file = ggufBytes(SIZE, 11);
    // Throttled so the kill lands mid-download (4 parts × 256 KiB/s).
    const h = await hubAndStore({ files: { 'org/r/big.gguf': file }, bytesPerSec: 256 << 10 });
    cleanup = h.done;
    const key = h.hub.sha(file);
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'pull-child.ts'), 'hf://org/r/big.gguf'], {
      env: { ...process.env, PACHA_HOME: h.home, HF_ENDPOINT: h.hub.url },
      cwd: import.meta.dirname,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise((r) => child.on('exit', r));
    await waitFor(() => (h.hub.sent.get(key) ?? 0) > 300_000);
    child.kill('SIGKILL');
    await exited;
    const onDisk = partialBytes(h.home);
    expect(onDisk).toBeGreaterThan(0);
    expect(onDisk).toBeLessThan(SIZE);
    const sentBefore = h.hub.sent.get(key)!;
    // Same hub (its counters span both runs), still throttled: the rest takes well under a second.
    const r = await pull(h.store, 'hf://org/r/big.gguf', { env: h.env, ...FAST, minPartBytes: 64 << 10 });
    expect(readFileSync(r.modelPath).equals(file)).toBe(true);
    expect(h.hub.sent.get(key)! - sentBefore).toBe(SIZE - onDisk);
    expect(blobDir(h.home).hidden).toEqual([]);
  });

  it('AbortSignal stops cleanly; the next pull resumes from the partial state', async () => {
    const SIZE = 600_000;
    const file = ggufBytes(SIZE, 12);
    const h = await hubAndStore({ files: { 'org/r/a.gguf': file }, bytesPerSec: 256 << 10 });
    cleanup = h.done;
    const key = h.hub.sha(file);
    const ac = new AbortController();
    let completed = 0;
    const p = pull(h.store, 'hf://org/r/a.gguf', { env: h.env, ...FAST, signal: ac.signal, onProgress: (e) => (completed = e.completed ?? completed) });
    await waitFor(() => completed > 150_000);
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(PullAbortedError);
    const onDisk = partialBytes(h.home);
    expect(onDisk).toBeGreaterThan(100_000);
    const sentBefore = h.hub.sent.get(key)!;
    const r = await pull(h.store, 'hf://org/r/a.gguf', { env: h.env, ...FAST });
    expect(readFileSync(r.modelPath).equals(file)).toBe(true);
    expect(h.hub.sent.get(key)! - sentBefore).toBe(SIZE - onDisk);
  });

  it('two concurrent pulls of one blob download it once', async () => {
    const SIZE = 300_000;
    const file = ggufBytes(SIZE, 13);
    const h = await hubAndStore({ files: { 'org/r/a.gguf': file }, bytesPerSec: 2 << 20 });
    cleanup = h.done;
    const [a, b] = await Promise.all([
      pull(h.store, 'hf://org/r/a.gguf', { env: h.env, ...FAST }),
      pull(h.store, 'hf://org/r/a.gguf', { env: h.env, ...FAST }),
    ]);
    expect(a.modelPath).toBe(b.modelPath);
    expect(h.hub.sent.get(h.hub.sha(file))).toBe(SIZE);
    expect(a.downloaded.length + b.downloaded.length).toBe(1);
  });

  it('two processes pulling one blob share one download (per-blob lock)', async () => {
    const SIZE = 400_000;
    const file = ggufBytes(SIZE, 15);
    // Slow enough (≈1.6 s) that the second process starts while the first holds the blob lock.
    const h = await hubAndStore({ files: { 'org/r/a.gguf': file }, bytesPerSec: 64 << 10 });
    cleanup = h.done;
    const run = () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const c = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'pull-child.ts'), 'hf://org/r/a.gguf'], {
          env: { ...process.env, PACHA_HOME: h.home, HF_ENDPOINT: h.hub.url },
          cwd: import.meta.dirname,
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        c.on('exit', (code) => resolve({ code, out }));
      });
    const [a, b] = await Promise.all([run(), run()]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect([a.out, b.out].filter((o) => o.includes('waiting for another pull of sha256:')).length).toBe(1);
    expect(h.hub.sent.get(h.hub.sha(file))).toBe(SIZE);
    expect(await h.store.names()).toHaveLength(1);
    expect(blobDir(h.home).hidden).toEqual([]);
  });

  it('an abort while waiting for another pull of the blob stops the wait', async () => {
    const file = ggufBytes(50_000, 16);
    const h = await hubAndStore({ files: { 'org/r/a.gguf': file } });
    cleanup = h.done;
    // A live holder (this process) of the blob's lock.
    mkdirSync(join(h.home, 'blobs'), { recursive: true });
    writeFileSync(join(h.home, 'blobs', `.lock-sha256-${h.hub.sha(file)}`), JSON.stringify({ pid: process.pid, host: hostname(), created: Date.now() }));
    const ac = new AbortController();
    const notes: string[] = [];
    const p = pull(h.store, 'hf://org/r/a.gguf', { env: h.env, ...FAST, signal: ac.signal, onProgress: (e) => notes.push(e.status) });
    await waitFor(() => notes.some((n) => n.startsWith('waiting for another pull')));
    const t0 = Date.now();
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(PullAbortedError);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(h.hub.dataRequests()).toBe(0);
  });

  it('not enough free disk: a clear error (need vs free) before any byte is fetched', async () => {
    const file = ggufBytes(100_000, 14);
    const h = await hubAndStore({ files: { 'org/r/a.gguf': file } });
    cleanup = h.done;
    const err = await pull(h.store, 'hf://org/r/a.gguf', { env: h.env, ...FAST, freeBytes: async () => 50_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiskSpaceError);
    expect((err as Error).message).toMatch(/need \d+ bytes .* but 50000 bytes .* are free in .*blobs; free some space/);
    expect(h.hub.dataRequests()).toBe(0);
  });
});
