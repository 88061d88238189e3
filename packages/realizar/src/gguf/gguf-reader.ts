/**
 * The GGUF v2/v3 reader: parses header, metadata and tensor infos from one in-memory buffer (or a
 * window on a file, see gguf-header-read.ts) and validates every tensor (type, dims, size,
 * alignment, bounds, overlap). Tensor data are returned as zero-copy views of the input. The
 * checks follow llama.cpp's `gguf_init_from_reader`, plus a few stricter ones (strict UTF-8, bool
 * bytes 0/1, overlap, zero dims) that llama.cpp leaves out.
 */
import { type GGMLType, findDType, allDTypes } from '@sovereign/trueno';
import { ByteCursor } from './gguf-cursor.js';
import { GGUFFormatError, GGUFTruncatedError, GGUFVersionError } from './gguf-errors.js';
import { GGUFFile, type GGUFFileInit } from './gguf-file.js';
import type { GGUFHeaderInit } from './gguf-header.js';
import {
  alignUp,
  GGUF_ALIGNMENT_KEY,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_MAX_DIMS,
  type GGUFTensorDesc,
  type GGUFTensorInfo,
  type GGUFValue,
  GGUFValueType,
  isPowerOfTwo,
  valueTypeName,
} from './gguf-types.js';
import { readValue, readValueType } from './gguf-value-reader.js';

/** Options of {@link readGGUF}. */
export interface ReadGGUFOptions {
  /** Label for error messages and `GGUFFile.source` (e.g. the file path). */
  readonly source?: string;
}

// Fewest bytes a KV pair can take: key length (8) + 1 key byte + value type (4) + a u8 value (1).
const MIN_KV_BYTES = 14;
// Fewest bytes a tensor info can take: name length (8) + n_dims (4) + one dim (8) + type (4) +
// offset (8).
const MIN_TENSOR_INFO_BYTES = 32;

/**
 * Parses a GGUF file held in `bytes`. Throws a `GGUFError` subclass for any malformed input,
 * never another error type. Tensor `data` are views of `bytes` (`data.buffer === bytes.buffer`).
 */
export function readGGUF(bytes: Uint8Array, options: ReadGGUFOptions = {}): GGUFFile {
  return new GGUFFile(readGGUFInit(bytes, options));
}

/** {@link readGGUF}'s parse, before the {@link GGUFFile} is built (the split loader merges these). */
export function readGGUFInit(bytes: Uint8Array, options: ReadGGUFOptions = {}): GGUFFileInit {
  const header = parseGGUFHeader(new ByteCursor(bytes, options.source), options.source ?? '<buffer>');
  const tensors = header.tensors.map((t): GGUFTensorInfo => ({ ...t, data: bytes.subarray(t.fileOffset, t.fileOffset + t.byteSize) }));
  return { ...header, tensors, segments: [{ fileOffset: 0, bytes }] };
}

/**
 * Parses and validates everything but the tensor data: header, metadata, tensor infos, and that
 * every tensor's data lie within the input (`c.end` bytes) without overlapping another's. Reads
 * only the header's bytes, so `c` may be a window on a larger input (see {@link ByteCursor}).
 * `label` becomes the result's `source`.
 */
export function parseGGUFHeader(c: ByteCursor, label: string): GGUFHeaderInit {
  const version = readHeader(c);
  const { tensorCount, kvCount } = readCounts(c);
  const { metadata, keyOffsets } = readMetadata(c, kvCount);
  const alignment = readAlignment(c, metadata, keyOffsets);
  const infos = readTensorInfos(c, tensorCount, alignment);

  // The data section starts at the next aligned offset after the tensor infos. A file without
  // tensors need not be padded (llama.cpp's reader does not seek then, and older writers did not
  // pad), so its data offset is clamped to the file size.
  let dataOffset = alignUp(c.pos, alignment);
  if (tensorCount === 0) dataOffset = Math.min(dataOffset, c.end);
  else if (dataOffset > c.end) {
    throw new GGUFTruncatedError(
      `data section: starts at byte ${dataOffset} (after padding to ${alignment}) but the input has ${c.end} bytes (truncated?)`,
      { field: 'data section', offset: dataOffset, expected: `>= ${dataOffset} bytes`, actual: `${c.end} bytes`, source: c.source },
    );
  }
  const tensors = locateTensors(c, infos, dataOffset);
  return { source: label, version, alignment, dataOffset, fileSize: c.end, metadata, keyOffsets, tensors };
}

function readHeader(c: ByteCursor): number {
  c.need(4, 'header.magic', 'the 4-byte magic "GGUF"');
  const m = c.bytes.subarray(0, 4);
  const magic = String.fromCharCode(m[0], m[1], m[2], m[3]);
  if (magic !== GGUF_MAGIC) {
    const hex = [...m].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new GGUFFormatError(`header.magic at byte 0: expected "GGUF" (47 47 55 46), found ${hex} (not a GGUF file)`, {
      field: 'header.magic',
      offset: 0,
      expected: 'GGUF',
      actual: hex,
      source: c.source,
    });
  }
  c.pos = 4;
  const version = c.u32('header.version');
  if (version === 2 || version === 3) return version;
  const fail = (why: string) =>
    new GGUFVersionError(`header.version at byte 4: ${why}`, {
      field: 'header.version',
      offset: 4,
      expected: '2 or 3',
      actual: String(version),
      source: c.source,
    });
  if (version === 1) {
    throw fail('GGUF v1 is not supported (it used 32-bit counts); expected 2 or 3 — re-convert the model with a current llama.cpp');
  }
  // A v3 file written big-endian reads as 0x03000000: the low 16 bits are zero.
  if ((version & 0xffff) === 0) throw fail(`expected 2 or 3, found ${version} (a big-endian file? only little-endian is supported)`);
  throw fail(`expected 2 or 3, found ${version} (unknown GGUF version)`);
}

function readCounts(c: ByteCursor): { tensorCount: number; kvCount: number } {
  const tAt = c.pos;
  const tExact = c.u64('header.tensor_count');
  const kAt = c.pos;
  const kExact = c.u64('header.kv_count');
  const left = BigInt(c.remaining);
  // Both counts are bounded by the bytes left before anything is allocated.
  const check = (field: string, at: number, n: bigint, need: bigint, minBytes: number) => {
    if (need > left) {
      throw new GGUFTruncatedError(
        `${field} at byte ${at}: ${n} entries need at least ${need} bytes but only ${left} bytes remain (corrupt count or truncated file)`,
        { field, offset: at, expected: `<= ${left / BigInt(minBytes)}`, actual: String(n), source: c.source },
      );
    }
  };
  const kvBytes = kExact * BigInt(MIN_KV_BYTES);
  check('header.kv_count', kAt, kExact, kvBytes, MIN_KV_BYTES);
  check('header.tensor_count', tAt, tExact, kvBytes + tExact * BigInt(MIN_TENSOR_INFO_BYTES), MIN_TENSOR_INFO_BYTES);
  return { tensorCount: Number(tExact), kvCount: Number(kExact) };
}

function readMetadata(c: ByteCursor, kvCount: number) {
  const metadata = new Map<string, GGUFValue>();
  const keyOffsets = new Map<string, number>();
  for (let i = 0; i < kvCount; i++) {
    const at = c.pos;
    const key = c.string(`kv[${i}].key`);
    if (key.length === 0) {
      throw new GGUFFormatError(`kv[${i}].key at byte ${at}: empty key`, {
        field: `kv[${i}].key`,
        offset: at,
        expected: 'a non-empty key',
        actual: "''",
        source: c.source,
      });
    }
    const field = `key '${key}'`;
    const first = keyOffsets.get(key);
    if (first !== undefined) {
      throw new GGUFFormatError(`${field} at byte ${at}: duplicate key (first defined at byte ${first})`, {
        field,
        offset: at,
        expected: 'unique keys',
        actual: `duplicate of the key at byte ${first}`,
        source: c.source,
      });
    }
    const type = readValueType(c, `${field} (value type)`);
    metadata.set(key, readValue(c, type, field));
    keyOffsets.set(key, at);
  }
  return { metadata, keyOffsets };
}

function readAlignment(c: ByteCursor, metadata: Map<string, GGUFValue>, keyOffsets: Map<string, number>): number {
  const v = metadata.get(GGUF_ALIGNMENT_KEY);
  if (v === undefined) return GGUF_DEFAULT_ALIGNMENT;
  const field = `key '${GGUF_ALIGNMENT_KEY}'`;
  const offset = keyOffsets.get(GGUF_ALIGNMENT_KEY);
  if (v.type !== GGUFValueType.UINT32) {
    throw new GGUFFormatError(`${field} at byte ${offset}: expected type u32, found ${valueTypeName(v.type)}`, {
      field,
      offset,
      expected: 'u32',
      actual: valueTypeName(v.type),
      source: c.source,
    });
  }
  if (!isPowerOfTwo(v.value)) {
    throw new GGUFFormatError(`${field} at byte ${offset}: alignment ${v.value} is not a power of two`, {
      field,
      offset,
      expected: 'a power of two (1..2^30)',
      actual: String(v.value),
      source: c.source,
    });
  }
  return v.value;
}

interface RawTensorInfo {
  name: string;
  type: GGMLType;
  dims: number[];
  nElements: number;
  byteSize: number;
  offset: number;
  at: number;
}

function readTensorInfos(c: ByteCursor, count: number, alignment: number): RawTensorInfo[] {
  const infos: RawTensorInfo[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const at = c.pos;
    const name = c.string(`tensor[${i}].name`);
    const field = `tensor '${name}'`;
    const fmt = (msg: string, offset: number, expected: string, actual: string) =>
      new GGUFFormatError(`${field}: ${msg}`, { field, offset, expected, actual, source: c.source });
    const prev = seen.get(name);
    if (prev !== undefined) {
      throw fmt(`duplicate tensor name at byte ${at} (tensor ${prev} has the same name)`, at, 'unique names', `same as tensor ${prev}`);
    }
    seen.set(name, i);

    const ndAt = c.pos;
    const nDims = c.u32(`${field}.n_dims`);
    if (nDims < 1 || nDims > GGUF_MAX_DIMS) {
      throw fmt(`n_dims at byte ${ndAt} is ${nDims}, expected 1..${GGUF_MAX_DIMS}`, ndAt, `1..${GGUF_MAX_DIMS}`, String(nDims));
    }
    const dims: number[] = [];
    let nElements = 1;
    for (let d = 0; d < nDims; d++) {
      const dAt = c.pos;
      c.need(8, `${field}.dims[${d}]`);
      const exact = new DataView(c.bytes.buffer, c.bytes.byteOffset + dAt, 8).getBigInt64(0, true);
      const n = c.u64Safe(`${field}.dims[${d}]`);
      if (n === undefined || n === 0) {
        const why = exact < 0n ? ' (negative as int64)' : n === 0 ? '' : ' (exceeds 2^53)';
        throw fmt(`dims[${d}] at byte ${dAt} is ${exact}${why}, expected 1..2^53-1`, dAt, '1..2^53-1', String(exact));
      }
      nElements *= n;
      if (!Number.isSafeInteger(nElements)) {
        throw fmt(`element count of dims [${[...dims, n].join(', ')}] exceeds 2^53`, dAt, '< 2^53 elements', 'overflow');
      }
      dims.push(n);
    }

    const tAt = c.pos;
    const typeId = c.u32(`${field}.type`);
    const dt = findDType(typeId);
    if (dt === undefined) {
      const known = allDTypes().map((d) => d.type).join(', ');
      throw fmt(`unknown ggml type id ${typeId} at byte ${tAt} (known ids: ${known})`, tAt, 'a known ggml type id', String(typeId));
    }
    if (dims[0] % dt.blockSize !== 0) {
      throw fmt(
        `ne0 = ${dims[0]} is not a multiple of the ${dt.name} block size ${dt.blockSize}`,
        at,
        `a multiple of ${dt.blockSize}`,
        String(dims[0]),
      );
    }
    // nElements is a multiple of blockSize because ne0 is; the division is exact.
    const byteSize = (nElements / dt.blockSize) * dt.typeSize;
    if (!Number.isSafeInteger(byteSize)) {
      throw fmt(`byte size of ${nElements} ${dt.name} elements exceeds 2^53`, at, '< 2^53 bytes', 'overflow');
    }

    const oAt = c.pos;
    c.need(8, `${field}.offset`);
    const exactOffset = new DataView(c.bytes.buffer, c.bytes.byteOffset + oAt, 8).getBigUint64(0, true);
    const offset = c.u64Safe(`${field}.offset`);
    if (offset === undefined) {
      throw new GGUFTruncatedError(`${field}: data offset ${exactOffset} at byte ${oAt} lies far past the end of the input (${c.end} bytes)`, {
        field,
        offset: oAt,
        expected: `< ${c.end}`,
        actual: String(exactOffset),
        source: c.source,
      });
    }
    if (offset % alignment !== 0) {
      throw fmt(`data offset ${offset} at byte ${oAt} is not a multiple of the alignment ${alignment}`, oAt, `a multiple of ${alignment}`, String(offset));
    }
    infos.push({ name, type: dt.type, dims, nElements, byteSize, offset, at });
  }
  return infos;
}

function locateTensors(c: ByteCursor, infos: RawTensorInfo[], dataOffset: number): GGUFTensorDesc[] {
  const tensors: GGUFTensorDesc[] = [];
  for (const t of infos) {
    const start = dataOffset + t.offset;
    const end = start + t.byteSize;
    const field = `tensor '${t.name}'`;
    if (end > c.end) {
      throw new GGUFTruncatedError(`${field}: data ends at byte ${end} but file has ${c.end} bytes (truncated?)`, {
        field,
        offset: start,
        expected: `>= ${end} bytes`,
        actual: `${c.end} bytes`,
        source: c.source,
      });
    }
    tensors.push({
      name: t.name,
      type: t.type,
      dims: t.dims,
      nElements: t.nElements,
      offset: t.offset,
      fileOffset: start,
      byteSize: t.byteSize,
    });
  }
  // Overlap check: sorted by offset, each tensor must start at or after the previous one's end.
  const byOffset = [...tensors].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < byOffset.length; i++) {
    const a = byOffset[i - 1];
    const b = byOffset[i];
    if (b.offset < a.offset + a.byteSize) {
      const field = `tensor '${b.name}'`;
      throw new GGUFFormatError(
        `${field}: data [${b.offset}, ${b.offset + b.byteSize}) overlaps tensor '${a.name}' [${a.offset}, ${a.offset + a.byteSize}) ` +
          `(offsets relative to the data section at byte ${dataOffset})`,
        { field, offset: b.fileOffset, expected: `offset >= ${a.offset + a.byteSize}`, actual: String(b.offset), source: c.source },
      );
    }
  }
  return tensors;
}
