import { describe, expect, it } from 'vitest';
import { GGMLType } from '@sovereign/trueno';
import { expectGGUFError } from '../../test/gguf/expect-error.js';
import { gguf, GGUFKeyError, GGUFValueType, readGGUF, writeGGUF } from './index.js';

const file = readGGUF(
  writeGGUF({
    metadata: [
      ['general.architecture', gguf.str('qwen2')],
      ['qwen2.context_length', gguf.u32(32768)],
      ['qwen2.block_count', gguf.u64(28)],
      ['qwen2.rope.freq_base', gguf.f32(1e6)],
      ['big', gguf.u64(1n << 60n)],
      ['neg', gguf.i32(-5)],
      ['flag', gguf.bool(true)],
      ['tokens', gguf.arrStr(['a', 'b'])],
      ['scores', gguf.arrF32([0.5, -1])],
    ],
    tensors: [{ name: 'token_embd.weight', type: GGMLType.F16, dims: [4, 2], data: new Uint8Array(16) }],
  }),
  { source: 'mem.gguf' },
);

describe('GGUFFile accessors', () => {
  it('return plain values for the right types', () => {
    expect(file.getString('general.architecture')).toBe('qwen2');
    expect(file.getU32('qwen2.context_length')).toBe(32768);
    expect(file.getU32('qwen2.block_count')).toBe(28); // u64 on disk, fits a u32
    expect(file.getInteger('qwen2.block_count')).toBe(28);
    expect(file.getNumber('qwen2.rope.freq_base')).toBe(1e6);
    expect(file.getNumber('neg')).toBe(-5);
    expect(file.getBigInt('big')).toBe(1n << 60n);
    expect(file.getBool('flag')).toBe(true);
    expect(file.getStringArray('tokens')).toEqual(['a', 'b']);
    expect(file.getArray('scores', GGUFValueType.FLOAT32)).toEqual(Float32Array.from([0.5, -1]));
    expect(file.getArray('scores').itemType).toBe(GGUFValueType.FLOAT32);
    expect(file.get('neg')).toEqual({ type: GGUFValueType.INT32, value: -5 });
    expect(file.has('nope')).toBe(false);
    expect(file.tensor('token_embd.weight')?.dims).toEqual([4, 2]);
    expect(file.tensor('nope')).toBeUndefined();
  });

  it('use the fallback only when the key is missing', () => {
    expect(file.getNumber('qwen2.rope.scale', 1)).toBe(1);
    expect(file.getString('tokenizer.chat_template', '')).toBe('');
    expect(file.getBool('tokenizer.ggml.add_bos_token', false)).toBe(false);
    expectGGUFError(() => file.getBool('general.architecture', false), GGUFKeyError, 'expected bool');
  });

  it('missing keys and wrong types are GGUFKeyErrors naming key, offset, expected and found', () => {
    const e = expectGGUFError(() => file.getU32('llama.context_length'), GGUFKeyError, "mem.gguf: key 'llama.context_length': missing (expected u32)");
    expect(e).toMatchObject({ field: "key 'llama.context_length'", actual: 'missing' });
    expectGGUFError(() => file.getU32('general.architecture'), GGUFKeyError, "key 'general.architecture'", '(KV at byte 24)', 'expected u32', 'found str "qwen2"');
    expectGGUFError(() => file.getU32('neg'), GGUFKeyError, 'found i32 -5');
    expectGGUFError(() => file.getNumber('big'), GGUFKeyError, 'below 2^53', 'found u64 1152921504606846976');
    expectGGUFError(() => file.getInteger('qwen2.rope.freq_base'), GGUFKeyError, 'expected an integer', 'found f32 1000000');
    expectGGUFError(() => file.getNumber('flag'), GGUFKeyError, 'expected a number', 'found bool true');
    expectGGUFError(() => file.getString('tokens'), GGUFKeyError, 'expected str', 'found arr[str; 2]');
    expectGGUFError(() => file.getArray('scores', GGUFValueType.INT32), GGUFKeyError, 'expected arr[i32]', 'found arr[f32; 2]');
    expectGGUFError(() => file.getStringArray('neg'), GGUFKeyError, 'expected arr[str]');
  });
});
