/**
 * How much of a decode step is JS↔native glue. With the native backend, one decoded token is one
 * `session.forward([t])`: 7 matmuls per layer + the LM head go to the C++ addon (one N-API call
 * each), the other bricks run as TypeScript. This script splits the time of a decode step into
 *
 *   native matmul   time inside the backend's matmul calls (argument checks + N-API + kernel)
 *   TS bricks       time inside the other backend calls (getRows, rmsNorm, rope, attention, ...)
 *   forward JS      the rest of forward + greedy sampling: the loop over layers, dispatch, argmax
 *
 * and measures the fixed cost of one native call (a 1-row, 32-column matmul, so the kernel is
 * ~nothing) through the backend and through the bare addon, which gives the glue per token:
 * native calls per token × fixed cost per call.
 *
 * Run (from packages/realizar):
 *   node --conditions=source --import tsx bench/glue-overhead.ts [model.gguf] [tokens] [threads]
 * Default model: models/qwen2.5-0.5b-q8_0.gguf at the repository root.
 */
import { fileURLToPath } from 'node:url';
import { type Backend, GGMLType, Tensor, loadNative, quantize, selectBackend } from '@sovereign/trueno';
import { openGGUF } from '../src/gguf/gguf-open.js';
import { loadModel } from '../src/model/model.js';
import { sampleGreedy } from '../src/sampler/sampler.js';

const path = process.argv[2] ?? fileURLToPath(new URL('../../../models/qwen2.5-0.5b-q8_0.gguf', import.meta.url));
const nTokens = Number(process.argv[3] ?? 32);
const threads = process.argv[4] !== undefined ? Number(process.argv[4]) : undefined;

const sel = selectBackend('native');
if (sel.backend.name !== 'native') throw new Error(`the native backend is not available: ${sel.reason}`);
const native = sel.backend as Backend & { setThreads(n: number): number; readonly threads: number };
if (threads !== undefined) native.setThreads(threads);

/** Time per method, accumulated by a wrapper around every backend call. */
const spent = new Map<string, { ms: number; calls: number }>();
const METHODS = ['matmul', 'getRows', 'rmsNorm', 'rope', 'addBias', 'add', 'swiglu', 'softmax', 'storeKv', 'attention'] as const;
const timed = Object.create(native) as Backend;
for (const m of METHODS) {
  const f = (native[m] as (...a: unknown[]) => void).bind(native);
  const rec = { ms: 0, calls: 0 };
  spent.set(m, rec);
  (timed as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => {
    const t0 = performance.now();
    f(...a);
    rec.ms += performance.now() - t0;
    rec.calls++;
  };
}

/** Decodes `n` tokens after `warm` on `backend`; returns ms per token. */
function decode(backend: Backend, warm: number, n: number): number {
  const session = loadModel(openGGUF(path), { backend }).createSession({ contextLength: 512 });
  let t = sampleGreedy(session.forward([9707, 11, 1879, 0, 576]));
  const one = [0];
  for (let i = 0; i < warm; i++) {
    one[0] = t;
    t = sampleGreedy(session.forward(one));
  }
  for (const r of spent.values()) {
    r.ms = 0;
    r.calls = 0;
  }
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    one[0] = t;
    t = sampleGreedy(session.forward(one));
  }
  return (performance.now() - t0) / n;
}

/** Fixed cost of one native matmul call: a (1 × 32) · (32 × 1) q8_0 product, averaged. */
function callCost(): { backendUs: number; addonUs: number } {
  const w = Tensor.view('probe', GGMLType.Q8_0, [32, 1], quantize(GGMLType.Q8_0, new Float32Array(32).fill(0.5)));
  const x = new Float32Array(32).fill(1);
  const out = new Float32Array(1);
  const loaded = loadNative();
  if (!loaded.addon) throw new Error(loaded.reason);
  const addon = loaded.addon;
  const N = 200_000;
  const run = (f: () => void): number => {
    for (let i = 0; i < N; i++) f();
    const t0 = performance.now();
    for (let i = 0; i < N; i++) f();
    return ((performance.now() - t0) * 1000) / N;
  };
  return {
    backendUs: run(() => native.matmul(w, x, 1, out)),
    addonUs: run(() => addon.matmul(w.data, GGMLType.Q8_0, 32, 1, x, 1, out)),
  };
}

const plainMs = decode(native, 4, nTokens);
const tokMs = decode(timed, 4, nTokens);
const cost = callCost();

const per = (m: string) => spent.get(m)!;
const matmul = per('matmul');
const tsBricks = METHODS.filter((m) => m !== 'matmul').reduce((a, m) => a + per(m).ms, 0) / nTokens;
const nativeMs = matmul.ms / nTokens;
const forwardJs = tokMs - nativeMs - tsBricks;
const callsPerToken = matmul.calls / nTokens;
const glueMs = (callsPerToken * cost.backendUs) / 1000;
const pct = (x: number) => `${((100 * x) / tokMs).toFixed(2)}%`;

console.log(`model ${path}`);
console.log(`native backend: ${native.threads} thread(s); ${nTokens} decode steps after 4 warm-up, context 512`);
console.log(`decode: ${plainMs.toFixed(2)} ms/token plain, ${tokMs.toFixed(2)} ms/token with per-call timers`);
console.log(`  native matmul  ${nativeMs.toFixed(2)} ms/token  ${pct(nativeMs)}  (${callsPerToken} calls/token)`);
console.log(`  TS bricks      ${tsBricks.toFixed(2)} ms/token  ${pct(tsBricks)}`);
for (const m of METHODS.filter((k) => k !== 'matmul' && per(k).calls > 0)) {
  console.log(`    ${m.padEnd(10)} ${(per(m).ms / nTokens).toFixed(3)} ms/token (${per(m).calls / nTokens} calls)`);
}
console.log(`  forward JS     ${forwardJs.toFixed(3)} ms/token  ${pct(forwardJs)}  (layer loop, dispatch, sampling, timers)`);
console.log(`one native call: ${cost.backendUs.toFixed(2)} µs through NativeBackend.matmul, ${cost.addonUs.toFixed(2)} µs bare addon (1×32 q8_0, kernel ~0)`);
console.log(`JS↔native glue: ${callsPerToken} calls × ${cost.backendUs.toFixed(2)} µs = ${(glueMs * 1000).toFixed(0)} µs/token = ${pct(glueMs)} of a decode step`);
