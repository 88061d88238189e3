import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GGMLType } from '@sovereign/trueno';
import { firstDiff } from '../../test/gguf/arbitraries.js';
import { fixture } from '../../test/gguf/fixtures.js';
import { gguf, GGUFValueType, type GGUFValue, openGGUF, readGGUF, writeGGUF } from './index.js';

const stories = fixture('stories260K.gguf');
const tiny = fixture('llama-2-tiny-random.gguf');
const spm = fixture('ggml-vocab-llama-spm.gguf');
const gpt2 = fixture('ggml-vocab-gpt-2.gguf');

describe('real GGUF fixtures', () => {
  it.skipIf(!stories)('reads stories260K.gguf (v3, 48 F32 tensors, 19 KVs)', () => {
    const f = openGGUF(stories!);
    expect(f.version).toBe(3);
    expect(f.tensors).toHaveLength(48);
    expect(f.metadata.size).toBe(19);
    expect(f.dataOffset).toBe(14176);
    expect(f.alignment).toBe(32);
    expect(f.fileSize).toBe(1_185_376);
    expect(f.tensors.every((t) => t.type === GGMLType.F32)).toBe(true);
    expect(f.getString('general.architecture')).toBe('llama');
    expect(f.getU32('llama.embedding_length')).toBe(64);
    expect(f.getU32('llama.block_count')).toBe(5);
    expect(f.getU32('llama.attention.head_count_kv')).toBe(4);
    expect(f.getNumber('llama.attention.layer_norm_rms_epsilon')).toBe(Math.fround(1e-5));
    expect(f.getU32('tokenizer.ggml.padding_token_id')).toBe(4294967295);
    const tokens = f.getStringArray('tokenizer.ggml.tokens');
    expect(tokens).toHaveLength(512);
    expect(tokens.slice(0, 4)).toEqual(['<unk>', '<s>', '</s>', '<0x00>']);
    expect(tokens[259]).toBe('▁t');
    expect(f.getArray('tokenizer.ggml.scores', GGUFValueType.FLOAT32)[260]).toBe(-1);
    const emb = f.tensor('token_embd.weight')!;
    expect(emb.dims).toEqual([64, 512]);
    expect(emb.data.buffer).toBe(f.bytes.buffer);
    // output.weight holds the same values as token_embd.weight (README).
    expect(firstDiff(f.tensor('output.weight')!.data, emb.data)).toBe(-1);
  });

  it.skipIf(!tiny)('reads llama-2-tiny-random.gguf (12 tensors: 9 F16 + 3 F32, 32000 tokens)', () => {
    const f = openGGUF(tiny!);
    expect(f.version).toBe(3);
    expect(f.tensors).toHaveLength(12);
    expect(f.metadata.size).toBe(18);
    expect(f.dataOffset).toBe(724_416);
    expect(f.tensors.filter((t) => t.type === GGMLType.F16)).toHaveLength(9);
    expect(f.tensors.filter((t) => t.type === GGMLType.F32)).toHaveLength(3);
    expect(f.getU32('general.file_type')).toBe(1);
    expect(f.getString('general.name')).toBe('LLaMA v2');
    expect(f.getStringArray('tokenizer.ggml.tokens')).toHaveLength(32000);
    expect(f.getArray('tokenizer.ggml.token_type', GGUFValueType.INT32)).toHaveLength(32000);
    // A token that is exactly U+FEFF must not be eaten as a byte-order mark.
    expect(f.getStringArray('tokenizer.ggml.tokens')).toContain('\uFEFF');
  });

  for (const [name, path] of [['stories260K.gguf', stories], ['llama-2-tiny-random.gguf', tiny]] as const) {
    it.skipIf(!path)(`re-writing ${name} from its parsed structure reproduces its bytes exactly`, () => {
      const orig = readFileSync(path!);
      const again = writeGGUF(readGGUF(orig).toWriteSpec());
      expect(again.length).toBe(orig.length);
      expect(firstDiff(again, orig)).toBe(-1);
    });
  }

  // The vocab-only files (0 tensors) were written without padding after the tensor infos; our
  // writer pads like ggml's current gguf_write_out, so the re-write equals original + zero padding.
  for (const [name, path] of [['ggml-vocab-llama-spm.gguf', spm], ['ggml-vocab-gpt-2.gguf', gpt2]] as const) {
    it.skipIf(!path)(`re-writing vocab-only ${name} reproduces its bytes plus trailing alignment padding`, () => {
      const orig = readFileSync(path!);
      const f = readGGUF(orig);
      expect(f.tensors).toHaveLength(0);
      const again = writeGGUF(f.toWriteSpec());
      expect(again.length).toBe(Math.ceil(orig.length / 32) * 32);
      expect(firstDiff(again.subarray(0, orig.length), orig)).toBe(-1);
      expect(again.subarray(orig.length).every((b) => b === 0)).toBe(true);
    });
  }
});

describe('decoding speed', () => {
  const n = 151_936;
  const tokens = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? `Ġä½ł${i}` : i % 7 === 0 ? `▁词${i}` : `tok${i.toString(36)}`));
  const vocab: Array<[string, GGUFValue]> = [
    ['tokenizer.ggml.tokens', gguf.arrStr(tokens)],
    ['tokenizer.ggml.scores', gguf.arrF32(Float32Array.from({ length: n }, (_, i) => -i))],
    ['tokenizer.ggml.token_type', gguf.arrI32(Int32Array.from({ length: n }, (_, i) => (i < 3 ? 3 : 1)))],
  ];

  /** Best-of-5 parse time (the machine may be shared; the minimum is the stable statistic). */
  function bestReadMs(bytes: Uint8Array): number {
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      readGGUF(bytes);
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  }

  it('decodes a Qwen2-sized vocabulary (151,936 tokens + f32 scores + i32 types) in < 100 ms', () => {
    const bytes = writeGGUF({ metadata: vocab, tensors: [] });
    const f = readGGUF(bytes);
    expect(f.getStringArray('tokenizer.ggml.tokens')).toEqual(tokens);
    expect(f.getArray('tokenizer.ggml.scores', GGUFValueType.FLOAT32)[n - 1]).toBe(-(n - 1));
    const ms = bestReadMs(bytes);
    console.log(`vocabulary: ${(bytes.length / 1e6).toFixed(1)} MB of metadata parsed in ${ms.toFixed(1)} ms (best of 5)`);
    expect(ms).toBeLessThan(100);
  });

  it('also decodes 151,387 merges alongside (timing printed, not asserted)', () => {
    const merges = Array.from({ length: 151_387 }, (_, i) => `Ġ${i % 97} t${i}`);
    const bytes = writeGGUF({ metadata: [...vocab, ['tokenizer.ggml.merges', gguf.arrStr(merges)]], tensors: [] });
    expect(readGGUF(bytes).getStringArray('tokenizer.ggml.merges')).toEqual(merges);
    console.log(`vocabulary + merges: ${(bytes.length / 1e6).toFixed(1)} MB parsed in ${bestReadMs(bytes).toFixed(1)} ms (best of 5)`);
  });
});
