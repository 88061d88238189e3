/**
 * Split GGUF models, as llama.cpp's `gguf-split` writes them: one model in N files named
 * `<prefix>-00001-of-0000N.gguf` … `<prefix>-0000N-of-0000N.gguf`. Every shard is a complete GGUF
 * file holding some of the tensors; the first one carries all of the model's metadata, and every
 * shard carries the split keys
 *
 *   split.no             u16  0-based index of this shard
 *   split.count          u16  number of shards (N)
 *   split.tensors.count  i32  number of tensors over all shards
 *
 * (llama.cpp `common.h` LLM_KV_SPLIT_*; `llama-model-loader.cpp` reads `split.count` from the first
 * file, and when it is above 1 checks `split.no` of every shard and the total tensor count). This
 * module names shard files, finds the siblings of a first shard, and checks that a list of shard
 * headers forms one model, merging them into one header whose tensors remember their shard.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { GGUFSplitError } from './gguf-errors.js';
import { type GGUFHeaderInit, describeValue } from './gguf-header.js';
import { type GGUFTensorDesc, type GGUFValue, GGUFValueType } from './gguf-types.js';

/** Key of a shard's 0-based index (u16). */
export const GGUF_SPLIT_NO_KEY = 'split.no';
/** Key of the number of shards (u16). */
export const GGUF_SPLIT_COUNT_KEY = 'split.count';
/** Key of the number of tensors over all shards (i32). */
export const GGUF_SPLIT_TENSORS_COUNT_KEY = 'split.tensors.count';
/** The three split keys. */
export const GGUF_SPLIT_KEYS: readonly string[] = [GGUF_SPLIT_NO_KEY, GGUF_SPLIT_COUNT_KEY, GGUF_SPLIT_TENSORS_COUNT_KEY];

/** One shard of a loaded split model. */
export interface GGUFShardInfo {
  /** Path (or label) of the shard file. */
  readonly source: string;
  readonly fileSize: number;
  readonly dataOffset: number;
  readonly tensorCount: number;
}

const SPLIT_NAME = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/;

/** The file name of shard `index` (0-based) of `count`: `<prefix>-0000i-of-0000N.gguf` (llama_split_path). */
export function splitShardPath(prefix: string, index: number, count: number): string {
  const pad = (n: number) => String(n).padStart(5, '0');
  return `${prefix}-${pad(index + 1)}-of-${pad(count)}.gguf`;
}

/** Prefix, 0-based index and count of a shard file name, or undefined when it is not one. */
export function parseSplitPath(path: string): { readonly prefix: string; readonly index: number; readonly count: number } | undefined {
  const m = SPLIT_NAME.exec(path);
  if (!m) return undefined;
  const index = Number(m[2]) - 1;
  const count = Number(m[3]);
  if (index < 0 || count < 1 || index >= count) return undefined;
  return { prefix: m[1], index, count };
}

/** The split keys of a header, or undefined when it has no `split.count` above 1 (a single-file model). */
export interface SplitKeys {
  readonly no: number | undefined;
  readonly count: number;
  readonly tensorsCount: number | undefined;
}

function intValue(v: GGUFValue | undefined): number | undefined {
  if (v === undefined || v.type === GGUFValueType.STRING || v.type === GGUFValueType.ARRAY || v.type === GGUFValueType.BOOL) return undefined;
  const n = Number(v.value);
  return Number.isSafeInteger(n) ? n : undefined;
}

function keyError(source: string, key: string, expected: string, actual: string, why: string): GGUFSplitError {
  return new GGUFSplitError(`key '${key}': ${why} (expected ${expected}, found ${actual})`, { field: `key '${key}'`, expected, actual, source });
}

/** Reads an integer split key; throws when it is present with a non-integer value. */
function splitKey(h: GGUFHeaderInit, key: string): number | undefined {
  const v = h.metadata.get(key);
  if (v === undefined) return undefined;
  const n = intValue(v);
  if (n === undefined || n < 0) throw keyError(h.source, key, 'a non-negative integer (u16/i32)', describeValue(v), 'not a shard count or index');
  return n;
}

/** The split keys of `h` when `split.count` is above 1, else undefined. */
export function splitKeysOf(h: GGUFHeaderInit): SplitKeys | undefined {
  const count = splitKey(h, GGUF_SPLIT_COUNT_KEY);
  if (count === undefined || count <= 1) return undefined;
  return { no: splitKey(h, GGUF_SPLIT_NO_KEY), count, tensorsCount: splitKey(h, GGUF_SPLIT_TENSORS_COUNT_KEY) };
}

/**
 * The paths of all shards of the split model whose first shard is `first` (split.count = `count`),
 * as llama.cpp finds them: the name must be `<prefix>-00001-of-<count>.gguf`, and the siblings
 * `<prefix>-0000i-of-<count>.gguf` lie beside it. Throws {@link GGUFSplitError} when the name does
 * not follow the pattern (e.g. a content-addressed blob: pass the ordered list of shard paths then)
 * or a sibling is missing (named).
 */
export function findSplitSiblings(first: string, count: number): string[] {
  const p = parseSplitPath(first);
  if (!p || p.index !== 0 || p.count !== count) {
    throw new GGUFSplitError(
      `${GGUF_SPLIT_COUNT_KEY}: the file is shard 1 of ${count} of a split model, but its name is not '<prefix>-00001-of-${String(count).padStart(5, '0')}.gguf', ` +
        `so its siblings cannot be found; pass the ordered list of all ${count} shard paths instead of one path`,
      { field: 'split shard name', expected: `*-00001-of-${String(count).padStart(5, '0')}.gguf`, actual: basename(first), source: first },
    );
  }
  const paths = Array.from({ length: count }, (_, i) => splitShardPath(p.prefix, i, count));
  for (const [i, path] of paths.entries()) {
    if (!existsSync(path)) {
      throw new GGUFSplitError(`shard ${i + 1} of ${count}: ${path} is missing; download every shard of the split model into one directory`, {
        field: `shard ${i + 1}`,
        expected: path,
        actual: 'missing',
        source: first,
      });
    }
  }
  return paths;
}

/** A tensor of a split model: its descriptor plus the index of the shard holding it. */
export type ShardTensor<T extends GGUFTensorDesc> = T & { readonly shard: number };

/** A merged header: the first shard's metadata, every shard's tensors in shard order. */
export interface MergedSplitInit<T extends GGUFTensorDesc> extends GGUFHeaderInit<ShardTensor<T>> {
  readonly shards: readonly GGUFShardInfo[];
}

/**
 * Checks that `shards` (headers in the order given) are the whole of one split model and merges
 * them: shard i has `split.no` = i and `split.count` = the number of shards (the first shard must
 * have both; later shards must have `split.no`), no tensor appears twice, and the tensor total is
 * the first shard's `split.tensors.count`. The merged header has the first shard's source, version,
 * alignment, data offset and metadata, the summed file size, and every tensor tagged with its
 * shard (offsets stay relative to that shard's file). Throws {@link GGUFSplitError} naming the
 * shard file, the key, expected versus found.
 */
export function mergeSplitHeaders<T extends GGUFTensorDesc>(shards: readonly GGUFHeaderInit<T>[]): MergedSplitInit<T> {
  const first = shards[0];
  const n = shards.length;
  const keys = splitKeysOf(first);
  if (!keys) {
    const v = first.metadata.get(GGUF_SPLIT_COUNT_KEY);
    throw keyError(first.source, GGUF_SPLIT_COUNT_KEY, `${n} (${n} shard paths were given)`, v ? String(v.value) : 'missing', 'the first file is not a split model');
  }
  if (keys.count !== n) {
    throw keyError(first.source, GGUF_SPLIT_COUNT_KEY, `${n} (the number of shard paths given)`, String(keys.count), `the model has ${keys.count} shards`);
  }
  const byName = new Map<string, number>();
  const tensors: ShardTensor<T>[] = [];
  for (const [i, h] of shards.entries()) {
    const no = splitKey(h, GGUF_SPLIT_NO_KEY);
    if (no !== i) {
      throw keyError(h.source, GGUF_SPLIT_NO_KEY, `${i} (it was given as shard ${i + 1} of ${n})`, no === undefined ? 'missing' : String(no), 'shard out of order or not a shard of this model');
    }
    const count = splitKey(h, GGUF_SPLIT_COUNT_KEY);
    if (count !== undefined && count !== n) {
      throw keyError(h.source, GGUF_SPLIT_COUNT_KEY, String(n), String(count), 'the shard belongs to a model split differently');
    }
    for (const t of h.tensors) {
      const prev = byName.get(t.name);
      if (prev !== undefined) {
        throw new GGUFSplitError(`tensor '${t.name}': appears in shard ${prev + 1} (${shards[prev].source}) and again in shard ${i + 1}; each tensor must be in exactly one shard`, {
          field: `tensor '${t.name}'`,
          expected: 'one shard',
          actual: `shards ${prev + 1} and ${i + 1}`,
          source: h.source,
        });
      }
      byName.set(t.name, i);
      tensors.push({ ...t, shard: i });
    }
  }
  if (keys.tensorsCount !== undefined && keys.tensorsCount !== tensors.length) {
    throw keyError(first.source, GGUF_SPLIT_TENSORS_COUNT_KEY, String(keys.tensorsCount), `${tensors.length} tensors over ${n} shards`, 'tensors are missing or extra');
  }
  return {
    source: first.source,
    version: first.version,
    alignment: first.alignment,
    dataOffset: first.dataOffset,
    fileSize: shards.reduce((s, h) => s + h.fileSize, 0),
    metadata: first.metadata,
    keyOffsets: first.keyOffsets,
    tensors,
    shards: shards.map((h) => ({ source: h.source, fileSize: h.fileSize, dataOffset: h.dataOffset, tensorCount: h.tensors.length })),
  };
}
