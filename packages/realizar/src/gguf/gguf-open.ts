/**
 * Opening GGUF files from disk. A file of at most `maxSegmentBytes` (default 2 GiB) is read into
 * one Buffer (one allocation, chunked reads) and tensors are views of it, as `readGGUF` gives. A
 * larger file — a 7B model is 4.7 GB at q4_k_m, more than the 4 GiB one Node 20 Buffer can hold —
 * is opened in segments: the header is read alone, then the data section into buffers of at most
 * `maxSegmentBytes` that each hold whole tensors (see gguf-segments.ts), and tensors are views of
 * their segment. Either way the tensor bytes are read once and never copied.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { GGUFFile } from './gguf-file.js';
import { readHeaderInit, readHeaderInitSync } from './gguf-header-read.js';
import { readGGUF } from './gguf-reader.js';
import {
  DEFAULT_MAX_SEGMENT_BYTES,
  type GGUFSegment,
  allocSegment,
  checkMaxSegmentBytes,
  planSegments,
  tensorViews,
} from './gguf-segments.js';
import { type GGUFAsyncByteSource, type GGUFByteSource, fdSource, fileHandleSource, readFully, readFullySync } from './gguf-source.js';

/** Options of {@link openGGUF} / {@link loadGGUF}. */
export interface OpenGGUFOptions {
  /**
   * Largest buffer to hold file bytes (default {@link DEFAULT_MAX_SEGMENT_BYTES}, at most
   * `buffer.constants.MAX_LENGTH`). A file up to this size is read into one buffer; a larger one
   * into segments of at most this size, each holding whole tensors. A tensor that does not fit in
   * one is a `GGUFSegmentError`. Tests make it small to exercise segments on small files.
   */
  readonly maxSegmentBytes?: number;
}

function maxOf(path: string, options: OpenGGUFOptions): number {
  const max = options.maxSegmentBytes ?? DEFAULT_MAX_SEGMENT_BYTES;
  checkMaxSegmentBytes(max, path);
  return max;
}

/** Opens `src` in segments (its size exceeds `max`). */
function openSegmentedSync(src: GGUFByteSource, path: string, max: number): GGUFFile {
  const header = readHeaderInitSync(src, path);
  const plans = planSegments(header.tensors, max, path);
  const segments: GGUFSegment[] = plans.map((p) => {
    const bytes = allocSegment(p);
    readFullySync(src, bytes, p.start, path);
    return { fileOffset: p.start, bytes };
  });
  return new GGUFFile({ ...header, tensors: tensorViews(header.tensors, plans, segments), segments });
}

async function openSegmented(src: GGUFAsyncByteSource, path: string, max: number): Promise<GGUFFile> {
  const header = await readHeaderInit(src, path);
  const plans = planSegments(header.tensors, max, path);
  const segments: GGUFSegment[] = [];
  for (const p of plans) {
    const bytes = allocSegment(p);
    await readFully(src, bytes, p.start, path);
    segments.push({ fileOffset: p.start, bytes });
  }
  return new GGUFFile({ ...header, tensors: tensorViews(header.tensors, plans, segments), segments });
}

/** Reads and parses the GGUF file at `path` (synchronously). */
export function openGGUF(path: string, options: OpenGGUFOptions = {}): GGUFFile {
  const max = maxOf(path, options);
  const fd = openSync(path, 'r');
  try {
    const src = fdSource(fd, fstatSync(fd).size);
    if (src.size > max) return openSegmentedSync(src, path, max);
    // allocUnsafeSlow: a dedicated ArrayBuffer (not a slice of the shared pool), filled below.
    const buf = Buffer.allocUnsafeSlow(src.size);
    readFullySync(src, buf, 0, path);
    return readGGUF(buf, { source: path });
  } finally {
    closeSync(fd);
  }
}

/** Reads and parses the GGUF file at `path` without blocking the event loop during the reads. */
export async function loadGGUF(path: string, options: OpenGGUFOptions = {}): Promise<GGUFFile> {
  const max = maxOf(path, options);
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const src = fileHandleSource(fh, size);
    if (size > max) return await openSegmented(src, path, max);
    const buf = Buffer.allocUnsafeSlow(size);
    await readFully(src, buf, 0, path);
    return readGGUF(buf, { source: path });
  } finally {
    await fh.close();
  }
}
