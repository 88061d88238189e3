/**
 * Is the worker engine as fast as the in-thread one? Same model, backend and prompt; runs
 * alternate (in-thread, worker, in-thread, worker, ...) so that a busy machine slows both alike.
 * Reports decode tok/s and prefill tok/s from each run's own timings, the wall time of a whole
 * generation seen by the caller, and the worker's start-up (thread + model load) against the
 * in-thread load.
 *
 * Run (from packages/realizar):
 *   node --conditions=source --import tsx bench/worker-vs-thread.ts [model.gguf] [tokens] [rounds]
 */
import { fileURLToPath } from 'node:url';
import { selectBackend } from '@sovereign/trueno';
import { type GenerateResult, collectGeneration, generate } from '../src/engine/generate.js';
import { openGGUF } from '../src/gguf/gguf-open.js';
import { loadModel } from '../src/model/model.js';
import { tokenizerFromGGUF } from '../src/tokenizer/from-gguf.js';
import { openModelWorker } from '../src/worker/model-worker.js';

const path = process.argv[2] ?? fileURLToPath(new URL('../../../models/qwen2.5-0.5b-q8_0.gguf', import.meta.url));
const nTokens = Number(process.argv[3] ?? 32);
const rounds = Number(process.argv[4] ?? 3);
const PROMPT = 'The quick brown fox jumps over the lazy dog. Once upon a time';
const sampling = { temperature: 0, seed: 1 };

let t0 = performance.now();
const file = openGGUF(path);
const tokenizer = tokenizerFromGGUF(file);
const model = loadModel(file, { backend: selectBackend('native').backend });
const localLoadMs = performance.now() - t0;
t0 = performance.now();
const worker = await openModelWorker(path, { backend: 'native' });
const workerOpenMs = performance.now() - t0;

const prompt = tokenizer.encode(PROMPT);
const rows: Array<{ engine: string; r: GenerateResult; wallMs: number }> = [];
for (let i = 0; i < rounds; i++) {
  const session = model.createSession({ contextLength: 512 });
  t0 = performance.now();
  const local = await collectGeneration(generate(session, tokenizer, prompt, { maxTokens: nTokens, sampling }));
  rows.push({ engine: 'in-thread', r: local, wallMs: performance.now() - t0 });
  t0 = performance.now();
  const gen = worker.generate(prompt, { maxTokens: nTokens, sampling });
  let next = await gen.next();
  while (!next.done) next = await gen.next();
  rows.push({ engine: 'worker', r: next.value, wallMs: performance.now() - t0 });
  if (next.value.tokens.join() !== local.tokens.join()) throw new Error('the worker generated other tokens than the in-thread engine');
}
await worker.close();

console.log(`model ${path}, native backend (${worker.info.backend.threads} threads), ${prompt.length}-token prompt, ${nTokens} tokens, ${rounds} rounds`);
console.log(`load: in-thread ${localLoadMs.toFixed(0)} ms; worker start + load ${workerOpenMs.toFixed(0)} ms (load inside it ${worker.info.loadMs.toFixed(0)} ms)`);
for (const engine of ['in-thread', 'worker']) {
  const mine = rows.filter((x) => x.engine === engine);
  const mean = (f: (x: (typeof rows)[number]) => number) => mine.reduce((a, x) => a + f(x), 0) / mine.length;
  console.log(
    `${engine.padEnd(9)}  decode ${mean((x) => x.r.timings.tokensPerSec).toFixed(2)} tok/s  prefill ${mean((x) => x.r.timings.promptTokensPerSec).toFixed(1)} tok/s  ` +
      `wall ${mean((x) => x.wallMs).toFixed(0)} ms per generation  (runs: ${mine.map((x) => x.r.timings.tokensPerSec.toFixed(2)).join(', ')} tok/s)`,
  );
}
