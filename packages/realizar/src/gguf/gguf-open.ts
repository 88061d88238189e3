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
  /** Label for messages and `GGUFFile.source` (default: the path; `<source>` for a byte source). */
  readonly source?: string;
}

function maxOf(label: string, options: OpenGGUFOptions): number {
  const max = options.maxSegmentBytes ?? DEFAULT_MAX_SEGMENT_BYTES;
  checkMaxSegmentBytes(max, label);
  return max;
}

/** Opens `src` (see {@link openGGUF}). */
function openSource(src: GGUFByteSource, label: string, max: number): GGUFFile {
  if (src.size <= max) {
    // allocUnsafeSlow: a dedicated ArrayBuffer (not a slice of the shared pool), filled below.
    const buf = Buffer.allocUnsafeSlow(src.size);
    readFullySync(src, buf, 0, label);
    return readGGUF(buf, { source: label });
  }
  const header = readHeaderInitSync(src, label);
  const plans = planSegments(header.tensors, max, label);
  const segments: GGUFSegment[] = plans.map((p) => {
    const bytes = allocSegment(p);
    readFullySync(src, bytes, p.start, label);
    return { fileOffset: p.start, bytes };
  });
  return new GGUFFile({ ...header, tensors: tensorViews(header.tensors, plans, segments), segments });
}

/** Async {@link openSource}. */
async function loadSource(src: GGUFAsyncByteSource, label: string, max: number): Promise<GGUFFile> {
  if (src.size <= max) {
    const buf = Buffer.allocUnsafeSlow(src.size);
    await readFully(src, buf, 0, label);
    return readGGUF(buf, { source: label });
  }
  const header = await readHeaderInit(src, label);
  const plans = planSegments(header.tensors, max, label);
  const segments: GGUFSegment[] = [];
  for (const p of plans) {
    const bytes = allocSegment(p);
    await readFully(src, bytes, p.start, label);
    segments.push({ fileOffset: p.start, bytes });
  }
  return new GGUFFile({ ...header, tensors: tensorViews(header.tensors, plans, segments), segments });
}

/**
 * Reads and parses the GGUF file at `path` (or a byte source), synchronously: into one buffer up to
 * `maxSegmentBytes`, else in segments (see the module comment).
 */
export function openGGUF(input: string | GGUFByteSource, options: OpenGGUFOptions = {}): GGUFFile {
  const label = options.source ?? (typeof input === 'string' ? input : '<source>');
  const max = maxOf(label, options);
  if (typeof input !== 'string') return openSource(input, label, max);
  const fd = openSync(input, 'r');
  try {
    return openSource(fdSource(fd, fstatSync(fd).size), label, max);
  } finally {
    closeSync(fd);
  }
}

/** Async {@link openGGUF}: the reads do not block the event loop. */
export async function loadGGUF(input: string | GGUFAsyncByteSource, options: OpenGGUFOptions = {}): Promise<GGUFFile> {
  const label = options.source ?? (typeof input === 'string' ? input : '<source>');
  const max = maxOf(label, options);
  if (typeof input !== 'string') return loadSource(input, label, max);
  const fh = await open(input, 'r');
  try {
    return await loadSource(fileHandleSource(fh, (await fh.stat()).size), label, max);
  } finally {
    await fh.close();
  }
}
