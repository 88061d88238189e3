/**
 * Split GGUF models (llama.cpp's gguf-split layout): any split of a file loads to the same tensors
 * and metadata, from the ordered list of shard paths or from the first shard's path; a model split
 * in 3 shards generates exactly what the single file generates (ref and native); and every way the
 * shards can fail to form one model is a GGUFSplitError naming the shard file, the key, expected
 * versus found.
 */
import { copyFileSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type Backend, GGMLType, refBackend, selectBackend } from '@sovereign/trueno';
import { specArb } from '../../test/gguf/arbitraries.js';
import { expectGGUFError } from '../../test/gguf/expect-error.js';
import { loadModel } from '../model/model.js';
import { testModelSpec } from '../model/test-model.js';
import {
  type GGUFFile,
  GGUFSplitError,
  type GGUFValue,
  type GGUFWriteSpec,
  GGUFValueType,
  loadGGUF,
  openGGUF,
  parseSplitPath,
  planSplit,
  readGGUF,
  readGGUFHeader,
  readGGUFHeaderSync,
  splitGGUF,
  splitGGUFSpecs,
  splitShardPath,
  writeGGUF,
} from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'gguf-split-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let seq = 0;

/** Writes `specs` as shard files `<prefix>-0000i-of-0000N.gguf`; returns their paths. */
function writeShards(specs: readonly GGUFWriteSpec[], prefix = join(dir, `m${seq++}`)): string[] {
  return specs.map((s, i) => {
    const p = splitShardPath(prefix, i, specs.length);
    writeFileSync(p, writeGGUF(s));
    return p;
  });
}

/** Same tensors (descriptor fields that do not depend on the file, and bytes) in the same order. */
function expectSameTensors(got: GGUFFile, want: GGUFFile): void {
  const desc = (f: GGUFFile) => f.tensors.map((t) => ({ name: t.name, type: t.type, dims: t.dims, nElements: t.nElements, byteSize: t.byteSize }));
  expect(desc(got)).toEqual(desc(want));
  for (const [i, t] of got.tensors.entries()) {
    expect(Buffer.from(t.data).equals(Buffer.from(want.tensors[i].data)), `tensor '${t.name}' bytes`).toBe(true);
  }
}

const withoutSplitKeys = (f: GGUFFile) => [...f.metadata].filter(([k]) => !k.startsWith('split.'));

describe('gguf split: layout', () => {
  it('shard names and their parse follow llama_split_path / llama_split_prefix', () => {
    expect(splitShardPath('/m/qwen-q4_k_m', 0, 3)).toBe('/m/qwen-q4_k_m-00001-of-00003.gguf');
    expect(splitShardPath('x', 11, 12)).toBe('x-00012-of-00012.gguf');
    expect(parseSplitPath('/m/qwen-q4_k_m-00002-of-00003.gguf')).toEqual({ prefix: '/m/qwen-q4_k_m', index: 1, count: 3 });
    for (const bad of ['a.gguf', 'a-1-of-2.gguf', 'a-00003-of-00002.gguf', 'a-00000-of-00002.gguf', 'a-00001-of-00002.bin']) expect(parseSplitPath(bad)).toBeUndefined();
  });

  it('planSplit groups tensors as llama.cpp split_strategy does (by count, and by 32-padded data size)', () => {
    expect(planSplit([1, 1, 1, 1, 1, 1, 1], { maxTensorsPerShard: 3 })).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    // 32-padded sizes 32, 64, 32, 96: a shard takes tensors while the padded sum stays <= 100.
    expect(planSplit([10, 40, 32, 90], { maxShardBytes: 100 })).toEqual([[0, 1], [2], [3]]);
    // A tensor larger than the limit gets a shard of its own rather than an empty shard.
    expect(planSplit([500, 10], { maxShardBytes: 100 })).toEqual([[0], [1]]);
    expect(() => planSplit([1], { maxTensorsPerShard: 0 })).toThrow(/maxTensorsPerShard: expected a positive integer, got 0/);
  });

  it('shard 1 has the metadata then split.no, split.tensors.count, split.count; later shards the split keys only', () => {
    const file = readGGUF(writeGGUF(testModelSpec({ arch: 'qwen2', dim: 32, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 64, vocab: 300 })));
    const specs = splitGGUFSpecs(file, { maxTensorsPerShard: 6 });
    const n = file.tensors.length;
    expect(specs.length).toBe(Math.ceil(n / 6));
    const keys = (s: GGUFWriteSpec) => [...(s.metadata as Iterable<readonly [string, { type: number; value: unknown }]>)].map(([k, v]) => [k, v.type, v.value]);
    const k0 = keys(specs[0]);
    expect(k0.slice(0, file.metadata.size).map(([k]) => k)).toEqual([...file.metadata.keys()]);
    expect(k0.slice(file.metadata.size)).toEqual([
      ['split.no', GGUFValueType.UINT16, 0],
      ['split.tensors.count', GGUFValueType.INT32, n],
      ['split.count', GGUFValueType.UINT16, specs.length],
    ]);
    expect(keys(specs[1])).toEqual([
      ['split.no', GGUFValueType.UINT16, 1],
      ['split.tensors.count', GGUFValueType.INT32, n],
      ['split.count', GGUFValueType.UINT16, specs.length],
    ]);
    expect(specs.flatMap((s) => s.tensors.map((t) => t.name))).toEqual(file.tensors.map((t) => t.name));
  });
});

describe('gguf split: loading', () => {
  it('gguf split: any split of a model loads to the same tensors [F-GGUF-SPLIT-1]', async () => {
    await fc.assert(
      fc.asyncProperty(specArb, fc.integer({ min: 1, max: 6 }), fc.boolean(), async (spec, k, bySize) => {
        const one = readGGUF(writeGGUF(spec));
        const maxBytes = Math.max(1, ...one.tensors.map((t) => t.byteSize)) * k;
        const specs = splitGGUFSpecs(one, bySize ? { maxShardBytes: maxBytes } : { maxTensorsPerShard: k });
        const paths = writeShards(specs);
        const fromList = openGGUF(paths);
        const fromFirst = await loadGGUF(paths[0]);
        for (const f of [fromList, fromFirst]) {
          expectSameTensors(f, one);
          expect(withoutSplitKeys(f)).toEqual([...one.metadata]);
          expect(f.shards.map((s) => s.source)).toEqual(specs.length > 1 ? paths : [paths[0]]);
          expect(f.shards.reduce((a, s) => a + s.tensorCount, 0)).toBe(one.tensors.length);
          // Every tensor is a view of a segment of its own shard.
          for (const t of f.tensors) {
            const shard = t.shard ?? 0;
            expect(f.segments.some((s) => (s.shard ?? 0) === shard && s.bytes.buffer === t.data.buffer)).toBe(true);
          }
        }
        // Merging back gives the original file byte for byte (split keys dropped; shards are GGUF v3, as llama.cpp writes them).
        if (specs.length > 1) expect(Buffer.from(writeGGUF(fromList.toWriteSpec())).equals(Buffer.from(writeGGUF({ ...spec, version: 3 })))).toBe(true);
        const h = await readGGUFHeader(paths);
        expect(h.tensors.length).toBe(one.tensors.length);
        expect(h.fileSize).toBe(fromList.fileSize);
      }),
      { numRuns: 25 },
    );
  });

  it('header-only reading of a split model reports every shard; a first shard under another name gives its own header', async () => {
    const src = join(dir, 'h.gguf');
    writeFileSync(src, writeGGUF(testModelSpec({ arch: 'llama', dim: 32, nLayers: 2, nHeads: 4, nKvHeads: 4, ffnDim: 64, vocab: 300 })));
    const paths = await splitGGUF(src, { maxTensorsPerShard: 5 });
    const one = openGGUF(src);
    const all = readGGUFHeaderSync(paths[0]);
    expect(all.isSplit).toBe(true);
    expect(all.tensors.map((t) => t.name)).toEqual(one.tensors.map((t) => t.name));
    expect(all.shards.length).toBe(paths.length);
    const blob = join(dir, 'sha256-0123');
    copyFileSync(paths[0], blob);
    const alone = await readGGUFHeader(blob);
    expect(alone.isSplit).toBe(false);
    expect(alone.tensors.length).toBe(5);
    expect(alone.getU32('split.count')).toBe(paths.length);
  });
});

function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

function greedy(file: GGUFFile, backend: Backend, prompt: number[], steps: number): { tokens: number[]; logits: Float32Array[] } {
  const s = loadModel(file, { backend }).createSession({ contextLength: 64 });
  const tokens: number[] = [];
  const logits: Float32Array[] = [];
  let l = s.forward(prompt);
  for (let i = 0; i < steps; i++) {
    logits.push(l.slice());
    tokens.push(argmax(l));
    l = s.forward([tokens[i]]);
  }
  return { tokens, logits };
}

describe('gguf split: a model in 3 shards', () => {
  const native = selectBackend('native');
  if (native.backend.name !== 'native') console.warn(`native backend checks run on ref instead: ${native.reason}`);
  const src = join(dir, 'qwen2-q8_0.gguf');
  writeFileSync(src, writeGGUF(testModelSpec({ arch: 'qwen2', dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 128, vocab: 400, type: GGMLType.Q8_0, seed: 11 })));
  const nTensors = openGGUF(src).tensors.length;
  const shards = splitGGUF(src, { maxTensorsPerShard: Math.ceil(nTensors / 3) });

  for (const [bname, backend] of [['ref', refBackend], ['native', native.backend]] as const) {
    it(`on ${bname}: greedy tokens and logits from the shard list and from the first shard equal the single file`, async () => {
      const paths = await shards;
      expect(paths.length).toBe(3);
      const want = greedy(openGGUF(src), backend, [1, 17, 42, 200], 10);
      // Shards opened in segments too (each shard's tensors views of that shard's segments).
      const segmented = openGGUF(paths, { maxSegmentBytes: 32 << 10 });
      expect(segmented.segments.length).toBeGreaterThan(paths.length);
      expect(new Set(segmented.segments.map((g) => g.shard))).toEqual(new Set([0, 1, 2]));
      for (const f of [openGGUF(paths), await loadGGUF(paths[0]), segmented]) {
        expect(f.isSplit).toBe(true);
        const got = greedy(f, backend, [1, 17, 42, 200], 10);
        expect(got.tokens).toEqual(want.tokens);
        for (const [i, l] of got.logits.entries()) expect(Buffer.from(l.buffer).equals(Buffer.from(want.logits[i].buffer)), `step ${i} logits`).toBe(true);
      }
    });
  }

  it('a missing shard is named, before any tensor data are read', async () => {
    const paths = await splitGGUF(src, { maxTensorsPerShard: Math.ceil(nTensors / 3), outPrefix: join(dir, 'missing') });
    unlinkSync(paths[2]);
    expectGGUFError(() => openGGUF(paths[0]), GGUFSplitError, `shard 3 of 3: ${paths[2]} is missing`);
    await expect(loadGGUF(paths[0])).rejects.toThrow(`shard 3 of 3: ${paths[2]} is missing`);
    expect(() => readGGUFHeaderSync(paths[0])).toThrow(GGUFSplitError);
  });

  it('out-of-order, duplicated and too few shards are GGUFSplitErrors naming the shard and split.no / split.count', async () => {
    const p = await shards;
    expectGGUFError(() => openGGUF([p[0], p[2], p[1]]), GGUFSplitError, `${p[2]}: key 'split.no'`, 'expected 1 (it was given as shard 2 of 3), found 2');
    expectGGUFError(() => openGGUF([p[0], p[1], p[1]]), GGUFSplitError, `${p[1]}: key 'split.no'`, 'expected 2 (it was given as shard 3 of 3), found 1');
    expectGGUFError(() => openGGUF([p[0], p[1]]), GGUFSplitError, `${p[0]}: key 'split.count'`, 'expected 2 (the number of shard paths given), found 3');
    expectGGUFError(() => openGGUF([p[0]]), GGUFSplitError, `${p[0]}: key 'split.count'`, 'found 3');
    expectGGUFError(() => openGGUF([src, p[1]]), GGUFSplitError, `${src}: key 'split.count'`, 'the first file is not a split model', 'found missing');
    expectGGUFError(() => openGGUF(p[1]), GGUFSplitError, `${p[1]}: key 'split.no'`, 'shard 2 of 3', 'open the first shard');
    expectGGUFError(() => openGGUF([]), GGUFSplitError, 'shard list: empty');
    // The first shard as a content-addressed blob: siblings cannot be found by name.
    const blob = join(dir, 'sha256-abcd');
    copyFileSync(p[0], blob);
    expectGGUFError(() => openGGUF(blob), GGUFSplitError, 'split.count: the file is shard 1 of 3', 'pass the ordered list of all 3 shard paths');
    expect(openGGUF([blob, p[1], p[2]]).tensors.length).toBe(nTensors);
  });

  it('a wrong split.count in a later shard, a tensor in two shards and a wrong split.tensors.count are GGUFSplitErrors', () => {
    const file = openGGUF(src);
    const specs = splitGGUFSpecs(file, { maxTensorsPerShard: Math.ceil(nTensors / 3) });
    const setKey = (s: GGUFWriteSpec, key: string, value: number, type = GGUFValueType.UINT16): GGUFWriteSpec => ({
      ...s,
      metadata: [...(s.metadata as Iterable<readonly [string, GGUFValue]>)].map(([k, v]) => [k, k === key ? ({ type, value } as GGUFValue) : v] as const),
    });
    let p = writeShards([specs[0], setKey(specs[1], 'split.count', 4), specs[2]]);
    expectGGUFError(() => openGGUF(p), GGUFSplitError, `${p[1]}: key 'split.count'`, 'expected 3, found 4');
    const dup = { ...specs[2], tensors: [...specs[2].tensors, specs[1].tensors[0]] };
    p = writeShards([setKey(specs[0], 'split.tensors.count', nTensors + 1, GGUFValueType.INT32), specs[1], dup]);
    expectGGUFError(() => openGGUF(p), GGUFSplitError, `${p[2]}: tensor '${specs[1].tensors[0].name}': appears in shard 2`, 'and again in shard 3');
    p = writeShards([setKey(specs[0], 'split.tensors.count', nTensors + 1, GGUFValueType.INT32), specs[1], specs[2]]);
    expectGGUFError(() => openGGUF(p), GGUFSplitError, `key 'split.tensors.count'`, `expected ${nTensors + 1}, found ${nTensors} tensors over 3 shards`);
  });
});
