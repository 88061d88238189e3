/**
 * Opening GGUF files from disk. A file of at most `maxSegmentBytes` (default 2 GiB) is read into
 * one Buffer (one allocation, chunked reads) and tensors are views of it, as `readGGUF` gives. A
 * larger file — a 7B model is 4.7 GB at q4_k_m, more than the 4 GiB one Node 20 Buffer can hold —
 * is opened in segments: the header is read alone, then the data section into buffers of at most
 * `maxSegmentBytes` that each hold whole tensors (see gguf-segments.ts), and tensors are views of
 * their segment. Either way the tensor bytes are read once and never copied.
 *
 * A split model (llama.cpp's `gguf-split`, see gguf-split.ts) opens from the ordered list of its
 * shard paths, or from the path of its first shard when the siblings lie beside it under their
 * llama.cpp names. Each shard is opened as above (its tensors are views of its own segments) and
 * the shards are merged into one {@link GGUFFile} after their split keys are checked.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { GGUFFile, type GGUFFileInit } from './gguf-file.js';
import { findSplitSiblings, mergeSplitHeaders, splitKeysOf } from './gguf-split.js';
import { GGUFSplitError } from './gguf-errors.js';
import { readHeaderInit, readHeaderInitSync } from './gguf-header-read.js';
import { readGGUFInit } from './gguf-reader.js';
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
  /**
   * Label for messages and `GGUFFile.source` (default: the path; `<source>` for a byte source).
   * Ignored for a split model, whose shards are labelled by their paths.
   */
  readonly source?: string;
}

/** What {@link openGGUF} / {@link loadGGUF} open: a path, the ordered shard paths of a split model, or a byte source. */
export type GGUFInput = string | readonly string[];

function maxOf(label: string, options: OpenGGUFOptions): number {
  const max = options.maxSegmentBytes ?? DEFAULT_MAX_SEGMENT_BYTES;
  checkMaxSegmentBytes(max, label);
  return max;
}

/** Opens `src` (see {@link openGGUF}). */
function openSource(src: GGUFByteSource, label: string, max: number): GGUFFileInit {
  if (src.size <= max) {
    // allocUnsafeSlow: a dedicated ArrayBuffer (not a slice of the shared pool), filled below.
    const buf = Buffer.allocUnsafeSlow(src.size);
    readFullySync(src, buf, 0, label);
    return readGGUFInit(buf, { source: label });
  }
  const header = readHeaderInitSync(src, label);
  const plans = planSegments(header.tensors, max, label);
  const segments: GGUFSegment[] = plans.map((p) => {
    const bytes = allocSegment(p);
    readFullySync(src, bytes, p.start, label);
    return { fileOffset: p.start, bytes };
  });
  return { ...header, tensors: tensorViews(header.tensors, plans, segments), segments };
}

/** Async {@link openSource}. */
async function loadSource(src: GGUFAsyncByteSource, label: string, max: number): Promise<GGUFFileInit> {
  if (src.size <= max) {
    const buf = Buffer.allocUnsafeSlow(src.size);
    await readFully(src, buf, 0, label);
    return readGGUFInit(buf, { source: label });
  }
  const header = await readHeaderInit(src, label);
  const plans = planSegments(header.tensors, max, label);
  const segments: GGUFSegment[] = [];
  for (const p of plans) {
    const bytes = allocSegment(p);
    await readFully(src, bytes, p.start, label);
    segments.push({ fileOffset: p.start, bytes });
  }
  return { ...header, tensors: tensorViews(header.tensors, plans, segments), segments };
}

function openPath(path: string, label: string, max: number): GGUFFileInit {
  const fd = openSync(path, 'r');
  try {
    return openSource(fdSource(fd, fstatSync(fd).size), label, max);
  } finally {
    closeSync(fd);
  }
}

async function loadPath(path: string, label: string, max: number): Promise<GGUFFileInit> {
  const fh = await open(path, 'r');
  try {
    return await loadSource(fileHandleSource(fh, (await fh.stat()).size), label, max);
  } finally {
    await fh.close();
  }
}

/**
 * The shard paths still to open after the first file `first` was opened from `input`: undefined for
 * a single-file model; the siblings of a first shard given alone; the rest of a given list. Throws
 * {@link GGUFSplitError} for a later shard given alone, or a list whose first file is no split.
 */
function remainingShards(input: GGUFInput, first: GGUFFileInit): readonly string[] | undefined {
  const keys = splitKeysOf(first);
  if (typeof input === 'string') {
    if (!keys) return undefined;
    if (keys.no !== 0) {
      throw new GGUFSplitError(
        `key 'split.no': the file is shard ${(keys.no ?? -1) + 1} of ${keys.count} of a split model; open the first shard (split.no = 0) or the ordered list of all shards`,
        { field: "key 'split.no'", expected: '0', actual: String(keys.no), source: first.source },
      );
    }
    return findSplitSiblings(input, keys.count).slice(1);
  }
  if (input.length === 1 && !keys) return undefined;
  return input.slice(1);
}

function checkList(input: GGUFInput): void {
  if (typeof input !== 'string' && input.length === 0) {
    throw new GGUFSplitError('shard list: empty; give at least one GGUF path', { field: 'shard list', expected: '>= 1 path', actual: '0 paths' });
  }
}

/** A file init of a split model: each shard's segments tagged with its index. */
function mergeShards(shards: readonly GGUFFileInit[]): GGUFFileInit {
  const merged = mergeSplitHeaders(shards);
  return { ...merged, segments: shards.flatMap((s, i) => s.segments.map((g) => ({ ...g, shard: i }))) };
}

/**
 * Reads and parses a GGUF model, synchronously: the file at a path (into one buffer up to
 * `maxSegmentBytes`, else in segments; see the module comment), a byte source, or a split model —
 * the ordered list of its shard paths, or the path of its first shard
 * (`<prefix>-00001-of-0000N.gguf`) with the siblings beside it. A split model's shards are checked
 * (`split.no`, `split.count`, `split.tensors.count`, every tensor once; `GGUFSplitError` otherwise).
 */
export function openGGUF(input: GGUFInput | GGUFByteSource, options: OpenGGUFOptions = {}): GGUFFile {
  const label = options.source ?? (typeof input === 'string' ? input : Array.isArray(input) ? (input[0] as string) : '<source>');
  const max = maxOf(label, options);
  if (typeof input !== 'string' && !Array.isArray(input)) return new GGUFFile(openSource(input as GGUFByteSource, label, max));
  const paths = input as GGUFInput;
  checkList(paths);
  const firstPath = typeof paths === 'string' ? paths : paths[0];
  const first = openPath(firstPath, label, max);
  const rest = remainingShards(paths, first);
  if (!rest) return new GGUFFile(first);
  return new GGUFFile(mergeShards([first, ...rest.map((p) => openPath(p, p, max))]));
}

/** Async {@link openGGUF}: the reads do not block the event loop. */
export async function loadGGUF(input: GGUFInput | GGUFAsyncByteSource, options: OpenGGUFOptions = {}): Promise<GGUFFile> {
  const label = options.source ?? (typeof input === 'string' ? input : Array.isArray(input) ? (input[0] as string) : '<source>');
  const max = maxOf(label, options);
  if (typeof input !== 'string' && !Array.isArray(input)) return new GGUFFile(await loadSource(input as GGUFAsyncByteSource, label, max));
  const paths = input as GGUFInput;
  checkList(paths);
  const firstPath = typeof paths === 'string' ? paths : paths[0];
  const first = await loadPath(firstPath, label, max);
  const rest = remainingShards(paths, first);
  if (!rest) return new GGUFFile(first);
  const shards = [first];
  for (const p of rest) shards.push(await loadPath(p, p, max));
  return new GGUFFile(mergeShards(shards));
}
