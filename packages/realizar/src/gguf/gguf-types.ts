/**
 * The GGUF data model: metadata value types (with the ids GGUF stores on disk), typed metadata
 * values that keep the exact on-disk type, tensor descriptors and the writer's input.
 *
 * Layout (ggml `docs/gguf.md`, all little-endian):
 * `"GGUF"` · version u32 · tensor_count u64 · kv_count u64 · KV pairs · tensor infos ·
 * zero padding to `general.alignment` · tensor data (each tensor at an aligned offset).
 */
import type { GGMLType } from '@sovereign/trueno';

/** Metadata value type ids (`enum gguf_metadata_value_type`, stored as u32). */
export enum GGUFValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  /** One byte, 0 or 1; any other byte is rejected (the spec calls it invalid). */
  BOOL = 7,
  /** u64 byte length + UTF-8 bytes, no terminator. */
  STRING = 8,
  /** item type u32 + count u64 + items; items may themselves be arrays. */
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** Scalar types whose JS value is a `number` (f32 values are exactly representable doubles). */
export type GGUFNumberType =
  | GGUFValueType.UINT8
  | GGUFValueType.INT8
  | GGUFValueType.UINT16
  | GGUFValueType.INT16
  | GGUFValueType.UINT32
  | GGUFValueType.INT32
  | GGUFValueType.FLOAT32
  | GGUFValueType.FLOAT64;

/** 64-bit integer types, held as `bigint` so that every value survives a round trip. */
export type GGUFBigIntType = GGUFValueType.UINT64 | GGUFValueType.INT64;

/** A scalar metadata value tagged with its on-disk type. */
export type GGUFScalar =
  | { readonly type: GGUFNumberType; readonly value: number }
  | { readonly type: GGUFBigIntType; readonly value: bigint }
  | { readonly type: GGUFValueType.BOOL; readonly value: boolean }
  | { readonly type: GGUFValueType.STRING; readonly value: string };

/**
 * The JS container used for the items of an array of each item type: typed arrays for numbers
 * (own copies, naturally aligned), `boolean[]`, `string[]`, and for nested arrays a list of
 * {@link GGUFArray} (each nested array carries its own item type, as on disk).
 */
export interface GGUFArrayItems {
  [GGUFValueType.UINT8]: Uint8Array;
  [GGUFValueType.INT8]: Int8Array;
  [GGUFValueType.UINT16]: Uint16Array;
  [GGUFValueType.INT16]: Int16Array;
  [GGUFValueType.UINT32]: Uint32Array;
  [GGUFValueType.INT32]: Int32Array;
  [GGUFValueType.FLOAT32]: Float32Array;
  [GGUFValueType.BOOL]: boolean[];
  [GGUFValueType.STRING]: string[];
  [GGUFValueType.ARRAY]: GGUFArray[];
  [GGUFValueType.UINT64]: BigUint64Array;
  [GGUFValueType.INT64]: BigInt64Array;
  [GGUFValueType.FLOAT64]: Float64Array;
}

/** An array value whose items have type `T`. */
export interface GGUFArrayOf<T extends GGUFValueType> {
  readonly type: GGUFValueType.ARRAY;
  readonly itemType: T;
  readonly value: GGUFArrayItems[T];
}

/** Any array value (discriminated by `itemType`). */
export type GGUFArray = { [T in GGUFValueType]: GGUFArrayOf<T> }[GGUFValueType];

/** The items of any array value. */
export type GGUFArrayValue = GGUFArrayItems[GGUFValueType];

/** A metadata value: a scalar or an array, discriminated by `type`. */
export type GGUFValue = GGUFScalar | GGUFArray;

/** One tensor's entry in the header: where its data lie, without the data (`readGGUFHeader`). */
export interface GGUFTensorDesc {
  readonly name: string;
  readonly type: GGMLType;
  /** Dimensions in ggml order: `dims[0]` (ne0) is the contiguous row length. */
  readonly dims: readonly number[];
  /** Product of `dims`. */
  readonly nElements: number;
  /** Byte offset relative to the start of the data section (a multiple of the alignment). */
  readonly offset: number;
  /** Byte offset from the start of the file (`dataOffset + offset`). */
  readonly fileOffset: number;
  /** Bytes of tensor data: `nElements / blockSize * typeSize`. */
  readonly byteSize: number;
  /**
   * Split models only: the 0-based index of the shard file holding the tensor (`offset` and
   * `fileOffset` are then relative to that shard); absent for a single-file model.
   */
  readonly shard?: number;
}

/** One tensor of a loaded file. `data` is a view into the file's bytes, never a copy. */
export interface GGUFTensorInfo extends GGUFTensorDesc {
  /**
   * Zero-copy view of the tensor's bytes: `data.buffer` is the file buffer, or the buffer of the
   * segment holding the tensor when the file was loaded in segments (see `GGUFFile.segments`).
   */
  readonly data: Uint8Array;
}

/** Tensor bytes for the writer: given, or produced on demand (so GB-sized models stream). */
export type GGUFTensorData = Uint8Array | (() => Uint8Array | Promise<Uint8Array>);

/** One tensor to write. */
export interface GGUFTensorSpec {
  readonly name: string;
  readonly type: GGMLType;
  /** ggml order (ne0 first), 1 to 4 dimensions. */
  readonly dims: readonly number[];
  /** Exactly `bytesFor(type, product(dims))` bytes. */
  readonly data: GGUFTensorData;
}

/** Input of `writeGGUF` / `writeGGUFFile`. */
export interface GGUFWriteSpec {
  /** Format version; 2 and 3 share one layout (3 only adds the big-endian convention). Default 3. */
  readonly version?: 2 | 3;
  /**
   * Alignment of the data section and of each tensor. Defaults to the `general.alignment` value in
   * `metadata`, else 32. A value other than 32 must also appear as `general.alignment` (u32) in
   * `metadata`, since readers learn the alignment only from there.
   */
  readonly alignment?: number;
  /** Key/value pairs, written in iteration order; keys must be unique. */
  readonly metadata: ReadonlyMap<string, GGUFValue> | Iterable<readonly [string, GGUFValue]>;
  /** Tensors, laid out in this order; names must be unique. */
  readonly tensors: readonly GGUFTensorSpec[];
}

/** The four magic bytes `G G U F`. */
export const GGUF_MAGIC = 'GGUF';
/** Alignment used when `general.alignment` is absent. */
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** The metadata key that sets the alignment. */
export const GGUF_ALIGNMENT_KEY = 'general.alignment';
/** ggml tensors have at most 4 dimensions (`GGML_MAX_DIMS`). */
export const GGUF_MAX_DIMS = 4;
/** Deepest nesting of arrays in arrays that reader and writer accept (keeps recursion bounded). */
export const GGUF_MAX_ARRAY_DEPTH = 64;
/** Versions this module reads and writes. */
export const GGUF_SUPPORTED_VERSIONS: readonly number[] = [2, 3];

const TYPE_NAMES = ['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'f32', 'bool', 'str', 'arr', 'u64', 'i64', 'f64'];
// Bytes of one fixed-size value; 0 for STRING and ARRAY (variable size).
const TYPE_SIZES = [1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8];

/** True for a type id this module knows (0..12). */
export function isGGUFValueType(id: number): id is GGUFValueType {
  return Number.isInteger(id) && id >= 0 && id < TYPE_NAMES.length;
}

/** Short name of a value type as llama.cpp prints it (`u32`, `str`, `arr`, ...). */
export function valueTypeName(type: number): string {
  return isGGUFValueType(type) ? TYPE_NAMES[type] : `unknown type ${type}`;
}

/** Bytes of one fixed-size value of `type`; 0 for STRING and ARRAY. */
export function valueTypeSize(type: GGUFValueType): number {
  return TYPE_SIZES[type];
}

/**
 * Fewest bytes one item of `type` occupies on disk: its size, or 8 for a string (the length),
 * 12 for a nested array (item type + count). Used to bound counts before allocating.
 */
export function minItemBytes(type: GGUFValueType): number {
  if (type === GGUFValueType.STRING) return 8;
  if (type === GGUFValueType.ARRAY) return 12;
  return TYPE_SIZES[type];
}

/** Rounds `n` up to a multiple of `alignment` (a power of two). */
export function alignUp(n: number, alignment: number): number {
  const r = n % alignment;
  return r === 0 ? n : n + (alignment - r);
}

/** True when `n` is a positive integer power of two. */
export function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0 && n <= 2 ** 30;
}
