/**
 * Runs one concurrency level: `requests` requests through `concurrency` workers, each sending its
 * next request as soon as its previous one ends (a closed loop, as llama.cpp's server benchmarks
 * and vLLM's `--max-concurrency` do), so exactly `concurrency` streams are in flight until the
 * queue drains.
 */
import { summarizeLevel, type LevelStats, type RequestSample } from './serve-stats.js';

/** Sends request number `i` and measures it. */
export type RequestFn = (i: number) => Promise<RequestSample>;

/** Runs the level and summarises it. */
export async function runLevel(concurrency: number, requests: number, send: RequestFn): Promise<{ stats: LevelStats; samples: RequestSample[] }> {
  const samples: RequestSample[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < requests; i = next++) samples[i] = await send(i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests) }, worker));
  return { stats: summarizeLevel(concurrency, samples), samples };
}

/**
 * A prompt of about `tokens` tokens (common English words are one token each in Qwen2.5's and
 * llama's vocabularies), opened by the request number so no two requests share a cacheable prefix
 * beyond the chat template's.
 */
export function makePrompt(i: number, tokens: number): string {
  const words = ['the', 'quick', 'brown', 'fox', 'jumps', 'over', 'a', 'lazy', 'dog', 'and', 'runs', 'into', 'green', 'field', 'while', 'birds', 'sing'];
  const out = [`Request ${i}:`];
  for (let k = 0; out.length < Math.max(1, tokens - 3); k++) out.push(words[(k * 7 + i) % words.length]!);
  return `${out.join(' ')}. Continue the story.`;
}
