/**
 * A cross-process writer lock: the lock file is created with O_EXCL (`wx`), so exactly one process
 * succeeds; it holds `{pid, host, created}`. A lock whose pid is gone on this host (or that is older
 * than `staleMs`, for a holder on another host sharing the directory) is stale and is broken.
 */
import { hostname } from 'node:os';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tempPathFor } from './atomic.js';
import { LockError } from './errors.js';

/** Options of {@link withLock}. */
export interface LockOptions {
  /** Give up after this long waiting (default 60 s). */
  readonly timeoutMs?: number;
  /** A lock older than this is stale even when its pid cannot be checked (default 10 min). */
  readonly staleMs?: number;
}

interface LockInfo {
  pid: number;
  host: string;
  created: number;
}

/** An unreadable (empty or torn) lock file older than this is stale. */
const UNREADABLE_STALE_MS = 5_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(path: string): Promise<LockInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(path, 'utf8')) as LockInfo;
    return typeof info.pid === 'number' ? info : undefined;
  } catch {
    return undefined;
  }
}

/** True when the lock at `path` belongs to no live holder. */
async function isStale(path: string, staleMs: number): Promise<boolean> {
  const info = await readLock(path);
  if (!info) {
    // An unreadable lock may be half-written by a holder that created it a moment ago; one that
    // stays unreadable for seconds was left by a process that died between create and write.
    try {
      return Date.now() - (await stat(path)).mtimeMs > UNREADABLE_STALE_MS;
    } catch {
      return false; // gone: the next create attempt decides
    }
  }
  if (info.host === hostname()) return !alive(info.pid);
  return Date.now() - info.created > staleMs;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` while holding the lock file `path`; waits (polling with backoff up to 100 ms) while
 * another live process holds it. Throws {@link LockError} after `timeoutMs`.
 */
export async function withLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const staleMs = options.staleMs ?? 10 * 60_000;
  const start = Date.now();
  const me: LockInfo = { pid: process.pid, host: hostname(), created: Date.now() };
  let delay = 2;
  for (;;) {
    try {
      await writeFile(path, JSON.stringify(me), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await isStale(path, staleMs)) {
      // Break it by renaming to a unique name first: of two processes breaking the same stale lock,
      // only one rename succeeds, so neither deletes a fresh lock the other just created.
      const grave = tempPathFor(path);
      try {
        await rename(path, grave);
        await rm(grave, { force: true });
      } catch {
        /* someone else broke it first */
      }
      continue;
    }
    if (Date.now() - start > timeoutMs) {
      const info = await readLock(path);
      throw new LockError(
        `store lock ${path} is held by pid ${info?.pid ?? '?'} on ${info?.host ?? '?'} for over ${Math.round(timeoutMs / 1000)} s; ` +
          'wait for that apr process to finish, or delete the lock file if no apr process is running',
      );
    }
    await sleep(delay);
    delay = Math.min(100, delay * 2);
  }
  try {
    return await fn();
  } finally {
    // Remove the lock only while it is still ours (it may have been broken as stale and re-taken).
    const info = await readLock(path);
    if (info && info.pid === me.pid && info.created === me.created && info.host === me.host) await rm(path, { force: true });
  }
}
