/**
 * The result of `apr bench`: the JSON object other checks read (its field names are a stable
 * interface: new fields may be added, none renamed) and the pieces it is assembled from.
 *
 * `{"model", "threads", "backend", "results": [{"test", "tokensPerSec", "stddev", "llamaCpp":
 * {"engine", "tokensPerSec"}, "ratio"}], "roofline": {"bytesPerToken", "bandwidthGBs",
 * "ceilingTokensPerSec", "fractionOfCeiling"}}`; `llamaCpp` and `ratio` only with `--cmp llama`;
 * `memory: {"apr": {"loadMs", "peakRssMiB", …}, "llamaCpp": {…}, "rssRatio", "loadRatio"}` with
 * `--mem` (default on with `--cmp llama`; see memory-load.ts).
 */
import { type GGUFFile, dtypeInfo } from '@sovereign/realizar';
import type { TestResult } from './bench-runner.js';
import type { BrickResult } from './brick-report.js';
import type { MachineInfo } from './cpu-info.js';
import type { MemoryReport } from './memory-load.js';
import type { Roofline } from './roofline.js';

/** Engines llama.cpp is measured through. */
export type LlamaCppEngine = 'llama-bench' | 'node-llama-cpp';

/** llama.cpp's rate for one test. */
export interface LlamaCppRate {
  readonly engine: LlamaCppEngine;
  readonly tokensPerSec: number;
  readonly stddev: number;
}

/** One row of `results`. */
export interface BenchResultRow {
  readonly test: string;
  readonly tokensPerSec: number;
  readonly stddev: number;
  /** stddev / tokensPerSec. */
  readonly cv: number;
  /** Rate of each measured repetition. */
  readonly samples: readonly number[];
  /** llama.cpp on the same test: native llama-bench when it ran, else node-llama-cpp. */
  readonly llamaCpp?: LlamaCppRate;
  /** ours / llamaCpp.tokensPerSec (> 1: we are faster). */
  readonly ratio?: number;
  /** Every llama.cpp engine that ran this test (llama-bench and node-llama-cpp), with our ratio to each. */
  readonly llamaCppAll?: ReadonlyArray<LlamaCppRate & { readonly ratio: number }>;
}

/** Facts about the model file, for the table (llama-bench's model/size/params columns). */
export interface ModelFacts {
  readonly arch: string;
  /** Bytes of tensor data. */
  readonly sizeBytes: number;
  readonly params: number;
  /** The tensor type holding the most bytes, e.g. `q8_0`. */
  readonly mainType: string;
}

/** The whole `apr bench --json` object. */
export interface BenchReport {
  readonly model: string;
  /** Threads asked for (and given to llama.cpp). */
  readonly threads: number;
  /** Backend that ran our side (`ref`, `native`). */
  readonly backend: string;
  /** Threads our backend really uses (the `ref` backend is single-threaded). */
  readonly backendThreads: number;
  readonly backendReason: string;
  readonly modelFacts: ModelFacts;
  /** CPU, cores and ISA of the machine that ran the bench. */
  readonly machine: MachineInfo;
  /** CPUs other processes kept busy during the run, on average (Linux; see cpu-contention.ts). */
  readonly otherCpuLoad?: number;
  readonly nPrompt: number;
  readonly nGen: number;
  readonly reps: number;
  readonly results: BenchResultRow[];
  readonly roofline: Roofline;
  readonly bandwidthMethod: string;
  /** What ran as llama.cpp (descriptions), or why an engine did not. */
  readonly llamaCppNotes?: string[];
  /** Per-brick profile (`--brick`). */
  readonly brick?: BrickResult;
  /** Peak RSS and load time of apr and llama.cpp, each in a child process (`--mem`). */
  readonly memory?: MemoryReport;
  /**
   * What a device backend (cuda) moved and where it ran over the whole bench: its `stats()`
   * (host↔device transfers by cause, launches, CPU fallbacks by op and weight type).
   */
  readonly backendStats?: unknown;
}

/** Model facts from the GGUF header (no weights touched). */
export function modelFacts(file: GGUFFile): ModelFacts {
  let sizeBytes = 0;
  let params = 0;
  const byType = new Map<number, number>();
  for (const t of file.tensors) {
    sizeBytes += t.byteSize;
    params += t.nElements;
    byType.set(t.type, (byType.get(t.type) ?? 0) + t.byteSize);
  }
  let main = -1;
  let best = -1;
  for (const [type, bytes] of byType) if (bytes > best) [main, best] = [type, bytes];
  let arch = 'unknown';
  try {
    arch = file.getString('general.architecture');
  } catch {
    // A file without the key still benchmarks (loadModel would have refused a bad one).
  }
  return { arch, sizeBytes, params, mainType: main < 0 ? '?' : dtypeInfo(main).name };
}

/**
 * Joins our results with llama.cpp's: `theirs` maps engine → test → rate. The primary comparison
 * (`llamaCpp`, `ratio`) is native llama-bench when it measured the test, else node-llama-cpp.
 */
export function joinResults(ours: readonly TestResult[], theirs?: ReadonlyMap<LlamaCppEngine, ReadonlyMap<string, LlamaCppRate>>): BenchResultRow[] {
  return ours.map((r) => {
    const base = {
      test: r.test,
      tokensPerSec: r.summary.mean,
      stddev: r.summary.stddev,
      cv: r.summary.cv,
      samples: r.samples,
    };
    if (!theirs) return base;
    const all = (['llama-bench', 'node-llama-cpp'] as const)
      .map((e) => theirs.get(e)?.get(r.test))
      .filter((x): x is LlamaCppRate => x !== undefined && x.tokensPerSec > 0)
      .map((x) => ({ ...x, ratio: r.summary.mean / x.tokensPerSec }));
    if (all.length === 0) return base;
    const { ratio, ...primary } = all[0];
    return { ...base, llamaCpp: primary, ratio, llamaCppAll: all };
  });
}
