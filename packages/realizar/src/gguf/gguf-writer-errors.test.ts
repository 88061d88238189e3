import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GGMLType } from '@sovereign/trueno';
import { expectGGUFError, expectGGUFErrorAsync } from '../../test/gguf/expect-error.js';
import {
  gguf,
  GGUFError,
  GGUFValueType,
  type GGUFTensorSpec,
  type GGUFValue,
  type GGUFWriteSpec,
  GGUFWriteError,
  readGGUF,
  writeGGUF,
  writeGGUFFile,
} from './index.js';

const f32 = (name: string, dims: number[], data?: GGUFTensorSpec['data']): GGUFTensorSpec => ({
  name,
  type: GGMLType.F32,
  dims,
  data: data ?? new Uint8Array(4 * dims.reduce((a, b) => a * b, 1)),
});
const spec = (tensors: GGUFTensorSpec[], metadata: Array<[string, GGUFValue]> = []): GGUFWriteSpec => ({ metadata, tensors });
const write = (s: GGUFWriteSpec) => () => writeGGUF(s);

describe('GGUF writer validation', () => {
  it('data byte length must equal bytesFor(type, nElements)', () => {
    const e = expectGGUFError(
      write(spec([{ name: 'q', type: GGMLType.Q4_0, dims: [64, 2], data: new Uint8Array(70) }])),
      GGUFWriteError,
      "tensor 'q'",
      'data has 70 bytes, expected 72 (q4_0 [64, 2])',
    );
    expect(e).toMatchObject({ field: "tensor 'q'", expected: '72 bytes', actual: '70 bytes' });
    // Lazily produced data is checked when produced.
    expectGGUFError(write(spec([f32('w', [4], () => new Uint8Array(15))])), GGUFWriteError, "tensor 'w'", 'data has 15 bytes, expected 16');
  });

  it('dims: count 1..4, positive integers, ne0 a multiple of the block size', () => {
    expectGGUFError(write(spec([f32('w', [1, 1, 1, 1, 1])])), GGUFWriteError, "tensor 'w'", 'expected 1..4 dims, got 5');
    expectGGUFError(write(spec([f32('w', [])])), GGUFWriteError, 'expected 1..4 dims, got 0');
    expectGGUFError(write(spec([f32('w', [4, 0], new Uint8Array(0))])), GGUFWriteError, 'dims[1] = 0');
    expectGGUFError(write(spec([f32('w', [2.5], new Uint8Array(10))])), GGUFWriteError, 'dims[0] = 2.5');
    const q = { name: 'q', type: GGMLType.Q8_K, dims: [100], data: new Uint8Array(0) };
    expectGGUFError(write(spec([q])), GGUFWriteError, "tensor 'q'", 'ne0 = 100 is not a multiple of the q8_K block size 256');
    expectGGUFError(write(spec([{ ...q, type: 4 as GGMLType }])), GGUFWriteError, 'unknown ggml type id 4');
  });

  it('tensor names: unique, non-empty, at most 63 UTF-8 bytes', () => {
    expectGGUFError(write(spec([f32('w', [1]), f32('w', [2])])), GGUFWriteError, "tensor 'w'", 'duplicate tensor name');
    expectGGUFError(write(spec([f32('', [1])])), GGUFWriteError, 'tensor[0].name');
    expectGGUFError(write(spec([f32('é'.repeat(32), [1])])), GGUFWriteError, 'name is 64 bytes; llama.cpp accepts at most 63');
  });

  it('metadata: unique non-empty keys, values in range, well-formed strings', () => {
    expectGGUFError(write(spec([], [['a', gguf.u8(1)], ['a', gguf.u8(2)]])), GGUFWriteError, "key 'a'", 'duplicate key');
    expectGGUFError(write(spec([], [['', gguf.u8(1)]])), GGUFWriteError, 'kv[0].key');
    expectGGUFError(write(spec([], [['x', { type: GGUFValueType.UINT8, value: 300 }]])), GGUFWriteError, "key 'x'", 'u8 (an integer in 0..255)', '300');
    expectGGUFError(write(spec([], [['x', { type: GGUFValueType.UINT64, value: -1n }]])), GGUFWriteError, "key 'x'", 'u64');
    expectGGUFError(write(spec([], [['x', { type: GGUFValueType.INT64, value: 1n << 63n }]])), GGUFWriteError, 'i64');
    expectGGUFError(write(spec([], [['x', gguf.str('a\uD800b')]])), GGUFWriteError, "key 'x'", 'lone UTF-16 surrogate');
    expectGGUFError(write(spec([], [['\uDC00', gguf.u8(1)]])), GGUFWriteError, 'lone UTF-16 surrogate');
    expectGGUFError(write(spec([], [['x', { type: 42, value: 1 } as unknown as GGUFValue]])), GGUFWriteError, "key 'x'", 'type 0..12');
    const arr = { type: GGUFValueType.ARRAY, itemType: GGUFValueType.INT16, value: [1, 2, 70000] } as unknown as GGUFValue;
    expectGGUFError(write(spec([], [['arr', arr]])), GGUFWriteError, "key 'arr'[2]", 'i16', '70000');
    const strs = { type: GGUFValueType.ARRAY, itemType: GGUFValueType.STRING, value: ['a', 7] } as unknown as GGUFValue;
    expectGGUFError(write(spec([], [['s', strs]])), GGUFWriteError, "key 's'[1]", 'expected a string');
  });

  it('plain JS arrays are accepted for numeric items and written like typed arrays', () => {
    const plain = { type: GGUFValueType.ARRAY, itemType: GGUFValueType.UINT64, value: [1n, 2, 3n] } as unknown as GGUFValue;
    const typed = gguf.arrU64([1n, 2n, 3n]);
    expect(writeGGUF(spec([], [['a', plain]]))).toEqual(writeGGUF(spec([], [['a', typed]])));
  });

  it('alignment: power of two, consistent with general.alignment, declared when not 32', () => {
    expectGGUFError(write({ ...spec([]), alignment: 48 }), GGUFWriteError, 'alignment 48 is not a power of two');
    expectGGUFError(write(spec([], [['general.alignment', gguf.u32(24)]])), GGUFWriteError, "key 'general.alignment'", 'not a power of two');
    expectGGUFError(write({ ...spec([], [['general.alignment', gguf.u32(64)]]), alignment: 16 }), GGUFWriteError, 'disagrees');
    expectGGUFError(write({ ...spec([]), alignment: 64 }), GGUFWriteError, 'needs metadata general.alignment = u32(64)');
    expectGGUFError(write(spec([], [['general.alignment', gguf.u64(32)]])), GGUFWriteError, 'expected type u32');
    const ok = readGGUF(writeGGUF(spec([f32('w', [3])], [['general.alignment', gguf.u32(64)]])));
    expect(ok.alignment).toBe(64);
    expect(ok.dataOffset % 64).toBe(0);
  });

  it('version must be 2 or 3', () => {
    expectGGUFError(write({ ...spec([]), version: 1 as 3 }), GGUFWriteError, 'version', 'expected 2 or 3, got 1');
  });

  it('writeGGUF refuses async data', () => {
    expectGGUFError(write(spec([f32('w', [1], async () => new Uint8Array(4))])), GGUFWriteError, "tensor 'w'", 'returned a Promise');
  });

  it('value constructors check ranges', () => {
    expect(() => gguf.u32(-1)).toThrow(GGUFWriteError);
    expect(() => gguf.i8(128)).toThrow(/i8/);
    expect(() => gguf.u64(-1n)).toThrow(GGUFError);
    expect(() => gguf.u64(2 ** 60)).toThrow(/u64/); // unsafe number: pass a bigint
    expect(() => gguf.arrU8([1, 256])).toThrow(/u8/);
    expect(gguf.f32(0.1).value).toBe(Math.fround(0.1));
    expect(gguf.u64(7)).toEqual({ type: GGUFValueType.UINT64, value: 7n });
    expect(gguf.arrI32([1, -2]).value).toEqual(Int32Array.from([1, -2]));
  });
});

describe('writeGGUFFile atomicity', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gguf-atomic-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a failure while streaming removes the temp file and leaves the target untouched', async () => {
    const path = join(dir, 'model.gguf');
    await writeFile(path, 'previous contents');
    const failing = spec([f32('a', [4]), f32('b', [4], async () => new Uint8Array(3))]);
    await expectGGUFErrorAsync(() => writeGGUFFile(path, failing), GGUFWriteError, "tensor 'b'", 'data has 3 bytes, expected 16');
    const thrower = spec([f32('a', [4], () => { throw new Error('source read failed'); })]);
    await expect(writeGGUFFile(path, thrower)).rejects.toThrow('source read failed');
    expect(await readFile(path, 'utf8')).toBe('previous contents');
    expect(await readdir(dir)).toEqual(['model.gguf']);
  });

  it('an invalid spec fails before any file is created', async () => {
    const path = join(dir, 'never.gguf');
    await expectGGUFErrorAsync(() => writeGGUFFile(path, spec([f32('w', [1, 1, 1, 1, 1])])), GGUFWriteError, 'expected 1..4 dims');
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.tmp-${process.pid}`)).toBe(false);
  });

  it('replaces an existing file on success', async () => {
    const path = join(dir, 'model.gguf');
    await writeGGUFFile(path, spec([f32('w', [2])], [['general.name', gguf.str('new')]]));
    expect(readGGUF(await readFile(path)).getString('general.name')).toBe('new');
  });
});
