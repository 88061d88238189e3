/**
 * The header of a GGUF file: format facts, typed metadata with checked accessors, and the tensor
 * descriptors (name, type, dims, where the data lie). {@link GGUFFile} extends it with the data;
 * `readGGUFHeader` returns it alone, read from the first few MB of a file of any size.
 */
import { GGUFKeyError } from './gguf-errors.js';
import type { GGUFShardInfo } from './gguf-split.js';
import { type GGUFArray, type GGUFArrayItems, type GGUFTensorDesc, type GGUFValue, GGUFValueType, valueTypeName } from './gguf-types.js';

/** What the reader hands to {@link GGUFHeader}'s constructor. */
export interface GGUFHeaderInit<T extends GGUFTensorDesc = GGUFTensorDesc> {
  readonly source: string;
  readonly version: number;
  readonly alignment: number;
  readonly dataOffset: number;
  /** Size of the file (or input buffer) in bytes. */
  readonly fileSize: number;
  readonly metadata: Map<string, GGUFValue>;
  /** Byte offset of each KV pair's key, for error messages. */
  readonly keyOffsets: Map<string, number>;
  readonly tensors: readonly T[];
  /** Split models: the shard files in order (`fileSize` is then their sum). Absent for a single file. */
  readonly shards?: readonly GGUFShardInfo[];
}

const INTEGER_TYPES = new Set<GGUFValueType>([
  GGUFValueType.UINT8,
  GGUFValueType.INT8,
  GGUFValueType.UINT16,
  GGUFValueType.INT16,
  GGUFValueType.UINT32,
  GGUFValueType.INT32,
  GGUFValueType.UINT64,
  GGUFValueType.INT64,
]);

/** Short description of a value for messages: `u32 7`, `str "llama"`, `arr[str; 32000]`. */
export function describeValue(v: GGUFValue): string {
  if (v.type === GGUFValueType.ARRAY) return `arr[${valueTypeName(v.itemType)}; ${v.value.length}]`;
  if (v.type === GGUFValueType.STRING) {
    const s = v.value.length > 40 ? `${v.value.slice(0, 40)}…` : v.value;
    return `str ${JSON.stringify(s)}`;
  }
  return `${valueTypeName(v.type)} ${String(v.value)}`;
}

/**
 * A parsed GGUF header (see `readGGUFHeader`); `T` is the tensor entry type, with data in
 * {@link GGUFFile}.
 */
export class GGUFHeader<T extends GGUFTensorDesc = GGUFTensorDesc> {
  /** File path, or the label given to `readGGUF`. */
  readonly source: string;
  /** Format version (2 or 3). */
  readonly version: number;
  /** Data-section and tensor alignment (`general.alignment`, default 32). */
  readonly alignment: number;
  /** Byte offset of the data section from the start of the file. */
  readonly dataOffset: number;
  /** Size of the input in bytes (of all shards, for a split model). */
  readonly fileSize: number;
  /** Metadata in file order, values tagged with their on-disk type. */
  readonly metadata: Map<string, GGUFValue>;
  /** Tensors in file order (shard by shard, for a split model). */
  readonly tensors: readonly T[];
  /**
   * The files the model was read from, in order: one entry for a single file, one per shard for a
   * split model (`gguf-split.ts`). `source`, `version`, `alignment`, `dataOffset` and `metadata`
   * are the first file's.
   */
  readonly shards: readonly GGUFShardInfo[];
  private readonly byName: Map<string, T>;
  private readonly keyOffsets: Map<string, number>;

  constructor(init: GGUFHeaderInit<T>) {
    this.source = init.source;
    this.version = init.version;
    this.alignment = init.alignment;
    this.dataOffset = init.dataOffset;
    this.fileSize = init.fileSize;
    this.metadata = init.metadata;
    this.tensors = init.tensors;
    this.shards = init.shards ?? [{ source: init.source, fileSize: init.fileSize, dataOffset: init.dataOffset, tensorCount: init.tensors.length }];
    this.keyOffsets = init.keyOffsets;
    this.byName = new Map(init.tensors.map((t) => [t.name, t]));
  }

  /** True when the model was read from several shard files. */
  get isSplit(): boolean {
    return this.shards.length > 1;
  }

  /** The tensor called `name`, or undefined. */
  tensor(name: string): T | undefined {
    return this.byName.get(name);
  }

  /** The raw typed value of `key`, or undefined. */
  get(key: string): GGUFValue | undefined {
    return this.metadata.get(key);
  }

  /** True when `key` is present. */
  has(key: string): boolean {
    return this.metadata.has(key);
  }

  /** A string value. Missing: returns `fallback` if given, else throws {@link GGUFKeyError}. */
  getString(key: string, fallback?: string): string {
    const v = this.lookup(key, fallback, 'str');
    if (v === undefined) return fallback as string;
    if (v.type !== GGUFValueType.STRING) throw this.typeError(key, 'str', v);
    return v.value;
  }

  /** A bool value. Missing: `fallback` if given, else throws. */
  getBool(key: string, fallback?: boolean): boolean {
    const v = this.lookup(key, fallback, 'bool');
    if (v === undefined) return fallback as boolean;
    if (v.type !== GGUFValueType.BOOL) throw this.typeError(key, 'bool', v);
    return v.value;
  }

  /**
   * Any numeric scalar (integers of any width, f32, f64) as a number; a u64/i64 must be a safe
   * integer (|v| < 2^53). Missing: `fallback` if given, else throws.
   */
  getNumber(key: string, fallback?: number): number {
    const v = this.lookup(key, fallback, 'a number');
    if (v === undefined) return fallback as number;
    if (typeof v.value === 'number') return v.value;
    if (typeof v.value === 'bigint') return this.safeNumber(key, v, v.value);
    throw this.typeError(key, 'a number', v);
  }

  /** An integer-typed scalar (u8..i64) as a number; fails for floats. */
  getInteger(key: string, fallback?: number): number {
    const v = this.lookup(key, fallback, 'an integer');
    if (v === undefined) return fallback as number;
    if (!INTEGER_TYPES.has(v.type)) throw this.typeError(key, 'an integer', v);
    return typeof v.value === 'bigint' ? this.safeNumber(key, v, v.value) : (v.value as number);
  }

  /**
   * An integer-typed scalar whose value fits in a u32 (0..4294967295). Accepts any integer width,
   * because writers disagree on u32 versus u64 for counts (the spec recommends readers take both).
   */
  getU32(key: string, fallback?: number): number {
    const v = this.lookup(key, fallback, 'u32');
    if (v === undefined) return fallback as number;
    const n = INTEGER_TYPES.has(v.type) ? Number(v.value) : Number.NaN;
    if (!(n >= 0 && n <= 0xffff_ffff)) throw this.typeError(key, 'u32 (an integer in 0..4294967295)', v);
    return n;
  }

  /** An integer-typed scalar as a bigint (exact for u64/i64). */
  getBigInt(key: string, fallback?: bigint): bigint {
    const v = this.lookup(key, fallback, 'an integer');
    if (v === undefined) return fallback as bigint;
    if (!INTEGER_TYPES.has(v.type)) throw this.typeError(key, 'an integer', v);
    return BigInt(v.value as number | bigint);
  }

  /** An array value with items of `itemType` (its items: typed array, string[], ...). */
  getArray<T extends GGUFValueType>(key: string, itemType: T): GGUFArrayItems[T];
  /** Any array value. */
  getArray(key: string): GGUFArray;
  getArray(key: string, itemType?: GGUFValueType): GGUFArray | GGUFArrayItems[GGUFValueType] {
    const want = itemType === undefined ? 'arr' : `arr[${valueTypeName(itemType)}]`;
    // lookup() throws when the key is missing and there is no fallback, so v is defined here.
    const v = this.lookup(key, undefined, want)!;
    if (v.type !== GGUFValueType.ARRAY) throw this.typeError(key, want, v);
    if (itemType === undefined) return v;
    if (v.itemType !== itemType) throw this.typeError(key, want, v);
    return v.value;
  }

  /** A string array (e.g. `tokenizer.ggml.tokens`). */
  getStringArray(key: string): string[] {
    return this.getArray(key, GGUFValueType.STRING);
  }

  private lookup(key: string, fallback: unknown, expected: string): GGUFValue | undefined {
    const v = this.metadata.get(key);
    if (v === undefined && fallback === undefined) {
      throw new GGUFKeyError(`key '${key}': missing (expected ${expected})`, {
        field: `key '${key}'`,
        expected,
        actual: 'missing',
        source: this.source,
      });
    }
    return v;
  }

  private safeNumber(key: string, v: GGUFValue, n: bigint): number {
    if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < -BigInt(Number.MAX_SAFE_INTEGER)) {
      throw this.typeError(key, 'an integer below 2^53 in magnitude', v);
    }
    return Number(n);
  }

  private typeError(key: string, expected: string, v: GGUFValue): GGUFKeyError {
    const offset = this.keyOffsets.get(key);
    const at = offset === undefined ? '' : ` (KV at byte ${offset})`;
    return new GGUFKeyError(`key '${key}'${at}: expected ${expected}, found ${describeValue(v)}`, {
      field: `key '${key}'`,
      offset,
      expected,
      actual: describeValue(v),
      source: this.source,
    });
  }
}
