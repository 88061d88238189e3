/**
 * `bench-gpu`: the GPU kit's benchmark step (tools/gpu-kit.mjs bundles it to bench-gpu.mjs).
 *
 * 1. Generates the models on the device (a 0.5B Q4_K_M is ~400 MB: too big to carry) with the
 *    kit's gen-model.js into <checkout>/.cache/gpu-kit/models (kept while the machine stays warm).
 * 2. Runs the kit's apr (apr.mjs) as `apr bench MODEL --gpu --cmp llama --no-mem --json` per model,
 *    with LLAMA_BENCH pointing at the llama-bench the `build-llama` step built with CUDA (waiting
 *    for a build still running in the background), so llama.cpp runs with `-ngl 99`.
 * 3. Times PyTorch + transformers bf16 eager on the same shapes (gpu-kit-torch-peer.py) when
 *    `python3 -c 'import torch, transformers'` works there; else records why not.
 * 4. Writes the JSON (--json) and the markdown section (--md; tools/gpu-kit-bench-table.mjs).
 *
 * Every run is time-boxed (--model-timeout-s) and the whole step keeps within --budget-s, skipping
 * what no longer fits (said in the output), so one device call of ≤ 10 min always returns results.
 *
 * Usage: bench-gpu [--json PATH] [--md PATH] [--models preset:type,...] [-p N] [-n N] [-r N]
 *                  [--models-dir DIR] [--llama-bench PATH] [--wait-llama-s S] [--budget-s S]
 *                  [--model-timeout-s S] [--no-torch] [--generate-only] [--render JSON] [--no-gpu]
 * `--no-gpu` runs the same pipeline on the CPU (apr without --gpu): the kit's own test where no GPU is.
 * GPU_KIT_MODELS sets the default of --models (e.g. for run.sh call1 / call2).
 * Exit codes: 0 every model benchmarked with llama.cpp beside it, 1 a model failed or llama.cpp did
 * not run, 2 usage/internal error, 3 no CUDA driver/device (nothing benchmarked).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gpuInfo } from '@sovereign/realizar';
import { getPreset } from '@sovereign/tools';
import { renderGpuBench } from './gpu-kit-bench-table.mjs';

const EXIT = { ok: 0, failed: 1, usage: 2, noDevice: 3 };
const KIT = dirname(fileURLToPath(import.meta.url));
const CACHE = join(dirname(KIT), '.cache', 'gpu-kit');
const DEFAULT_MODELS = 'qwen2.5-0.5b:q4_k_m,qwen2.5-0.5b:q8_0,qwen2.5-1.5b:q4_k_m,qwen2.5-1.5b:q8_0';
const USAGE = `bench-gpu [--json PATH] [--md PATH] [--models preset:type,...] [-p N] [-n N] [-r N] [--models-dir DIR]
          [--llama-bench PATH] [--wait-llama-s S] [--budget-s S] [--model-timeout-s S] [--no-torch]
          [--generate-only] [--render JSON] [--no-gpu]`;
const T0 = Date.now();
const elapsed = () => (Date.now() - T0) / 1000;

class UsageError extends Error {}

function parseArgs(argv) {
  const a = {
    json: undefined, md: undefined, models: process.env.GPU_KIT_MODELS || DEFAULT_MODELS, p: 512, n: 128, r: 3, modelsDir: join(CACHE, 'models'),
    llamaBench: process.env.LLAMA_BENCH, waitLlamaS: 420, budgetS: 560, modelTimeoutS: 200, torch: true, generateOnly: false, render: undefined, gpu: true,
  };
  const num = (f, v, min) => {
    const x = Number(v);
    if (!Number.isInteger(x) || x < min) throw new UsageError(`${f} needs an integer ≥ ${min}, got '${v}'`);
    return x;
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    const v = () => {
      if (argv[i + 1] === undefined) throw new UsageError(`${f} needs a value (usage: ${USAGE})`);
      return argv[++i];
    };
    if (f === '--json') a.json = v();
    else if (f === '--md') a.md = v();
    else if (f === '--models') a.models = v();
    else if (f === '-p') a.p = num(f, v(), 0);
    else if (f === '-n') a.n = num(f, v(), 0);
    else if (f === '-r') a.r = num(f, v(), 1);
    else if (f === '--models-dir') a.modelsDir = resolve(v());
    else if (f === '--llama-bench') a.llamaBench = resolve(v());
    else if (f === '--wait-llama-s') a.waitLlamaS = num(f, v(), 0);
    else if (f === '--budget-s') a.budgetS = num(f, v(), 1);
    else if (f === '--model-timeout-s') a.modelTimeoutS = num(f, v(), 1);
    else if (f === '--no-torch') a.torch = false;
    else if (f === '--generate-only') a.generateOnly = true;
    else if (f === '--render') a.render = resolve(v());
    else if (f === '--no-gpu') a.gpu = false;
    else if (f === '-h' || f === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else throw new UsageError(`unknown argument '${f}' (usage: ${USAGE})`);
  }
  a.specs = a.models.split(',').map((s) => s.trim()).filter(Boolean).map((spec) => {
    const [preset, type] = spec.split(':');
    if (!preset || !type) throw new UsageError(`--models: expected preset:type, got '${spec}'`);
    return { spec, preset, type, file: join(a.modelsDir, `${preset}-${type}.gguf`) };
  });
  return a;
}

/**
 * Runs `cmd args`, stderr lines echoed with `prefix`, killed after `timeoutS`. Resolves to
 * { code, stdout, timedOut }.
 */
function run(cmd, args, { prefix, timeoutS, env }) {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let partial = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutS * 1000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      const lines = (partial + d).split('\n');
      partial = lines.pop();
      for (const l of lines) if (l.trim()) console.log(`${prefix} ${l}`);
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolveRun({ code: -1, stdout, timedOut, error: e.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (partial.trim()) console.log(`${prefix} ${partial}`);
      resolveRun({ code, stdout, timedOut });
    });
  });
}

/** Generates the missing models with the kit's gen-model.js (its worker pool uses up to 8 cores). */
async function generate(a) {
  mkdirSync(a.modelsDir, { recursive: true });
  const gen = join(KIT, 'gen-model.js');
  const failures = [];
  for (const m of a.specs) {
    if (existsSync(m.file)) {
      console.log(`[gen] ${m.spec}: ${m.file} exists`);
      continue;
    }
    const t0 = Date.now();
    const r = await run(process.execPath, [gen, '--preset', m.preset, '--type', m.type, '--out', m.file], { prefix: `[gen ${m.spec}]`, timeoutS: 600 });
    if (r.code !== 0) failures.push(`${m.spec}: gen-model exited with ${r.timedOut ? 'a timeout' : r.code}`);
    else console.log(`[gen] ${m.spec}: ${r.stdout.trim()} (${((Date.now() - t0) / 1000).toFixed(0)} s wall)`);
  }
  return failures;
}

/** The CUDA llama-bench: --llama-bench/LLAMA_BENCH, else the build-llama step's, waiting for a build in progress. */
async function locateLlamaBench(a) {
  if (a.llamaBench) return existsSync(a.llamaBench) ? { path: a.llamaBench } : { reason: `${a.llamaBench} does not exist` };
  const dir = join(CACHE, 'llama-cuda');
  const bin = join(dir, 'bin', 'llama-bench');
  const running = () => {
    try {
      process.kill(Number(readFileSync(join(dir, 'build.pid'), 'utf8')), 0);
      return true;
    } catch {
      return false;
    }
  };
  const deadline = Date.now() + a.waitLlamaS * 1000;
  if (!existsSync(bin) && running()) console.log(`[llama] build-llama is still running in the background: waiting up to ${a.waitLlamaS} s`);
  while (!existsSync(bin) && running() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5000));
  if (existsSync(bin)) {
    let buildInfo;
    try {
      buildInfo = JSON.parse(readFileSync(join(dir, 'build-info.json'), 'utf8'));
    } catch {
      // a build without its info file still runs
    }
    return { path: bin, buildInfo };
  }
  if (running()) return { reason: `the background build-llama was still running after ${a.waitLlamaS} s (see ${join(dir, 'build.log')})` };
  const status = existsSync(join(dir, 'status')) ? readFileSync(join(dir, 'status'), 'utf8').trim() : undefined;
  return { reason: status ? `build-llama ended without a binary (${status}; see .cache/gpu-kit/llama-cuda/*.log)` : 'no CUDA llama-bench: run the build-llama step first (bash .gpu-kit/run.sh build-llama), on this machine while it is warm' };
}

/** PyTorch peer per preset, when python3 has torch and transformers. */
async function torchPeers(a, budgetLeft) {
  const out = {};
  const presets = [...new Set(a.specs.map((m) => m.preset))];
  const probe = spawnSync('python3', ['-c', 'import torch, transformers; print(torch.__version__, transformers.__version__, torch.cuda.is_available())'], { encoding: 'utf8', timeout: 120_000 });
  if (probe.status !== 0) {
    const why = probe.error ? `python3: ${probe.error.message}` : (probe.stderr || '').trim().split('\n').pop();
    for (const p of presets) out[p] = { available: false, reason: `torch not available (python3 -c 'import torch, transformers': ${why})` };
    return out;
  }
  console.log(`[torch] torch ${probe.stdout.trim()}`);
  for (const p of presets) {
    if (budgetLeft() < 60) {
      out[p] = { available: false, reason: 'torch not run: out of the step\'s time budget' };
      continue;
    }
    const pr = getPreset(p);
    const args = [
      join(KIT, 'gpu-kit-torch-peer.py'), '--name', p, '--hidden', String(pr.nEmbd), '--layers', String(pr.nLayer), '--heads', String(pr.nHead),
      '--kv-heads', String(pr.nHeadKv), '--ffn', String(pr.nFf), '--vocab', '151936', '--rope-theta', String(pr.ropeTheta), '--rms-eps', String(pr.rmsEps),
      '--tied', pr.tiedEmbeddings ? '1' : '0', '-p', String(a.p), '-n', String(a.n), '-r', String(a.r), ...(a.gpu ? [] : ['--device', 'cpu']),
    ];
    const r = await run('python3', args, { prefix: `[torch ${p}]`, timeoutS: Math.min(180, budgetLeft() - 10), env: { PYTHONUNBUFFERED: '1' } });
    try {
      out[p] = JSON.parse(r.stdout.trim().split('\n').pop());
    } catch {
      out[p] = { available: false, reason: `torch peer failed (exit ${r.timedOut ? 'timeout' : r.code})` };
    }
    if (out[p].available) console.log(`[torch] ${p}: ${out[p].results.map((x) => `${x.test} ${x.tokensPerSec.toFixed(1)} tok/s`).join(', ')}`);
  }
  return out;
}

/** The command line without the output paths run.sh adds (--json PATH, --md PATH). */
function userArgs(argv) {
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json' || argv[i] === '--md') i++;
    else out.push(argv[i]);
  }
  return out;
}

function kitCommit() {
  try {
    return JSON.parse(readFileSync(join(KIT, 'manifest.json'), 'utf8')).commit;
  } catch {
    return undefined;
  }
}

function writeOutputs(a, data) {
  if (a.json) writeFileSync(a.json, `${JSON.stringify(data, null, 1)}\n`);
  const md = renderGpuBench(data);
  if (a.md) writeFileSync(a.md, md);
  console.log(`\n${md}`);
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  if (a.render) {
    writeOutputs({ ...a, json: undefined }, JSON.parse(readFileSync(a.render, 'utf8')));
    return EXIT.ok;
  }
  const info = gpuInfo();
  const gpu = info.available ? { ...info.devices[0], driverVersion: info.driverVersion } : undefined;
  if (a.gpu && !a.generateOnly && !info.available) {
    console.log(`bench-gpu: no CUDA driver/device here (${info.reason}): nothing benchmarked. Run it on the device machine (tools/gpu-kit.md), or --no-gpu for a CPU run of the same pipeline.`);
    if (a.json) writeFileSync(a.json, `${JSON.stringify({ date: new Date().toISOString(), error: `no CUDA driver/device: ${info.reason}`, exitCode: EXIT.noDevice }, null, 1)}\n`);
    return EXIT.noDevice;
  }
  console.log(`bench-gpu: ${a.gpu ? `GPU ${gpu ? `${gpu.name}, ${gpu.bandwidthGBs} GB/s` : 'none'}` : 'CPU run (--no-gpu)'}; models ${a.specs.map((m) => m.spec).join(', ')}; -p ${a.p} -n ${a.n} -r ${a.r}; budget ${a.budgetS} s`);
  const genFailures = await generate(a);
  console.log(`bench-gpu: models ready after ${elapsed().toFixed(0)} s`);
  if (a.generateOnly) return genFailures.length ? EXIT.failed : EXIT.ok;

  const llamaBench = a.gpu || a.llamaBench ? await locateLlamaBench(a) : { reason: '--no-gpu without --llama-bench' };
  console.log(`bench-gpu: llama-bench ${llamaBench.path ?? `not run: ${llamaBench.reason}`}`);
  const budgetLeft = () => a.budgetS - elapsed();
  const runs = [];
  const apr = join(KIT, 'apr.mjs');
  for (const m of a.specs) {
    const left = budgetLeft() - (a.torch ? 60 : 0);
    if (!existsSync(m.file)) {
      runs.push({ spec: m.spec, preset: m.preset, error: genFailures.find((f) => f.startsWith(m.spec)) ?? 'model missing' });
      continue;
    }
    if (left < 30) {
      runs.push({ spec: m.spec, preset: m.preset, error: `skipped: ${budgetLeft().toFixed(0)} s of the ${a.budgetS} s budget left` });
      console.log(`[bench] ${m.spec}: skipped (out of time budget)`);
      continue;
    }
    const args = [apr, 'bench', m.file, ...(a.gpu ? ['--gpu'] : []), '--cmp', 'llama', '--no-mem', '--json', '-p', String(a.p), '-n', String(a.n), '-r', String(a.r)];
    console.log(`[bench] ${m.spec}: apr ${args.slice(1).join(' ')}`);
    const t0 = Date.now();
    const env = llamaBench.path ? { LLAMA_BENCH: llamaBench.path } : { LLAMA_BENCH: '/nonexistent/llama-bench (build-llama did not run)' };
    const r = await run(process.execPath, ['--max-old-space-size=16384', ...args], { prefix: `[${m.spec}]`, timeoutS: Math.min(a.modelTimeoutS, left), env });
    if (r.code === 0) {
      try {
        runs.push({ spec: m.spec, preset: m.preset, seconds: (Date.now() - t0) / 1000, report: JSON.parse(r.stdout) });
        continue;
      } catch (e) {
        runs.push({ spec: m.spec, preset: m.preset, error: `apr bench printed no JSON: ${e.message}` });
        continue;
      }
    }
    runs.push({ spec: m.spec, preset: m.preset, error: r.timedOut ? `timed out after ${Math.min(a.modelTimeoutS, left).toFixed(0)} s` : `apr bench exited with ${r.code}${r.error ? ` (${r.error})` : ''}` });
  }
  const torch = a.torch ? await torchPeers(a, budgetLeft) : Object.fromEntries(a.specs.map((m) => [m.preset, { available: false, reason: 'torch not run (--no-torch)' }]));

  const data = {
    date: new Date().toISOString(),
    commit: kitCommit(),
    node: process.version,
    gpu,
    command: ['bash .gpu-kit/run.sh bench-gpu', ...userArgs(process.argv.slice(2))].join(' '),
    mode: a.gpu ? 'gpu' : 'cpu',
    p: a.p,
    n: a.n,
    r: a.r,
    seconds: elapsed(),
    llamaBench,
    runs,
    torch,
    notes: a.gpu ? [] : ['**--no-gpu: a CPU run of the pipeline (kit test), not a GPU benchmark**'],
  };
  writeOutputs(a, data);
  const llamaMissing = runs.some((x) => x.report && !x.report.results.some((row) => row.llamaCppAll?.some((e) => e.engine === 'llama-bench')));
  const failed = runs.some((x) => !x.report) || genFailures.length > 0 || llamaMissing;
  console.log(`bench-gpu: ${runs.filter((x) => x.report).length}/${runs.length} models benchmarked${llamaMissing ? ', llama.cpp missing beside some' : ''} in ${elapsed().toFixed(0)} s`);
  return failed ? EXIT.failed : EXIT.ok;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(e instanceof UsageError ? `bench-gpu: ${e.message}` : `bench-gpu: internal error: ${e.stack ?? e}`);
    process.exitCode = EXIT.usage;
  },
);
