/**
 * `--cmp llama`: llama.cpp measured on the same file, tests and threads, in the same `apr bench`
 * run. Two engines: native `llama-bench` (`LLAMA_BENCH`, else the binary `pnpm llama-bench:build`
 * built; see llama-bench-locate.ts), and node-llama-cpp
 * (the prebuilt binary of the devDependency) whenever it loads. An engine that cannot run is
 * reported with its reason and skipped; the bench itself goes on. Under `--gpu` llama-bench offloads
 * every layer (`-ngl 99`; a CUDA build is needed for that to reach the GPU) and node-llama-cpp is
 * skipped: its installed prebuilt is the CPU one (the CUDA prebuilts are excluded from the install).
 */
import type { BenchPlan, ProgressFn } from './bench-runner.js';
import { runBench } from './bench-runner.js';
import type { LlamaCppEngine, LlamaCppRate } from './bench-result.js';
import type { LlamaBenchLocation } from './llama-bench-locate.js';
import { runLlamaBench } from './llama-bench-native.js';
import { NodeLlamaCppBench } from './llama-cpp-bench.js';

/** Why node-llama-cpp sits out `apr bench --gpu --cmp llama`. */
export const NODE_LLAMA_CPP_GPU_SKIP =
  'node-llama-cpp: not run under --gpu: its installed prebuilt binary is the CPU one (the CUDA prebuilts are excluded from the install); the GPU peer is llama-bench built with GGML_CUDA';

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
  /** Our side runs on the GPU (`apr bench --gpu`): llama.cpp's side too, where it can. */
  readonly gpu?: boolean;
  /** Where the native llama-bench binary is, or why there is none (see llama-bench-locate.ts). */
  readonly llamaBench: LlamaBenchLocation;
  readonly progress: ProgressFn;
}

/** Runs the available llama.cpp engines. */
export async function compareWithLlamaCpp(o: LlamaCompareOptions): Promise<LlamaComparison> {
  const rates = new Map<LlamaCppEngine, Map<string, LlamaCppRate>>();
  const notes: string[] = [];

  const lb = o.llamaBench;
  if (lb.path !== undefined) {
    o.progress(`llama-bench (${lb.source}): ${lb.path} -p ${o.plan.nPrompt} -n ${o.plan.nGen} -r ${o.plan.reps} -t ${o.threads} -ngl ${o.gpu ? 99 : 0}`);
    try {
      const run = await runLlamaBench({
        binary: lb.path,
        modelPath: o.modelPath,
        nPrompt: o.plan.nPrompt,
        nGen: o.plan.nGen,
        reps: o.plan.reps,
        threads: o.threads,
        gpu: o.gpu,
        onLine: (l) => o.progress(`llama-bench: ${l}`),
      });
      rates.set('llama-bench', new Map(run.results.map((r) => [r.test, { engine: 'llama-bench', tokensPerSec: r.tokensPerSec, stddev: r.stddev }])));
      notes.push(`llama-bench: ${run.description} (${lb.source})${o.gpu ? ', -ngl 99 (all layers on the GPU)' : ''}`);
    } catch (e) {
      notes.push(`llama-bench: not run: ${(e as Error).message}`);
    }
  } else {
    notes.push(`llama-bench: not run (${lb.reason})`);
  }

  if (o.gpu) {
    notes.push(NODE_LLAMA_CPP_GPU_SKIP);
    o.progress(NODE_LLAMA_CPP_GPU_SKIP);
    return { rates, notes };
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
