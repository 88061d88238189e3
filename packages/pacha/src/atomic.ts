/**
 * Atomic file writes: the bytes go to a temp file in the destination's directory (same file system,
 * so rename is atomic), are fsynced, then renamed over the target, and the directory is fsynced so
 * the rename itself survives a crash. A reader sees the old file or the new one, never a torn one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A temp path beside `target`: `.<name>.tmp-<pid>-<random>` (hidden; GC never takes it for a blob). */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

async function fsyncDir(dir: string): Promise<void> {
  // Directory fsync is how POSIX makes a rename durable; some file systems refuse it (EINVAL/EISDIR).
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* best effort */
  }
}

/** Writes `data` to `target` atomically (temp + fsync + rename + directory fsync). */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dirname(target));
}

/**
 * Copies `src` to a new fsynced temp file in `dir` while hashing it; returns the temp path, the
 * digest and the size. The caller renames it into place (see {@link commitTemp}) or removes it.
 */
export async function copyHashedToTemp(src: string, dir: string): Promise<{ tmp: string; digest: string; size: number }> {
  await mkdir(dir, { recursive: true });
  const tmp = tempPathFor(join(dir, 'import'));
  const h = createHash('sha256');
  let size = 0;
  const fh = await open(tmp, 'wx');
  try {
    for await (const chunk of createReadStream(src, { highWaterMark: 1 << 20 })) {
      const b = chunk as Buffer;
      h.update(b);
      size += b.length;
      await fh.write(b);
    }
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  return { tmp, digest: `sha256:${h.digest('hex')}`, size };
}

/** Renames a finished temp file onto `target` and makes the rename durable. */
export async function commitTemp(tmp: string, target: string): Promise<void> {
  await rename(tmp, target);
  await fsyncDir(dirname(target));
}
