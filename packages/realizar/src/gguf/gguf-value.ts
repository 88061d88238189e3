/**
 * Convenience constructors for typed metadata values, so writer input reads like the file:
 * `['llama.context_length', gguf.u32(4096)]`, `['tokenizer.ggml.tokens', gguf.arrStr(tokens)]`.
 * Integer constructors check their range here, so a wrong value fails where it is made.
 */
import { GGUFWriteError } from './gguf-errors.js';
import {
  type GGUFArray,
  type GGUFArrayItems,
  type GGUFArrayOf,
  type GGUFScalar,
  GGUFValueType as T,
  valueTypeName,
} from './gguf-types.js';

const INT_RANGE: Partial<Record<T, readonly [number, number]>> = {
  [T.UINT8]: [0, 0xff],
  [T.INT8]: [-0x80, 0x7f],
  [T.UINT16]: [0, 0xffff],
  [T.INT16]: [-0x8000, 0x7fff],
  [T.UINT32]: [0, 0xffff_ffff],
  [T.INT32]: [-0x8000_0000, 0x7fff_ffff],
};

function int(type: T, v: number): number {
  const [lo, hi] = INT_RANGE[type]!;
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new GGUFWriteError(`value: ${v} is not a ${valueTypeName(type)} (an integer in ${lo}..${hi})`, {
      field: 'value',
      expected: `${valueTypeName(type)} in ${lo}..${hi}`,
      actual: String(v),
    });
  }
  return v;
}

function big(type: T.UINT64 | T.INT64, v: number | bigint): bigint {
  const lo = type === T.UINT64 ? 0n : -(1n << 63n);
  const hi = type === T.UINT64 ? (1n << 64n) - 1n : (1n << 63n) - 1n;
  const ok = typeof v === 'bigint' || Number.isSafeInteger(v);
  const b = ok ? BigInt(v) : 0n;
  if (!ok || b < lo || b > hi) {
    throw new GGUFWriteError(`value: ${v} is not a ${valueTypeName(type)} (an integer in ${lo}..${hi})`, {
      field: 'value',
      expected: `${valueTypeName(type)} in ${lo}..${hi}`,
      actual: String(v),
    });
  }
  return b;
}

/** Builds the items container of an array of `itemType` from plain values (copies). */
function items<K extends T>(itemType: K, values: ArrayLike<unknown>): GGUFArrayItems[K] {
  const n = values.length;
  const conv = (ctor: { new (n: number): { [i: number]: number } }) => {
    const out = new ctor(n);
    for (let i = 0; i < n; i++) out[i] = int(itemType, values[i] as number);
    return out;
  };
  switch (itemType as T) {
    case T.UINT8:
      return conv(Uint8Array) as GGUFArrayItems[K];
    case T.INT8:
      return conv(Int8Array) as GGUFArrayItems[K];
    case T.UINT16:
      return conv(Uint16Array) as GGUFArrayItems[K];
    case T.INT16:
      return conv(Int16Array) as GGUFArrayItems[K];
    case T.UINT32:
      return conv(Uint32Array) as GGUFArrayItems[K];
    case T.INT32:
      return conv(Int32Array) as GGUFArrayItems[K];
    case T.FLOAT32:
      return Float32Array.from(values as ArrayLike<number>) as GGUFArrayItems[K];
    case T.FLOAT64:
      return Float64Array.from(values as ArrayLike<number>) as GGUFArrayItems[K];
    case T.UINT64:
      return BigUint64Array.from(Array.from(values as ArrayLike<number | bigint>, (v) => big(T.UINT64, v))) as GGUFArrayItems[K];
    case T.INT64:
      return BigInt64Array.from(Array.from(values as ArrayLike<number | bigint>, (v) => big(T.INT64, v))) as GGUFArrayItems[K];
    case T.BOOL:
    case T.STRING:
    case T.ARRAY:
      return Array.from(values) as GGUFArrayItems[K];
  }
}

/** Plain inputs accepted by {@link gguf.arr} for each item type. */
export type GGUFArrayInput<K extends T> = K extends T.BOOL
  ? readonly boolean[]
  : K extends T.STRING
    ? readonly string[]
    : K extends T.ARRAY
      ? readonly GGUFArray[]
      : K extends T.UINT64 | T.INT64
        ? ArrayLike<bigint | number>
        : ArrayLike<number>;

/** Typed metadata value constructors (`gguf.u32(7)`, `gguf.arrStr([...])`, ...). */
export const gguf = {
  /** u8 scalar (0..255). */
  u8: (v: number): GGUFScalar => ({ type: T.UINT8, value: int(T.UINT8, v) }),
  /** i8 scalar (-128..127). */
  i8: (v: number): GGUFScalar => ({ type: T.INT8, value: int(T.INT8, v) }),
  /** u16 scalar. */
  u16: (v: number): GGUFScalar => ({ type: T.UINT16, value: int(T.UINT16, v) }),
  /** i16 scalar. */
  i16: (v: number): GGUFScalar => ({ type: T.INT16, value: int(T.INT16, v) }),
  /** u32 scalar (counts, ids, `general.alignment`). */
  u32: (v: number): GGUFScalar => ({ type: T.UINT32, value: int(T.UINT32, v) }),
  /** i32 scalar. */
  i32: (v: number): GGUFScalar => ({ type: T.INT32, value: int(T.INT32, v) }),
  /** f32 scalar; `v` is rounded to the nearest float32 (as `Math.fround`). */
  f32: (v: number): GGUFScalar => ({ type: T.FLOAT32, value: Math.fround(v) }),
  /** f64 scalar. */
  f64: (v: number): GGUFScalar => ({ type: T.FLOAT64, value: v }),
  /** u64 scalar (held as bigint; a safe-integer number is accepted). */
  u64: (v: number | bigint): GGUFScalar => ({ type: T.UINT64, value: big(T.UINT64, v) }),
  /** i64 scalar (held as bigint). */
  i64: (v: number | bigint): GGUFScalar => ({ type: T.INT64, value: big(T.INT64, v) }),
  /** bool scalar (one byte, 0 or 1). */
  bool: (v: boolean): GGUFScalar => ({ type: T.BOOL, value: v }),
  /** UTF-8 string scalar. */
  str: (v: string): GGUFScalar => ({ type: T.STRING, value: v }),

  /**
   * Array of `itemType`; `values` are copied into the matching container (typed array for numbers,
   * checked for range; `boolean[]`, `string[]`, or `GGUFArray[]` for nested arrays).
   */
  arr: <K extends T>(itemType: K, values: GGUFArrayInput<K>): GGUFArrayOf<K> =>
    ({ type: T.ARRAY, itemType, value: items(itemType, values) }) as GGUFArrayOf<K>,
  /** u8 array. */
  arrU8: (v: ArrayLike<number>) => gguf.arr(T.UINT8, v),
  /** i8 array. */
  arrI8: (v: ArrayLike<number>) => gguf.arr(T.INT8, v),
  /** u16 array. */
  arrU16: (v: ArrayLike<number>) => gguf.arr(T.UINT16, v),
  /** i16 array. */
  arrI16: (v: ArrayLike<number>) => gguf.arr(T.INT16, v),
  /** u32 array. */
  arrU32: (v: ArrayLike<number>) => gguf.arr(T.UINT32, v),
  /** i32 array (e.g. `tokenizer.ggml.token_type`). */
  arrI32: (v: ArrayLike<number>) => gguf.arr(T.INT32, v),
  /** f32 array (e.g. `tokenizer.ggml.scores`); values round to float32. */
  arrF32: (v: ArrayLike<number>) => gguf.arr(T.FLOAT32, v),
  /** f64 array. */
  arrF64: (v: ArrayLike<number>) => gguf.arr(T.FLOAT64, v),
  /** u64 array. */
  arrU64: (v: ArrayLike<bigint | number>) => gguf.arr(T.UINT64, v),
  /** i64 array. */
  arrI64: (v: ArrayLike<bigint | number>) => gguf.arr(T.INT64, v),
  /** bool array. */
  arrBool: (v: readonly boolean[]) => gguf.arr(T.BOOL, v),
  /** string array (e.g. `tokenizer.ggml.tokens`, `tokenizer.ggml.merges`). */
  arrStr: (v: readonly string[]) => gguf.arr(T.STRING, v),
  /** array of arrays (each inner array keeps its own item type). */
  arrArr: (v: readonly GGUFArray[]) => gguf.arr(T.ARRAY, v),
};
