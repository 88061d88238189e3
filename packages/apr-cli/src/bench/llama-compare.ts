/**
 * `--cmp llama`: llama.cpp measured on the same file, tests and threads, in the same `apr bench`
 * run. Two engines: native `llama-bench` when `LLAMA_BENCH` names the binary, and node-llama-cpp
 * (the prebuilt binary of the devDependency) whenever it loads. An engine that cannot run is
 * reported with its reason and skipped; the bench itself goes on.
 */
import type { BenchPlan, ProgressFn } from './bench-runner.js';
import { runBench } from './bench-runner.js';
import type { LlamaCppEngine, LlamaCppRate } from './bench-result.js';
import { runLlamaBench } from './llama-bench-native.js';
import { NodeLlamaCppBench } from './llama-cpp-bench.js';

/** Results of every llama.cpp engine that ran, and one note per engine (what ran, or why not). */
export interface LlamaComparison {
  readonly rates: Map<LlamaCppEngine, Map<string, LlamaCppRate>>;
  readonly notes: string[];
}

/** Options of {@link compareWithLlamaCpp}. */
export interface LlamaCompareOptions {
  readonly modelPath: string;
  readonly plan: BenchPlan;
  readonly threads: number;
  /** Path of a native llama-bench binary (from `LLAMA_BENCH`), if any. */
  readonly llamaBench?: string;
  readonly progress: ProgressFn;
}

/** Runs the available llama.cpp engines. */
export async function compareWithLlamaCpp(o: LlamaCompareOptions): Promise<LlamaComparison> {
  const rates = new Map<LlamaCppEngine, Map<string, LlamaCppRate>>();
  const notes: string[] = [];

  if (o.llamaBench) {
    o.progress(`llama-bench: ${o.llamaBench} -p ${o.plan.nPrompt} -n ${o.plan.nGen} -r ${o.plan.reps} -t ${o.threads}`);
    try {
      const run = await runLlamaBench({
        binary: o.llamaBench,
        modelPath: o.modelPath,
        nPrompt: o.plan.nPrompt,
        nGen: o.plan.nGen,
        reps: o.plan.reps,
        threads: o.threads,
        onLine: (l) => o.progress(`llama-bench: ${l}`),
      });
      rates.set('llama-bench', new Map(run.results.map((r) => [r.test, { engine: 'llama-bench', tokensPerSec: r.tokensPerSec, stddev: r.stddev }])));
      notes.push(`llama-bench: ${run.description}`);
    } catch (e) {
      notes.push(`llama-bench: not run: ${(e as Error).message}`);
    }
  } else {
    notes.push('llama-bench: not run (set LLAMA_BENCH=/path/to/llama-bench to compare with the native binary)');
  }

  const lib = await NodeLlamaCppBench.load();
  if (typeof lib === 'string') {
    notes.push(`node-llama-cpp: not run: ${lib}`);
    return { rates, notes };
  }
  try {
    const engine = await lib.engine(o.modelPath, { nPrompt: o.plan.nPrompt, nGen: o.plan.nGen, threads: o.threads });
    try {
      const results = await runBench(engine, o.plan, o.progress);
      rates.set('node-llama-cpp', new Map(results.map((r) => [r.test, { engine: 'node-llama-cpp', tokensPerSec: r.summary.mean, stddev: r.summary.stddev }])));
      notes.push(`node-llama-cpp: ${lib.description}, ${o.threads} thread(s), f16 KV cache, no flash attention`);
    } finally {
      await engine.dispose();
    }
  } catch (e) {
    notes.push(`node-llama-cpp: failed: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    await lib.dispose();
  }
  return { rates, notes };
}
