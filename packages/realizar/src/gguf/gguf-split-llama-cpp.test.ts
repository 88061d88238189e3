/**
 * llama.cpp as the oracle of the split layout: `splitGGUF` writes byte for byte what llama.cpp's
 * own `llama-gguf-split --split` writes (built from node-llama-cpp's bundled source, see
 * test/gguf/llama-gguf-split.ts), in both of its modes; and its shards load in llama.cpp
 * (node-llama-cpp's prebuilt CPU binary) from the first shard's path — its loader checks
 * split.count / split.no / split.tensors.count and finds the siblings by name — with exactly the
 * logits of the unsplit file. Each check skips with a reason when its tool is missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GGMLType } from '@sovereign/trueno';
import { type Llama, LlamaLogLevel, type Token, getLlama } from 'node-llama-cpp';
import { afterAll, describe, expect, it } from 'vitest';
import { llamaGGUFSplit } from '../../test/gguf/llama-gguf-split.js';
import { testModelSpec } from '../model/test-model.js';
import { type SplitGGUFOptions, splitGGUF, writeGGUF } from './index.js';

const llama: Llama | undefined = await getLlama({
  gpu: false,
  build: 'never',
  skipDownload: true,
  usePrebuiltBinaries: true,
  progressLogs: false,
  logLevel: LlamaLogLevel.error,
}).catch((e: Error) => {
  console.warn(`skipping the llama.cpp split check: node-llama-cpp has no usable prebuilt binary (${e.message})`);
  return undefined;
});

const dir = mkdtempSync(join(tmpdir(), 'gguf-split-llama-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Raw logits (vocab 300) of every position from llama.cpp. */
async function llamaCppLogits(path: string, tokens: number[]): Promise<Float32Array[]> {
  const model = await llama!.loadModel({ modelPath: path, gpuLayers: 0 });
  try {
    const ctx = await model.createContext({ contextSize: 64, batchSize: 64, threads: 1, flashAttention: false });
    try {
      const res = await ctx.getSequence().controlledEvaluate(tokens.map((t) => [t as Token, { generateNext: { logits: true } }]));
      return res.map((r) => {
        const out = new Float32Array(300); // (vocab)
        for (const [tok, l] of r!.next.logits!) out[tok] = l;
        return out;
      });
    } finally {
      await ctx.dispose();
    }
  } finally {
    await model.dispose();
  }
}

describe('gguf split: llama.cpp oracle', () => {
  it.skipIf(!llama)('llama.cpp loads our 3-shard split from its first shard and computes the unsplit logits exactly', async () => {
    const src = join(dir, 'q8.gguf');
    writeFileSync(src, writeGGUF(testModelSpec({ arch: 'qwen2', dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 96, vocab: 300, type: GGMLType.Q8_0, seed: 3 })));
    const shards = await splitGGUF(src, { maxTensorsPerShard: 10 });
    expect(shards.length).toBe(3);
    const tokens = [1, 280, 42, 7, 259];
    const want = await llamaCppLogits(src, tokens);
    const got = await llamaCppLogits(shards[0], tokens);
    expect(got.length).toBe(tokens.length);
    for (const [i, l] of got.entries()) expect(Buffer.from(l.buffer).equals(Buffer.from(want[i].buffer)), `position ${i} logits`).toBe(true);
  });

  const tool = llamaGGUFSplit();
  if ('reason' in tool) console.warn(`skipping the llama-gguf-split byte comparison: ${tool.reason}`);
  const cases: Array<[string, string[], SplitGGUFOptions]> = [
    ['--split-max-tensors 7', ['--split-max-tensors', '7'], { maxTensorsPerShard: 7 }],
    // 1M is llama.cpp's smallest size unit; this model's tensors make 4 shards of it.
    ['--split-max-size 1M', ['--split-max-size', '1M'], { maxShardBytes: 1_000_000 }],
  ];
  for (const [name, args, opts] of cases) {
    it.skipIf(!tool.path)(`splitGGUF writes the bytes of llama-gguf-split --split ${name}`, async () => {
      const src = join(dir, `bytes-${args[1]}.gguf`);
      // Big enough for several 1 MB shards: 4 layers of 512-wide q8_0 / f16 weights.
      const spec = testModelSpec({ arch: 'qwen2', dim: 512, nLayers: 4, nHeads: 8, nKvHeads: 2, ffnDim: 768, vocab: 600, type: GGMLType.Q8_0, seed: 9 });
      writeFileSync(src, writeGGUF(spec));
      const theirs = join(dir, `llama-${args[1]}`);
      mkdirSync(theirs);
      const r = spawnSync(tool.path!, ['--split', ...args, src, join(theirs, 'm')], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      mkdirSync(join(dir, `ours-${args[1]}`));
      const ours = await splitGGUF(src, { ...opts, outPrefix: join(dir, `ours-${args[1]}`, 'm') });
      const names = readdirSync(theirs).sort();
      expect(names.length).toBeGreaterThan(1);
      expect(ours.map((p) => p.split('/').pop())).toEqual(names);
      for (const [i, n] of names.entries()) expect(readFileSync(ours[i]!).equals(readFileSync(join(theirs, n))), `${n} bytes`).toBe(true);
    });
  }
});
