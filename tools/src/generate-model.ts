/**
 * `generateModel`: writes a GGUF file of a preset shape with seeded random weights, streaming one
 * tensor at a time through the atomic GGUF writer (the model is never whole in memory).
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeGGUFFile } from '@sovereign/realizar/gguf';
import { type GGMLType, bytesFor, dtypeInfo } from '@sovereign/trueno';
import { GeneratorOptionError } from './errors.js';
import { buildMetadata } from './model-metadata.js';
import { type ModelPreset, getPreset } from './model-presets.js';
import { type ModelTypeSpec, type RecipeKind, isQuantizedType, resolveModelType } from './model-types.js';
import { chooseTensorTypes } from './quant-recipe.js';
import { TensorPool, computeInThread, defaultThreads, type TensorJob } from './tensor-pool.js';
import { type TensorPlan, elementCount, planTensors } from './tensor-plan.js';
import { type TokenizerMetadata, qwen2TokenizerMetadata, tokenizerMetadataFrom } from './tokenizer-metadata.js';

/** Seed used when none is given. */
export const DEFAULT_SEED = 42;

/** Options of {@link generateModel}. */
export interface GenerateModelOptions {
  /** Preset id (`tiny`, `qwen2.5-0.5b`, ...) or a preset object. */
  readonly preset: string | ModelPreset;
  /** `--type`: a tensor type (`q8_0`, pure) or a llama.cpp mix (`q4_k_m`); see `modelTypeNames()`. */
  readonly type: string;
  /** Output path; written atomically (temporary file + rename). */
  readonly out: string;
  /** 32-bit unsigned seed; default {@link DEFAULT_SEED}. Same options → same bytes. */
  readonly seed?: number;
  /** Override the type's default recipe (`pure` or llama.cpp's `llama`). */
  readonly recipe?: RecipeKind;
  /** Copy all `tokenizer.*` keys from this GGUF instead of using Qwen2.5's vocabulary. */
  readonly vocabFrom?: string;
  /**
   * Worker threads for producing tensor bytes (default: the machine's parallelism, at most 8);
   * 1 = main thread only. The bytes do not depend on it. Workers are used only when running the
   * built package; from TypeScript sources everything runs on the main thread.
   */
  readonly threads?: number;
  /** Called after each tensor's bytes are produced (before they are written). */
  readonly onProgress?: (p: GenerateProgress) => void;
}

/** Progress after one tensor. */
export interface GenerateProgress {
  /** 1-based index of the tensor just produced. */
  readonly index: number;
  readonly count: number;
  readonly name: string;
  readonly type: GGMLType;
  readonly dims: readonly number[];
  /** Tensor-data bytes produced so far, and in all. */
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

/** One tensor of the written file. */
export interface GeneratedTensor {
  readonly name: string;
  readonly type: GGMLType;
  readonly dims: readonly number[];
  readonly bytes: number;
}

/** Result of {@link generateModel}. */
export interface GenerateModelResult {
  readonly path: string;
  /** File size in bytes. */
  readonly bytes: number;
  readonly tensors: GeneratedTensor[];
  readonly preset: ModelPreset;
  readonly type: ModelTypeSpec;
  readonly seed: number;
  readonly vocabSize: number;
  /** Worker threads that produced the bytes (0: main thread). */
  readonly workers: number;
  /** Wall time of the whole generation, in seconds. */
  readonly seconds: number;
}

/** The tensor list and per-tensor types a generation would use, without writing anything. */
export function planModel(
  preset: ModelPreset,
  type: ModelTypeSpec,
  vocabSize: number,
): Array<TensorPlan & { type: GGMLType; bytes: number }> {
  const plans = planTensors(preset, vocabSize);
  const types = chooseTensorTypes(preset, type, plans);
  return plans.map((p) => {
    const t = types.get(p.name)!;
    return { ...p, type: t, bytes: bytesFor(t, elementCount(p.dims)) };
  });
}

/** Writes the model described by `options` and reports what was written. */
export async function generateModel(options: GenerateModelOptions): Promise<GenerateModelResult> {
  const started = performance.now();
  const preset = typeof options.preset === 'string' ? getPreset(options.preset) : options.preset;
  const type = resolveModelType(options.type, options.recipe);
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new GeneratorOptionError(`seed must be an integer in 0..4294967295, got ${seed}`);
  }
  if (!options.out) throw new GeneratorOptionError('an output path is required (got an empty string)');

  const tokenizer: TokenizerMetadata = options.vocabFrom
    ? tokenizerMetadataFrom(options.vocabFrom)
    : qwen2TokenizerMetadata();
  const tensors = planModel(preset, type, tokenizer.vocabSize);
  const bytesTotal = tensors.reduce((s, t) => s + t.bytes, 0);
  const metadata = buildMetadata({
    preset,
    ftype: type.ftype,
    quantized: tensors.some((t) => isQuantizedType(t.type)),
    tokenizer,
    seed,
  });

  const threads = options.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new GeneratorOptionError(`threads must be a positive integer, got ${threads}`);
  }
  const jobs: TensorJob[] = tensors.map((t) => ({ plan: { name: t.name, dims: t.dims, init: t.init }, type: t.type }));
  const pool = await TensorPool.start(jobs, seed, threads);
  let bytesDone = 0;
  try {
    await mkdir(dirname(options.out), { recursive: true });
    await writeGGUFFile(options.out, {
      metadata,
      tensors: tensors.map((t, i) => ({
        name: t.name,
        type: t.type,
        dims: t.dims,
        data: async () => {
          const data = pool ? await pool.get(i) : computeInThread(jobs[i], seed);
          bytesDone += data.byteLength;
          options.onProgress?.({
            index: i + 1,
            count: tensors.length,
            name: t.name,
            type: t.type,
            dims: t.dims,
            bytesDone,
            bytesTotal,
          });
          return data;
        },
      })),
    });
  } finally {
    await pool?.close();
  }

  const { size } = await stat(options.out);
  return {
    path: options.out,
    bytes: size,
    tensors: tensors.map((t) => ({ name: t.name, type: t.type, dims: t.dims, bytes: t.bytes })),
    preset,
    type,
    seed,
    vocabSize: tokenizer.vocabSize,
    workers: pool ? threads : 0,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Short human description of a tensor type mix: `q4_K ×98, q6_K ×25, f32 ×121`. */
export function summarizeTypes(tensors: readonly GeneratedTensor[]): string {
  const counts = new Map<string, number>();
  for (const t of tensors) {
    const n = dtypeInfo(t.type).name;
    counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  return [...counts].map(([n, c]) => `${n} ×${c}`).join(', ');
}
