/**
 * `apr bench-serve [MODEL] [--url URL] [--concurrency 1,4] [--requests N] [--max-tokens 64]
 * [--prompt-tokens 32] [--endpoint chat|completions] [--threads N] [--cmp llama] [--json]`:
 * a concurrency benchmark of `apr serve`. Against `--url`, or (given only MODEL) against an
 * `apr serve MODEL` child it starts itself on a free loopback port. At each concurrency level C it
 * keeps C streaming requests in flight until N have finished and reports aggregate decode tok/s
 * (generated tokens over the level's wall time), per-stream tok/s, TTFT and inter-token latency
 * p50/p99 from per-chunk arrival times. `--cmp llama` runs the same levels on llama.cpp through
 * node-llama-cpp (one context with C sequences). Progress to stderr; table or JSON to stdout.
 */
import { basename } from 'node:path';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { llamaConcurrency } from '../bench-serve/llama-concurrency.js';
import { makePrompt, runLevel } from '../bench-serve/load-runner.js';
import { type BenchServeReport, formatServeReport, scaling } from '../bench-serve/serve-report.js';
import { startServeChild, type ServeChild } from '../bench-serve/serve-child.js';
import type { LevelStats } from '../bench-serve/serve-stats.js';
import { streamRequest, type StreamTarget } from '../bench-serve/stream-request.js';
import { assertModelFile } from '../model-loader.js';

/** Parsed flags. */
export interface BenchServeFlags {
  url?: string;
  concurrency: number[];
  requests?: number;
  maxTokens: number;
  promptTokens: number;
  endpoint: 'chat' | 'completions';
  temperature: number;
  threads?: number;
  parallel?: number;
  ctx?: number;
  apiKey?: string;
  cmp?: string;
  json?: boolean;
  readyTimeout: number;
}

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

function int(name: string, min: number): (v: string) => number {
  return (v) => {
    const n = Number(v.replace(/^~/, ''));
    if (!Number.isInteger(n) || n < min) throw new CliError(`${name}: expected an integer ≥ ${min}, got '${v}'`, 2);
    return n;
  };
}

function levels(v: string): number[] {
  const out = v.split(',').map((s) => int('--concurrency', 1)(s.trim()));
  return [...new Set(out)].sort((a, b) => a - b);
}

/** Requests per level: --requests, else 4 per stream (at least 4) so every stream sees several. */
export function requestsAt(flags: Pick<BenchServeFlags, 'requests'>, c: number): number {
  return flags.requests ?? Math.max(4, 4 * c);
}

/** The request body of request `i` (stream flags are added by streamRequest). */
export function requestBody(flags: BenchServeFlags, model: string | null, i: number, ignoreEos: boolean): Record<string, unknown> {
  const prompt = makePrompt(i, flags.promptTokens);
  return {
    ...(model ? { model } : {}),
    ...(flags.endpoint === 'chat' ? { messages: [{ role: 'user', content: prompt }] } : { prompt }),
    max_tokens: flags.maxTokens,
    temperature: flags.temperature,
    seed: i,
    // llama.cpp server's name: generate all max_tokens even past an end-of-generation token.
    ...(ignoreEos ? { ignore_eos: true } : {}),
  };
}

/** Runs the benchmark (also used by tests) and returns the report. */
export async function runBenchServe(modelPath: string | undefined, flags: BenchServeFlags, progress: (s: string) => void): Promise<BenchServeReport> {
  if (flags.cmp !== undefined && flags.cmp !== 'llama') throw new CliError(`--cmp: only 'llama' is supported, got '${flags.cmp}'`, 2);
  if (!flags.url && !modelPath) throw new CliError('give a MODEL to serve, or --url of a running server', 2);
  if (flags.cmp && !modelPath) throw new CliError('--cmp llama needs the MODEL file (llama.cpp loads it itself)', 2);
  if (modelPath) assertModelFile(modelPath);
  let child: ServeChild | null = null;
  try {
    let baseUrl = flags.url;
    if (!baseUrl) {
      const args: string[] = ['--parallel', String(flags.parallel ?? Math.max(...flags.concurrency))];
      if (flags.threads !== undefined) args.push('--threads', String(flags.threads));
      if (flags.ctx !== undefined) args.push('--ctx', String(flags.ctx));
      if (flags.apiKey) args.push('--api-key', flags.apiKey);
      child = await startServeChild(modelPath!, args, { timeoutMs: flags.readyTimeout * 1000, log: progress });
      baseUrl = child.baseUrl;
    }
    const target: StreamTarget = { baseUrl, endpoint: flags.endpoint, ...(flags.apiKey ? { apiKey: flags.apiKey } : {}) };
    const model = await modelId(target);
    // Warm-up (untimed): first-call costs out of the numbers, and a server that rejects
    // `ignore_eos` is found here rather than in every timed request.
    let ignoreEos = true;
    let warm = await streamRequest(target, requestBody(flags, model, 0, ignoreEos));
    if (warm.error?.startsWith('HTTP 400')) {
      ignoreEos = false;
      warm = await streamRequest(target, requestBody(flags, model, 0, ignoreEos));
    }
    if (warm.error) throw new CliError(`warm-up request to ${baseUrl} failed: ${warm.error}`, 1);
    const apr: LevelStats[] = [];
    for (const c of flags.concurrency) {
      progress(`apr serve: ${c} stream(s), ${requestsAt(flags, c)} requests`);
      const { stats } = await runLevel(c, requestsAt(flags, c), (i) => streamRequest(target, requestBody(flags, model, i + 1, ignoreEos)));
      apr.push(stats);
    }
    if (child) {
      await child.stop();
      child = null;
    }
    let llama: BenchServeReport['llama'];
    if (flags.cmp === 'llama') {
      const r = await llamaConcurrency(
        modelPath!,
        {
          levels: flags.concurrency,
          requests: (c) => requestsAt(flags, c),
          maxTokens: flags.maxTokens,
          prompt: (i) => makePrompt(i + 1, flags.promptTokens),
          threads: flags.threads ?? 0,
          temperature: flags.temperature,
        },
        progress,
      );
      llama = typeof r === 'string' ? { skipped: r } : { ...r, scaling: scaling(r.levels) };
    }
    return {
      target: flags.url ?? `apr serve ${modelPath ? basename(modelPath) : ''}`.trim(),
      model,
      endpoint: flags.endpoint,
      maxTokens: flags.maxTokens,
      promptTokens: flags.promptTokens,
      threads: flags.threads ?? null,
      apr,
      scaling: scaling(apr),
      ...(llama ? { llama } : {}),
    };
  } finally {
    await child?.stop();
  }
}

async function modelId(target: StreamTarget): Promise<string | null> {
  try {
    const r = await fetch(new URL('/v1/models', target.baseUrl), { headers: target.apiKey ? { Authorization: `Bearer ${target.apiKey}` } : {} });
    if (!r.ok) return null;
    const j = (await r.json()) as { data?: Array<{ id?: string }> };
    return j.data?.[0]?.id ?? null;
  } catch {
    return null;
  }
}

/** Registers `apr bench-serve`. */
export function registerBenchServe(program: Command, io: Io): void {
  program
    .command('bench-serve')
    .description('benchmark apr serve under concurrent streaming requests (aggregate tok/s, TTFT, inter-token latency)')
    .argument('[model]', 'GGUF file: start `apr serve MODEL` on a free port (and the llama.cpp side of --cmp llama)')
    .option('--url <url>', 'benchmark a running server instead of starting one')
    .option('--concurrency <list>', 'comma-separated stream counts, one level each', levels, [1, 4])
    .option('--requests <n>', 'requests per level (default 4 per stream, at least 4)', int('--requests', 1))
    .option('--max-tokens <n>', 'tokens to generate per request', int('--max-tokens', 1), 64)
    .option('--prompt-tokens <n>', 'approximate prompt length in tokens (~N)', int('--prompt-tokens', 4), 32)
    .option('--endpoint <name>', 'chat (/v1/chat/completions) or completions (/v1/completions)', 'chat')
    .option('--temperature <t>', 'sampling temperature (0 = greedy)', Number, 0)
    .option('--threads <n>', 'threads of the started server and of llama.cpp', int('--threads', 1))
    .option('--parallel <n>', 'slots of the started server (default: the highest concurrency)', int('--parallel', 1))
    .option('--ctx <n>', 'context (--ctx) of the started server', int('--ctx', 16))
    .option('--api-key <key>', 'API key of the server')
    .option('--cmp <engine>', "also run llama.cpp ('llama', through node-llama-cpp) with the same sequences")
    .option('--ready-timeout <s>', 'seconds to wait for a started server to become healthy', int('--ready-timeout', 1), 300)
    .option('--json', 'print the JSON report instead of the table')
    .action(async (model: string | undefined, flags: BenchServeFlags) => {
      if (flags.endpoint !== 'chat' && flags.endpoint !== 'completions') throw new CliError(`--endpoint: 'chat' or 'completions', got '${String(flags.endpoint)}'`, 2);
      if (!Number.isFinite(flags.temperature) || flags.temperature < 0) throw new CliError(`--temperature: expected a number ≥ 0`, 2);
      const report = await runBenchServe(model, flags, (s) => io.stderr.write(`${s}\n`));
      io.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatServeReport(report));
    });
}
