/**
 * llama.cpp-style generation timings (its `timings` object / Ollama's `*_duration` fields), measured
 * with `performance.now()` around our own work only: time the consumer spends between tokens, and
 * the event-loop yields, are not counted.
 */

/** Timings of one generation. Rates are tokens per second (count ÷ seconds; 0 when no time elapsed). */
export interface GenerateTimings {
  /** Model load time, when the caller measured it and passed `loadMs`. */
  loadMs?: number;
  /** Prompt tokens fed in the prefill (excludes a reused KV-cache prefix). */
  promptTokenCount: number;
  /** Wall time of the prefill forward pass. */
  promptMs: number;
  promptTokensPerSec: number;
  /** Sampled tokens, including a final EOG / stop token. */
  generatedTokenCount: number;
  /** Time of every decode step: sampling each token plus the forward pass of each fed-back token. */
  generateMs: number;
  tokensPerSec: number;
}

/** `count` per second over `ms` milliseconds; 0 when `ms` is 0. */
export function tokensPerSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : 0;
}

/** Builds the timings record. */
export function makeTimings(
  promptTokenCount: number,
  promptMs: number,
  generatedTokenCount: number,
  generateMs: number,
  loadMs?: number,
): GenerateTimings {
  return {
    ...(loadMs !== undefined ? { loadMs } : {}),
    promptTokenCount,
    promptMs,
    promptTokensPerSec: tokensPerSecond(promptTokenCount, promptMs),
    generatedTokenCount,
    generateMs,
    tokensPerSec: tokensPerSecond(generatedTokenCount, generateMs),
  };
}
