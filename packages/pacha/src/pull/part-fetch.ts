/**
 * One part of a download: GET with `Range: bytes=<offset>-<end>` from where the part file ends,
 * appending as bytes arrive; retried (reconnecting at the current offset) on resets, stalls,
 * truncation and 408/429/5xx. A server that ignores Range (200 with the whole body) is handled by
 * skipping the body up to the part's offset, so nothing outside the part is ever written.
 */
import { createReadStream } from 'node:fs';
import { open, rm, truncate } from 'node:fs/promises';
import { TruncatedError } from './errors.js';
import { openRequest, withStall } from './http.js';
import { type PartRange, type PartialDir, type PartialMeta, partLength } from './partial.js';
import { type RetryOptions, withRetries } from './retry.js';

/** Shared state of the parts of one download. */
export interface PartContext {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly stallMs: number;
  readonly signal: AbortSignal;
  readonly retry: RetryOptions;
  /** `n` more bytes were written. */
  readonly added: (n: number) => void;
  /** The server answered a Range request with 200. */
  readonly rangeIgnored: () => void;
}

/** `bytes a-b/total` → a, b. */
function contentRange(v: string | string[] | undefined): { start: number; end: number } | undefined {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(v ?? '').trim());
  return m ? { start: Number(m[1]), end: Number(m[2]) } : undefined;
}

/** Downloads part `p` into `path`, of which `have` bytes are already on disk. */
export async function fetchPart(ctx: PartContext, path: string, p: PartRange, have: number): Promise<void> {
  const len = partLength(p);
  let done = have;
  if (done >= len) return;
  await withRetries(async (progressed) => {
    const from = p.start + done;
    const range = p.end === null ? (from > 0 ? `bytes=${from}-` : undefined) : `bytes=${from}-${p.end}`;
    const headers = range ? { ...ctx.headers, range } : ctx.headers;
    const r = await openRequest(ctx.url, { headers, signal: ctx.signal, stallMs: ctx.stallMs });
    let skip = 0;
    if (r.status === 206) {
      const cr = contentRange(r.headers['content-range']);
      if (!cr || cr.start !== from) {
        r.res.destroy();
        throw new TruncatedError(`${ctx.url}: asked for bytes from ${from}, got Content-Range '${String(r.headers['content-range'])}'`);
      }
    } else if (range) {
      if (from > 0) ctx.rangeIgnored();
      skip = from;
    }
    const fh = await open(path, 'a');
    try {
      for await (const chunk of withStall(r.res, ctx.stallMs)) {
        let c = chunk;
        if (skip > 0) {
          if (c.length <= skip) {
            skip -= c.length;
            continue;
          }
          c = c.subarray(skip);
          skip = 0;
        }
        if (c.length > len - done) c = c.subarray(0, len - done);
        if (c.length > 0) {
          await fh.write(c);
          done += c.length;
          ctx.added(c.length);
          progressed();
        }
        if (done >= len) break;
      }
    } finally {
      await fh.close();
      if (!r.res.destroyed) r.res.destroy();
    }
    if (done < len) {
      if (p.end === null && r.res.complete) return; // open-ended part: the body's end is the file's end
      throw new TruncatedError(`${ctx.url}: response ended at byte ${p.start + done} of part ${p.start}-${p.end ?? ''}`);
    }
  }, ctx.retry, `GET ${ctx.url} (part ${p.start}-${p.end ?? ''})`);
}

/**
 * Appends parts 1..n-1 to part-0, each deleted once appended, recording progress in the meta, so an
 * interrupted merge resumes (part-0 is cut back to the start of the part being appended).
 */
export async function mergeParts(partial: PartialDir, meta: PartialMeta): Promise<void> {
  const base = partial.partPath(0);
  await (await open(base, 'a')).close(); // an empty file has no bytes to fetch but still needs its part-0
  for (let k = (meta.mergedThrough ?? 0) + 1; k < meta.parts.length; k++) {
    await truncate(base, meta.parts[k]!.start);
    const fh = await open(base, 'a');
    try {
      for await (const chunk of createReadStream(partial.partPath(k), { highWaterMark: 1 << 20 })) await fh.write(chunk as Buffer);
      await fh.sync();
    } finally {
      await fh.close();
    }
    meta.mergedThrough = k;
    await partial.save(meta);
    await rm(partial.partPath(k), { force: true });
  }
}
