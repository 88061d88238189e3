/**
 * Encoding of GGUF primitives and metadata values. Writing is two-pass: `valueSize` validates a
 * value completely and returns its exact byte size (so the header buffer is allocated once, at its
 * final size), then `writeValue` encodes it without further checks.
 */
import { GGUFWriteError } from './gguf-errors.js';
import { type GGUFValue, GGUFValueType as T, GGUF_MAX_ARRAY_DEPTH, isGGUFValueType, valueTypeName, valueTypeSize } from './gguf-types.js';

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const UTF8 = new TextEncoder();

const INT_RANGE: Partial<Record<T, readonly [number, number]>> = {
  [T.UINT8]: [0, 0xff],
  [T.INT8]: [-0x80, 0x7f],
  [T.UINT16]: [0, 0xffff],
  [T.INT16]: [-0x8000, 0x7fff],
  [T.UINT32]: [0, 0xffff_ffff],
  [T.INT32]: [-0x8000_0000, 0x7fff_ffff],
};
const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

// The typed-array class holding each numeric item type; values of exactly this class are copied
// byte for byte (bit-exact, NaN payloads included), anything else element by element.
const ARRAY_CLASS: Partial<Record<T, unknown>> = {
  [T.UINT8]: Uint8Array,
  [T.INT8]: Int8Array,
  [T.UINT16]: Uint16Array,
  [T.INT16]: Int16Array,
  [T.UINT32]: Uint32Array,
  [T.INT32]: Int32Array,
  [T.FLOAT32]: Float32Array,
  [T.FLOAT64]: Float64Array,
  [T.UINT64]: BigUint64Array,
  [T.INT64]: BigInt64Array,
};

function isExactClass(type: T, items: unknown): boolean {
  const cls = ARRAY_CLASS[type] as (abstract new (...args: never[]) => unknown) | undefined;
  return cls !== undefined && items instanceof cls;
}

/**
 * UTF-8 byte length of `s`, or -1 when `s` holds a lone surrogate (which UTF-8 cannot encode;
 * TextEncoder would silently write U+FFFD instead, and the file would not round-trip).
 */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || d < 0xdc00 || d > 0xdfff) return -1;
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function bad(field: string, expected: string, actual: string): GGUFWriteError {
  return new GGUFWriteError(`${field}: expected ${expected}, got ${actual}`, { field, expected, actual });
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (Array.isArray(v)) return `array of ${v.length}`;
  return v === null ? 'null' : typeof v === 'object' ? (v.constructor?.name ?? 'object') : `${typeof v} ${String(v)}`;
}

/** Byte size of a string field (u64 length + UTF-8); throws for non-strings and lone surrogates. */
export function stringSize(field: string, s: unknown): number {
  if (typeof s !== 'string') throw bad(field, 'a string', show(s));
  const n = utf8Length(s);
  if (n < 0) throw bad(field, 'a well-formed string', 'a string with a lone UTF-16 surrogate (not encodable as UTF-8)');
  return 8 + n;
}

function checkScalar(field: string, type: T, v: unknown): void {
  const range = INT_RANGE[type];
  if (range) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < range[0] || v > range[1]) {
      throw bad(field, `${valueTypeName(type)} (an integer in ${range[0]}..${range[1]})`, show(v));
    }
  } else if (type === T.FLOAT32 || type === T.FLOAT64) {
    if (typeof v !== 'number') throw bad(field, `${valueTypeName(type)} (a number)`, show(v));
  } else if (type === T.UINT64 || type === T.INT64) {
    const b = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : undefined;
    const [lo, hi] = type === T.UINT64 ? [0n, U64_MAX] : [I64_MIN, I64_MAX];
    if (b === undefined || b < lo || b > hi) throw bad(field, `${valueTypeName(type)} (a bigint in ${lo}..${hi})`, show(v));
  } else if (type === T.BOOL) {
    if (typeof v !== 'boolean') throw bad(field, 'bool (true or false)', show(v));
  }
}

/** Validates `v` (a typed value) and returns the bytes of its payload, excluding its type id. */
export function valueSize(field: string, v: GGUFValue, depth = 0): number {
  if (v === null || typeof v !== 'object' || !isGGUFValueType(v.type)) {
    throw bad(field, 'a GGUF value { type, value } with type 0..12', show(v?.type ?? v));
  }
  if (v.type === T.STRING) return stringSize(field, v.value);
  if (v.type !== T.ARRAY) {
    checkScalar(field, v.type, v.value);
    return valueTypeSize(v.type);
  }
  if (depth >= GGUF_MAX_ARRAY_DEPTH) throw bad(field, `arrays nested at most ${GGUF_MAX_ARRAY_DEPTH} deep`, 'deeper nesting');
  const it = v.itemType;
  if (!isGGUFValueType(it)) throw bad(`${field} (array item type)`, 'a type id 0..12', show(it));
  const items = v.value as ArrayLike<unknown>;
  if (items === null || typeof items !== 'object' || typeof items.length !== 'number') {
    throw bad(field, `the items of an arr[${valueTypeName(it)}]`, show(items));
  }
  let size = 12; // item type u32 + count u64
  if (it === T.STRING) {
    for (let i = 0; i < items.length; i++) size += stringSize(`${field}[${i}]`, items[i]);
  } else if (it === T.ARRAY) {
    for (let i = 0; i < items.length; i++) {
      const inner = items[i] as GGUFValue;
      if (inner === null || typeof inner !== 'object' || inner.type !== T.ARRAY) throw bad(`${field}[${i}]`, 'a nested array value', show(inner));
      size += valueSize(`${field}[${i}]`, inner, depth + 1);
    }
  } else {
    // An exact typed-array class holds only valid values; other containers are checked item by item.
    if (!isExactClass(it, items)) {
      for (let i = 0; i < items.length; i++) checkScalar(`${field}[${i}]`, it, items[i]);
    }
    size += items.length * valueTypeSize(it);
  }
  return size;
}

/** Writes little-endian primitives into a fixed-size buffer (sized by the planning pass). */
export class ByteSink {
  pos = 0;
  readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u32(v: number): void {
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  u64(v: number | bigint): void {
    this.view.setBigUint64(this.pos, BigInt(v), true);
    this.pos += 8;
  }

  /** u64 byte length + UTF-8 bytes (the string was validated by `stringSize`). */
  string(s: string): void {
    const at = this.pos;
    const { written } = UTF8.encodeInto(s, this.bytes.subarray(at + 8));
    this.view.setBigUint64(at, BigInt(written), true);
    this.pos = at + 8 + written;
  }

  raw(b: Uint8Array): void {
    this.bytes.set(b, this.pos);
    this.pos += b.byteLength;
  }
}

function writeScalar(s: ByteSink, type: T, v: unknown): void {
  const dv = s.view;
  const p = s.pos;
  switch (type) {
    case T.UINT8: dv.setUint8(p, v as number); break;
    case T.INT8: dv.setInt8(p, v as number); break;
    case T.UINT16: dv.setUint16(p, v as number, true); break;
    case T.INT16: dv.setInt16(p, v as number, true); break;
    case T.UINT32: dv.setUint32(p, v as number, true); break;
    case T.INT32: dv.setInt32(p, v as number, true); break;
    case T.FLOAT32: dv.setFloat32(p, v as number, true); break;
    case T.FLOAT64: dv.setFloat64(p, v as number, true); break;
    case T.UINT64: dv.setBigUint64(p, BigInt(v as bigint), true); break;
    case T.INT64: dv.setBigInt64(p, BigInt(v as bigint), true); break;
    case T.BOOL: dv.setUint8(p, v ? 1 : 0); break;
    default: throw new Error(`unreachable: scalar type ${type}`);
  }
  s.pos += valueTypeSize(type);
}

/** Writes a value's payload (no type id); `v` must have passed {@link valueSize}. */
export function writeValue(s: ByteSink, v: GGUFValue): void {
  if (v.type === T.STRING) return s.string(v.value);
  if (v.type !== T.ARRAY) return writeScalar(s, v.type, v.value);
  const it = v.itemType;
  const items = v.value as ArrayLike<unknown>;
  s.u32(it);
  s.u64(items.length);
  if (it === T.STRING) {
    for (let i = 0; i < items.length; i++) s.string(items[i] as string);
  } else if (it === T.ARRAY) {
    for (let i = 0; i < items.length; i++) writeValue(s, items[i] as GGUFValue);
  } else if (LITTLE_ENDIAN_HOST && isExactClass(it, items)) {
    // Host order is the file's order: copy the bytes (bit-exact, NaN payloads included).
    const ta = items as unknown as ArrayBufferView;
    s.raw(new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength));
  } else {
    for (let i = 0; i < items.length; i++) writeScalar(s, it, items[i]);
  }
}
