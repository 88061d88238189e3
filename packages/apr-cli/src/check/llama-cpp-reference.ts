/**
 * llama.cpp as the reference engine, through `node-llama-cpp` (its prebuilt CPU binary; never
 * built or downloaded here). node-llama-cpp is an optional, development-time dependency: it is
 * imported dynamically, so `apr` runs without it and only `apr check` asks for it.
 *
 * Settings chosen so that what remains between llama.cpp and us is float summation order:
 * - f32 KV cache (llama.cpp's default is f16, which would round every K and V);
 * - no flash attention (its online softmax and f16 accumulation differ from the plain softmax);
 * - the whole sequence in one batch with logits for every position (teacher forcing: llama.cpp
 *   scores the tokens our greedy decode chose, so one flipped top-1 cannot cascade).
 */
import { CliError } from '../cli-error.js';

type NodeLlamaCpp = typeof import('node-llama-cpp');
type Llama = import('node-llama-cpp').Llama;
type Token = import('node-llama-cpp').Token;

/** The version this project tests against (the devDependency of @sovereign/apr-cli). */
export const NODE_LLAMA_CPP_VERSION = '3.22.1';

const INSTALL_HINT =
  `apr check needs llama.cpp through node-llama-cpp: install it with ` +
  `\`npm install node-llama-cpp@${NODE_LLAMA_CPP_VERSION}\` (prebuilt CPU binaries, no build)`;

/**
 * Imports node-llama-cpp. The specifier is a variable on purpose: bundlers (tsup/esbuild) then
 * leave the import to run time instead of inlining a native-addon package into the CLI bundle.
 */
async function importNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  const specifier = 'node-llama-cpp';
  try {
    return (await import(specifier)) as NodeLlamaCpp;
  } catch (e) {
    throw new CliError(`${INSTALL_HINT} (${(e as Error).message.split('\n')[0]})`);
  }
}

/** llama.cpp loaded once; evaluates files on demand. Call {@link dispose} when done. */
export class LlamaCppReference {
  private constructor(
    private readonly llama: Llama,
    /** One line saying what runs, e.g. `llama.cpp b6xxx via node-llama-cpp (CPU, prebuilt)`. */
    readonly description: string,
  ) {}

  /**
   * Loads node-llama-cpp's prebuilt CPU binary. Throws a one-line {@link CliError} when the
   * package is not installed or has no usable binary for this machine.
   */
  static async load(): Promise<LlamaCppReference> {
    const lib = await importNodeLlamaCpp();
    let llama: Llama;
    try {
      llama = await lib.getLlama({
        gpu: false,
        build: 'never',
        skipDownload: true,
        usePrebuiltBinaries: true,
        progressLogs: false,
        logLevel: lib.LlamaLogLevel.error,
      });
    } catch (e) {
      throw new CliError(`node-llama-cpp has no usable prebuilt llama.cpp binary here: ${(e as Error).message.split('\n')[0]}`);
    }
    const release = llama.llamaCppRelease.release;
    return new LlamaCppReference(llama, `llama.cpp ${release} via node-llama-cpp (CPU, ${llama.buildType})`);
  }

  /**
   * Raw logits `(tokens.length, vocab)` of every position of `tokens`, evaluated as one batch in
   * a fresh context of that size. `vocab` is the row length of the result (the model's
   * vocabulary, which llama.cpp reads from the same file). Thread count and batch size do not
   * change llama.cpp's numbers: measured bit-identical for batches of 1, 8 and 41 tokens.
   */
  async logits(modelPath: string, tokens: readonly number[], vocab: number, threads?: number): Promise<Float32Array> {
    const model = await this.llama.loadModel({ modelPath, gpuLayers: 0 });
    try {
      const n = tokens.length;
      const ctx = await model.createContext({
        contextSize: Math.max(n, 16),
        batchSize: Math.max(n, 16),
        threads: threads ?? this.llama.cpuMathCores,
        flashAttention: false,
        experimentalKvCacheKeyType: 'F32',
        experimentalKvCacheValueType: 'F32',
      });
      try {
        const res = await ctx
          .getSequence()
          .controlledEvaluate(tokens.map((t) => [t as Token, { generateNext: { logits: true } }]));
        const out = new Float32Array(n * vocab);
        res.forEach((r, i) => {
          const row = r?.next.logits;
          if (!row) throw new Error(`llama.cpp returned no logits for position ${i}`);
          const o = i * vocab;
          for (const [tok, l] of row) out[o + tok] = l;
        });
        return out;
      } finally {
        await ctx.dispose();
      }
    } finally {
      await model.dispose();
    }
  }

  /** Releases the binding (models and contexts are disposed after each call already). */
  async dispose(): Promise<void> {
    await this.llama.dispose();
  }
}
