/**
 * Files opened in segments (forced on small files by a small `maxSegmentBytes`): every tensor
 * view equals the single-buffer view byte for byte with the same alignment mod 64, segments stay
 * within the limit, and a model loaded from segments generates exactly what the single-buffer
 * load generates, on the ref and the native backend.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type Backend, GGMLType, refBackend, selectBackend } from '@sovereign/trueno';
import { specArb } from '../../test/gguf/arbitraries.js';
import { MemorySource } from '../../test/gguf/byte-sources.js';
import { expectGGUFError } from '../../test/gguf/expect-error.js';
import { fixture } from '../../test/gguf/fixtures.js';
import { loadModel } from '../model/model.js';
import { type TestModelSpec, testModelSpec } from '../model/test-model.js';
import { SEGMENT_ALIGN } from './gguf-segments.js';
import { type GGUFFile, GGUFSegmentError, MAX_SEGMENT_BYTES, loadGGUF, openGGUF, planSegments, readGGUF, writeGGUF } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'gguf-seg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The smallest segment limit that still holds every tensor of `f` (start rounded down to 64). */
function minMax(f: GGUFFile): number {
  return Math.max(1, ...f.tensors.map((t) => t.fileOffset + t.byteSize - (t.fileOffset - (t.fileOffset % SEGMENT_ALIGN))));
}

/** Checks `seg` against the single-buffer load `one` of the same bytes. */
function expectSameViews(seg: GGUFFile, one: GGUFFile, max: number): void {
  expect(seg.tensors.map((t) => t.name)).toEqual(one.tensors.map((t) => t.name));
  const buffers = new Set(seg.segments.map((s) => s.bytes.buffer));
  for (const s of seg.segments) expect(s.bytes.byteLength).toBeLessThanOrEqual(max);
  for (const [i, t] of seg.tensors.entries()) {
    const u = one.tensors[i];
    expect({ ...t, data: undefined }).toEqual({ ...u, data: undefined });
    expect(Buffer.from(t.data).equals(Buffer.from(u.data)), `tensor '${t.name}' bytes`).toBe(true);
    expect(t.data.byteLength).toBe(t.byteSize);
    expect(buffers.has(t.data.buffer)).toBe(true);
    // Same alignment as in the whole-file buffer (which starts at file offset 0).
    expect(t.data.byteOffset % SEGMENT_ALIGN).toBe(u.data.byteOffset % SEGMENT_ALIGN);
  }
  expect([...seg.metadata]).toEqual([...one.metadata]);
}

describe('GGUF segments', () => {
  it('gguf segments: every tensor view equals the single-buffer view for any segment size [F-GGUF-SEG-1]', async () => {
    await fc.assert(
      fc.asyncProperty(specArb, fc.double({ min: 0, max: 1, noNaN: true }), async (spec, frac) => {
        const bytes = writeGGUF(spec);
        const one = readGGUF(bytes);
        const lo = minMax(one);
        const max = Math.round(lo + frac * Math.max(0, bytes.length + SEGMENT_ALIGN - lo));
        const seg = openGGUF(new MemorySource(bytes), { maxSegmentBytes: max, source: '<buffer>' });
        expectSameViews(seg, one, max);
        expect(seg.isSingleBuffer).toBe(bytes.length <= max);
        expectSameViews(await loadGGUF(new MemorySource(bytes), { maxSegmentBytes: max, source: '<buffer>' }), one, max);
      }),
      { numRuns: 60 },
    );
  });

  it('a small limit gives many segments; files up to the limit keep the single-buffer load', () => {
    const bytes = writeGGUF(testModelSpec({ arch: 'qwen2', dim: 64, nLayers: 3, nHeads: 4, nKvHeads: 2, ffnDim: 96, vocab: 400, type: GGMLType.Q8_0 }));
    const path = join(dir, 'q8.gguf');
    writeFileSync(path, bytes);
    const one = openGGUF(path);
    expect(one.isSingleBuffer).toBe(true);
    expect(one.bytes.byteLength).toBe(bytes.length);
    expect(one.tensors[0].data.buffer).toBe(one.bytes.buffer);
    const seg = openGGUF(path, { maxSegmentBytes: 32 << 10 });
    expect(seg.segments.length).toBeGreaterThan(5);
    expectSameViews(seg, one, 32 << 10);
    expect(openGGUF(path, { maxSegmentBytes: bytes.length }).isSingleBuffer).toBe(true);
    expect(openGGUF(path, { maxSegmentBytes: bytes.length - 1 }).isSingleBuffer).toBe(false);
  });

  it('file.bytes of a segmented file is a GGUFSegmentError saying what to use instead', () => {
    const bytes = writeGGUF(testModelSpec({ arch: 'llama', dim: 32, nLayers: 1, nHeads: 4, nKvHeads: 4, ffnDim: 64, vocab: 300 }));
    const seg = openGGUF(new MemorySource(bytes), { maxSegmentBytes: 40_000, source: 'x.gguf' });
    expectGGUFError(() => seg.bytes, GGUFSegmentError, 'x.gguf: file.bytes', `${seg.segments.length} segments`, 'tensor(name).data');
  });

  it('a tensor larger than the limit is a GGUFSegmentError naming it, its size and the limit', () => {
    const bytes = writeGGUF({ metadata: [], tensors: [
      { name: 'small', type: GGMLType.F32, dims: [8], data: new Uint8Array(32) },
      { name: 'big', type: GGMLType.F32, dims: [1024], data: new Uint8Array(4096) },
    ] });
    const e = expectGGUFError(
      () => openGGUF(new MemorySource(bytes), { maxSegmentBytes: 4000, source: 'm.gguf' }),
      GGUFSegmentError,
      "m.gguf: tensor 'big': its 4096 bytes of data",
      'do not fit in one segment of at most 4000 bytes',
      `pass a larger maxSegmentBytes (at most ${MAX_SEGMENT_BYTES})`,
    );
    expect(e).toMatchObject({ field: "tensor 'big'", expected: '<= 4000 bytes' });
    // The same limit is fine once the tensor fits.
    expect(openGGUF(new MemorySource(bytes), { maxSegmentBytes: 4096 }).tensor('big')!.data.byteLength).toBe(4096);
  });

  it('rejects a maxSegmentBytes that is not an integer in 1..MAX_LENGTH', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, MAX_SEGMENT_BYTES + 1]) {
      expectGGUFError(() => openGGUF(new MemorySource(new Uint8Array(8)), { maxSegmentBytes: bad }), GGUFSegmentError, 'maxSegmentBytes', String(bad));
      expect(() => planSegments([], bad)).toThrow(GGUFSegmentError);
    }
  });

  it('truncated files opened in segments give the same named errors as the single-buffer load', () => {
    const bytes = writeGGUF(testModelSpec({ arch: 'qwen2', dim: 32, nLayers: 1, nHeads: 4, nKvHeads: 2, ffnDim: 64, vocab: 300 }));
    for (const cut of [3, 30, 200, bytes.length - 5000, bytes.length - 1]) {
      const prefix = bytes.slice(0, cut);
      let want: Error | undefined;
      try {
        readGGUF(prefix, { source: 'c.gguf' });
      } catch (e) {
        want = e as Error;
      }
      expect(want).toBeDefined();
      expect(() => openGGUF(new MemorySource(prefix), { maxSegmentBytes: 1024, source: 'c.gguf' })).toThrow(want!.message);
    }
  });
});

function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

/** Greedy decoding of `steps` tokens after `prompt`, with the logits of each step. */
function greedy(file: GGUFFile, backend: Backend, prompt: number[], steps: number): { tokens: number[]; logits: Float32Array[] } {
  const s = loadModel(file, { backend }).createSession({ contextLength: 64 });
  const tokens: number[] = [];
  const logits: Float32Array[] = [];
  let l = s.forward(prompt);
  for (let i = 0; i < steps; i++) {
    logits.push(l.slice());
    const t = argmax(l);
    tokens.push(t);
    l = s.forward([t]);
  }
  return { tokens, logits };
}

describe('models loaded from segments', () => {
  const native = selectBackend('native');
  if (native.backend.name !== 'native') console.warn(`native backend checks run on ref instead: ${native.reason}`);
  const backends: Array<[string, Backend]> = [['ref', refBackend], ['native', native.backend]];
  const specs: Array<[string, TestModelSpec]> = [
    ['qwen2 q8_0', { arch: 'qwen2', dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 128, vocab: 400, type: GGMLType.Q8_0, seed: 5 }],
    ['llama q4_K', { arch: 'llama', dim: 256, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 256, vocab: 300, type: GGMLType.Q4_K, seed: 6 }],
    ['qwen2 f32 tied', { arch: 'qwen2', dim: 32, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 64, vocab: 400, tied: true, seed: 7 }],
  ];
  for (const [name, spec] of specs) {
    const path = join(dir, `${name.replace(/\W+/g, '-')}.gguf`);
    writeFileSync(path, writeGGUF(testModelSpec(spec)));
    for (const [bname, backend] of backends) {
      it(`${name} on ${bname}: greedy tokens and logits from a 64 KiB-segment load equal the single-buffer load`, () => {
        const one = openGGUF(path);
        const seg = openGGUF(path, { maxSegmentBytes: 64 << 10 });
        expect(one.isSingleBuffer).toBe(true);
        expect(seg.segments.length).toBeGreaterThan(1);
        const a = greedy(one, backend, [1, 17, 42, 200], 12);
        const b = greedy(seg, backend, [1, 17, 42, 200], 12);
        expect(b.tokens).toEqual(a.tokens);
        for (const [i, l] of b.logits.entries()) expect(Buffer.from(l.buffer).equals(Buffer.from(a.logits[i].buffer)), `step ${i} logits`).toBe(true);
      });
    }
  }

  const stories = fixture('stories260K.gguf');
  it.skipIf(!stories)('stories260K from 136 KiB segments generates what the single-buffer load generates (ref and native)', () => {
    const one = openGGUF(stories!);
    const seg = openGGUF(stories!, { maxSegmentBytes: 136 << 10 }); // token_embd is 128 KiB
    expect(seg.segments.length).toBeGreaterThan(5);
    for (const [, backend] of backends) {
      expect(greedy(seg, backend, [1], 40).tokens).toEqual(greedy(one, backend, [1], 40).tokens);
    }
  });
});
