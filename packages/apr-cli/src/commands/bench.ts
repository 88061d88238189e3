/**
 * `apr bench MODEL [-p 512] [-n 128] [-r 5] [--threads N] [--backend NAME] [--brick] [--cmp llama] [--mem] [--json]`:
 * llama-bench for apr. Measures prefill (pp<P>) and decode (tg<N>) tok/s on random token ids,
 * optionally llama.cpp side by side on the same file and threads (`--cmp llama`), and the
 * memory-bandwidth roofline of decoding, and (`--mem`, default with `--cmp llama`) peak RSS and load
 * time of both engines. Progress goes to stderr (runs are long), the table or the
 * JSON object (see bench/bench-result.ts) to stdout.
 */
import type { Command } from 'commander';
import { loadModel, openGGUF } from '@sovereign/realizar';
import { applyThreads, chooseBackend } from '../backend-choice.js';
import { realizarEngine } from '../bench/bench-engine.js';
import { type BenchReport, joinResults, modelFacts } from '../bench/bench-result.js';
import { type BenchPlan, runBench } from '../bench/bench-runner.js';
import { humanReport } from '../bench/bench-table.js';
import { measureBandwidth } from '../bench/bandwidth-probe.js';
import { type BrickResult, profileBricks } from '../bench/brick-report.js';
import { BUSY_CPUS, cpuSnapshot, otherCpuLoad } from '../bench/cpu-contention.js';
import { machineInfo } from '../bench/cpu-info.js';
import { locateLlamaBench } from '../bench/llama-bench-locate.js';
import { compareWithLlamaCpp } from '../bench/llama-compare.js';
import { type MemoryReport, measureMemoryAndLoad } from '../bench/memory-load.js';
import { roofline, weightBytesPerToken } from '../bench/roofline.js';
import { randomTokens } from '../bench/stats.js';
import { CliError } from '../cli-error.js';
import { assertModelFile } from '../model-loader.js';
import { resolveModelArg } from '../model-ref.js';

interface BenchFlags {
  nPrompt: number;
  nGen: number;
  reps: number;
  threads?: number;
  backend: string;
  /** --gpu (true) / --no-gpu (false); undefined when neither is given. */
  gpu?: boolean;
  brick?: boolean;
  cmp?: string;
  json?: boolean;
  /** Peak RSS / load time probe; undefined: on with --cmp llama. */
  mem?: boolean;
  seed: number;
  probeMib: number;
}

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

function count(name: string, min: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new CliError(`${name}: expected an integer ≥ ${min}, got '${v}'`, 2);
    return n;
  };
}

/** A device backend's transfer and fallback counters (trueno-gpu's GpuBackend.stats()), when it has them. */
function deviceStats(backend: unknown): { fallbacks?: Record<string, number> } | undefined {
  const b = backend as { stats?: () => { fallbacks?: Record<string, number> } } | undefined;
  return typeof b?.stats === 'function' ? b.stats() : undefined;
}

/** Runs the benchmark described by `flags` on `modelPath` and returns the report (also used by tests). */
export async function runBenchCommand(modelPath: string, flags: BenchFlags, progress: (s: string) => void): Promise<BenchReport> {
  if (flags.nPrompt === 0 && flags.nGen === 0) throw new CliError('nothing to run: -p and -n are both 0', 2);
  if (flags.cmp !== undefined && flags.cmp !== 'llama') throw new CliError(`--cmp: only 'llama' is supported, got '${flags.cmp}'`, 2);
  assertModelFile(modelPath);
  const machine = machineInfo();
  const threads = flags.threads ?? machine.physicalCores;
  const cpuAtStart = cpuSnapshot();

  const choice = chooseBackend(flags.backend, flags.gpu);
  const backendThreads = applyThreads(choice, threads);
  progress(`backend: ${choice.name}, ${backendThreads} thread(s) (${choice.reason})`);
  const t0 = performance.now();
  const file = openGGUF(modelPath);
  const model = loadModel(file, choice.backend ? { backend: choice.backend } : {});
  progress(`loaded ${modelPath} in ${(performance.now() - t0).toFixed(0)} ms`);

  const plan: BenchPlan = { nPrompt: flags.nPrompt, nGen: flags.nGen, reps: flags.reps, vocab: model.config.vocabSize, seed: flags.seed };
  const ours = await runBench(realizarEngine(model, { nPrompt: plan.nPrompt, nGen: plan.nGen, name: `apr/${choice.name}` }), plan, progress);
  let brick: BrickResult | undefined;
  if (flags.brick) {
    progress('profiling bricks (one extra, untimed run) ...');
    brick = profileBricks(model, plan);
    if (!brick.available) progress(`--brick: ${brick.reason}`);
  }

  const cmp = flags.cmp
    ? await compareWithLlamaCpp({ modelPath, plan, threads, gpu: flags.gpu === true, llamaBench: locateLlamaBench({ env: process.env.LLAMA_BENCH }), progress })
    : undefined;

  let memory: MemoryReport | undefined;
  // Under --gpu the probe would measure both engines on the CPU (node-llama-cpp's prebuilt is the CPU one): off unless asked for.
  if (flags.mem ?? (flags.cmp === 'llama' && flags.gpu !== true)) {
    // One context size for both engines (node-llama-cpp wants ≥ 16 and batch ≤ context).
    const contextLength = Math.max(plan.nPrompt, plan.nGen, 16);
    const batch = Math.max(plan.nPrompt, 1);
    const token = randomTokens(1, plan.vocab, plan.seed)[0];
    memory = await measureMemoryAndLoad({ model: modelPath, contextLength, batch, threads, backend: flags.backend, token }, progress);
  }

  progress(`measuring memory bandwidth (${threads} thread(s)) ...`);
  const bw = await measureBandwidth({ threads, bytesPerBuffer: flags.probeMib * 2 ** 20 });
  const otherCpus = otherCpuLoad(cpuAtStart, cpuSnapshot());
  if (otherCpus !== undefined && otherCpus > BUSY_CPUS) {
    progress(`warning: other processes kept ${otherCpus.toFixed(2)} CPUs busy during the run; the rates are skewed`);
  }
  const tg = ours.find((r) => r.kind === 'tg');
  const backendStats = deviceStats(choice.backend);
  if (backendStats?.fallbacks && Object.keys(backendStats.fallbacks).length > 0) {
    progress(`${choice.name}: ops run on the CPU instead: ${JSON.stringify(backendStats.fallbacks)}`);
  }
  return {
    model: modelPath,
    threads,
    backend: choice.name,
    backendThreads,
    backendReason: choice.reason,
    modelFacts: modelFacts(file),
    machine,
    ...(otherCpus !== undefined ? { otherCpuLoad: otherCpus } : {}),
    nPrompt: plan.nPrompt,
    nGen: plan.nGen,
    reps: plan.reps,
    results: joinResults(ours, cmp?.rates),
    roofline: roofline(weightBytesPerToken(model.weights), bw.gbPerSec, tg?.summary.mean),
    bandwidthMethod: bw.method,
    ...(cmp ? { llamaCppNotes: cmp.notes } : {}),
    ...(brick ? { brick } : {}),
    ...(backendStats ? { backendStats } : {}),
    ...(memory ? { memory } : {}),
  };
}

/** Registers `apr bench`. */
export function registerBench(program: Command, io: Io): void {
  program
    .command('bench')
    .description('measure prefill and decode tok/s like llama-bench (random tokens); --cmp llama runs llama.cpp side by side')
    .argument('<model>', 'model file (GGUF) or store reference (pulled when missing)')
    .option('-p, --n-prompt <n>', 'prompt tokens of the pp test, one batched forward (0: skip)', count('-p', 0), 512)
    .option('-n, --n-gen <n>', 'generated tokens of the tg test, one token per forward (0: skip)', count('-n', 0), 128)
    .option('-r, --reps <n>', 'measured repetitions (one warm-up runs first and is discarded)', count('-r', 1), 5)
    .option('-t, --threads <n>', 'threads, for our backend and for llama.cpp (default: physical cores)', count('--threads', 1))
    .option('--backend <name>', 'compute backend: auto | ref | native | cuda (falls back to ref with a reason)', 'auto')
    .option('--gpu', 'benchmark the GPU (the cuda backend); fails with the reason when CUDA cannot run here')
    .option('--no-gpu', 'never use the GPU (auto picks native or ref)')
    .option('--brick', 'add the per-brick profile (budgets, scores, grade, bottleneck)')
    .option('--cmp <engine>', "compare with 'llama': node-llama-cpp, and native llama-bench (LLAMA_BENCH=path, else the one `pnpm llama-bench:build` built)")
    .option('--mem', 'peak RSS and load time of apr and llama.cpp (node-llama-cpp), one child process each (default with --cmp llama)')
    .option('--no-mem', 'skip the memory/load probe under --cmp llama')
    .option('--seed <n>', 'seed of the random token ids', count('--seed', 0), 1234)
    .option('--probe-mib <n>', 'MiB of each of the two buffers per thread of the bandwidth probe (≫ last-level cache)', count('--probe-mib', 1), 128)
    .option('--json', 'print one JSON object instead of the table')
    .action(async (modelPath: string, flags: BenchFlags) => {
      const report = await runBenchCommand(await resolveModelArg(modelPath, { pull: true, io }), flags, (s) => io.stderr.write(`${s}\n`));
      io.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : humanReport(report));
    });
}
