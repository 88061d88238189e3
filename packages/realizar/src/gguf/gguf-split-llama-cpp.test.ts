/**
 * llama.cpp as the oracle of the split layout: shards written by `splitGGUF` load in llama.cpp
 * (node-llama-cpp's prebuilt CPU binary, a devDependency) from the first shard's path — its loader
 * checks split.count / split.no / split.tensors.count and finds the siblings by name — and give
 * exactly the logits of the unsplit file. Skips with a reason when no usable binary is present.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GGMLType } from '@sovereign/trueno';
import { type Llama, LlamaLogLevel, type Token, getLlama } from 'node-llama-cpp';
import { afterAll, describe, expect, it } from 'vitest';
import { testModelSpec } from '../model/test-model.js';
import { splitGGUF, writeGGUF } from './index.js';

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
});
