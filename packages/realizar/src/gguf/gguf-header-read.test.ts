/**
 * Header-only reading: the windowed header parse equals the full reader (metadata, tensor infos,
 * and every error with its class and message), reads far fewer bytes than the file, and reads the
 * header of a virtual 7B-sized (4.7 GB) file whose data region does not exist.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { GGMLType } from '@sovereign/trueno';
import { MemorySource } from '../../test/gguf/byte-sources.js';
import { fixture } from '../../test/gguf/fixtures.js';
import { testModelSpec } from '../model/test-model.js';
import { encodeHeader, planGGUF } from './gguf-layout.js';
import {
  DEFAULT_MAX_SEGMENT_BYTES,
  type GGUFHeader,
  GGUFTruncatedError,
  type GGUFTensorSpec,
  type GGUFWriteSpec,
  gguf,
  HEADER_WINDOW_BYTES,
  openGGUF,
  planSegments,
  readGGUF,
  readGGUFHeader,
  readGGUFHeaderSync,
  writeGGUF,
} from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'gguf-header-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The header facts of a parsed file or header, tensor data left out. */
function facts(h: GGUFHeader) {
  return {
    source: h.source,
    version: h.version,
    alignment: h.alignment,
    dataOffset: h.dataOffset,
    fileSize: h.fileSize,
    metadata: [...h.metadata],
    tensors: h.tensors.map(({ name, type, dims, nElements, offset, fileOffset, byteSize }) => ({ name, type, dims, nElements, offset, fileOffset, byteSize })),
  };
}

/** The outcome of `f`: its value mapped by `ok`, or the error's class and message. */
function outcome<T>(f: () => T, ok: (v: T) => unknown): unknown {
  try {
    return { ok: ok(f()) };
  } catch (e) {
    return { error: (e as Error).constructor.name, message: (e as Error).message };
  }
}

async function outcomeAsync<T>(f: () => Promise<T>, ok: (v: T) => unknown): Promise<unknown> {
  try {
    return { ok: ok(await f()) };
  } catch (e) {
    return { error: (e as Error).constructor.name, message: (e as Error).message };
  }
}

const SMALL = { arch: 'qwen2' as const, dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 96, vocab: 3000, type: GGMLType.Q8_0 };

describe('readGGUFHeader', () => {
  const generated: Array<[string, Uint8Array]> = [
    ['qwen2 q8_0', writeGGUF(testModelSpec(SMALL))],
    ['llama q4_K, f16 embd', writeGGUF(testModelSpec({ ...SMALL, arch: 'llama', dim: 256, nHeads: 4, ffnDim: 256, type: GGMLType.Q4_K, embdType: GGMLType.F16 }))],
    ['tied f32, v2', writeGGUF({ ...testModelSpec({ ...SMALL, tied: true, type: GGMLType.F32 }), version: 2 })],
  ];

  for (const [name, bytes] of generated) {
    it(`equals the full reader on a generated model (${name}), sync and async, any first window`, async () => {
      const path = join(dir, `${name.replace(/\W+/g, '-')}.gguf`);
      writeFileSync(path, bytes);
      const full = facts(openGGUF(path));
      expect(facts(readGGUFHeaderSync(path))).toEqual(full);
      expect(facts(await readGGUFHeader(path))).toEqual(full);
      for (const initialWindow of [1, 7, 100, 4096]) {
        expect(facts(readGGUFHeaderSync(path, { initialWindow }))).toEqual(full);
        expect(facts(await readGGUFHeader(path, { initialWindow }))).toEqual(full);
      }
    });
  }

  for (const name of ['stories260K.gguf', 'llama-2-tiny-random.gguf', 'ggml-vocab-gpt-2.gguf', 'ggml-vocab-llama-spm.gguf']) {
    const path = fixture(name);
    it.skipIf(!path)(`equals the full reader on the fixture ${name}`, async () => {
      const full = facts(openGGUF(path!));
      expect(facts(readGGUFHeaderSync(path!))).toEqual(full);
      expect(facts(await readGGUFHeader(path!, { initialWindow: 4096 }))).toEqual(full);
    });
  }

  it('reads only the header: far fewer bytes than the file, at most twice what the header needs', () => {
    // A model whose tensor data (~1.2 MB of f32) dwarf its header.
    const bytes = writeGGUF(testModelSpec({ ...SMALL, dim: 128, ffnDim: 512, type: GGMLType.F32, vocab: 400 }));
    const full = readGGUF(bytes);
    const lastInfo = full.dataOffset; // the infos end at most `alignment` bytes before this
    for (const initialWindow of [64, 1000, 8192]) {
      const src = new MemorySource(bytes);
      expect(facts(readGGUFHeaderSync(src, { source: '<buffer>', initialWindow }))).toEqual(facts(full));
      expect(src.bytesRead).toBeLessThanOrEqual(Math.max(initialWindow, 2 * lastInfo));
      expect(src.bytesRead).toBeLessThan(bytes.length / 10);
    }
    // The default first window (1 MiB) is all it takes for a small header: one read.
    const src = new MemorySource(bytes, 64 * HEADER_WINDOW_BYTES);
    readGGUFHeaderSync(src);
    expect(src).toMatchObject({ reads: 1, bytesRead: HEADER_WINDOW_BYTES });
  });

  it('truncated files: the same error class and message as the full reader, for every cut', async () => {
    const bytes = writeGGUF({
      metadata: [
        ['general.architecture', gguf.str('llama')],
        ['tokenizer.ggml.tokens', gguf.arrStr(['a', 'bc', 'déf'])],
        ['flags', gguf.arrBool([true, false])],
      ],
      tensors: [
        { name: 'w', type: GGMLType.F32, dims: [8], data: new Uint8Array(32) },
        { name: 'q', type: GGMLType.Q8_0, dims: [32, 2], data: new Uint8Array(68) },
      ],
    });
    for (let cut = 0; cut <= bytes.length; cut++) {
      const prefix = bytes.slice(0, cut);
      const want = outcome(() => readGGUF(prefix, { source: 'm.gguf' }), facts);
      for (const initialWindow of [1, 16]) {
        const src = new MemorySource(prefix);
        expect(outcome(() => readGGUFHeaderSync(src, { source: 'm.gguf', initialWindow }), facts), `cut ${cut}`).toEqual(want);
        expect(await outcomeAsync(() => readGGUFHeader(src, { source: 'm.gguf', initialWindow }), facts), `cut ${cut}`).toEqual(want);
      }
    }
  });

  it('a file truncated in its data region: GGUFTruncatedError naming the tensor, as openGGUF', () => {
    const bytes = writeGGUF(testModelSpec(SMALL));
    const path = join(dir, 'cut.gguf');
    writeFileSync(path, bytes.subarray(0, bytes.length - 100));
    const last = readGGUF(bytes).tensors.at(-1)!;
    const msg = `${path}: tensor '${last.name}': data ends at byte ${last.fileOffset + last.byteSize} but file has ${bytes.length - 100} bytes (truncated?)`;
    expect(() => readGGUFHeaderSync(path)).toThrow(GGUFTruncatedError);
    expect(() => readGGUFHeaderSync(path)).toThrow(msg);
    expect(() => openGGUF(path)).toThrow(msg);
  });

  it('gguf header: the windowed header read equals the full read (result or error) for corrupted files [F-GGUF-HDR-1]', () => {
    const valid = writeGGUF({
      metadata: [
        ['general.architecture', gguf.str('llama')],
        ['general.alignment', gguf.u32(64)],
        ['u64', gguf.u64(3n)],
        ['tokens', gguf.arrStr(['<s>', '▁a', 'ü'])],
        ['scores', gguf.arrF32([0, -1, -2])],
        ['bools', gguf.arrBool([true, false])],
        ['nested', gguf.arrArr([gguf.arrU16([1, 2]), gguf.arrStr(['x'])])],
      ],
      tensors: [
        { name: 'a', type: GGMLType.F32, dims: [4, 2], data: new Uint8Array(32) },
        { name: 'b', type: GGMLType.Q8_0, dims: [32], data: new Uint8Array(34) },
      ],
    });
    const headerEnd = readGGUF(valid).dataOffset;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(headerEnd - 1), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }),
        fc.nat(valid.length),
        fc.integer({ min: 1, max: 128 }),
        (flips, cut, initialWindow) => {
          const b = valid.slice(0, cut);
          for (const [pos, x] of flips) if (pos < b.length) b[pos] ^= x;
          const want = outcome(() => readGGUF(b, { source: 'f' }), facts);
          expect(outcome(() => readGGUFHeaderSync(new MemorySource(b), { source: 'f', initialWindow }), facts)).toEqual(want);
        },
      ),
      { numRuns: 400 },
    );
  });
});

/** The tensors of a Qwen2.5-7B q4_k_m-like file (shapes real, q4_K matrices, q6_K embd/output/ffn_down). */
function qwen7bSpec(): GGUFWriteSpec {
  const { metadata } = testModelSpec({ ...SMALL, vocab: 300 });
  const dim = 3584;
  const ffn = 18944;
  const vocab = 152064;
  const kv = 512;
  const noData = (): Uint8Array => {
    throw new Error('tensor data are never read in this test');
  };
  const tensors: GGUFTensorSpec[] = [];
  const add = (name: string, dims: number[], type: GGMLType) => tensors.push({ name, type, dims, data: noData });
  add('token_embd.weight', [dim, vocab], GGMLType.Q6_K);
  add('output_norm.weight', [dim], GGMLType.F32);
  add('output.weight', [dim, vocab], GGMLType.Q6_K);
  for (let l = 0; l < 28; l++) {
    const n = (x: string) => `blk.${l}.${x}`;
    add(n('attn_norm.weight'), [dim], GGMLType.F32);
    add(n('attn_q.weight'), [dim, dim], GGMLType.Q4_K);
    add(n('attn_k.weight'), [dim, kv], GGMLType.Q4_K);
    add(n('attn_v.weight'), [dim, kv], GGMLType.Q6_K);
    add(n('attn_q.bias'), [dim], GGMLType.F32);
    add(n('attn_k.bias'), [kv], GGMLType.F32);
    add(n('attn_v.bias'), [kv], GGMLType.F32);
    add(n('attn_output.weight'), [dim, dim], GGMLType.Q4_K);
    add(n('ffn_norm.weight'), [dim], GGMLType.F32);
    add(n('ffn_gate.weight'), [dim, ffn], GGMLType.Q4_K);
    add(n('ffn_up.weight'), [dim, ffn], GGMLType.Q4_K);
    add(n('ffn_down.weight'), [ffn, dim], GGMLType.Q6_K);
  }
  return { metadata, tensors };
}

describe('a virtual 7B-sized file (header real, 4.7 GB data region never read)', () => {
  const layout = planGGUF(qwen7bSpec());
  const header = new Uint8Array(layout.dataOffset);
  encodeHeader(layout, header);

  it('is larger than one Buffer can hold on Node 20 and its header reads in a few reads', async () => {
    expect(layout.fileSize).toBeGreaterThan(4.5e9);
    const src = new MemorySource(header, layout.fileSize);
    const h = readGGUFHeaderSync(src, { source: 'qwen7b.gguf' });
    expect(h.fileSize).toBe(layout.fileSize);
    expect(h.tensors).toHaveLength(3 + 28 * 12);
    expect(h.tensors.map((t) => t.offset)).toEqual(layout.tensors.map((t) => t.offset));
    expect(src.bytesRead).toBeLessThanOrEqual(Math.max(HEADER_WINDOW_BYTES, 2 * layout.dataOffset));
    const asyncSrc = new MemorySource(header, layout.fileSize);
    expect(facts(await readGGUFHeader(asyncSrc, { source: 'qwen7b.gguf' }))).toEqual(facts(h));
  });

  it('plans into segments of at most the default 2 GiB, each tensor in exactly one', () => {
    const h = readGGUFHeaderSync(new MemorySource(header, layout.fileSize));
    const plans = planSegments(h.tensors, DEFAULT_MAX_SEGMENT_BYTES);
    expect(plans.length).toBe(3);
    const seen = plans.flatMap((p) => p.tensors).sort((a, b) => a - b);
    expect(seen).toEqual(h.tensors.map((_, i) => i));
    for (const p of plans) {
      expect(p.end - p.start).toBeLessThanOrEqual(DEFAULT_MAX_SEGMENT_BYTES);
      for (const i of p.tensors) {
        const t = h.tensors[i];
        expect(t.fileOffset).toBeGreaterThanOrEqual(p.start);
        expect(t.fileOffset + t.byteSize).toBeLessThanOrEqual(p.end);
      }
    }
  });
});
