/**
 * `gpu-parity`: the GPU kit's greedy-parity program (tools/gpu-kit.mjs bundles it to gpu-parity.mjs).
 * For each model it greedy-decodes the same prompt on a CPU backend (`native`, else `ref`) and on the
 * GPU backend (`cuda`; `--gpu emu` runs trueno-gpu's PTX emulator instead, which is how this program
 * is tested without a GPU), and compares:
 * - the generated tokens: they must be identical (issue 8: "greedy output identical CPU vs GPU");
 * - the logits of the prompt's one-pass prefill (every position: the GPU's batched GEMM path) and of
 *   each decode step up to the first differing token (NMSE and top-1), reported with the bound of
 *   `apr check` for the weight class as a reference, and failing only beyond GROSS_NMSE (a wrong
 *   kernel gives ~0.1–1; rounding of a correct one stays orders of magnitude below);
 * - where the tokens differ, the CPU's gap between its top-1 and the GPU's choice (a near tie
 *   flipped by rounding, or a real defect).
 *
 * Models: the third-party fixtures the kit carries (stories260K.gguf: trained llama, f32;
 * llama-2-tiny-random.gguf: f16, SPM vocab) and small generated ones (`--gen`, default tiny qwen2 q8_0,
 * tiny-k q4_k_m, llama-tiny q8_0: the quantized GPU kernels), written with the project's generator.
 *
 * Usage: gpu-parity [--json PATH] [--fixtures DIR] [--gen preset:type,...|none] [--models-dir DIR]
 *                   [--steps N] [--cpu native|ref] [--gpu cuda|emu] [--only REGEX] [--allow-ties]
 * Exit codes (as every kit program): 0 all identical, 1 a case differs or failed, 2 usage/internal
 * error, 3 no CUDA driver/device (the CPU half still ran and is in the JSON).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createEmuBackend, gpuInfo, loadModel, openGGUF, selectBackend, tokenizerFromGGUF } from '@sovereign/realizar';
import { generateModel } from '@sovereign/tools';
import { toleranceFor } from '../packages/apr-cli/src/check/tolerance.ts';

const EXIT = { ok: 0, failed: 1, usage: 2, noDevice: 3 };
/** NMSE of logits that no correct kernel reaches (a wrong one gives ~0.1–1). */
const GROSS_NMSE = 1e-2;
const USAGE = 'gpu-parity [--json PATH] [--fixtures DIR] [--gen preset:type,...|none] [--models-dir DIR] [--steps N] [--cpu native|ref] [--gpu cuda|emu] [--only REGEX] [--allow-ties]';

/** The fixtures and their prompts (stories260K: from BOS alone, as the run.c oracle). */
const FIXTURES = [
  { file: 'stories260K.gguf', prompt: null, steps: 200 },
  { file: 'llama-2-tiny-random.gguf', prompt: 'Once upon a time, there was a little', steps: 48 },
];
const DEFAULT_GEN = 'tiny:q8_0,tiny-k:q4_k_m,llama-tiny:q8_0';
const GEN_PROMPT = 'The quick brown fox jumps over the lazy dog. def main():';

class UsageError extends Error {}

function parseArgs(argv) {
  const kit = dirname(fileURLToPath(import.meta.url));
  const a = { json: undefined, fixtures: join(kit, 'fixtures'), gen: DEFAULT_GEN, modelsDir: join(tmpdir(), 'gpu-kit-parity'), steps: undefined, cpu: 'native', gpu: 'cuda', only: undefined, allowTies: false };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    const v = () => {
      if (argv[i + 1] === undefined) throw new UsageError(`${f} needs a value (usage: ${USAGE})`);
      return argv[++i];
    };
    if (f === '--json') a.json = v();
    else if (f === '--fixtures') a.fixtures = resolve(v());
    else if (f === '--gen') a.gen = v();
    else if (f === '--models-dir') a.modelsDir = resolve(v());
    else if (f === '--steps') {
      a.steps = Number(v());
      if (!Number.isInteger(a.steps) || a.steps < 1) throw new UsageError(`--steps needs an integer ≥ 1, got '${argv[i]}'`);
    } else if (f === '--cpu') a.cpu = v();
    else if (f === '--gpu') a.gpu = v();
    else if (f === '--only') a.only = new RegExp(v());
    else if (f === '--allow-ties') a.allowTies = true;
    else if (f === '-h' || f === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else throw new UsageError(`unknown argument '${f}' (usage: ${USAGE})`);
  }
  if (!['native', 'ref'].includes(a.cpu)) throw new UsageError(`--cpu: native or ref, got '${a.cpu}'`);
  if (!['cuda', 'emu'].includes(a.gpu)) throw new UsageError(`--gpu: cuda or emu, got '${a.gpu}'`);
  return a;
}

const argmax = (x, off, n) => {
  let best = off;
  for (let i = off + 1; i < off + n; i++) if (x[i] > x[best]) best = i;
  return best - off;
};

/** Σ(a−b)² / Σb² over `n` values from `off` (b is the CPU's, the reference). */
function nmse(a, b, off = 0, n = b.length) {
  let num = 0;
  let den = 0;
  for (let i = off; i < off + n; i++) {
    const d = a[i] - b[i];
    num += d * d;
    den += b[i] * b[i];
  }
  return den > 0 ? num / den : num;
}

function allFinite(x) {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

/**
 * Greedy decode: one prefill of `prompt` (logits of every position kept), then `steps` tokens,
 * each the argmax of the previous logits. Returns tokens, prefill logits (P, V), step logits
 * (steps, V; row 0 is the prefill's last row) and timings.
 */
function greedy(model, prompt, steps) {
  const V = model.config.vocabSize;
  const session = model.createSession({ contextLength: prompt.length + steps + 1 });
  const t0 = performance.now();
  const prefill = session.forward(prompt, { allLogits: true });
  const t1 = performance.now();
  const stepLogits = new Float32Array(steps * V);
  stepLogits.set(prefill.subarray((prompt.length - 1) * V));
  const tokens = [];
  for (let s = 0; s < steps; s++) {
    const tok = argmax(stepLogits, s * V, V);
    tokens.push(tok);
    if (s + 1 < steps) stepLogits.set(session.forward([tok]), (s + 1) * V);
  }
  const t2 = performance.now();
  return { tokens, prefill, stepLogits, prefillMs: t1 - t0, decodeMsPerToken: steps > 1 ? (t2 - t1) / (steps - 1) : 0 };
}

/**
 * Compares the GPU run with the CPU run (the reference): `{ tokens, prefill (P, V), stepLogits
 * (steps, V) }` each; `tolerance` is apr check's for the weight class (`nmse`, `tieRel`).
 */
export function compare(cpu, gpu, V, tolerance, allowTies) {
  const n = cpu.tokens.length;
  let firstDiff = -1;
  for (let i = 0; i < n; i++) {
    if (cpu.tokens[i] !== gpu.tokens[i]) {
      firstDiff = i;
      break;
    }
  }
  // Step logits are comparable up to and including the first differing step (same inputs so far).
  const comparable = firstDiff < 0 ? n : firstDiff + 1;
  let maxStep = 0;
  let sumStep = 0;
  for (let s = 0; s < comparable; s++) {
    const e = nmse(gpu.stepLogits, cpu.stepLogits, s * V, V);
    maxStep = Math.max(maxStep, e);
    sumStep += e;
  }
  const prefillNmse = nmse(gpu.prefill, cpu.prefill);
  const P = cpu.prefill.length / V;
  let prefillTop1 = 0;
  for (let p = 0; p < P; p++) if (argmax(gpu.prefill, p * V, V) === argmax(cpu.prefill, p * V, V)) prefillTop1++;
  let tie;
  if (firstDiff >= 0) {
    const row = cpu.stepLogits.subarray(firstDiff * V, (firstDiff + 1) * V);
    let maxAbs = 0;
    for (let i = 0; i < V; i++) maxAbs = Math.max(maxAbs, Math.abs(row[i]));
    const gap = row[cpu.tokens[firstDiff]] - row[gpu.tokens[firstDiff]];
    tie = { step: firstDiff, cpuToken: cpu.tokens[firstDiff], gpuToken: gpu.tokens[firstDiff], gapRel: gap / maxAbs, nearTie: gap / maxAbs < tolerance.tieRel };
  }
  const finite = allFinite(gpu.prefill) && allFinite(gpu.stepLogits.subarray(0, comparable * V));
  const problems = [];
  if (!finite) problems.push('non-finite GPU logits');
  if (firstDiff >= 0 && !(allowTies && tie.nearTie)) problems.push(`tokens differ from step ${firstDiff} (cpu ${tie.cpuToken}, gpu ${tie.gpuToken}, cpu gap ${tie.gapRel.toExponential(2)} of max|logit|${tie.nearTie ? ', a near tie' : ''})`);
  if (prefillNmse > GROSS_NMSE || maxStep > GROSS_NMSE) problems.push(`logit NMSE beyond ${GROSS_NMSE} (a wrong kernel, not rounding)`);
  return {
    identical: firstDiff < 0,
    firstDiff,
    tie,
    prefillNmse,
    prefillTop1: `${prefillTop1}/${P}`,
    stepNmseMax: maxStep,
    stepNmseMean: sumStep / comparable,
    withinCheckBound: Math.max(prefillNmse, maxStep) <= tolerance.nmse,
    ok: problems.length === 0,
    problems,
  };
}

/** The models to run: carried fixtures, then generated ones (written once into modelsDir). */
async function collectCases(a, log) {
  const cases = [];
  for (const f of FIXTURES) {
    const path = join(a.fixtures, f.file);
    if (existsSync(path)) cases.push({ name: f.file, path, prompt: f.prompt, steps: a.steps ?? f.steps, kind: 'fixture' });
    else log(`fixture ${f.file}: not in ${a.fixtures} (skipped)`);
  }
  if (a.gen !== 'none') {
    mkdirSync(a.modelsDir, { recursive: true });
    for (const spec of a.gen.split(',').map((s) => s.trim()).filter(Boolean)) {
      const [preset, type] = spec.split(':');
      if (!preset || !type) throw new UsageError(`--gen: expected preset:type, got '${spec}'`);
      const path = join(a.modelsDir, `${preset}-${type}.gguf`);
      if (a.only && !a.only.test(`${preset}-${type}.gguf`)) continue;
      if (!existsSync(path)) {
        const t0 = performance.now();
        // The kit's gen-model.js beside this bundle uses worker threads (K-quants are slow on one);
        // from the sources (no kit) the generator runs in this process.
        const kitGen = join(dirname(fileURLToPath(import.meta.url)), 'gen-model.js');
        if (existsSync(kitGen)) {
          const r = spawnSync(process.execPath, [kitGen, '--preset', preset, '--type', type, '--out', path, '--quiet'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
          if (r.status !== 0) throw new Error(`gen-model ${preset} ${type} failed (exit ${r.status})`);
        } else await generateModel({ preset, type, out: path });
        log(`generated ${basename(path)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
      cases.push({ name: `${preset}-${type}.gguf`, path, prompt: GEN_PROMPT, steps: a.steps ?? 48, kind: 'generated' });
    }
  }
  return a.only ? cases.filter((c) => a.only.test(c.name)) : cases;
}

function promptIds(file, prompt) {
  const tok = tokenizerFromGGUF(file);
  if (prompt === null) return [tok.bos ?? 1];
  const ids = tok.encode(prompt, { addSpecial: true });
  return ids.length ? ids : [tok.bos ?? 0];
}

const fmt = (x) => (Number.isFinite(x) ? x.toExponential(2) : String(x));

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const log = (s) => console.log(s);
  const cpuSel = a.cpu === 'ref' ? selectBackend('ref') : selectBackend('native');
  log(`cpu backend: ${cpuSel.backend.name} (${cpuSel.reason})`);
  let gpuBackend;
  let gpuReason;
  const gpu = gpuInfo();
  if (a.gpu === 'emu') {
    gpuBackend = createEmuBackend({ cpu: cpuSel.backend });
    gpuReason = 'PTX emulator (--gpu emu)';
  } else if (!gpu.available) {
    gpuReason = `no CUDA driver/device: ${gpu.reason}`;
  } else {
    const s = selectBackend('cuda');
    if (s.fellBack) gpuReason = `cuda backend unavailable: ${s.reason}`;
    else {
      gpuBackend = s.backend;
      gpuReason = s.reason;
    }
  }
  log(`gpu backend: ${gpuBackend ? gpuBackend.name : 'none'} (${gpuReason})`);

  const cases = await collectCases(a, log);
  const results = [];
  for (const c of cases) {
    const file = openGGUF(c.path);
    const prompt = promptIds(file, c.prompt);
    const r = { model: c.name, kind: c.kind, promptTokens: prompt.length, steps: c.steps };
    try {
      const cpuModel = loadModel(file, { backend: cpuSel.backend });
      const tolerance = toleranceFor(cpuModel);
      r.weightClass = tolerance.weightClass;
      r.checkNmseBound = tolerance.nmse;
      const cpu = greedy(cpuModel, prompt, c.steps);
      r.cpu = { backend: cpuSel.backend.name, tokens: cpu.tokens, prefillMs: cpu.prefillMs, decodeMsPerToken: cpu.decodeMsPerToken };
      if (gpuBackend) {
        // The emulator's arena is fixed (64 MiB): a fresh one per model. The cuda backend is one per process.
        const backend = a.gpu === 'emu' ? createEmuBackend({ cpu: cpuSel.backend }) : gpuBackend;
        const gpuModel = loadModel(file, { backend });
        const g = greedy(gpuModel, prompt, c.steps);
        r.gpu = { backend: gpuBackend.name, tokens: g.tokens, prefillMs: g.prefillMs, decodeMsPerToken: g.decodeMsPerToken };
        Object.assign(r, compare(cpu, g, cpuModel.config.vocabSize, tolerance, a.allowTies));
      }
    } catch (e) {
      r.ok = false;
      r.problems = [`error: ${e.message}`];
      r.stack = e.stack;
    }
    results.push(r);
    const head = `${r.model.padEnd(28)} ${String(r.promptTokens).padStart(3)}+${String(r.steps).padEnd(4)}`;
    if (r.problems?.some((p) => p.startsWith('error'))) log(`FAIL ${head} ${r.problems.join('; ')}`);
    else if (!r.gpu) log(`cpu  ${head} ${r.cpu.backend} ${r.cpu.decodeMsPerToken.toFixed(2)} ms/token (no GPU half)`);
    else {
      log(`${r.ok ? 'ok  ' : 'FAIL'} ${head} tokens ${r.identical ? 'identical' : `differ at ${r.firstDiff}`}; prefill nmse ${fmt(r.prefillNmse)} top1 ${r.prefillTop1}; steps nmse max ${fmt(r.stepNmseMax)} (apr check bound ${fmt(r.checkNmseBound)}${r.withinCheckBound ? '' : ', above it'}); ms/token cpu ${r.cpu.decodeMsPerToken.toFixed(2)} gpu ${r.gpu.decodeMsPerToken.toFixed(2)}`);
      for (const p of r.problems) log(`       ${p}`);
    }
  }

  const failed = results.filter((r) => r.ok === false).length;
  const code = failed > 0 ? EXIT.failed : gpuBackend ? EXIT.ok : EXIT.noDevice;
  const summary = gpuBackend
    ? `${results.length - failed}/${results.length} models identical on ${gpuBackend.name} and ${cpuSel.backend.name}`
    : `${gpuReason}: ran the CPU half only (${results.length} models on ${cpuSel.backend.name})`;
  log(`gpu-parity: ${summary}`);
  if (a.json) {
    writeFileSync(a.json, `${JSON.stringify({ date: new Date().toISOString(), gpu, cpuBackend: cpuSel.backend.name, cpuReason: cpuSel.reason, gpuBackend: gpuBackend?.name ?? null, gpuReason, grossNmse: GROSS_NMSE, summary, exitCode: code, results }, null, 1)}\n`);
  }
  return code;
}

// Run as a program (the kit's bundle, or node tools/gpu-kit-parity.mjs), not when a test imports compare().
const isMain = process.argv[1] !== undefined && existsSync(process.argv[1]) && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (isMain) main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(e instanceof UsageError ? `gpu-parity: ${e.message}` : `gpu-parity: internal error: ${e.stack ?? e}`);
    process.exitCode = EXIT.usage;
  },
);
