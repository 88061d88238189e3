/**
 * The native `llama-bench` binary (set `LLAMA_BENCH=/path/to/llama-bench`), run on the same file
 * with the same -p/-n/-r/-t, its `-o json` output parsed. It runs its own warm-up and repetitions
 * with its own random ids; the protocol is the one `bench-runner.ts` copies, so the rates compare.
 * Flags beyond those: `-ngl 0` (CPU, whatever the build) or, when our side benchmarks the GPU
 * (`apr bench --gpu`), `-ngl 99` (every layer on the GPU of a CUDA build), and `-fa 0` (no flash
 * attention, as our attention and the node-llama-cpp context; newer builds default to `auto`); the
 * KV cache stays at llama-bench's default f16.
 */
import { spawn } from 'node:child_process';
import { type SampleSummary, summarize } from './stats.js';

/** One llama-bench test as parsed from its JSON. */
export interface LlamaBenchResult {
  /** `pp512` or `tg128` (llama-bench's own naming). */
  readonly test: string;
  readonly tokensPerSec: number;
  readonly stddev: number;
  /** Per-repetition rates when the binary reports them (`samples_ts`), else empty. */
  readonly samples: readonly number[];
  readonly summary?: SampleSummary;
}

/** What one llama-bench run produced. */
export interface LlamaBenchRun {
  readonly results: LlamaBenchResult[];
  /** e.g. `llama-bench build 1234 (abcdef0), AMD EPYC …`. */
  readonly description: string;
}

interface LlamaBenchJsonRow {
  n_prompt?: number;
  n_gen?: number;
  avg_ts?: number;
  stddev_ts?: number;
  samples_ts?: number[];
  build_commit?: string;
  build_number?: number;
  cpu_info?: string;
}

/**
 * Parses `llama-bench -o json` output (an array of test rows). Rows with a prompt and no
 * generation are `pp<n_prompt>`, rows with generation and no prompt `tg<n_gen>`, mixed rows
 * (`-pg`) `pp<P>+tg<N>`. Throws when no JSON array is found.
 */
export function parseLlamaBenchJson(stdout: string): LlamaBenchRun {
  const start = stdout.indexOf('[');
  const end = stdout.lastIndexOf(']');
  if (start < 0 || end < start) throw new Error('llama-bench printed no JSON array');
  const rows = JSON.parse(stdout.slice(start, end + 1)) as LlamaBenchJsonRow[];
  const results = rows.map((r): LlamaBenchResult => {
    const p = r.n_prompt ?? 0;
    const g = r.n_gen ?? 0;
    const test = p > 0 && g > 0 ? `pp${p}+tg${g}` : p > 0 ? `pp${p}` : `tg${g}`;
    const samples = r.samples_ts ?? [];
    return {
      test,
      tokensPerSec: r.avg_ts ?? Number.NaN,
      stddev: r.stddev_ts ?? 0,
      samples,
      summary: samples.length ? summarize(samples) : undefined,
    };
  });
  const r0 = rows[0] ?? {};
  const build = r0.build_number !== undefined ? `build ${r0.build_number} (${r0.build_commit ?? '?'})` : 'unknown build';
  return { results, description: `llama-bench ${build}${r0.cpu_info ? `, ${r0.cpu_info}` : ''}` };
}

/** Options of {@link runLlamaBench}. */
export interface LlamaBenchOptions {
  readonly binary: string;
  readonly modelPath: string;
  readonly nPrompt: number;
  readonly nGen: number;
  readonly reps: number;
  readonly threads: number;
  /** Offload every layer to the GPU (`-ngl 99`, for a CUDA build); CPU only (`-ngl 0`) otherwise. */
  readonly gpu?: boolean;
  /** Each stderr line of the binary (its progress and logs). */
  readonly onLine?: (line: string) => void;
}

/**
 * llama-bench's command line for `o`. `-ngl 99` exceeds any layer count (llama.cpp clamps it), so
 * with `gpu` the whole model, output layer included, runs on the GPU.
 */
export function llamaBenchArgs(o: Omit<LlamaBenchOptions, 'binary' | 'onLine'>): string[] {
  const ngl = o.gpu ? '99' : '0';
  return ['-m', o.modelPath, '-p', String(o.nPrompt), '-n', String(o.nGen), '-r', String(o.reps), '-t', String(o.threads), '-ngl', ngl, '-fa', '0', '-o', 'json'];
}

/** Runs the binary and parses its results; rejects with its stderr tail when it fails. */
export function runLlamaBench(o: LlamaBenchOptions): Promise<LlamaBenchRun> {
  const args = llamaBenchArgs(o);
  return new Promise((resolve, reject) => {
    const child = spawn(o.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let partial = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      const s = d.toString();
      err = (err + s).slice(-4000);
      partial += s;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) o.onLine?.(l);
    });
    child.on('error', (e) => reject(new Error(`cannot run ${o.binary}: ${e.message}`)));
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`${o.binary} exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      try {
        resolve(parseLlamaBenchJson(out));
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}
