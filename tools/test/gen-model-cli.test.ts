import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openGGUF } from '@sovereign/realizar';
import { main } from '../src/gen-model-cli.js';
import { tempDir } from './helpers.js';

describe('gen-model CLI', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  let out = '';
  let err = '';
  beforeEach(() => {
    out = '';
    err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  });
  afterEach(() => vi.restoreAllMocks());

  it('writes a model, prints progress to stderr and a summary to stdout', async () => {
    const path = join(tmp.dir, 'tiny.gguf');
    expect(await main(['--preset', 'tiny', '--type', 'q8_0', '--out', path, '--seed', '3'])).toBe(0);
    expect(existsSync(path)).toBe(true);
    expect(out).toMatch(/^wrote .*tiny\.gguf: tiny q8_0 \(recipe pure, general\.file_type 7\), 26 tensors \(.*q8_0 ×15.*\), vocab 151936, [\d.]+ MB in [\d.]+ s \(main thread\), seed 3\n$/);
    expect(err).toMatch(/\[26\/26\] output_norm\.weight f32 \[64\]/);
  });

  it('--split-max-tensors writes llama.cpp gguf-split shards that load to the same tensors', async () => {
    const path = join(tmp.dir, 'split.gguf');
    expect(await main(['--preset', 'tiny', '--type', 'q8_0', '--out', path, '--seed', '3', '--quiet', '--split-max-tensors', '10'])).toBe(0);
    const shards = [1, 2, 3].map((i) => join(tmp.dir, `split-0000${i}-of-00003.gguf`));
    expect(out).toContain(`split into 3 shard(s): ${shards.join(', ')}`);
    expect(existsSync(path)).toBe(false);
    const whole = join(tmp.dir, 'whole.gguf');
    expect(await main(['--preset', 'tiny', '--type', 'q8_0', '--out', whole, '--seed', '3', '--quiet'])).toBe(0);
    const [a, b] = [openGGUF(whole), openGGUF(shards[0]!)];
    expect(b.shards.length).toBe(3);
    expect(b.tensors.map((t) => [t.name, Buffer.from(t.data).toString('base64')])).toEqual(a.tensors.map((t) => [t.name, Buffer.from(t.data).toString('base64')]));
    expect(await main(['--preset', 'tiny', '--type', 'f32', '--out', 'x', '--split-max-tensors', '0'])).toBe(2);
    expect(err).toMatch(/--split-max-tensors must be a positive integer, got '0'/);
  });

  it('names the valid presets and types, exit code 2', async () => {
    expect(await main(['--preset', 'big', '--type', 'f32', '--out', join(tmp.dir, 'x.gguf')])).toBe(2);
    expect(err).toMatch(/unknown preset 'big': expected one of tiny, tiny-k, qwen2\.5-0\.5b, qwen2\.5-1\.5b, llama-tiny/);
    err = '';
    expect(await main(['--preset', 'tiny', '--type', 'q4_k_x', '--out', join(tmp.dir, 'x.gguf')])).toBe(2);
    expect(err).toMatch(/unknown model type 'q4_k_x': expected one of .*q4_k_m/);
    expect(existsSync(join(tmp.dir, 'x.gguf'))).toBe(false);
  });

  it('reports missing and malformed options with the usage text', async () => {
    expect(await main(['--preset', 'tiny'])).toBe(2);
    expect(err).toMatch(/missing --type, --out/);
    expect(err).toMatch(/usage: gen-model/);
    err = '';
    expect(await main(['--preset', 'tiny', '--type', 'f32', '--out', 'x', '--seed', '1.5'])).toBe(2);
    expect(err).toMatch(/--seed must be an integer in 0\.\.4294967295, got '1\.5'/);
    err = '';
    expect(await main(['--preset', 'tiny', '--type', 'f32', '--out', 'x', '--threads', '0'])).toBe(2);
    expect(err).toMatch(/--threads must be a positive integer, got '0'/);
    err = '';
    expect(await main(['--bogus'])).toBe(2);
    expect(err).toMatch(/bogus/);
    expect(await main(['--help'])).toBe(0);
    expect(out).toMatch(/--vocab-from <file>/);
  });
});
