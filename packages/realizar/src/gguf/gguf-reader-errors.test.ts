import { describe, expect, it } from 'vitest';
import { GGMLType } from '@sovereign/trueno';
import { expectGGUFError } from '../../test/gguf/expect-error.js';
import { RawGGUF } from '../../test/gguf/raw-gguf.js';
import { GGUFFormatError, GGUFTruncatedError, GGUFVersionError, gguf, readGGUF, writeGGUF } from './index.js';

const F32 = GGMLType.F32;
const read = (b: RawGGUF | Uint8Array) => () => readGGUF(b instanceof RawGGUF ? b.build() : b);
/** A file with one KV and one tensor header, so tensor-info fields can be corrupted one by one. */
const oneTensor = (dims: Array<number | bigint>, type: number = F32, offset: number | bigint = 0, nDims?: number) =>
  new RawGGUF().header(1, 0).tensor('w', dims, type, offset, nDims);

describe('GGUF reader: truncation', () => {
  const valid = writeGGUF({
    metadata: [
      ['general.architecture', gguf.str('llama')],
      ['tokenizer.ggml.tokens', gguf.arrStr(['a', 'bc', 'déf'])],
      ['tokenizer.ggml.scores', gguf.arrF32([0, -1, -2])],
      ['nested', gguf.arrArr([gguf.arrU8([1, 2]), gguf.arrStr(['x'])])],
    ],
    // 8 f32 = 32 bytes: the data of the last tensor ends exactly at the end of the file.
    tensors: [{ name: 'w', type: F32, dims: [8], data: new Uint8Array(32) }],
  });

  it('every proper prefix of a valid file is a GGUFTruncatedError', () => {
    expect(() => readGGUF(valid)).not.toThrow();
    for (let cut = 0; cut < valid.length; cut++) {
      expectGGUFError(read(valid.subarray(0, cut)), GGUFTruncatedError);
    }
  });

  it('names the field and offset where the input ends', () => {
    expectGGUFError(read(valid.subarray(0, 10)), GGUFTruncatedError, 'header.tensor_count', 'at byte 8', 'ends at byte 10');
    expectGGUFError(read(valid.subarray(0, 2)), GGUFTruncatedError, 'header.magic');
    const e = expectGGUFError(read(valid.subarray(0, valid.length - 1)), GGUFTruncatedError, "tensor 'w'", 'data ends at byte');
    expect(e.message).toBe(`tensor 'w': data ends at byte ${valid.length} but file has ${valid.length - 1} bytes (truncated?)`);
  });

  it('tensor data past EOF: message gives the end byte and the file size', () => {
    const raw = oneTensor([1000]).pad(32).zeros(100);
    const b = raw.build();
    const dataOffset = b.length - 100;
    const e = expectGGUFError(read(b), GGUFTruncatedError);
    expect(e.message).toBe(`tensor 'w': data ends at byte ${dataOffset + 4000} but file has ${b.length} bytes (truncated?)`);
    expect(e).toMatchObject({ field: "tensor 'w'", offset: dataOffset, expected: `>= ${dataOffset + 4000} bytes`, actual: `${b.length} bytes` });
  });

  it('data section start past EOF', () => {
    expectGGUFError(read(oneTensor([8])), GGUFTruncatedError, 'data section', 'starts at byte 64');
  });

  it('prefixes the source label', () => {
    const e = expectGGUFError(() => readGGUF(valid.subarray(0, 5), { source: '/models/x.gguf' }), GGUFTruncatedError);
    expect(e.message.startsWith('/models/x.gguf: header.version')).toBe(true);
    expect(e.source).toBe('/models/x.gguf');
  });
});

describe('GGUF reader: header', () => {
  it('wrong magic', () => {
    const e = expectGGUFError(read(new RawGGUF().header(0, 0, 3, 'GGML')), GGUFFormatError, 'header.magic', 'expected "GGUF"', '47 47 4d 4c');
    expect(e).toMatchObject({ field: 'header.magic', offset: 0, expected: 'GGUF', actual: '47 47 4d 4c' });
  });

  it('version 1 is rejected with a clear message', () => {
    const e = expectGGUFError(read(new RawGGUF().header(0, 0, 1)), GGUFVersionError, 'header.version', 'GGUF v1 is not supported', 'expected 2 or 3');
    expect(e).toBeInstanceOf(GGUFFormatError);
    expect(e).toMatchObject({ expected: '2 or 3', actual: '1', offset: 4 });
  });

  it('unknown versions 0, 4, 2^31 and big-endian v3', () => {
    for (const v of [0, 4, 0x8000_0001]) {
      expectGGUFError(read(new RawGGUF().header(0, 0, v)), GGUFVersionError, 'header.version', `found ${v}`, 'expected 2 or 3');
    }
    expectGGUFError(read(new RawGGUF().header(0, 0, 0x0300_0000)), GGUFVersionError, 'big-endian');
  });

  it('v2 and v3 headers are both accepted', () => {
    expect(readGGUF(new RawGGUF().header(0, 0, 2).build()).version).toBe(2);
    expect(readGGUF(new RawGGUF().header(0, 0, 3).build()).version).toBe(3);
  });

  it('absurd tensor_count / kv_count are bounded by the bytes left before allocating', () => {
    expectGGUFError(read(new RawGGUF().header(2n ** 40n, 0)), GGUFTruncatedError, 'header.tensor_count', '1099511627776', 'bytes remain');
    expectGGUFError(read(new RawGGUF().header(0, 2n ** 40n)), GGUFTruncatedError, 'header.kv_count', '1099511627776', 'at byte 16');
    expectGGUFError(read(new RawGGUF().header(0, 2n ** 64n - 1n).zeros(1000)), GGUFTruncatedError, 'header.kv_count', '18446744073709551615');
    // Counts that fit separately but not together.
    expectGGUFError(read(new RawGGUF().header(40, 40).zeros(1000)), GGUFTruncatedError, 'header.tensor_count');
  });
});

describe('GGUF reader: metadata', () => {
  it('string length 2^50 (key and value)', () => {
    expectGGUFError(read(new RawGGUF().header(0, 1).u64(2n ** 50n).zeros(20)), GGUFTruncatedError, 'kv[0].key', 'string length 1125899906842624', 'at byte 24');
    expectGGUFError(read(new RawGGUF().header(0, 1).str('k').u32(8).u64(2n ** 50n).zeros(20)), GGUFTruncatedError, "key 'k'", '1125899906842624');
  });

  it('array count larger than the bytes left (numeric, string and nested arrays)', () => {
    const arr = (itemType: number, count: number | bigint) => new RawGGUF().header(0, 1).str('arr').u32(9).u32(itemType).u64(count).zeros(64);
    const e = expectGGUFError(read(arr(6, 1_000_000)), GGUFTruncatedError, "key 'arr' (array count)", 'count 1000000', 'needs at least 4000000 bytes', 'only 64 bytes remain');
    expect(e).toMatchObject({ expected: '<= 16', actual: '1000000' });
    expectGGUFError(read(arr(8, 2n ** 62n)), GGUFTruncatedError, "key 'arr' (array count)", String(2n ** 62n));
    expectGGUFError(read(arr(9, 2n ** 40n)), GGUFTruncatedError, "key 'arr' (array count)");
    expectGGUFError(read(arr(10, 2n ** 64n - 1n)), GGUFTruncatedError, "key 'arr' (array count)");
  });

  it('unknown value type and unknown array item type', () => {
    expectGGUFError(read(new RawGGUF().header(0, 1).str('k').u32(13).zeros(8)), GGUFFormatError, "key 'k' (value type)", 'unknown value type 13', 'expected 0..12');
    expectGGUFError(read(new RawGGUF().header(0, 1).str('k').u32(9).u32(77).u64(0)), GGUFFormatError, "key 'k' (array item type)", 'unknown value type 77');
  });

  it('duplicate keys name the key and both offsets', () => {
    const raw = new RawGGUF().header(0, 2).kvU32('a', 1);
    const second = raw.length;
    expectGGUFError(read(raw.kvU32('a', 2)), GGUFFormatError, "key 'a'", `at byte ${second}`, 'duplicate key', 'first defined at byte 24');
  });

  it('empty key', () => {
    expectGGUFError(read(new RawGGUF().header(0, 1).kvU32('', 1)), GGUFFormatError, 'kv[0].key', 'empty key');
  });

  it('invalid UTF-8 in a value, a key, an array item and a tensor name', () => {
    const bad = Uint8Array.from([0x61, 0xff, 0xfe]);
    expectGGUFError(read(new RawGGUF().header(0, 1).kvStr('k', bad)), GGUFFormatError, "key 'k'", 'not valid UTF-8', 'at byte 45');
    expectGGUFError(read(new RawGGUF().header(0, 1).str(bad).u32(4).u32(0)), GGUFFormatError, 'kv[0].key', 'not valid UTF-8');
    const arr = new RawGGUF().header(0, 1).str('toks').u32(9).u32(8).u64(2).str('ok').str(Uint8Array.from([0xc3]));
    expectGGUFError(read(arr), GGUFFormatError, "key 'toks'[1]", 'not valid UTF-8');
    expectGGUFError(read(new RawGGUF().header(1, 0).tensor(bad, [8], F32, 0).pad(32).zeros(32)), GGUFFormatError, 'tensor[0].name', 'not valid UTF-8');
    // A lone surrogate encoded in UTF-8 (CESU style) is invalid too.
    expectGGUFError(read(new RawGGUF().header(0, 1).kvStr('k', Uint8Array.from([0xed, 0xa0, 0x80]))), GGUFFormatError, 'not valid UTF-8');
  });

  it('bool bytes other than 0/1', () => {
    expectGGUFError(read(new RawGGUF().header(0, 1).str('b').u32(7).u8(2)), GGUFFormatError, "key 'b'", 'is 2, expected 0 or 1');
    expectGGUFError(read(new RawGGUF().header(0, 1).str('b').u32(9).u32(7).u64(3).bytes([0, 1, 9])), GGUFFormatError, "key 'b'[2]", 'is 9');
  });

  it('arrays nested deeper than 64 levels', () => {
    const raw = new RawGGUF().header(0, 1).str('deep').u32(9);
    for (let i = 0; i < 70; i++) raw.u32(9).u64(1);
    raw.u32(0).u64(0);
    expectGGUFError(read(raw), GGUFFormatError, "key 'deep'", 'nested deeper than 64');
  });

  it('general.alignment: not a power of two, zero, wrong type', () => {
    for (const a of [48, 0, 3]) {
      const e = expectGGUFError(read(new RawGGUF().header(0, 1).kvU32('general.alignment', a)), GGUFFormatError, "key 'general.alignment'", `alignment ${a} is not a power of two`);
      expect(e).toMatchObject({ offset: 24, actual: String(a) });
    }
    const u64 = new RawGGUF().header(0, 1).str('general.alignment').u32(10).u64(32);
    expectGGUFError(read(u64), GGUFFormatError, "key 'general.alignment'", 'expected type u32, found u64');
  });
});

describe('GGUF reader: tensor infos', () => {
  it('unknown tensor dtype names the tensor and the id', () => {
    for (const id of [4, 31, 99, 0xffff_ffff]) {
      const e = expectGGUFError(read(oneTensor([32], id).pad(32).zeros(256)), GGUFFormatError, "tensor 'w'", `unknown ggml type id ${id}`, 'known ids: 0, 1');
      expect(e.actual).toBe(String(id));
    }
  });

  it('n_dims 0 and > 4', () => {
    expectGGUFError(read(oneTensor([1, 1, 1, 1, 1], F32, 0).pad(32).zeros(32)), GGUFFormatError, "tensor 'w'", 'n_dims at byte 33 is 5, expected 1..4');
    expectGGUFError(read(oneTensor([], F32, 0).pad(32).zeros(32)), GGUFFormatError, "tensor 'w'", 'n_dims', 'is 0');
    // A huge n_dims fails on the count, before any dim is read.
    expectGGUFError(read(new RawGGUF().header(1, 0).str('w').u32(0xffff_ffff).zeros(64)), GGUFFormatError, 'is 4294967295, expected 1..4');
  });

  it('dims that are 0, negative, or overflow 2^53', () => {
    expectGGUFError(read(oneTensor([8, 0]).zeros(64)), GGUFFormatError, "tensor 'w'", 'dims[1]', 'is 0, expected 1..2^53-1');
    expectGGUFError(read(oneTensor([8, 2n ** 64n - 1n]).zeros(64)), GGUFFormatError, "tensor 'w'", 'dims[1]', 'is -1 (negative as int64)');
    expectGGUFError(read(oneTensor([2n ** 60n]).zeros(64)), GGUFFormatError, "tensor 'w'", `is ${2n ** 60n} (exceeds 2^53)`);
    expectGGUFError(read(oneTensor([2 ** 27, 2 ** 27]).zeros(64)), GGUFFormatError, "tensor 'w'", 'element count of dims [134217728, 134217728] exceeds 2^53');
  });

  it('ne0 not a multiple of the block size', () => {
    const e = expectGGUFError(read(oneTensor([33, 2], GGMLType.Q4_0).pad(32).zeros(64)), GGUFFormatError, "tensor 'w'", 'ne0 = 33 is not a multiple of the q4_0 block size 32');
    expect(e).toMatchObject({ expected: 'a multiple of 32', actual: '33' });
    expectGGUFError(read(oneTensor([255], GGMLType.Q6_K).pad(32).zeros(256)), GGUFFormatError, 'q6_K block size 256');
  });

  it('tensor offset not aligned, and offsets beyond 2^53', () => {
    expectGGUFError(read(oneTensor([8], F32, 16).pad(32).zeros(64)), GGUFFormatError, "tensor 'w'", 'data offset 16', 'not a multiple of the alignment 32');
    expectGGUFError(read(oneTensor([8], F32, 2n ** 63n).pad(32).zeros(64)), GGUFTruncatedError, "tensor 'w'", String(2n ** 63n));
  });

  it('overlapping tensors', () => {
    // a: 16 f32 = 64 bytes at 0; b at offset 32 overlaps it.
    const raw = new RawGGUF().header(2, 0).tensor('a', [16], F32, 0).tensor('b', [16], F32, 32).pad(32).zeros(128);
    const e = expectGGUFError(read(raw), GGUFFormatError, "tensor 'b'", "overlaps tensor 'a'", '[32, 96)', '[0, 64)');
    expect(e.field).toBe("tensor 'b'");
    // Out-of-order but disjoint tensors are fine.
    const ok = new RawGGUF().header(2, 0).tensor('a', [8], F32, 32).tensor('b', [8], F32, 0).pad(32).zeros(64);
    expect(readGGUF(ok.build()).tensors.map((t) => t.offset)).toEqual([32, 0]);
  });

  it('duplicate tensor names', () => {
    const raw = new RawGGUF().header(2, 0).tensor('w', [8], F32, 0).tensor('w', [8], F32, 32).pad(32).zeros(64);
    expectGGUFError(read(raw), GGUFFormatError, "tensor 'w'", 'duplicate tensor name', 'tensor 0 has the same name');
  });

  it('a size mismatch shows up as data past EOF (sizes come from type and dims, never guessed)', () => {
    // Q8_0 [64, 2] needs 136 bytes; only 100 are present.
    expectGGUFError(read(oneTensor([64, 2], GGMLType.Q8_0).pad(32).zeros(100)), GGUFTruncatedError, "tensor 'w'", 'data ends at byte 232 but file has 196 bytes');
  });
});
