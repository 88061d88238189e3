/**
 * Downloads one blob into the store: probe (HEAD, redirects followed), per-blob lock, free-space
 * check, N Range parts in parallel with resume/retry/stall detection (see part-fetch.ts), merge,
 * streaming sha256, and an atomic rename into `blobs/sha256-<hex>` only when the digest matches.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { commitTemp } from '../atomic.js';
import { blobFileName, sha256File } from '../digest.js';
import { LockError } from '../errors.js';
import { withLock } from '../lock.js';
import { DigestMismatchError, DiskSpaceError, HttpStatusError, PullAbortedError } from './errors.js';
import { openRequest } from './http.js';
import { mergeParts, fetchPart, type PartContext } from './part-fetch.js';
import { PartialDir, type PartialMeta, partLength, planParts } from './partial.js';
import { type RetryOptions, withRetries } from './retry.js';
import { pathExists } from '../path-exists.js';

/** What to download. */
export interface BlobRequest {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Expected `sha256:<hex>` when known (registry layer, hub LFS oid); else the hub's X-Linked-Etag, else none. */
  readonly digest?: string;
  readonly size?: number;
}

/** Options of {@link downloadBlob}. */
export interface DownloadOptions extends RetryOptions {
  /** Parts fetched in parallel (default 4). */
  readonly parallel?: number;
  /** Smallest part (default 8 MiB); files under twice this are one part. */
  readonly minPartBytes?: number;
  /** No bytes for this long → drop the connection and reconnect at the part's offset (default 30 s). */
  readonly stallMs?: number;
  /** Free bytes of the file system holding `dir` (default `fs.statfs`); for tests. */
  readonly freeBytes?: (dir: string) => Promise<number>;
  /** Bytes done so far of this blob (throttled to ~10/s plus the last call). */
  readonly onProgress?: (p: { digest?: string; total?: number; completed: number }) => void;
  /** Human notes for the event stream (no published digest, server ignored Range, retries). */
  readonly onNote?: (message: string) => void;
  /** Called once when hashing starts. */
  readonly onVerify?: () => void;
}

/** What {@link downloadBlob} returns. */
export interface DownloadResult {
  readonly digest: string;
  readonly size: number;
  readonly path: string;
  /** False when the blob was already in the store (nothing fetched). */
  readonly downloaded: boolean;
  /** False when the source published no digest and the computed one was recorded as is. */
  readonly published: boolean;
}

const MiB = 1 << 20;


async function statfsFree(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/** HEAD of `url`: size and published digest. Servers that refuse HEAD give nothing (the GET decides). */
async function probe(req: BlobRequest, o: DownloadOptions): Promise<{ size?: number; sha256?: string; ranges: boolean }> {
  return withRetries(async () => {
    try {
      const r = await openRequest(req.url, { method: 'HEAD', headers: req.headers, signal: o.signal, stallMs: o.stallMs ?? 30_000 });
      r.res.resume();
      const len = r.headers['content-length'];
      const size = r.linked.size ?? (len !== undefined && !r.headers['content-encoding'] ? Number(len) : undefined);
      return { size, sha256: r.linked.sha256, ranges: r.headers['accept-ranges'] !== 'none' };
    } catch (err) {
      if (err instanceof HttpStatusError && (err.status === 405 || err.status === 501)) return { ranges: true };
      throw err;
    }
  }, o, `HEAD ${req.url}`);
}

/** Takes the per-blob lock, polling so that an abort while waiting is honoured. */
async function withBlobLock<T>(path: string, fn: () => Promise<T>, signal: AbortSignal | undefined, onWait: () => void): Promise<T> {
  let waited = false;
  for (;;) {
    if (signal?.aborted) throw new PullAbortedError();
    try {
      return await withLock(path, fn, { timeoutMs: 500 });
    } catch (err) {
      if (!(err instanceof LockError)) throw err;
      if (!waited) onWait();
      waited = true;
    }
  }
}

/**
 * Downloads `req` into `blobsDir` and returns its digest. A blob already present is not fetched.
 * Two pulls of the same blob (any processes) share one download: the second waits on the lock
 * `blobs/.lock-<key>` and then finds the blob. On abort the partial state stays for a resume.
 */
export async function downloadBlob(blobsDir: string, req: BlobRequest, o: DownloadOptions = {}): Promise<DownloadResult> {
  await mkdir(blobsDir, { recursive: true });
  const present = async (digest: string | undefined, size?: number): Promise<DownloadResult | undefined> => {
    if (!digest) return undefined;
    const path = join(blobsDir, blobFileName(digest));
    if (!(await pathExists(path))) return undefined;
    return { digest, size: size ?? (await stat(path)).size, path, downloaded: false, published: true };
  };
  const early = await present(req.digest, req.size);
  if (early) return early;
  const head = await probe(req, o);
  const digest = req.digest ?? (head.sha256 ? `sha256:${head.sha256}` : undefined);
  const size = req.size ?? head.size;
  const key = digest ? blobFileName(digest) : `url-${createHash('sha256').update(req.url).digest('hex').slice(0, 32)}`;
  const onWait = () => o.onNote?.(`waiting for another pull of ${digest ?? req.url} to finish`);
  return withBlobLock(
    join(blobsDir, `.lock-${key}`),
    async () => (await present(digest, size)) ?? fetchLocked(blobsDir, key, req, digest, size, head.ranges, o),
    o.signal,
    onWait,
  );
}

async function fetchLocked(
  blobsDir: string,
  key: string,
  req: BlobRequest,
  digest: string | undefined,
  size: number | undefined,
  ranges: boolean,
  o: DownloadOptions,
): Promise<DownloadResult> {
  const partial = new PartialDir(join(blobsDir, `.partial-${key}`));
  const expect = { size: size ?? null, digest: digest ?? null };
  let meta: PartialMeta | undefined = await partial.load(expect);
  if (!meta) {
    const parts = planParts(expect.size, ranges ? (o.parallel ?? 4) : 1, o.minPartBytes ?? 8 * MiB);
    meta = { url: req.url, ...expect, parts };
    await partial.reset(meta);
  }
  if (meta.mergedThrough === undefined) {
    const have = await Promise.all(meta.parts.map((p, i) => partial.have(i, p)));
    const done = have.reduce((a, b) => a + b, 0);
    if (size !== undefined) {
      const mergeExtra = Math.max(0, ...meta.parts.slice(1).map(partLength));
      const need = size - done + mergeExtra;
      const free = await (o.freeBytes ?? statfsFree)(blobsDir);
      if (free < need) {
        throw new DiskSpaceError(
          `not enough disk space to pull ${req.url}: need ${need} bytes (${(need / 1e9).toFixed(2)} GB) but ${free} bytes ` +
            `(${(free / 1e9).toFixed(2)} GB) are free in ${blobsDir}; free some space (apr rm unused models) or set PACHA_HOME to a larger disk`,
        );
      }
    }
    await fetchAll(partial, meta, have, req, digest, size, o);
    meta.mergedThrough = 0;
    await partial.save(meta);
  }
  await mergeParts(partial, meta);
  o.onVerify?.();
  const merged = partial.partPath(0);
  const actual = await sha256File(merged);
  const want = digest ?? actual.digest;
  if (actual.digest !== want || (size !== undefined && actual.size !== size)) {
    await partial.remove();
    throw new DigestMismatchError(req.url, want, actual.size !== size && actual.digest === want ? `${actual.digest} (${actual.size} bytes, expected ${size})` : actual.digest);
  }
  if (!digest) o.onNote?.(`${req.url} publishes no sha256: recorded the computed digest ${actual.digest}`);
  const target = join(blobsDir, blobFileName(actual.digest));
  if (await pathExists(target)) await rm(merged, { force: true });
  else await commitTemp(merged, target);
  await partial.remove();
  return { digest: actual.digest, size: actual.size, path: target, downloaded: true, published: digest !== undefined };
}

/** Fetches every unfinished part in parallel; on the first hard failure stops the others and rethrows. */
async function fetchAll(
  partial: PartialDir,
  meta: PartialMeta,
  have: number[],
  req: BlobRequest,
  digest: string | undefined,
  size: number | undefined,
  o: DownloadOptions,
): Promise<void> {
  const inner = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, inner.signal]) : inner.signal;
  let completed = have.reduce((a, b) => a + b, 0);
  let last = 0;
  const report = (force: boolean) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    o.onProgress?.({ digest, total: size, completed });
  };
  report(true);
  let noted = false;
  const ctx: PartContext = {
    url: req.url,
    headers: req.headers ?? {},
    stallMs: o.stallMs ?? 30_000,
    signal,
    retry: { ...o, signal },
    added: (n) => {
      completed += n;
      report(false);
    },
    rangeIgnored: () => {
      if (!noted) o.onNote?.(`${req.url}: the server ignored a Range request; skipping to the part's offset in the full body`);
      noted = true;
    },
  };
  const results = await Promise.allSettled(
    meta.parts.map((p, i) =>
      fetchPart(ctx, partial.partPath(i), p, have[i]!).catch((err: unknown) => {
        inner.abort();
        throw err;
      }),
    ),
  );
  report(true);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    if (o.signal?.aborted) throw new PullAbortedError();
    // The first error is the cause; the others are the aborts it triggered.
    const cause = results.map((r) => (r.status === 'rejected' ? (r.reason as unknown) : undefined)).find((e) => e !== undefined && !(e instanceof PullAbortedError));
    throw cause ?? failed.reason;
  }
}
