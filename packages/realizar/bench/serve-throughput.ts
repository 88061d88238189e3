/**
 * Continuous batching's gain: aggregate decode tok/s of the serving engine with 1 stream against
 * N concurrent streams (default 4), same model, backend and threads. Rounds alternate (1, N, 1,
 * N, ...) so that a busy machine slows both alike; the ratio is of the medians.
 *
 * Aggregate decode rate of a round = Σ (tokens of a stream − 1) / (last token of any stream −
 * first token of any stream), timed on this thread from the events: prompts are short, so the
 * window is nearly all decode steps.
 *
 * Run (from packages/realizar):
 *   node --conditions=source --import tsx bench/serve-throughput.ts [model.gguf] [tokens] [rounds] [streams] [threads]
 */
import { fileURLToPath } from 'node:url';
import { openServeEngine } from '../src/server/index.js';
import type { ServeEngine } from '../src/server/engine-api.js';

const path = process.argv[2] ?? fileURLToPath(new URL('../../../models/qwen2.5-0.5b-q4_0.gguf', import.meta.url));
const nTokens = Number(process.argv[3] ?? 32);
const rounds = Number(process.argv[4] ?? 3);
const streams = Number(process.argv[5] ?? 4);
const threads = Number(process.argv[6] ?? 2);
const PROMPTS = [
  'The quick brown fox jumps over the lazy dog.',
  'Once upon a time, in a land far away,',
  'In the beginning the Universe was created.',
  'It was the best of times, it was the worst of times,',
  'Call me Ishmael. Some years ago, never mind how long',
  'All happy families are alike; each unhappy family',
  'It is a truth universally acknowledged, that a single man',
  'Happy families are all alike; every unhappy family is unhappy',
];

const engine = await openServeEngine(path, { backend: 'native', threads, parallel: streams, slotContext: 512 });
console.log(`model ${engine.model.id} (${engine.model.quantization}), backend ${engine.model.backend}, ${threads} threads, ${streams} slots`);
const prompts = await Promise.all(PROMPTS.map((p) => engine.tokenize(p, { addSpecial: true })));

let seq = 0;
async function round(e: ServeEngine, n: number): Promise<{ tokPerSec: number; tokens: number; ms: number }> {
  const first: number[] = [];
  const last: number[] = [];
  const counts: number[] = [];
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const prompt = prompts[(seq + i) % prompts.length];
      let c = 0;
      for await (const ev of e.generate({ id: `s${seq}-${i}`, prompt, maxTokens: nTokens, ignoreEos: true, sampling: { temperature: 0 } })) {
        if (ev.type !== 'token') continue;
        const t = performance.now();
        if (c === 0) first.push(t);
        last.push(t);
        c++;
      }
      counts.push(c);
    }),
  );
  seq += n;
  const ms = Math.max(...last) - Math.min(...first);
  const tokens = counts.reduce((a, b) => a + b - 1, 0);
  return { tokPerSec: (tokens * 1000) / ms, tokens, ms };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
await round(engine, 1); // warm-up
const one: number[] = [];
const many: number[] = [];
for (let r = 0; r < rounds; r++) {
  const a = await round(engine, 1);
  const b = await round(engine, streams);
  one.push(a.tokPerSec);
  many.push(b.tokPerSec);
  console.log(
    `round ${r + 1}: 1 stream ${a.tokPerSec.toFixed(2)} tok/s (${a.tokens} tok, ${a.ms.toFixed(0)} ms) | ${streams} streams ${b.tokPerSec.toFixed(2)} tok/s aggregate (${b.tokens} tok, ${b.ms.toFixed(0)} ms)`,
  );
}
const m1 = median(one);
const mN = median(many);
console.log(`median: 1 stream ${m1.toFixed(2)} tok/s, ${streams} streams ${mN.toFixed(2)} tok/s aggregate, ratio ${(mN / m1).toFixed(2)}x`);
await engine.close();
