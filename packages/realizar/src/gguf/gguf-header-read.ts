/**
 * Header-only reading of GGUF files: metadata and tensor infos parsed from the first bytes of the
 * file, never its tensor data, so `apr show` / `apr inspect` of a 20 GB model read a few MB.
 *
 * The read window starts at {@link HEADER_WINDOW_BYTES} and at least doubles whenever the parser
 * needs a byte past it (a Qwen2 vocabulary makes the header ~7 MB), so at most twice the header is
 * read. The parse is the full reader's (`parseGGUFHeader` over a windowed cursor whose size is the
 * file's), so validation, error classes and messages are exactly those of `openGGUF`, including
 * the check that every tensor's data lie within the file.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { ByteCursor } from './gguf-cursor.js';
import { GGUFSplitError } from './gguf-errors.js';
import { GGUFHeader, type GGUFHeaderInit } from './gguf-header.js';
import { parseGGUFHeader } from './gguf-reader.js';
import { findSplitSiblings, mergeSplitHeaders, parseSplitPath, splitKeysOf } from './gguf-split.js';
import {
  type GGUFAsyncByteSource,
  type GGUFByteSource,
  fdSource,
  fileHandleSource,
  readFully,
  readFullySync,
} from './gguf-source.js';

/** First read of the header window: 1 MiB (a llama/SPM header fits; a Qwen2 one needs ~8 MB). */
export const HEADER_WINDOW_BYTES = 1 << 20;

/** Options of {@link readGGUFHeader} / {@link readGGUFHeaderSync}. */
export interface ReadGGUFHeaderOptions {
  /** Label for messages and `source` (default: the path; `<source>` for a byte source). */
  readonly source?: string;
  /** First window size in bytes (default {@link HEADER_WINDOW_BYTES}); tests make it small. */
  readonly initialWindow?: number;
}

/** The window size after growing `have` bytes to hold at least `minEnd` of `size`. */
function grownSize(have: number, minEnd: number, size: number): number {
  return Math.min(size, Math.max(minEnd, have * 2));
}

function firstWindow(size: number, options: ReadGGUFHeaderOptions): number {
  const w = options.initialWindow ?? HEADER_WINDOW_BYTES;
  if (!Number.isSafeInteger(w) || w < 1) throw new RangeError(`initialWindow: expected a positive integer, got ${w}`);
  return Math.min(size, w);
}

/** Copies `old` into a new buffer of `n` bytes; returns it with the range still to be read. */
function extend(old: Uint8Array, n: number): Buffer {
  const b = Buffer.allocUnsafeSlow(n);
  b.set(old);
  return b;
}

/** Parses the header of `src`, reading it synchronously as the parser advances. */
export function readHeaderInitSync(src: GGUFByteSource, label: string, options: ReadGGUFHeaderOptions = {}): GGUFHeaderInit {
  let window: Uint8Array = Buffer.allocUnsafeSlow(firstWindow(src.size, options));
  readFullySync(src, window, 0, label);
  const grow = (minEnd: number): Uint8Array => {
    const have = window.byteLength;
    window = extend(window, grownSize(have, minEnd, src.size));
    readFullySync(src, window.subarray(have), have, label);
    return window;
  };
  return parseGGUFHeader(new ByteCursor(window, label, { end: src.size, grow }), label);
}

/** Thrown by the async reader's grow callback to leave the (synchronous) parse and read more. */
class WindowExhausted {
  constructor(readonly minEnd: number) {}
}

/**
 * Async {@link readHeaderInitSync}: the parse is synchronous, so when it runs past the window it is
 * abandoned, the window grown (at least doubled) with an awaited read, and the parse restarted —
 * total parse work stays under twice one parse.
 */
export async function readHeaderInit(src: GGUFAsyncByteSource, label: string, options: ReadGGUFHeaderOptions = {}): Promise<GGUFHeaderInit> {
  let window: Uint8Array = Buffer.allocUnsafeSlow(firstWindow(src.size, options));
  await readFully(src, window, 0, label);
  for (;;) {
    const grow = (minEnd: number): never => {
      throw new WindowExhausted(minEnd);
    };
    try {
      return parseGGUFHeader(new ByteCursor(window, label, { end: src.size, grow }), label);
    } catch (e) {
      if (!(e instanceof WindowExhausted)) throw e;
      const have = window.byteLength;
      window = extend(window, grownSize(have, e.minEnd, src.size));
      await readFully(src, window.subarray(have), have, label);
    }
  }
}

function firstOf(paths: readonly string[]): string {
  if (paths.length === 0) throw new GGUFSplitError('shard list: empty; give at least one GGUF path', { field: 'shard list', expected: '>= 1 path', actual: '0 paths' });
  return paths[0];
}

function headerOfPathSync(path: string, label: string, options: ReadGGUFHeaderOptions): GGUFHeaderInit {
  const fd = openSync(path, 'r');
  try {
    return readHeaderInitSync(fdSource(fd, fstatSync(fd).size), label, options);
  } finally {
    closeSync(fd);
  }
}

async function headerOfPath(path: string, label: string, options: ReadGGUFHeaderOptions): Promise<GGUFHeaderInit> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    return await readHeaderInit(fileHandleSource(fh, size), label, options);
  } finally {
    await fh.close();
  }
}

/**
 * The other shard paths whose headers belong with `first` (read from `input`): for one path, the
 * siblings when it is the first shard of a split model named as llama.cpp names shards (else none:
 * the first shard alone); for a list, the rest of it.
 */
function otherShards(input: string | readonly string[], first: GGUFHeaderInit): readonly string[] | undefined {
  if (typeof input !== 'string') return input.length === 1 && !splitKeysOf(first) ? undefined : input.slice(1);
  const keys = splitKeysOf(first);
  if (!keys || keys.no !== 0 || !parseSplitPath(input)) return undefined;
  return findSplitSiblings(input, keys.count).slice(1);
}

/**
 * Reads the header (metadata and tensor infos) of the GGUF file at `path`, or of a byte source,
 * without reading tensor data. Validates as `openGGUF` does, with the same error classes and
 * messages; a tensor whose data would end past the end of the file is a `GGUFTruncatedError`
 * naming it. A split model given as the ordered list of its shard paths, or as its first shard
 * named `<prefix>-00001-of-0000N.gguf` with the siblings beside it, has every shard's header read
 * and merged (checked as `openGGUF` checks them): the tensors and `fileSize` are then those of all
 * shards. A first shard under another name (a store blob) gives its own header alone.
 */
export function readGGUFHeaderSync(input: string | readonly string[] | GGUFByteSource, options: ReadGGUFHeaderOptions = {}): GGUFHeader {
  if (typeof input !== 'string' && !Array.isArray(input)) return new GGUFHeader(readHeaderInitSync(input as GGUFByteSource, options.source ?? '<source>', options));
  const paths = input as string | readonly string[];
  const firstPath = typeof paths === 'string' ? paths : firstOf(paths);
  const first = headerOfPathSync(firstPath, options.source ?? firstPath, options);
  const rest = otherShards(paths, first);
  if (!rest) return new GGUFHeader(first);
  return new GGUFHeader(mergeSplitHeaders([first, ...rest.map((p) => headerOfPathSync(p, p, options))]));
}

/** Async {@link readGGUFHeaderSync}: file reads do not block the event loop. */
export async function readGGUFHeader(input: string | readonly string[] | GGUFAsyncByteSource, options: ReadGGUFHeaderOptions = {}): Promise<GGUFHeader> {
  if (typeof input !== 'string' && !Array.isArray(input)) {
    return new GGUFHeader(await readHeaderInit(input as GGUFAsyncByteSource, options.source ?? '<source>', options));
  }
  const paths = input as string | readonly string[];
  const firstPath = typeof paths === 'string' ? paths : firstOf(paths);
  const first = await headerOfPath(firstPath, options.source ?? firstPath, options);
  const rest = otherShards(paths, first);
  if (!rest) return new GGUFHeader(first);
  const shards = [first];
  for (const p of rest) shards.push(await headerOfPath(p, p, options));
  return new GGUFHeader(mergeSplitHeaders(shards));
}
