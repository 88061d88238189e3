import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GGMLType } from '@sovereign/trueno';
import { firstDiff, specArb, valueDiff } from '../../test/gguf/arbitraries.js';
import {
  alignUp,
  gguf,
  GGUFValueType,
  type GGUFValue,
  type GGUFWriteSpec,
  loadGGUF,
  openGGUF,
  readGGUF,
  writeGGUF,
  writeGGUFFile,
} from './index.js';

function metadataOf(spec: GGUFWriteSpec): Array<readonly [string, GGUFValue]> {
  return [...spec.metadata];
}

describe('GGUF write → read round trip', () => {
  it('gguf round trip: read(write(spec)) equals spec (values bitwise, tensors, dims, order) [F-GGUF-1]', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const bytes = writeGGUF(spec);
        const file = readGGUF(bytes);
        expect(file.version).toBe(spec.version);
        expect(file.alignment).toBe(spec.alignment);
        expect(file.dataOffset % file.alignment).toBe(0);
        expect(file.fileSize).toBe(bytes.length);
        const kvs = metadataOf(spec);
        expect([...file.metadata.keys()]).toEqual(kvs.map(([k]) => k));
        for (const [k, v] of kvs) expect(valueDiff(v, file.get(k)!, k)).toBeUndefined();
        expect(file.tensors.map((t) => t.name)).toEqual(spec.tensors.map((t) => t.name));
        for (const [i, t] of spec.tensors.entries()) {
          const r = file.tensors[i];
          expect(r.type).toBe(t.type);
          expect(r.dims).toEqual(t.dims);
          expect(r.offset % file.alignment).toBe(0);
          expect(firstDiff(r.data, t.data as Uint8Array)).toBe(-1);
          expect(r.data.buffer).toBe(bytes.buffer); // zero-copy
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gguf rewrite: write(read(bytes).toWriteSpec()) reproduces bytes exactly [F-GGUF-2]', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const bytes = writeGGUF(spec);
        const again = writeGGUF(readGGUF(bytes).toWriteSpec());
        expect(firstDiff(again, bytes)).toBe(-1);
      }),
      { numRuns: 300 },
    );
  });

  it('gguf layout: data section and every tensor start on the alignment; file ends padded [F-GGUF-3]', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const bytes = writeGGUF(spec);
        const f = readGGUF(bytes);
        expect(f.fileSize % f.alignment).toBe(0);
        let expected = 0;
        for (const t of f.tensors) {
          expect(t.offset).toBe(expected); // packed in order, like ggml's writer
          expected = alignUp(t.offset + t.byteSize, f.alignment);
        }
        expect(f.dataOffset + expected).toBe(f.fileSize);
      }),
      { numRuns: 200 },
    );
  });

  it('u64/i64 extremes, NaN, -0 and unicode survive exactly', () => {
    const nanBits = new Float32Array(new Uint32Array([0x7fc00001, 0xffbfffff, 0x7f800001]).buffer);
    const metadata: Array<[string, GGUFValue]> = [
      ['u64.max', gguf.u64((1n << 64n) - 1n)],
      ['i64.min', gguf.i64(-(1n << 63n))],
      ['f32.negzero', gguf.f32(-0)],
      ['f64.nan', gguf.f64(Number.NaN)],
      ['nan.payloads', { type: GGUFValueType.ARRAY, itemType: GGUFValueType.FLOAT32, value: nanBits }],
      ['ключ.🦀', gguf.str('汉字 🦀 \u{10FFFF} \uFEFF')],
    ];
    const f = readGGUF(writeGGUF({ metadata, tensors: [] }));
    expect(f.getBigInt('u64.max')).toBe((1n << 64n) - 1n);
    expect(f.getBigInt('i64.min')).toBe(-(1n << 63n));
    expect(Object.is(f.getNumber('f32.negzero'), -0)).toBe(true);
    expect(f.getNumber('f64.nan')).toBeNaN();
    expect([...new Uint32Array(f.getArray('nan.payloads', GGUFValueType.FLOAT32).buffer)]).toEqual([0x7fc00001, 0xffbfffff, 0x7f800001]);
    expect(f.getString('ключ.🦀')).toBe('汉字 🦀 \u{10FFFF} \uFEFF');
  });
});

describe('writeGGUFFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gguf-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gguf stream: writeGGUFFile bytes equal writeGGUF bytes, with lazy sync and async data [F-GGUF-4]', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(specArb, fc.boolean(), async (spec, lazyAsync) => {
        const path = join(dir, `m${n++}.gguf`);
        const lazy: GGUFWriteSpec = {
          ...spec,
          tensors: spec.tensors.map((t, i) => ({
            ...t,
            data: i % 2 === 0 && lazyAsync ? async () => t.data as Uint8Array : () => t.data as Uint8Array,
          })),
        };
        await writeGGUFFile(path, lazy);
        const disk = new Uint8Array(await readFile(path));
        expect(firstDiff(disk, writeGGUF(spec))).toBe(-1);
      }),
      { numRuns: 40 },
    );
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('calls each lazy data() once, in order, after the header is planned', async () => {
    const calls: string[] = [];
    const t = (name: string) => ({
      name,
      type: GGMLType.F32,
      dims: [3],
      data: () => {
        calls.push(name);
        return new Uint8Array(12).fill(name.length);
      },
    });
    const path = join(dir, 'lazy.gguf');
    await writeGGUFFile(path, { metadata: [['general.architecture', gguf.str('llama')]], tensors: [t('a'), t('bb'), t('ccc')] });
    expect(calls).toEqual(['a', 'bb', 'ccc']);
    const f = openGGUF(path);
    expect([...f.tensor('bb')!.data]).toEqual(new Array(12).fill(2));
    const g = await loadGGUF(path);
    expect(firstDiff(g.bytes, f.bytes)).toBe(-1);
    expect(f.source).toBe(path);
  });

  it('zero-copy: tensor data are views of the input buffer', () => {
    const bytes = writeGGUF({
      metadata: [],
      tensors: [{ name: 'w', type: GGMLType.Q8_0, dims: [64, 2], data: new Uint8Array(136).fill(7) }],
    });
    const f = readGGUF(bytes);
    const w = f.tensor('w')!;
    expect(w.data.buffer).toBe(bytes.buffer);
    expect(w.data.byteOffset).toBe(f.dataOffset);
    bytes[f.dataOffset] = 99;
    expect(w.data[0]).toBe(99);
    expect(w).toMatchObject({ nElements: 128, byteSize: 136, offset: 0, fileOffset: f.dataOffset });
  });
});
