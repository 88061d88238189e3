/**
 * Split GGUFs end to end through the CLI: a generated model split into llama.cpp shards on the
 * loopback hub is pulled (one model layer per shard), run by its store name with exactly the output
 * of the unsplit file, inspected over all shards, verified, and removed with every shard collected;
 * the alias `qwen2.5-coder:7b` pulls both shards of a 2-shard q4_k_m listing.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitGGUF } from '@sovereign/realizar';
import { generateModel } from '@sovereign/tools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apr } from './cli-harness.js';
import { useLoopbackHub } from './temp-store.js';

const t = useLoopbackHub('apr-pull-split-');
const setup = t.setup;

const work = mkdtempSync(join(tmpdir(), 'apr-split-model-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let unsplit: string;
let shards: Buffer[];
let shardPaths: string[];
beforeAll(async () => {
  unsplit = join(work, 'tiny-q8_0.gguf');
  await generateModel({ preset: 'tiny', type: 'q8_0', out: unsplit, threads: 1 });
  shardPaths = await splitGGUF(unsplit, { maxTensorsPerShard: 4, outPrefix: join(work, 'tiny-q8_0') });
  shards = shardPaths.map((p) => readFileSync(p));
});

const pad = (n: number) => String(n).padStart(5, '0');
const RUN = ['--prompt', 'hello', '-n', '6', '--temperature', '0', '--json', '--backend', 'ref'];

describe('apr with split GGUFs', () => {
  it('pull → run by store name (same output as the unsplit file) → inspect/show → list --verify → rm collects every shard', async () => {
    expect(shards.length).toBeGreaterThanOrEqual(3);
    const files = Object.fromEntries(shards.map((b, i) => [`org/tiny-GGUF/tiny-q8_0-${pad(i + 1)}-of-${pad(shards.length)}.gguf`, b]));
    await setup({ files });
    let r = await apr(['pull', 'hf.co/org/tiny-GGUF:Q8_0']);
    expect(r.code, r.stderr).toBe(0);
    const blobs = () => readdirSync(join(process.env.PACHA_HOME!, 'blobs')).filter((f) => f.startsWith('sha256-')).sort();
    expect(blobs()).toEqual(shards.map((b) => `sha256-${t.hub!.sha(b)}`).sort());

    const want = await apr(['run', unsplit, ...RUN]);
    expect(want.code, want.stderr).toBe(0);
    r = await apr(['run', 'hf.co/org/tiny-GGUF:Q8_0', ...RUN]);
    expect(r.code, r.stderr).toBe(0);
    const [a, b] = [JSON.parse(want.stdout), JSON.parse(r.stdout)];
    expect(b.tokens).toEqual(a.tokens);
    expect(b.text).toBe(a.text);
    // The first shard's own path (siblings beside it) runs the same.
    r = await apr(['run', shardPaths[0]!, ...RUN]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tokens).toEqual(a.tokens);

    // inspect (one path: shards linked under llama.cpp names) and show report every shard.
    const whole = JSON.parse((await apr(['inspect', unsplit, '--json'])).stdout);
    r = await apr(['inspect', 'hf.co/org/tiny-GGUF:Q8_0', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ tensorCount: whole.tensorCount, parameterCount: whole.parameterCount });
    r = await apr(['show', 'hf.co/org/tiny-GGUF:Q8_0', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ layers: shards.map(() => 'model'), parameters: whole.parameterCount });

    r = await apr(['list', '--verify', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ problems: [], checked: shards.length, bytes: shards.reduce((n, s) => n + s.length, 0) });
    r = await apr(['rm', 'hf.co/org/tiny-GGUF:Q8_0']);
    expect(r.code, r.stderr).toBe(0);
    expect(blobs()).toEqual([]);
  });

  it('alias qwen2.5-coder:7b against a hub whose repo has a 2-shard q4_k_m: both shards are pulled and the model runs', async () => {
    const two = await splitGGUF(unsplit, { maxShardBytes: Math.ceil(readFileSync(unsplit).length / 2), outPrefix: join(work, 'two') });
    expect(two.length).toBe(2);
    const repo = 'Qwen/Qwen2.5-Coder-7B-Instruct-GGUF';
    await setup({
      files: {
        [`${repo}/qwen2.5-coder-7b-instruct-q4_k_m-00001-of-00002.gguf`]: readFileSync(two[0]!),
        [`${repo}/qwen2.5-coder-7b-instruct-q4_k_m-00002-of-00002.gguf`]: readFileSync(two[1]!),
        [`${repo}/qwen2.5-coder-7b-instruct-q8_0.gguf`]: readFileSync(unsplit),
      },
    });
    let r = await apr(['pull', 'qwen2.5-coder:7b']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^pulled 'qwen2\.5-coder:7b'/);
    r = await apr(['show', 'qwen2.5-coder:7b', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ layers: ['model', 'model'] });
    const want = await apr(['run', unsplit, ...RUN]);
    r = await apr(['run', 'qwen2.5-coder:7b', ...RUN]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tokens).toEqual(JSON.parse(want.stdout).tokens);
  });
});
