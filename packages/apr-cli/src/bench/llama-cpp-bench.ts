/**
 * llama.cpp through node-llama-cpp (its prebuilt CPU binary, a devDependency; never built or
 * downloaded here) behind the {@link TimedEngine} interface, so the bench driver times it exactly
 * as it times us: same random ids, same warm-up, same repetitions, same thread count.
 *
 * Settings follow llama-bench's defaults: f16 KV cache, no flash attention, one context reused and
 * cleared before every repetition, a batch of at least P tokens (so pp<P> is one llama_decode).
 * Logits are requested for the last prompt token and for every generated token, as
 * llama_batch_get_one does; node-llama-cpp then also runs its greedy sampler on them (about
 * 0.1–0.5 ms per token for a 152k vocabulary), a small cost our side does not pay.
 *
 * node-llama-cpp is imported dynamically (a variable specifier, so tsup leaves it to run time):
 * `apr bench` without `--cmp llama` never needs it.
 */
import type { TimedEngine } from './bench-runner.js';

type NodeLlamaCpp = typeof import('node-llama-cpp');
type Llama = import('node-llama-cpp').Llama;
type LlamaModel = import('node-llama-cpp').LlamaModel;
type LlamaContext = import('node-llama-cpp').LlamaContext;
type Token = import('node-llama-cpp').Token;
type EvalItem = import('node-llama-cpp').ControlledEvaluateInputItem;

/**
 * `getLlama` options of every llama.cpp run through node-llama-cpp in `apr bench` (the timed engine
 * here and the memory/load probe of memory-load.ts): the prebuilt CPU binary only, quiet (log
 * level `error`, given as the enum's string value so the options serialize to a child process).
 */
export const NODE_LLAMA_CPP_OPTIONS = {
  gpu: false,
  build: 'never',
  skipDownload: true,
  usePrebuiltBinaries: true,
  progressLogs: false,
  logLevel: 'error',
  // No cap: the context's `threads` is then exactly the number used (a hint otherwise).
  maxThreads: 0,
} as const;

/** A {@link TimedEngine} that owns native resources. */
export interface DisposableEngine extends TimedEngine {
  dispose(): Promise<void>;
}

/** node-llama-cpp loaded once; opens models for benchmarking. */
export class NodeLlamaCppBench {
  private constructor(
    private readonly llama: Llama,
    /** e.g. `llama.cpp b6xxx via node-llama-cpp 3.22.1 (CPU, prebuilt)`. */
    readonly description: string,
  ) {}

  /**
   * Loads the prebuilt CPU binary. Resolves to a reason string instead when node-llama-cpp is not
   * installed or has no usable binary here (the caller reports it and carries on without it).
   */
  static async load(): Promise<NodeLlamaCppBench | string> {
    const specifier = 'node-llama-cpp';
    let lib: NodeLlamaCpp;
    try {
      lib = (await import(specifier)) as NodeLlamaCpp;
    } catch (e) {
      return `node-llama-cpp is not installed (${(e as Error).message.split('\n')[0]})`;
    }
    try {
      const llama = await lib.getLlama({ ...NODE_LLAMA_CPP_OPTIONS, logLevel: lib.LlamaLogLevel.error });
      return new NodeLlamaCppBench(llama, `llama.cpp ${llama.llamaCppRelease.release} via node-llama-cpp (CPU, ${llama.buildType})`);
    } catch (e) {
      return `node-llama-cpp has no usable prebuilt llama.cpp binary here: ${(e as Error).message.split('\n')[0]}`;
    }
  }

  /** Opens `modelPath` with a context for P-token prompts and N-token generations on `threads` threads. */
  async engine(modelPath: string, opts: { nPrompt: number; nGen: number; threads: number }): Promise<DisposableEngine> {
    const model: LlamaModel = await this.llama.loadModel({ modelPath, gpuLayers: 0 });
    let ctx: LlamaContext;
    try {
      const size = Math.max(opts.nPrompt, opts.nGen, 16);
      ctx = await model.createContext({
        contextSize: size,
        batchSize: size,
        threads: opts.threads,
        flashAttention: false,
      });
    } catch (e) {
      await model.dispose();
      throw e;
    }
    const seq = ctx.getSequence();
    const withLogits = (t: number): EvalItem => [t as Token, { generateNext: { token: true } }];
    return {
      name: 'node-llama-cpp',
      async timePrompt(tokens) {
        await seq.clearHistory();
        const items: EvalItem[] = tokens.map((t, i) => (i === tokens.length - 1 ? withLogits(t) : (t as Token)));
        const t0 = performance.now();
        await seq.controlledEvaluate(items);
        return performance.now() - t0;
      },
      async timeGenerate(tokens) {
        await seq.clearHistory();
        const items = tokens.map((t) => [withLogits(t)]);
        const t0 = performance.now();
        for (const item of items) await seq.controlledEvaluate(item);
        return performance.now() - t0;
      },
      async dispose() {
        await ctx.dispose();
        await model.dispose();
      },
    };
  }

  /** Releases the binding. */
  async dispose(): Promise<void> {
    await this.llama.dispose();
  }
}
