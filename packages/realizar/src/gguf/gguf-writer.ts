/**
 * GGUF writers: `writeGGUF` builds a file in memory (tests, small files); `writeGGUFFile` streams a
 * file of any size to disk: header first, then each tensor's bytes as they are produced, so only
 * one tensor needs to be in memory at a time. Both produce identical bytes for the same spec.
 */
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GGUFWriteError } from './gguf-errors.js';
import { checkTensorData, encodeHeader, type GGUFLayout, planGGUF, type PlannedTensor } from './gguf-layout.js';
import type { GGUFWriteSpec } from './gguf-types.js';

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as PromiseLike<unknown>).then === 'function';
}

function resolveSync(t: PlannedTensor): Uint8Array {
  const d = typeof t.spec.data === 'function' ? t.spec.data() : t.spec.data;
  if (isPromiseLike(d)) {
    const field = `tensor '${t.spec.name}'`;
    throw new GGUFWriteError(`${field}: data() returned a Promise; writeGGUF is synchronous (use writeGGUFFile)`, {
      field,
      expected: 'Uint8Array',
      actual: 'Promise',
    });
  }
  checkTensorData(t.spec, t.byteSize, d);
  return d;
}

async function resolveAsync(t: PlannedTensor): Promise<Uint8Array> {
  const d = typeof t.spec.data === 'function' ? await t.spec.data() : t.spec.data;
  checkTensorData(t.spec, t.byteSize, d);
  return d;
}

/**
 * Writes a GGUF file into one new buffer. Validates the spec first (throws {@link GGUFWriteError})
 * and calls each lazy `data()` once; a `data()` returning a Promise is an error here.
 */
export function writeGGUF(spec: GGUFWriteSpec): Uint8Array {
  const layout = planGGUF(spec);
  const out = new Uint8Array(layout.fileSize); // zero-filled: padding needs no writes
  encodeHeader(layout, out.subarray(0, layout.dataOffset));
  for (const t of layout.tensors) out.set(resolveSync(t), layout.dataOffset + t.offset);
  return out;
}

// fs writes are limited to 2 GiB - 1 per call; larger tensors go in slices (views, no copies).
const MAX_WRITE = 1 << 30;

/**
 * Streams a GGUF file to `path`, atomically: the bytes go to `path + '.tmp-<pid>'`, which is
 * fsynced and renamed over `path` only when complete; on any error the temporary file is removed
 * and `path` is left untouched. The spec is validated before the file is created.
 */
export async function writeGGUFFile(path: string, spec: GGUFWriteSpec): Promise<void> {
  const layout = planGGUF(spec);
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  let closed = false;
  try {
    await streamLayout(layout, (b) => writeAll(fh, b));
    await fh.sync();
    closed = true;
    await fh.close();
    await rename(tmp, path);
  } catch (e) {
    if (!closed) await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await syncDir(dirname(path));
}

async function writeAll(fh: import('node:fs/promises').FileHandle, b: Uint8Array): Promise<void> {
  for (let off = 0; off < b.byteLength; ) {
    const n = Math.min(b.byteLength - off, MAX_WRITE);
    const { bytesWritten } = await fh.write(b, off, n);
    if (bytesWritten <= 0) throw new Error(`write returned ${bytesWritten}`);
    off += bytesWritten;
  }
}

/** Emits the file's bytes in order: header with padding, then each tensor followed by padding. */
async function streamLayout(layout: GGUFLayout, emit: (b: Uint8Array) => Promise<void>): Promise<void> {
  const header = new Uint8Array(layout.dataOffset);
  encodeHeader(layout, header);
  await emit(header);
  const zeros = new Uint8Array(layout.alignment);
  const ts = layout.tensors;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    await emit(await resolveAsync(t));
    // Zero padding up to the next tensor (or, after the last one, to the end of the file).
    const next = i + 1 < ts.length ? ts[i + 1].offset : layout.fileSize - layout.dataOffset;
    const pad = next - (t.offset + t.byteSize);
    if (pad > 0) await emit(zeros.subarray(0, pad));
  }
}

/** Makes the rename durable (best effort: some platforms cannot fsync a directory). */
async function syncDir(dir: string): Promise<void> {
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // ignored: durability of the directory entry is an optimisation, not a correctness need
  }
}
