/**
 * The on-disk state of an unfinished download, `blobs/.partial-<key>/` (hidden: blob GC skips dot
 * names): `meta.json` and one file per part, `part-<i>`, appended as bytes arrive. A file's length
 * is how much of its part is done, so a restarted pull resumes each part where it stopped.
 * After the download, parts 1..n-1 are appended to `part-0` one at a time (each deleted once
 * appended, `mergedThrough` recorded), so the merge needs at most one part's size of extra disk and
 * survives a crash half-way (part-0 is truncated back to the start of the part being appended).
 */
import { mkdir, readFile, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic.js';

/** One byte range of the file, `end` inclusive; `end` null for a single open-ended part (size unknown). */
export interface PartRange {
  readonly start: number;
  readonly end: number | null;
}

/** `meta.json` of a partial download. */
export interface PartialMeta {
  readonly url: string;
  readonly size: number | null;
  readonly digest: string | null;
  readonly parts: readonly PartRange[];
  /** Set once every part is complete: the last part appended to part-0 (0 = merge started). */
  mergedThrough?: number;
}

/** Splits `size` bytes into up to `parallel` parts of at least `minPartBytes` (one part when smaller). */
export function planParts(size: number | null, parallel: number, minPartBytes: number): PartRange[] {
  if (size === null) return [{ start: 0, end: null }];
  const n = Math.max(1, Math.min(parallel, Math.floor(size / Math.max(1, minPartBytes))));
  const per = Math.ceil(size / n);
  const parts: PartRange[] = [];
  for (let s = 0; s < size || parts.length === 0; s += per) parts.push({ start: s, end: Math.min(size, s + per) - 1 });
  return parts;
}

/** Length of a part in bytes (Infinity when open-ended). */
export function partLength(p: PartRange): number {
  return p.end === null ? Infinity : p.end - p.start + 1;
}

/** A partial download directory. */
export class PartialDir {
  constructor(readonly dir: string) {}

  partPath(i: number): string {
    return join(this.dir, `part-${i}`);
  }

  /** The saved meta when it matches `url`/`size`/`digest` (a different file restarts from zero). */
  async load(expect: { size: number | null; digest: string | null }): Promise<PartialMeta | undefined> {
    try {
      const m = JSON.parse(await readFile(join(this.dir, 'meta.json'), 'utf8')) as PartialMeta;
      if (m.size === expect.size && m.digest === expect.digest && Array.isArray(m.parts) && m.parts.length > 0) return m;
    } catch {
      /* absent or torn: start over */
    }
    return undefined;
  }

  /** Deletes any previous state and writes a fresh meta. */
  async reset(meta: PartialMeta): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    await mkdir(this.dir, { recursive: true });
    await this.save(meta);
  }

  async save(meta: PartialMeta): Promise<void> {
    await writeFileAtomic(join(this.dir, 'meta.json'), JSON.stringify(meta));
  }

  /** Bytes of part `i` on disk, cut back to the part's length if longer. */
  async have(i: number, p: PartRange): Promise<number> {
    const path = this.partPath(i);
    let n = 0;
    try {
      n = (await stat(path)).size;
    } catch {
      return 0;
    }
    if (n > partLength(p)) {
      await truncate(path, partLength(p));
      n = partLength(p);
    }
    return n;
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
