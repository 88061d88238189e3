/**
 * The `--cmp llama` side of `apr bench-serve`: llama.cpp through node-llama-cpp (prebuilt CPU
 * binary, same offline options as `apr bench`) with one LlamaContext of C sequences, C generations
 * running at once (node-llama-cpp batches the sequences' tokens into one llama_decode per step, as
 * llama-server does with --parallel C), timed per token exactly like the HTTP side.
 *
 * Prompts are raw text (LlamaCompletion, no chat template) and end-of-generation tokens are biased
 * to never (our side sends `ignore_eos`), so both sides generate the full `maxTokens`.
 */
import { NODE_LLAMA_CPP_OPTIONS } from '../bench/llama-cpp-bench.js';
import { runLevel } from './load-runner.js';
import type { LevelStats, RequestSample } from './serve-stats.js';

type NodeLlamaCpp = typeof import('node-llama-cpp');

/** What to run: one level per entry of `levels`. */
export interface LlamaServePlan {
  readonly levels: readonly number[];
  readonly requests: (concurrency: number) => number;
  readonly maxTokens: number;
  readonly prompt: (i: number) => string;
  readonly threads: number;
  readonly temperature: number;
}

/** Runs every level; resolves to a reason string when node-llama-cpp cannot run here. */
export async function llamaConcurrency(modelPath: string, plan: LlamaServePlan, log: (s: string) => void): Promise<{ description: string; levels: LevelStats[] } | string> {
  const specifier = 'node-llama-cpp';
  let lib: NodeLlamaCpp;
  try {
    lib = (await import(specifier)) as NodeLlamaCpp;
  } catch (e) {
    return `node-llama-cpp is not installed (${(e as Error).message.split('\n')[0]})`;
  }
  let llama: Awaited<ReturnType<NodeLlamaCpp['getLlama']>>;
  try {
    llama = await lib.getLlama({ ...NODE_LLAMA_CPP_OPTIONS, logLevel: lib.LlamaLogLevel.error });
  } catch (e) {
    return `node-llama-cpp has no usable prebuilt llama.cpp binary here: ${(e as Error).message.split('\n')[0]}`;
  }
  const description = `llama.cpp ${llama.llamaCppRelease.release} via node-llama-cpp (CPU, ${llama.buildType})`;
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  const levels: LevelStats[] = [];
  try {
    const bias = new lib.TokenBias(model.tokenizer);
    for (const t of [model.tokens.eos, model.tokens.eot]) if (t !== null) bias.set(t, 'never');
    const promptLen = Math.max(...Array.from({ length: 4 }, (_, i) => model.tokenize(plan.prompt(i)).length));
    for (const c of plan.levels) {
      log(`llama.cpp: ${c} sequence(s)`);
      const ctx = await model.createContext({
        sequences: c,
        contextSize: promptLen + plan.maxTokens + 64,
        threads: plan.threads,
        flashAttention: false,
      });
      try {
        const free = Array.from({ length: c }, () => ctx.getSequence());
        const send = async (i: number): Promise<RequestSample> => {
          const seq = free.pop()!;
          const completion = new lib.LlamaCompletion({ contextSequence: seq, autoDisposeSequence: false });
          const tokenTimesMs: number[] = [];
          let tokens = 0;
          const prompt = plan.prompt(i);
          const startMs = performance.now();
          let error: string | undefined;
          try {
            await completion.generateCompletion(prompt, {
              maxTokens: plan.maxTokens,
              temperature: plan.temperature,
              tokenBias: bias,
              onToken: (t) => {
                const now = performance.now();
                for (let k = 0; k < t.length; k++) tokenTimesMs.push(now);
                tokens += t.length;
              },
            });
          } catch (e) {
            error = (e as Error).message;
          }
          const endMs = performance.now();
          completion.dispose();
          await seq.clearHistory();
          free.push(seq);
          return {
            startMs,
            firstTokenMs: tokenTimesMs[0] ?? null,
            tokenTimesMs,
            endMs,
            completionTokens: tokens,
            promptTokens: model.tokenize(prompt).length,
            ...(error !== undefined ? { error } : {}),
          };
        };
        await send(0); // warm-up, not timed
        levels.push((await runLevel(c, plan.requests(c), send)).stats);
      } finally {
        await ctx.dispose();
      }
    }
  } finally {
    await model.dispose();
    await llama.dispose();
  }
  return { description, levels };
}
