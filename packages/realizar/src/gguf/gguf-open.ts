/**
 * Opening GGUF files from disk: the whole file is read into one Buffer (one allocation, chunked
 * reads), and tensors are views of it. The size is checked up front against what one Buffer can
 * hold, so an oversized file fails with a clear message instead of a RangeError mid-read.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { constants as bufferConstants } from 'node:buffer';
import { GGUFError, GGUFTruncatedError } from './gguf-errors.js';
import type { GGUFFile } from './gguf-file.js';
import { readGGUF } from './gguf-reader.js';

// One read call is limited to 2 GiB - 1 bytes; read in 1 GiB chunks.
const CHUNK = 1 << 30;

function allocFor(path: string, size: number): Buffer {
  if (size > bufferConstants.MAX_LENGTH) {
    throw new GGUFError(`file: ${size} bytes exceed the ${bufferConstants.MAX_LENGTH} bytes one Node.js Buffer can hold`, {
      field: 'file',
      expected: `<= ${bufferConstants.MAX_LENGTH} bytes`,
      actual: `${size} bytes`,
      source: path,
    });
  }
  // allocUnsafeSlow: a dedicated ArrayBuffer (not a slice of the shared pool) that is filled below.
  return Buffer.allocUnsafeSlow(size);
}

function shrunk(path: string, got: number, size: number): GGUFTruncatedError {
  return new GGUFTruncatedError(`file: read ended at byte ${got} but the file had ${size} bytes (changed while reading?)`, {
    field: 'file',
    offset: got,
    expected: `${size} bytes`,
    actual: `${got} bytes`,
    source: path,
  });
}

/** Reads and parses the GGUF file at `path` (synchronously). */
export function openGGUF(path: string): GGUFFile {
  const fd = openSync(path, 'r');
  let buf: Buffer;
  try {
    const size = fstatSync(fd).size;
    buf = allocFor(path, size);
    for (let off = 0; off < size; ) {
      const n = readSync(fd, buf, off, Math.min(CHUNK, size - off), off);
      if (n === 0) throw shrunk(path, off, size);
      off += n;
    }
  } finally {
    closeSync(fd);
  }
  return readGGUF(buf, { source: path });
}

/** Reads and parses the GGUF file at `path` without blocking the event loop during the read. */
export async function loadGGUF(path: string): Promise<GGUFFile> {
  const fh = await open(path, 'r');
  let buf: Buffer;
  try {
    const { size } = await fh.stat();
    buf = allocFor(path, size);
    for (let off = 0; off < size; ) {
      const { bytesRead } = await fh.read(buf, off, Math.min(CHUNK, size - off), off);
      if (bytesRead === 0) throw shrunk(path, off, size);
      off += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return readGGUF(buf, { source: path });
}
