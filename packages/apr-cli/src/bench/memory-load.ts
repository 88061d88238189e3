/**
 * Peak RSS and load time, apr vs llama.cpp (`apr bench --mem`, on by default with `--cmp llama`).
 *
 * Each engine runs in a fresh child Node process, so neither the bench's own model nor the other
 * engine's allocations count: load the model, create a context of the bench's size, decode one
 * token, then report `process.resourceUsage().maxRSS` (the kernel's high-water mark of resident
 * memory, file-backed pages included: llama.cpp's mmap'd weights count once touched, as our read
 * buffer does) and the wall time of load + context creation, as one JSON line on stdout. Library
 * start-up (importing realizar, node-llama-cpp's `getLlama`) is outside `loadMs` but inside the
 * peak, and so is Node itself (both sides pay the same runtime).
 *
 * The child program is a short CommonJS script fed to `node -` on stdin (not `-e`/`--input-type`:
 * node-llama-cpp forks a test process with the parent's `execArgv`, which must not carry the
 * program), run in apr-cli's package directory so `import('@sovereign/realizar')` and
 * `import('node-llama-cpp')` resolve as they do for the bench. When apr-cli runs
 * from TypeScript source (vitest, tsx) the child runs source too (`--conditions=source --import
 * tsx`); tsx's own modules then add to the child's RSS, so compare numbers measured from `dist/`.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_LLAMA_CPP_OPTIONS } from './llama-cpp-bench.js';

const MiB = 1024 * 1024;

/** One engine's figures (the `memory.apr` / `memory.llamaCpp` objects of the JSON). */
export interface MemoryLoadSample {
  /** Wall ms of model load + context (session) creation. */
  readonly loadMs: number;
  /** Peak resident set of the child process, MiB. */
  readonly peakRssMiB: number;
  /** Resident set just before the model load (runtime + library), MiB. */
  readonly baseRssMiB: number;
  /** Wall ms of the one decode step after the load (first touch of every weight). */
  readonly decodeMs: number;
  /** What ran, e.g. `apr/native` or `node-llama-cpp`. */
  readonly engine: string;
}

/** `memory` of the `apr bench --json` object. Ratios are apr ÷ llama.cpp (< 1: apr is smaller or faster). */
export interface MemoryReport {
  readonly apr: MemoryLoadSample;
  readonly llamaCpp?: MemoryLoadSample;
  readonly rssRatio?: number;
  readonly loadRatio?: number;
  /** Context length and batch both engines were given. */
  readonly contextLength: number;
  readonly batch: number;
  /** Why llama.cpp has no figures, when it has none. */
  readonly llamaCppReason?: string;
}

/** What the child programs read from `APR_MEM_PROBE`. */
export interface ProbeParams {
  readonly model: string;
  readonly contextLength: number;
  readonly batch: number;
  readonly threads: number;
  /** Backend name for apr (`auto`, `native`, `ref`). */
  readonly backend: string;
  /** The token id decoded once. */
  readonly token: number;
}

/** The line a child prints: its figures in raw units. */
interface ProbeLine {
  engine: string;
  loadMs: number;
  decodeMs: number;
  baseRssBytes: number;
  maxRssKiB: number;
}

/** Sent by both children: maxRSS is in KiB (getrusage's ru_maxrss on Linux). */
const EMIT = `const emit = (o) => process.stdout.write('\\nAPR_MEM_PROBE ' + JSON.stringify({ ...o, maxRssKiB: process.resourceUsage().maxRSS }) + '\\n');`;

/** A CommonJS script running `body` as an async function; an error prints and exits 1. */
function wrap(body: string): string {
  return `(async () => {${body}})().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });\n`;
}

/** apr's child: realizar load + session + one decode on the requested backend. */
export const APR_CHILD = wrap(`
const p = JSON.parse(process.env.APR_MEM_PROBE);
${EMIT}
const r = await import('@sovereign/realizar');
const sel = r.selectBackend(p.backend);
if (typeof sel.backend.setThreads === 'function') sel.backend.setThreads(p.threads);
const baseRssBytes = process.memoryUsage.rss();
const t0 = performance.now();
const model = r.loadModel(r.openGGUF(p.model), { backend: sel.backend });
const session = model.createSession({ contextLength: p.contextLength, maxBatch: p.batch });
const t1 = performance.now();
session.forward([p.token]);
const t2 = performance.now();
emit({ engine: 'apr/' + sel.backend.name, loadMs: t1 - t0, decodeMs: t2 - t1, baseRssBytes });
`);

/** llama.cpp's child: node-llama-cpp load + context + one decode, with the bench's options. */
export const LLAMA_CHILD = wrap(`
const p = JSON.parse(process.env.APR_MEM_PROBE);
${EMIT}
const lib = await import('node-llama-cpp');
const llama = await lib.getLlama(p.llamaOptions);
const baseRssBytes = process.memoryUsage.rss();
const t0 = performance.now();
const model = await llama.loadModel({ modelPath: p.model, gpuLayers: 0 });
const ctx = await model.createContext({ contextSize: p.contextLength, batchSize: p.batch, threads: p.threads, flashAttention: false });
const t1 = performance.now();
await ctx.getSequence().controlledEvaluate([[p.token, { generateNext: { token: true } }]]);
const t2 = performance.now();
emit({ engine: 'node-llama-cpp', loadMs: t1 - t0, decodeMs: t2 - t1, baseRssBytes });
await ctx.dispose();
await model.dispose();
await llama.dispose();
`);

/**
 * Parses a child's stdout: the last `APR_MEM_PROBE {json}` line, converted to {@link MemoryLoadSample}.
 * Throws when there is none or a figure is not a finite non-negative number.
 */
export function parseProbeOutput(stdout: string): MemoryLoadSample {
  const line = stdout
    .split('\n')
    .filter((l) => l.startsWith('APR_MEM_PROBE '))
    .at(-1);
  if (!line) throw new Error('the probe printed no APR_MEM_PROBE line');
  const o = JSON.parse(line.slice('APR_MEM_PROBE '.length)) as Partial<ProbeLine>;
  for (const k of ['loadMs', 'decodeMs', 'baseRssBytes', 'maxRssKiB'] as const) {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`the probe's ${k} is not a non-negative number: ${JSON.stringify(v)}`);
  }
  return {
    engine: typeof o.engine === 'string' ? o.engine : 'unknown',
    loadMs: o.loadMs!,
    decodeMs: o.decodeMs!,
    baseRssMiB: o.baseRssBytes! / MiB,
    peakRssMiB: (o.maxRssKiB! * 1024) / MiB,
  };
}

/** apr-cli's package directory (where its dependencies resolve), found above this module. */
function packageDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === '@sovereign/apr-cli') return dir;
    dir = dirname(dir);
  }
  throw new Error(`cannot find @sovereign/apr-cli's package.json above ${fileURLToPath(import.meta.url)}`);
}

/** Node flags for the child: source mode under tsx when this module itself is TypeScript. */
function childNodeArgs(): string[] {
  return import.meta.url.endsWith('.ts') ? ['--conditions=source', '--import', 'tsx'] : [];
}

/** The most telling line of a child's stderr: the first `…Error…` line, else the last line. */
function firstError(stderr: string): string {
  const lines = stderr.trim().split('\n');
  return (lines.find((l) => /\b\w*Error\b/.test(l)) ?? lines.at(-1) ?? '').trim();
}

/** Runs one child program with `params` and parses its line; rejects with the stderr tail when it fails. */
export function runProbe(program: string, params: ProbeParams & { readonly llamaOptions?: object }): Promise<MemoryLoadSample> {
  const args = [...childNodeArgs(), '-'];
  // The child runs in apr-cli's directory: a relative model path must not change meaning.
  const env = { ...process.env, APR_MEM_PROBE: JSON.stringify({ ...params, model: resolvePath(params.model) }) };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: packageDir(),
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end(program);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on('error', (e) => reject(new Error(`cannot start the probe: ${e.message}`)));
    child.on('close', (code) => {
      try {
        if (code !== 0) throw new Error(`exited with ${code}: ${firstError(err)}`);
        resolve(parseProbeOutput(out));
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

/** Builds the report from the two samples (ratios only when llama.cpp measured). */
export function memoryReport(apr: MemoryLoadSample, llama: MemoryLoadSample | string, p: Pick<ProbeParams, 'contextLength' | 'batch'>): MemoryReport {
  const base = { apr, contextLength: p.contextLength, batch: p.batch };
  if (typeof llama === 'string') return { ...base, llamaCppReason: llama };
  return {
    ...base,
    llamaCpp: llama,
    rssRatio: apr.peakRssMiB / llama.peakRssMiB,
    loadRatio: llama.loadMs > 0 ? apr.loadMs / llama.loadMs : Number.NaN,
  };
}

/**
 * Measures both engines, apr first, one child each (sequentially, so they do not compete for
 * cores or memory bandwidth). apr failing throws; llama.cpp failing is reported in the result.
 */
export async function measureMemoryAndLoad(p: ProbeParams, progress: (s: string) => void): Promise<MemoryReport> {
  progress(`memory/load: apr in a child process (context ${p.contextLength}, batch ${p.batch}, one decode) ...`);
  const apr = await runProbe(APR_CHILD, p).catch((e: Error) => {
    throw new Error(`apr memory/load probe failed: ${e.message}`);
  });
  progress('memory/load: llama.cpp (node-llama-cpp) in a child process ...');
  const llama = await runProbe(LLAMA_CHILD, { ...p, llamaOptions: NODE_LLAMA_CPP_OPTIONS }).catch((e: Error) => `node-llama-cpp probe failed: ${e.message.split('\n')[0]}`);
  return memoryReport(apr, llama, p);
}
