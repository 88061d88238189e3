/**
 * Decoding of metadata values (scalars, strings, arrays, nested arrays) from a {@link ByteCursor}.
 * Numeric arrays are copied into fresh typed arrays in one `slice` (fast even for the 151,936-entry
 * vocabulary arrays of Qwen2); the copy also makes them naturally aligned, which a zero-copy typed
 * view at an odd file offset could not be.
 */
import type { ByteCursor } from './gguf-cursor.js';
import { GGUFFormatError } from './gguf-errors.js';
import {
  type GGUFArray,
  GGUF_MAX_ARRAY_DEPTH,
  type GGUFValue,
  GGUFValueType,
  isGGUFValueType,
  minItemBytes,
  valueTypeSize,
} from './gguf-types.js';

// Typed-array views assume the host byte order matches the file's (little-endian); on a
// big-endian host the DataView path below is used instead.
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reads a value type id (u32) and checks that it is known. */
export function readValueType(c: ByteCursor, field: string): GGUFValueType {
  const at = c.pos;
  const t = c.u32(field);
  if (!isGGUFValueType(t)) {
    throw new GGUFFormatError(`${field}: unknown value type ${t} at byte ${at} (expected 0..12)`, {
      field,
      offset: at,
      expected: '0..12',
      actual: String(t),
      source: c.source,
    });
  }
  return t;
}

function readBool(c: ByteCursor, fieldName: string, index = -1): boolean {
  const at = c.pos;
  // The item's field name is built only on error (bool arrays can be long).
  const b = at < c.avail ? c.bytes[at] : c.u8(index < 0 ? fieldName : `${fieldName}[${index}]`);
  c.pos = at + 1;
  if (b > 1) {
    const field = index < 0 ? fieldName : `${fieldName}[${index}]`;
    throw new GGUFFormatError(`${field}: bool byte at ${at} is ${b}, expected 0 or 1`, {
      field,
      offset: at,
      expected: '0 or 1',
      actual: String(b),
      source: c.source,
    });
  }
  return b === 1;
}

/** Reads one value of `type` (the type id has already been read). */
export function readValue(c: ByteCursor, type: GGUFValueType, field: string, depth = 0): GGUFValue {
  switch (type) {
    case GGUFValueType.UINT8:
      return { type, value: c.u8(field) };
    case GGUFValueType.INT8:
      return { type, value: c.i8(field) };
    case GGUFValueType.UINT16:
      return { type, value: c.u16(field) };
    case GGUFValueType.INT16:
      return { type, value: c.i16(field) };
    case GGUFValueType.UINT32:
      return { type, value: c.u32(field) };
    case GGUFValueType.INT32:
      return { type, value: c.i32(field) };
    case GGUFValueType.FLOAT32:
      return { type, value: c.f32(field) };
    case GGUFValueType.FLOAT64:
      return { type, value: c.f64(field) };
    case GGUFValueType.UINT64:
      return { type, value: c.u64(field) };
    case GGUFValueType.INT64:
      return { type, value: c.i64(field) };
    case GGUFValueType.BOOL:
      return { type, value: readBool(c, field) };
    case GGUFValueType.STRING:
      return { type, value: c.string(field) };
    case GGUFValueType.ARRAY:
      return readArray(c, field, depth);
  }
}

/** Reads an array body: item type u32, count u64, items. */
export function readArray(c: ByteCursor, field: string, depth = 0): GGUFArray {
  if (depth >= GGUF_MAX_ARRAY_DEPTH) {
    throw new GGUFFormatError(`${field}: arrays nested deeper than ${GGUF_MAX_ARRAY_DEPTH} levels at byte ${c.pos}`, {
      field,
      offset: c.pos,
      expected: `<= ${GGUF_MAX_ARRAY_DEPTH} levels`,
      actual: `> ${GGUF_MAX_ARRAY_DEPTH}`,
      source: c.source,
    });
  }
  const itemType = readValueType(c, `${field} (array item type)`);
  const n = c.count(`${field} (array count)`, minItemBytes(itemType));
  switch (itemType) {
    case GGUFValueType.STRING: {
      const value = new Array<string>(n);
      for (let i = 0; i < n; i++) value[i] = c.string(field, i);
      return { type: GGUFValueType.ARRAY, itemType, value };
    }
    case GGUFValueType.BOOL: {
      const value = new Array<boolean>(n);
      for (let i = 0; i < n; i++) value[i] = readBool(c, field, i);
      return { type: GGUFValueType.ARRAY, itemType, value };
    }
    case GGUFValueType.ARRAY: {
      const value = new Array<GGUFArray>(n);
      for (let i = 0; i < n; i++) value[i] = readArray(c, `${field}[${i}]`, depth + 1);
      return { type: GGUFValueType.ARRAY, itemType, value };
    }
    default:
      return readNumericArray(c, itemType, n, field);
  }
}

function readNumericArray(c: ByteCursor, itemType: GGUFValueType, n: number, field: string): GGUFArray {
  const size = valueTypeSize(itemType);
  const raw = c.take(n * size, `${field} (array items)`);
  // Copy into a new ArrayBuffer starting at offset 0, so every typed array is aligned. (Not
  // raw.slice(): when the input is a Node Buffer, Buffer#slice returns a view, not a copy.)
  const buf = LITTLE_ENDIAN_HOST ? new Uint8Array(raw).buffer : swapToHost(raw, size);
  const A = GGUFValueType.ARRAY;
  switch (itemType) {
    case GGUFValueType.UINT8:
      return { type: A, itemType, value: new Uint8Array(buf, 0, n) };
    case GGUFValueType.INT8:
      return { type: A, itemType, value: new Int8Array(buf, 0, n) };
    case GGUFValueType.UINT16:
      return { type: A, itemType, value: new Uint16Array(buf, 0, n) };
    case GGUFValueType.INT16:
      return { type: A, itemType, value: new Int16Array(buf, 0, n) };
    case GGUFValueType.UINT32:
      return { type: A, itemType, value: new Uint32Array(buf, 0, n) };
    case GGUFValueType.INT32:
      return { type: A, itemType, value: new Int32Array(buf, 0, n) };
    case GGUFValueType.FLOAT32:
      return { type: A, itemType, value: new Float32Array(buf, 0, n) };
    case GGUFValueType.FLOAT64:
      return { type: A, itemType, value: new Float64Array(buf, 0, n) };
    case GGUFValueType.UINT64:
      return { type: A, itemType, value: new BigUint64Array(buf, 0, n) };
    case GGUFValueType.INT64:
      return { type: A, itemType, value: new BigInt64Array(buf, 0, n) };
    default:
      throw new Error(`unreachable: item type ${itemType}`);
  }
}

/** Big-endian host only: copies little-endian items of `size` bytes into host order. */
function swapToHost(raw: Uint8Array, size: number): ArrayBuffer {
  const out = new Uint8Array(raw.byteLength);
  for (let i = 0; i < raw.byteLength; i += size) {
    for (let j = 0; j < size; j++) out[i + j] = raw[i + size - 1 - j];
  }
  return out.buffer;
}
