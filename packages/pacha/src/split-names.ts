/**
 * Names of split GGUF shards, as llama.cpp writes them (`llama_split_path`):
 * `<prefix>-00001-of-0000N.gguf` … `<prefix>-0000N-of-0000N.gguf`, numbers 1-based, five digits.
 * Blobs are named by digest, so these names matter only where files come from: hub listings, URLs
 * and local files to import.
 */

import { stat } from 'node:fs/promises';
import { NotFoundError } from './errors.js';

/** A shard name: prefix, 1-based number and count (any letter case of `.gguf`). */
export const SHARD_NAME = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i;

/** `<prefix>-<number>-of-<count>.gguf` (number 1-based). */
export function shardName(prefix: string, number: number, count: number): string {
  const pad = (n: number) => String(n).padStart(5, '0');
  return `${prefix}-${pad(number)}-of-${pad(count)}.gguf`;
}

/**
 * Every shard name of the split whose first shard is `name` (`<prefix>-00001-of-0000N.gguf`,
 * N > 1), in order; undefined for any other name (a later shard, an unsplit file).
 */
export function shardSiblings(name: string): string[] | undefined {
  const m = SHARD_NAME.exec(name);
  if (!m || Number(m[2]) !== 1 || Number(m[3]) < 2) return undefined;
  return Array.from({ length: Number(m[3]) }, (_, i) => shardName(m[1], i + 1, Number(m[3])));
}

/**
 * `[path]`, or every shard when `path` names the first shard of a split GGUF
 * (`<prefix>-00001-of-0000N.gguf`, N > 1): its siblings beside it, each required (a missing one is
 * a {@link NotFoundError} naming it).
 */
export async function localShards(path: string): Promise<string[]> {
  const paths = shardSiblings(path);
  if (!paths) return [path];
  for (const [i, p] of paths.entries()) {
    const found = await stat(p).then(
      () => true,
      () => false,
    );
    if (!found) {
      throw new NotFoundError(`${p} is missing: ${path} is shard 1 of a split GGUF of ${paths.length} shards (shard ${i + 1} not found); put every shard beside it`);
    }
  }
  return paths;
}
