/**
 * Writing split GGUF models in llama.cpp's `gguf-split --split` layout (tools/gguf-split), so the
 * shards load in llama.cpp as well as here:
 *
 * - tensors stay in file order; a new shard starts before tensor i when `--split-max-tensors n`
 *   gives `i % n == 0`, or when `--split-max-size` would be exceeded by the shard's tensor data
 *   (each tensor counted padded to 32 bytes; the header is not counted);
 * - shard 1 carries the model's metadata (in order, minus any old `split.*` keys) and every shard
 *   then the split keys in the order ggml's `gguf_set_val_*` leaves them: `split.no` u16,
 *   `split.tensors.count` i32, `split.count` u16 (set last, because the count is known only at the
 *   end and re-setting a key moves it to the end);
 * - each shard is a GGUF v3 file, tensors packed and padded to 32 bytes as ggml writes them.
 *
 * One deviation: llama.cpp writes shards 2..N with alignment 32 whatever `general.alignment` says;
 * a model with another alignment gets `general.alignment` in every shard here, so each shard reads
 * back with the alignment it was written with.
 */
import { GGUFWriteError } from './gguf-errors.js';
import type { GGUFFile } from './gguf-file.js';
import { openGGUF } from './gguf-open.js';
import { GGUF_SPLIT_COUNT_KEY, GGUF_SPLIT_KEYS, GGUF_SPLIT_NO_KEY, GGUF_SPLIT_TENSORS_COUNT_KEY, splitShardPath } from './gguf-split.js';
import { GGUF_ALIGNMENT_KEY, GGUF_DEFAULT_ALIGNMENT, type GGUFValue, GGUFValueType, type GGUFWriteSpec, alignUp } from './gguf-types.js';
import { writeGGUFFile } from './gguf-writer.js';

/** How to split: at most this many tensors, or at most this many bytes of (32-padded) tensor data, per shard. */
export type SplitGGUFOptions = { readonly maxTensorsPerShard: number; readonly maxShardBytes?: undefined } | { readonly maxShardBytes: number; readonly maxTensorsPerShard?: undefined };

function checkOptions(o: SplitGGUFOptions): void {
  const [field, v] = o.maxTensorsPerShard !== undefined ? ['maxTensorsPerShard', o.maxTensorsPerShard] : ['maxShardBytes', o.maxShardBytes];
  if (!Number.isSafeInteger(v) || (v as number) < 1) {
    throw new GGUFWriteError(`${field}: expected a positive integer, got ${String(v)}`, { field, expected: 'a positive integer', actual: String(v) });
  }
}

/** The tensor indices of each shard (file order), as llama.cpp's `split_strategy` groups them. */
export function planSplit(sizes: readonly number[], o: SplitGGUFOptions): number[][] {
  checkOptions(o);
  const groups: number[][] = [[]];
  let cur = 0;
  for (let i = 0; i < sizes.length; i++) {
    const n = alignUp(sizes[i], GGUF_DEFAULT_ALIGNMENT);
    const split =
      o.maxTensorsPerShard !== undefined ? i > 0 && i % o.maxTensorsPerShard === 0 : groups[groups.length - 1].length > 0 && cur + n > o.maxShardBytes;
    if (split) {
      groups.push([]);
      cur = 0;
    }
    cur += n;
    groups[groups.length - 1].push(i);
  }
  return groups;
}

const u16 = (value: number): GGUFValue => ({ type: GGUFValueType.UINT16, value });

/**
 * The write specs of the shards of `file` (tensor data are the file's views, not copies): shard 1
 * with the metadata, every shard with the split keys. Throws {@link GGUFWriteError} for bad options
 * or more than 65535 shards (the count is a u16).
 */
export function splitGGUFSpecs(file: GGUFFile, o: SplitGGUFOptions): GGUFWriteSpec[] {
  const groups = planSplit(
    file.tensors.map((t) => t.byteSize),
    o,
  );
  const count = groups.length;
  if (count > 0xffff) {
    throw new GGUFWriteError(`split.count: ${count} shards do not fit the u16 key; split into fewer, larger shards`, {
      field: GGUF_SPLIT_COUNT_KEY,
      expected: '<= 65535',
      actual: String(count),
    });
  }
  const model = [...file.metadata].filter(([k]) => !GGUF_SPLIT_KEYS.includes(k));
  const alignment = file.alignment;
  return groups.map((g, i) => {
    const metadata: Array<readonly [string, GGUFValue]> = i === 0 ? [...model] : [];
    if (i > 0 && alignment !== GGUF_DEFAULT_ALIGNMENT) metadata.push([GGUF_ALIGNMENT_KEY, { type: GGUFValueType.UINT32, value: alignment }]);
    metadata.push(
      [GGUF_SPLIT_NO_KEY, u16(i)],
      [GGUF_SPLIT_TENSORS_COUNT_KEY, { type: GGUFValueType.INT32, value: file.tensors.length }],
      [GGUF_SPLIT_COUNT_KEY, u16(count)],
    );
    const tensors = g.map((j) => {
      const t = file.tensors[j];
      return { name: t.name, type: t.type, dims: t.dims, data: t.data };
    });
    return { version: 3, alignment, metadata, tensors };
  });
}

/**
 * Splits the GGUF model `input` (a path, or an opened file) into shard files
 * `<outPrefix>-0000i-of-0000N.gguf` (default prefix: the input path without `.gguf`), in
 * llama.cpp's gguf-split layout (see the module comment). Each shard is written atomically.
 * Returns the shard paths in order.
 */
export async function splitGGUF(input: string | GGUFFile, o: SplitGGUFOptions & { readonly outPrefix?: string }): Promise<string[]> {
  const file = typeof input === 'string' ? openGGUF(input) : input;
  const prefix = o.outPrefix ?? (typeof input === 'string' ? input.replace(/\.gguf$/i, '') : undefined);
  if (prefix === undefined) {
    throw new GGUFWriteError('outPrefix: required when splitting an opened file (there is no input path to derive it from)', {
      field: 'outPrefix',
      expected: 'a path prefix',
      actual: 'missing',
    });
  }
  const specs = splitGGUFSpecs(file, o);
  const paths = specs.map((_, i) => splitShardPath(prefix, i, specs.length));
  for (const [i, spec] of specs.entries()) await writeGGUFFile(paths[i], spec);
  return paths;
}
