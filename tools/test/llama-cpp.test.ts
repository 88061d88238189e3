/**
 * llama.cpp must load what the generator writes: every file here goes through node-llama-cpp's
 * prebuilt llama.cpp (CPU only, never built or downloaded), which reads the metadata, tokenizes,
 * and evaluates a prompt. The next-token log-probabilities of a quantized file are compared with
 * those of the F32 file of the same seed: a block layout llama.cpp decoded differently from ours
 * would make them uncorrelated.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel, type Llama, type LlamaModel } from 'node-llama-cpp';
import { afterAll, describe, expect, it } from 'vitest';
import { QWEN25_CHAT_TEMPLATE, generateModel, getPreset, type ModelPreset } from '../src/index.js';
import { fixturesDir, tempDir } from './helpers.js';

const llama: Llama | undefined = await getLlama({
  gpu: false,
  build: 'never',
  skipDownload: true,
  usePrebuiltBinaries: true,
  progressLogs: false,
  logLevel: LlamaLogLevel.error,
}).catch((e: Error) => {
  console.warn(`skipping llama.cpp tests: node-llama-cpp has no usable prebuilt binary (${e.message})`);
  return undefined;
});
const fixtures = fixturesDir();

/** Splits llama.cpp's tokenizer test vectors (`.inp` texts, `.out` ids) into cases. */
function vocabCases(base: string): Array<[string, number[]]> {
  const texts = readFileSync(`${base}.inp`, 'utf8').split('\n__ggml_vocab_test__\n').slice(0, -1);
  const ids = readFileSync(`${base}.out`, 'utf8').split('\n').slice(0, texts.length);
  return texts.map((t, i) => [t, ids[i].split(' ').filter(Boolean).map(Number)]);
}

/** log p(next token | prompt) over the whole vocabulary, from llama.cpp. */
async function nextTokenLogProbs(model: LlamaModel, prompt: string): Promise<Float64Array> {
  const ctx = await model.createContext({ contextSize: 64, batchSize: 64, threads: 2 });
  try {
    const it = ctx.getSequence().evaluateWithMetadata(
      model.tokenize(prompt),
      { probabilities: true },
      { temperature: 1, topK: 0, topP: 1, minP: 0 },
    );
    const { value } = await it.next();
    await it.return();
    // With topK 0 / topP 1 / minP 0 llama.cpp returns the probability of every token.
    const out = new Float64Array(value!.probabilities.size);
    for (const [tok, p] of value!.probabilities) out[tok] = Math.log(p);
    return out;
  } finally {
    await ctx.dispose();
  }
}

function correlation(a: Float64Array, b: Float64Array): number {
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.length; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= a.length;
  mb /= b.length;
  let c = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    c += (a[i] - ma) * (b[i] - mb);
    va += (a[i] - ma) ** 2;
    vb += (b[i] - mb) ** 2;
  }
  return c / Math.sqrt(va * vb);
}

// Least correlation of llama.cpp's next-token log-probs with the F32 file's, per --type. Measured
// on tiny: q8_0 0.9999, q4_k_m 0.9989, q4_0 0.987; on tiny-k: q6_K 0.9987, q5_K 0.9953, q4_K
// 0.982, q3_K 0.911, q2_K 0.666. A layout llama.cpp decodes differently gives ≈ 0.
const MIN_CORRELATION: Record<string, number> = {
  f16: 0.999,
  bf16: 0.999,
  q8_0: 0.999,
  q6_k: 0.99,
  q5_0: 0.98,
  q5_1: 0.98,
  q5_k: 0.98,
  q4_0: 0.95,
  q4_1: 0.95,
  q4_k: 0.95,
  q4_k_m: 0.95,
  q3_k: 0.85,
  q2_k: 0.5,
};

async function load(path: string): Promise<LlamaModel> {
  return llama!.loadModel({ modelPath: path, gpuLayers: 0 });
}

/** Metadata llama.cpp read back must match the preset. */
function checkModel(model: LlamaModel, preset: ModelPreset, ftype: number): void {
  const general = model.fileInfo.metadata.general as unknown as Record<string, unknown>;
  expect(general.architecture).toBe(preset.arch);
  expect(general.file_type).toBe(ftype);
  expect(model.trainContextSize).toBe(preset.contextLength);
  expect(model.fileInsights.totalLayers).toBe(preset.nLayer + 1);
}

function checkQwenTokenizer(model: LlamaModel): void {
  expect(model.tokenize('Hello world')).toEqual([9707, 1879]);
  expect(model.tokenize('<|im_start|>user\n', true)).toEqual([151644, 872, 198]);
  expect(model.tokens.bos).toBe(151643);
  expect(model.tokens.eos).toBe(151645);
  const tpl = (model.fileInfo.metadata as unknown as { tokenizer: { chat_template?: string } }).tokenizer.chat_template;
  expect(tpl).toBe(QWEN25_CHAT_TEMPLATE);
}

describe.skipIf(!llama)('llama.cpp (node-llama-cpp) loads generated models', () => {
  const tmp = tempDir('gen-model-llama-');
  afterAll(async () => {
    tmp.cleanup();
    await llama?.dispose();
  });

  it('llama.cpp: loads tiny in f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k_m and decodes the same weights [F-GEN-10]', async () => {
    const preset = getPreset('tiny');
    const ref = join(tmp.dir, 'tiny-f32.gguf');
    await generateModel({ preset, type: 'f32', out: ref });
    const refModel = await load(ref);
    checkModel(refModel, preset, 0);
    checkQwenTokenizer(refModel);
    const refLp = await nextTokenLogProbs(refModel, 'The quick brown fox');
    await refModel.dispose();
    for (const type of ['f16', 'bf16', 'q8_0', 'q4_0', 'q4_1', 'q5_0', 'q5_1', 'q4_k_m']) {
      const path = join(tmp.dir, `tiny-${type}.gguf`);
      const res = await generateModel({ preset, type, out: path });
      const model = await load(path);
      try {
        checkModel(model, preset, res.type.ftype);
        checkQwenTokenizer(model);
        const r = correlation(refLp, await nextTokenLogProbs(model, 'The quick brown fox'));
        expect(r, `${type}: correlation of next-token log-probs with f32`).toBeGreaterThanOrEqual(MIN_CORRELATION[type]);
      } finally {
        await model.dispose();
      }
    }
  }, 120_000);

  it.skipIf(!fixtures)('llama.cpp: tokenizes all 46 qwen2 vocab test vectors exactly with the generated vocab [F-GEN-11]', async () => {
    const path = join(tmp.dir, 'tiny-vocab.gguf');
    await generateModel({ preset: 'tiny', type: 'q8_0', out: path });
    const model = await load(path);
    try {
      const cases = vocabCases(join(fixtures!, 'ggml-vocab-qwen2.gguf'));
      expect(cases.length).toBe(46);
      for (const [text, ids] of cases) expect(model.tokenize(text), JSON.stringify(text)).toEqual(ids);
    } finally {
      await model.dispose();
    }
  }, 60_000);

  it.skipIf(!fixtures)('llama.cpp: K-quant blocks decode as ours in q2_k…q6_k (tiny-k shape, SPM vocab) [F-GEN-12]', async () => {
    // tiny-k rows are 256-multiples, so these files hold real K blocks; the 32000-token SPM vocab
    // keeps the embedding small enough to K-quantize in seconds.
    const vocabFrom = join(fixtures!, 'ggml-vocab-llama-spm.gguf');
    const preset: ModelPreset = { ...getPreset('tiny-k'), tiedEmbeddings: true };
    const ref = join(tmp.dir, 'k-f32.gguf');
    await generateModel({ preset, type: 'f32', out: ref, vocabFrom });
    const refModel = await load(ref);
    const refLp = await nextTokenLogProbs(refModel, 'The quick brown fox');
    await refModel.dispose();
    for (const type of ['q2_k', 'q3_k', 'q4_k', 'q5_k', 'q6_k']) {
      const path = join(tmp.dir, `k-${type}.gguf`);
      const res = await generateModel({ preset, type, out: path, vocabFrom });
      const model = await load(path);
      try {
        checkModel(model, preset, res.type.ftype);
        const r = correlation(refLp, await nextTokenLogProbs(model, 'The quick brown fox'));
        console.info(`llama.cpp next-token log-prob correlation, tiny-k ${type} vs f32: ${r.toFixed(4)}`);
        expect(r, `${type}: correlation with f32`).toBeGreaterThanOrEqual(MIN_CORRELATION[type]);
      } finally {
        await model.dispose();
      }
    }
  }, 180_000);

  it('llama.cpp: llama-tiny loads with the Qwen2 BPE vocab (and with a copied SPM vocab) [F-GEN-13]', async () => {
    const preset = getPreset('llama-tiny');
    const bpe = join(tmp.dir, 'llama-tiny.gguf');
    const res = await generateModel({ preset, type: 'q8_0', out: bpe });
    expect(res.tensors.some((t) => t.name === 'output.weight')).toBe(true);
    expect(res.tensors.some((t) => t.name.endsWith('.bias'))).toBe(false);
    let model = await load(bpe);
    checkModel(model, preset, res.type.ftype);
    checkQwenTokenizer(model);
    await model.dispose();
    if (!fixtures) return;
    const spm = join(tmp.dir, 'llama-tiny-spm.gguf');
    await generateModel({ preset, type: 'q4_0', out: spm, vocabFrom: join(fixtures, 'ggml-vocab-llama-spm.gguf') });
    model = await load(spm);
    try {
      checkModel(model, preset, 2);
      expect(model.vocabularyType).toBe('spm');
      for (const [text, ids] of vocabCases(join(fixtures, 'ggml-vocab-llama-spm.gguf')).slice(0, 20)) {
        if (text.length === 0) continue;
        expect(model.tokenize(text), JSON.stringify(text)).toEqual(ids);
      }
    } finally {
      await model.dispose();
    }
  }, 60_000);

  it('llama.cpp: generated qwen2.5-0.5b Q8_0 and Q4_0 load, tokenize and run [F-GEN-14]', async () => {
    const preset = getPreset('qwen2.5-0.5b');
    for (const type of ['q8_0', 'q4_0']) {
      const path = join(tmp.dir, `qwen2.5-0.5b-${type}.gguf`);
      const t0 = performance.now();
      const res = await generateModel({ preset, type, out: path });
      const t1 = performance.now();
      const model = await load(path);
      const t2 = performance.now();
      try {
        checkModel(model, preset, res.type.ftype);
        checkQwenTokenizer(model);
        const lp = await nextTokenLogProbs(model, 'def fibonacci(n):');
        expect(lp.length).toBe(151936);
        expect(lp.every((x) => Number.isFinite(x) || x === -Infinity)).toBe(true);
      } finally {
        await model.dispose();
      }
      console.info(
        `qwen2.5-0.5b ${type}: generated ${(res.bytes / 1e6).toFixed(1)} MB in ${((t1 - t0) / 1000).toFixed(1)} s, ` +
          `llama.cpp load ${((t2 - t1) / 1000).toFixed(1)} s, total with eval ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
    }
  }, 300_000);
});
