/**
 * Planning a GGUF file before any byte is written: validates the whole spec (values, names, dims,
 * types, alignment), computes the header size, the data offset and every tensor's offset, so the
 * header can be written first and tensor bytes streamed after it.
 *
 * Layout follows ggml's writer (`gguf_write_out`): tensors packed in spec order, each one's data
 * followed by zero padding up to the alignment (the last one too), so the file size is a multiple
 * of the alignment and re-writing a ggml-written file reproduces it byte for byte.
 */
import { findDType } from '@sovereign/trueno';
import { ByteSink, stringSize, valueSize, writeValue } from './gguf-encoder.js';
import { GGUFWriteError } from './gguf-errors.js';
import {
  alignUp,
  GGUF_ALIGNMENT_KEY,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAX_DIMS,
  type GGUFTensorSpec,
  type GGUFValue,
  GGUFValueType,
  type GGUFWriteSpec,
  isPowerOfTwo,
  valueTypeName,
} from './gguf-types.js';

/** llama.cpp refuses tensor names of 64 bytes or more (`GGML_MAX_NAME`). */
export const GGUF_MAX_TENSOR_NAME_BYTES = 63;

/** One tensor with its computed place in the data section. */
export interface PlannedTensor {
  readonly spec: GGUFTensorSpec;
  readonly nElements: number;
  readonly byteSize: number;
  /** Offset relative to the data section. */
  readonly offset: number;
}

/** The complete layout of a file to write. */
export interface GGUFLayout {
  readonly version: 2 | 3;
  readonly alignment: number;
  readonly kvs: ReadonlyArray<readonly [string, GGUFValue]>;
  readonly tensors: readonly PlannedTensor[];
  /** Bytes of header + KVs + tensor infos, before padding. */
  readonly headerBytes: number;
  /** Start of the data section (`headerBytes` rounded up to the alignment). */
  readonly dataOffset: number;
  /** Total file size. */
  readonly fileSize: number;
}

const werr = (field: string, msg: string, expected: string, actual: string) =>
  new GGUFWriteError(`${field}: ${msg}`, { field, expected, actual });

function resolveAlignment(spec: GGUFWriteSpec, kvs: ReadonlyArray<readonly [string, GGUFValue]>): number {
  const kv = kvs.find(([k]) => k === GGUF_ALIGNMENT_KEY)?.[1];
  const field = `key '${GGUF_ALIGNMENT_KEY}'`;
  if (kv !== undefined && kv.type !== GGUFValueType.UINT32) {
    throw werr(field, `expected type u32 (readers reject other types), got ${valueTypeName(kv.type)}`, 'u32', valueTypeName(kv.type));
  }
  const fromKv = kv?.value as number | undefined;
  const alignment = spec.alignment ?? fromKv ?? GGUF_DEFAULT_ALIGNMENT;
  if (!isPowerOfTwo(alignment)) {
    throw werr(spec.alignment !== undefined ? 'alignment' : field, `alignment ${alignment} is not a power of two`, 'a power of two (1..2^30)', String(alignment));
  }
  if (fromKv !== undefined && fromKv !== alignment) {
    throw werr('alignment', `spec.alignment ${alignment} disagrees with metadata ${GGUF_ALIGNMENT_KEY} = ${fromKv}`, String(fromKv), String(alignment));
  }
  if (fromKv === undefined && alignment !== GGUF_DEFAULT_ALIGNMENT) {
    throw werr(
      'alignment',
      `alignment ${alignment} needs metadata ${GGUF_ALIGNMENT_KEY} = u32(${alignment}); readers assume ${GGUF_DEFAULT_ALIGNMENT} without it`,
      `${GGUF_ALIGNMENT_KEY} present`,
      'missing',
    );
  }
  return alignment;
}

function planTensor(t: GGUFTensorSpec, i: number, seen: Set<string>): { nElements: number; byteSize: number; infoBytes: number } {
  const name: unknown = t?.name;
  if (typeof name !== 'string' || name.length === 0) throw werr(`tensor[${i}].name`, 'expected a non-empty string', 'a non-empty string', String(name));
  const field = `tensor '${name}'`;
  const nameBytes = stringSize(field, name) - 8;
  if (nameBytes > GGUF_MAX_TENSOR_NAME_BYTES) {
    throw werr(field, `name is ${nameBytes} bytes; llama.cpp accepts at most ${GGUF_MAX_TENSOR_NAME_BYTES}`, `<= ${GGUF_MAX_TENSOR_NAME_BYTES} bytes`, `${nameBytes} bytes`);
  }
  if (seen.has(name)) throw werr(field, 'duplicate tensor name', 'unique names', 'duplicate');
  seen.add(name);
  const dt = findDType(t.type);
  if (dt === undefined) throw werr(field, `unknown ggml type id ${t.type}`, 'a known ggml type id', String(t.type));
  const dims: readonly number[] = t.dims;
  if (!Array.isArray(dims) || dims.length < 1 || dims.length > GGUF_MAX_DIMS) {
    throw werr(field, `expected 1..${GGUF_MAX_DIMS} dims, got ${Array.isArray(dims) ? dims.length : String(dims)}`, `1..${GGUF_MAX_DIMS} dims`, String(dims?.length));
  }
  let nElements = 1;
  for (const [d, n] of dims.entries()) {
    if (!Number.isSafeInteger(n) || n < 1) throw werr(field, `dims[${d}] = ${n}, expected a positive integer`, 'a positive integer', String(n));
    nElements *= n;
    if (!Number.isSafeInteger(nElements)) throw werr(field, `element count of dims [${dims.join(', ')}] exceeds 2^53`, '< 2^53', 'overflow');
  }
  if (dims[0] % dt.blockSize !== 0) {
    throw werr(field, `ne0 = ${dims[0]} is not a multiple of the ${dt.name} block size ${dt.blockSize}`, `a multiple of ${dt.blockSize}`, String(dims[0]));
  }
  const byteSize = (nElements / dt.blockSize) * dt.typeSize;
  if (t.data instanceof Uint8Array) checkTensorData(t, byteSize);
  else if (typeof t.data !== 'function') throw werr(field, 'data must be a Uint8Array or a function returning one', 'Uint8Array | function', typeof t.data);
  // name (u64 len + bytes), n_dims u32, dims u64 each, type u32, offset u64.
  return { nElements, byteSize, infoBytes: 8 + nameBytes + 4 + 8 * dims.length + 4 + 8 };
}

/** Throws unless `data` is a Uint8Array of exactly `byteSize` bytes. */
export function checkTensorData(t: GGUFTensorSpec, byteSize: number, data: unknown = t.data): asserts data is Uint8Array {
  const field = `tensor '${t.name}'`;
  if (!(data instanceof Uint8Array)) {
    throw werr(field, `data must be a Uint8Array, got ${data === null ? 'null' : typeof data}`, 'Uint8Array', String(data));
  }
  if (data.byteLength !== byteSize) {
    const dt = findDType(t.type);
    throw werr(
      field,
      `data has ${data.byteLength} bytes, expected ${byteSize} (${dt?.name} [${t.dims.join(', ')}])`,
      `${byteSize} bytes`,
      `${data.byteLength} bytes`,
    );
  }
}

/** Validates `spec` and computes the layout. Throws {@link GGUFWriteError} on invalid input. */
export function planGGUF(spec: GGUFWriteSpec): GGUFLayout {
  const version = spec.version ?? 3;
  if (version !== 2 && version !== 3) throw werr('version', `expected 2 or 3, got ${String(version)}`, '2 or 3', String(version));
  const kvs: Array<readonly [string, GGUFValue]> = [];
  const keys = new Set<string>();
  let headerBytes = 4 + 4 + 8 + 8; // magic, version, tensor_count, kv_count
  for (const [key, value] of spec.metadata) {
    const field = `key '${key}'`;
    if (typeof key !== 'string' || key.length === 0) throw werr(`kv[${kvs.length}].key`, 'expected a non-empty string', 'a non-empty key', String(key));
    if (keys.has(key)) throw werr(field, 'duplicate key', 'unique keys', 'duplicate');
    keys.add(key);
    headerBytes += stringSize(field, key) + 4 + valueSize(field, value);
    kvs.push([key, value]);
  }
  const alignment = resolveAlignment(spec, kvs);
  const seen = new Set<string>();
  const tensors: PlannedTensor[] = [];
  let offset = 0;
  for (const [i, t] of spec.tensors.entries()) {
    const { nElements, byteSize, infoBytes } = planTensor(t, i, seen);
    headerBytes += infoBytes;
    tensors.push({ spec: t, nElements, byteSize, offset });
    offset = alignUp(offset + byteSize, alignment);
  }
  const dataOffset = alignUp(headerBytes, alignment);
  const fileSize = dataOffset + offset;
  if (!Number.isSafeInteger(fileSize)) throw werr('file', 'total size exceeds 2^53 bytes', '< 2^53', String(fileSize));
  return { version, alignment, kvs, tensors, headerBytes, dataOffset, fileSize };
}

/**
 * Encodes header, KVs, tensor infos and the zero padding before the data section into `out`
 * (at least `layout.dataOffset` bytes, zero-filled).
 */
export function encodeHeader(layout: GGUFLayout, out: Uint8Array): void {
  const s = new ByteSink(out);
  s.raw(new Uint8Array([0x47, 0x47, 0x55, 0x46])); // "GGUF"
  s.u32(layout.version);
  s.u64(layout.tensors.length);
  s.u64(layout.kvs.length);
  for (const [key, value] of layout.kvs) {
    s.string(key);
    s.u32(value.type);
    writeValue(s, value);
  }
  for (const t of layout.tensors) {
    s.string(t.spec.name);
    s.u32(t.spec.dims.length);
    for (const n of t.spec.dims) s.u64(n);
    s.u32(t.spec.type);
    s.u64(t.offset);
  }
  if (s.pos !== layout.headerBytes) throw new Error(`internal: header is ${s.pos} bytes, planned ${layout.headerBytes}`);
}
