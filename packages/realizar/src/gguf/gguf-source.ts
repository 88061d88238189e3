/**
 * Random-access byte sources for the file readers: a file descriptor or `FileHandle`, or anything
 * else with a size and positional reads (tests count bytes through one, or serve a virtual
 * multi-GB file whose data region does not exist). Reads are chunked, because one `read` call
 * moves at most 2 GiB − 1 bytes.
 */
import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { GGUFTruncatedError } from './gguf-errors.js';

/** A file-like input read synchronously. */
export interface GGUFByteSource {
  /** Size in bytes. */
  readonly size: number;
  /** Reads up to `dst.byteLength` bytes at `position` into `dst`; returns the count (0 at the end). */
  readSync(dst: Uint8Array, position: number): number;
}

/** A file-like input read asynchronously. */
export interface GGUFAsyncByteSource {
  /** Size in bytes. */
  readonly size: number;
  /** Reads up to `dst.byteLength` bytes at `position` into `dst`; resolves to the count (0 at the end). */
  read(dst: Uint8Array, position: number): Promise<number>;
}

// Largest single read: 1 GiB (a read call is limited to 2 GiB − 1 bytes).
const CHUNK = 1 << 30;

/** A source reading the open file descriptor `fd` of a file of `size` bytes. */
export function fdSource(fd: number, size: number): GGUFByteSource {
  return { size, readSync: (dst, position) => readSync(fd, dst, 0, dst.byteLength, position) };
}

/** A source reading the open `FileHandle` of a file of `size` bytes. */
export function fileHandleSource(fh: FileHandle, size: number): GGUFAsyncByteSource {
  return { size, read: async (dst, position) => (await fh.read(dst, 0, dst.byteLength, position)).bytesRead };
}

function shrunk(label: string | undefined, got: number, size: number): GGUFTruncatedError {
  return new GGUFTruncatedError(`file: read ended at byte ${got} but the file had ${size} bytes (changed while reading?)`, {
    field: 'file',
    offset: got,
    expected: `${size} bytes`,
    actual: `${got} bytes`,
    source: label,
  });
}

/**
 * Fills `dst` with the source's bytes from `position` on. A short read (the file shrank since
 * its size was taken) is a {@link GGUFTruncatedError}.
 */
export function readFullySync(src: GGUFByteSource, dst: Uint8Array, position: number, label?: string): void {
  for (let off = 0; off < dst.byteLength; ) {
    const n = src.readSync(dst.subarray(off, Math.min(dst.byteLength, off + CHUNK)), position + off);
    if (n <= 0) throw shrunk(label, position + off, src.size);
    off += n;
  }
}

/** Async {@link readFullySync}. */
export async function readFully(src: GGUFAsyncByteSource, dst: Uint8Array, position: number, label?: string): Promise<void> {
  for (let off = 0; off < dst.byteLength; ) {
    const n = await src.read(dst.subarray(off, Math.min(dst.byteLength, off + CHUNK)), position + off);
    if (n <= 0) throw shrunk(label, position + off, src.size);
    off += n;
  }
}
