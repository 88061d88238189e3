#!/usr/bin/env node
// Writes BENCHMARKS.md from `apr bench --cmp llama --json` runs: for each model (generated with the
// project's generator into models/ when missing) it runs the built `apr` (packages/apr-cli/dist/cli.js),
// collects the JSON and renders machine, date, commit, Node version, the tok/s table with ratios to
// llama.cpp, the decode roofline, and peak RSS / load time of both engines (the `memory` field that
// `--cmp llama` adds). The file is output only: never edit it by hand, re-run this.
//
//   pnpm bench:report                      # short default: 0.5B q8_0 and q4_0, -p 64 -n 16 -r 2
//   pnpm bench:report -- --full            # the issue's targets: 0.5B and 1.5B, f16 q8_0 q4_0 q4_k_m, -p 512 -n 128 -r 5
//   pnpm bench:report -- --models qwen2.5-0.5b:q8_0 -p 128 -n 32 -r 3 --threads 2 --out /tmp/B.md
//   pnpm bench:report -- --serve           # adds the concurrency section: `apr bench-serve` on the 0.5B
//                                          # q4_0 model, 2 threads, 1 and 4 streams, llama.cpp alongside
//
// The default is sized to finish in about ten minutes on two cores even on the pure-TS ref backend.
// Progress of every run goes to stderr. Requires `pnpm build` (apr and gen-model are run from dist/).
// Native llama-bench joins every comparison when `pnpm llama-bench:build` has built it (or when
// LLAMA_BENCH=/path/to/llama-bench is set); set APR_BIN to
// run another apr executable (e.g. a wrapper that runs the sources) instead of the built one.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const APR = join(root, 'packages/apr-cli/dist/cli.js');
const GEN = join(root, 'tools/dist/gen-model.js');

const DEFAULT_MODELS = 'qwen2.5-0.5b:q8_0,qwen2.5-0.5b:q4_0';
const FULL_MODELS = ['qwen2.5-0.5b', 'qwen2.5-1.5b'].flatMap((p) => ['f16', 'q8_0', 'q4_0', 'q4_k_m'].map((t) => `${p}:${t}`)).join(',');

const USAGE = `usage: node tools/bench-report.mjs [--models preset:type,...] [-p N] [-n N] [-r N] [--threads N]
                                  [--backend NAME] [--full] [--out FILE] [--models-dir DIR]
                                  [--serve] [--serve-model preset:type] [--serve-threads N] [--serve-concurrency 1,4]`;

/** Command-line arguments, without the `--` that `pnpm bench:report -- …` may pass through. */
const ARGV = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'));

function options() {
  const { values } = parseArgs({
    args: ARGV,
    options: {
      models: { type: 'string' },
      'n-prompt': { type: 'string', short: 'p' },
      'n-gen': { type: 'string', short: 'n' },
      reps: { type: 'string', short: 'r' },
      threads: { type: 'string', short: 't' },
      backend: { type: 'string', default: 'auto' },
      full: { type: 'boolean', default: false },
      out: { type: 'string', default: join(root, 'BENCHMARKS.md') },
      'models-dir': { type: 'string', default: join(root, 'models') },
      serve: { type: 'boolean', default: false },
      'serve-model': { type: 'string', default: 'qwen2.5-0.5b:q4_0' },
      'serve-threads': { type: 'string', default: '2' },
      'serve-concurrency': { type: 'string', default: '1,4' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const full = values.full;
  return {
    models: (values.models ?? (full ? FULL_MODELS : DEFAULT_MODELS)).split(',').map((s) => s.trim()).filter(Boolean),
    p: values['n-prompt'] ?? (full ? '512' : '64'),
    n: values['n-gen'] ?? (full ? '128' : '16'),
    r: values.reps ?? (full ? '5' : '2'),
    threads: values.threads,
    backend: values.backend,
    out: values.out,
    modelsDir: values['models-dir'],
    serve: values.serve
      ? { model: values['serve-model'], threads: values['serve-threads'], concurrency: values['serve-concurrency'] }
      : null,
  };
}

/** Runs `cmd args…`, stderr streamed with a prefix; resolves to stdout. */
function run(cmd, args, prefix) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let out = '';
    let partial = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      const lines = (partial + d).split('\n');
      partial = lines.pop();
      for (const l of lines) process.stderr.write(`${prefix} ${l}\n`);
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${prefix} exited with ${code}`))));
  });
}

async function ensureModel(spec, dir) {
  const [preset, type] = spec.split(':');
  if (!preset || !type) throw new Error(`bad model '${spec}': expected preset:type, e.g. qwen2.5-0.5b:q8_0`);
  const file = join(dir, `${preset}-${type}.gguf`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    process.stderr.write(`[gen] ${relative(root, file)} is missing: generating it\n`);
    await run(process.execPath, [GEN, '--preset', preset, '--type', type, '--out', file], '[gen]');
  }
  return file;
}

function git(args) {
  const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const rate = (m, sd) => `${f2(m)} ± ${f2(sd)}`;
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const ratio = (x) => (Number.isFinite(x) ? `**${x.toFixed(3)}×**` : '–');
const pct = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '–');
const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;

function table(head, rows) {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function modelName(r) {
  const f = r.modelFacts;
  const rel = relative(root, r.model);
  return `${rel.startsWith('..') ? basename(r.model) : rel} (${f.arch}, ${(f.params / 1e6).toFixed(0)}M params, ${mib(f.sizeBytes)})`;
}

/**
 * The concurrency section from an `apr bench-serve --json` report (see
 * packages/apr-cli/src/bench-serve/serve-report.ts): one row per engine and stream count, and the
 * scaling of aggregate decode tok/s from the fewest to the most streams.
 */
function renderServe(s, o) {
  if (!s) return '';
  if (s.error) return `\n## Concurrency (apr serve)\n\n_not measured: ${s.error}_\n`;
  const r = s.report;
  const ms = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
  const rows = [];
  const add = (engine, levels) => {
    for (const l of levels) {
      rows.push([
        engine, String(l.concurrency), `${l.requests - l.failed}/${l.requests}`, String(l.completionTokens),
        `**${f1(l.aggregateTokPerSec)}**`, f1(l.perStreamTokPerSec), `${ms(l.ttftMs.p50)} / ${ms(l.ttftMs.p99)}`, `${f1(l.itlMs.p50)} / ${f1(l.itlMs.p99)}`,
      ]);
    }
  };
  add('apr serve', r.apr);
  const llama = r.llama && 'levels' in r.llama ? r.llama : null;
  if (llama) add('llama.cpp (node-llama-cpp)', llama.levels);
  const cs = r.apr.map((l) => l.concurrency);
  const [lo, hi] = [Math.min(...cs), Math.max(...cs)];
  const scale = (x) => (x === null || x === undefined ? '–' : `**${x.toFixed(2)}×**`);
  const lines = [
    `- apr serve: aggregate decode tok/s at ${hi} streams / ${lo} stream: ${scale(r.scaling)}`,
    llama ? `- llama.cpp, one context with ${hi} sequences / ${lo}: ${scale(llama.scaling)} (${llama.description})` : `- llama.cpp: ${r.llama?.skipped ?? 'not run'}`,
  ];
  return `
## Concurrency (apr serve)

\`apr bench-serve ${relative(root, s.file)} --concurrency ${o.serve.concurrency} --threads ${o.serve.threads} --cmp llama --json\`:
the command starts \`apr serve\` on a free loopback port and, at each level, keeps C streaming requests
in flight (${r.endpoint === 'chat' ? '/v1/chat/completions' : '/v1/completions'}, ~${r.promptTokens} prompt tokens, ${r.maxTokens} generated tokens each, greedy, end of
generation ignored) until 4 per stream have finished. Aggregate tok/s = generated tokens / wall time of
the level (prefill included); TTFT and inter-token latency (ITL) from the arrival times of the SSE
chunks. llama.cpp runs the same prompts as C sequences of one context.

${table(['engine', 'streams', 'ok', 'tokens', 'aggregate tok/s', 'tok/s per stream', 'TTFT p50 / p99 ms', 'ITL p50 / p99 ms'], rows)}

${lines.join('\n')}
`;
}

function render(reports, failures, o, argv, serve) {
  const m = reports[0]?.machine;
  const commit = git(['rev-parse', '--short', 'HEAD']) ?? 'unknown';
  const dirty = git(['status', '--porcelain', '--untracked-files=no']) ? ' (with uncommitted changes)' : '';
  const engineOf = (res, e) => res.llamaCppAll?.find((x) => x.engine === e);
  const results = [];
  const roof = [];
  const mem = [];
  const notes = [];
  for (const r of reports) {
    for (const res of r.results) {
      const lb = engineOf(res, 'llama-bench');
      const nl = engineOf(res, 'node-llama-cpp');
      results.push([
        modelName(r), `${r.backend} (${r.backendThreads} thr)`, String(r.threads), res.test, rate(res.tokensPerSec, res.stddev), pct(res.cv),
        lb ? rate(lb.tokensPerSec, lb.stddev) : '–', nl ? rate(nl.tokensPerSec, nl.stddev) : '–',
        res.ratio !== undefined ? `**${res.ratio.toFixed(3)}×** (vs ${res.llamaCpp.engine})` : '–',
      ]);
    }
    const tg = r.results.find((x) => x.test.startsWith('tg'));
    const c = r.roofline.ceilingTokensPerSec;
    roof.push([
      modelName(r), mib(r.roofline.bytesPerToken), `${r.roofline.bandwidthGBs.toFixed(1)} GB/s`, f2(c),
      tg ? `${f2(tg.tokensPerSec)} (${pct(r.roofline.fractionOfCeiling)})` : '–',
      tg?.llamaCpp ? `${f2(tg.llamaCpp.tokensPerSec)} (${pct(tg.llamaCpp.tokensPerSec / c)}, ${tg.llamaCpp.engine})` : '–',
    ]);
    // `memory` is absent in reports from apr versions before it existed, or with --no-mem.
    const mm = r.memory;
    if (mm) {
      const l = mm.llamaCpp;
      mem.push([
        modelName(r), f1(mm.apr.loadMs), l ? f1(l.loadMs) : '–', ratio(mm.loadRatio),
        f1(mm.apr.peakRssMiB), l ? f1(l.peakRssMiB) : '–', ratio(mm.rssRatio),
      ]);
      if (!l && mm.llamaCppReason) notes.push(`memory/load of ${basename(r.model)}: ${mm.llamaCppReason}`);
    }
  }
  notes.unshift(...new Set(reports.flatMap((r) => [`apr backend: ${r.backend} — ${r.backendReason}`, ...(r.llamaCppNotes ?? [])])));
  // apr bench measures other processes' CPU use during each run (otherCpuLoad, in CPUs).
  const busy = reports.filter((r) => r.otherCpuLoad > 0.2).map((r) => `${basename(r.model)} (${r.otherCpuLoad.toFixed(2)} CPUs busy elsewhere)`);
  if (busy.length) notes.push(`**warning**: other processes used the CPUs during these runs, so their rates are skewed: ${busy.join(', ')}`);
  return `<!-- Generated by tools/bench-report.mjs from \`apr bench --cmp llama --json\` runs. Do not edit by hand: re-run \`pnpm bench:report\`. -->
# Benchmarks

apr against llama.cpp on the same GGUF files, same threads, measured side by side in one run
(DESIGN.md, "Performance method"). Only the ratios of one run are meaningful; absolute numbers
depend on the machine and on anything else it was running.

- Date: ${new Date().toISOString()}
- Commit: ${commit}${dirty}
- Node: ${process.version}
- CPU: ${m ? `${m.cpu}, ${m.physicalCores} physical cores / ${m.logicalCpus} logical CPUs` : 'unknown'}
- ISA: ${m?.isa.join(' ') || 'unknown'}
- Command: \`node tools/bench-report.mjs ${argv.join(' ')}\`, i.e. \`apr bench MODEL --cmp llama --json -p ${o.p} -n ${o.n} -r ${o.r}${o.threads ? ` --threads ${o.threads}` : ''} --backend ${o.backend}\` per model

## Throughput (tok/s, mean ± stddev over ${o.r} repetitions after one warm-up)

pp<P>: one batched forward of P random tokens; tg<N>: N single-token forwards; fresh KV cache per
repetition; tokenization and sampling excluded (as llama-bench). Ratio > 1 means apr is faster.

${results.length ? table(['model', 'apr backend', 'threads', 'test', 'apr', 'CV', 'llama-bench', 'node-llama-cpp', 'apr / llama.cpp'], results) : '_no successful runs_'}

## Decode roofline

Ceiling = measured memory read bandwidth / bytes of weights read per decoded token (all layer
weights, output norm and head, one embedding row). Bandwidth: ${[...new Set(reports.map((r) => r.bandwidthMethod))].join('; ') || '–'}.

${roof.length ? table(['model', 'weights / token', 'bandwidth', 'ceiling tok/s', 'apr tg (of ceiling)', 'llama.cpp tg (of ceiling)'], roof) : '_no successful runs_'}

## Memory and load time

Each engine in a fresh child process: load the model, create a context of the bench's size, decode
one token. Load = wall time of model load + context creation; peak RSS = the process's resident
high-water mark (\`maxRSS\`; Node itself and mmap'd weight pages included). llama.cpp here is
node-llama-cpp (its JS-side GGUF read included). Ratios are apr ÷ llama.cpp: < 1 means apr loads
faster / peaks lower.

${mem.length ? table(['model', 'apr load ms', 'llama.cpp load ms', 'apr / llama.cpp load', 'apr peak RSS MiB', 'llama.cpp peak RSS MiB', 'apr / llama.cpp RSS'], mem) : '_not measured (apr bench without a memory field)_'}

## Engines

${notes.map((n) => `- ${n}`).join('\n')}
${renderServe(serve, o)}${failures.length ? `\n## Failed runs\n\n${failures.map((f) => `- ${f}`).join('\n')}\n` : ''}`;
}

async function mainReport() {
  const argv = ARGV;
  const o = options();
  const apr = process.env.APR_BIN ? [process.env.APR_BIN] : [process.execPath, APR];
  for (const f of [apr[apr.length - 1], GEN]) {
    if (!existsSync(f)) throw new Error(`${relative(root, f)} is missing: run \`pnpm build\` first`);
  }
  const reports = [];
  const failures = [];
  for (const spec of o.models) {
    try {
      const file = await ensureModel(spec, o.modelsDir);
      const args = [...apr.slice(1), 'bench', file, '--cmp', 'llama', '--json', '-p', o.p, '-n', o.n, '-r', o.r, '--backend', o.backend];
      if (o.threads) args.push('--threads', o.threads);
      process.stderr.write(`[bench] ${spec}: apr ${args.slice(apr.length - 1).join(' ')}\n`);
      reports.push(JSON.parse(await run(apr[0], args, `[${spec}]`)));
    } catch (e) {
      failures.push(`${spec}: ${e.message}`);
      process.stderr.write(`[bench] ${spec} failed: ${e.message}\n`);
    }
  }
  let serve = null;
  if (o.serve) {
    try {
      const file = await ensureModel(o.serve.model, o.modelsDir);
      const args = [...apr.slice(1), 'bench-serve', file, '--concurrency', o.serve.concurrency, '--threads', o.serve.threads, '--cmp', 'llama', '--json'];
      process.stderr.write(`[serve] ${o.serve.model}: apr ${args.slice(apr.length - 1).join(' ')}\n`);
      serve = { file, report: JSON.parse(await run(apr[0], args, '[serve]')) };
    } catch (e) {
      serve = { error: e.message };
      failures.push(`bench-serve ${o.serve.model}: ${e.message}`);
      process.stderr.write(`[serve] failed: ${e.message}\n`);
    }
  }
  writeFileSync(o.out, render(reports, failures, o, argv, serve));
  process.stderr.write(`wrote ${relative(process.cwd(), o.out) || o.out}\n`);
  if (failures.length) process.exitCode = 1;
}

mainReport().catch((e) => {
  process.stderr.write(`bench-report: ${e.message}\n`);
  process.exit(1);
});
