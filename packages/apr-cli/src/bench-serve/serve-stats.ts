/**
 * Statistics of one concurrency level of `apr bench-serve`: aggregate decode throughput over the
 * level's wall time, and latency percentiles of time-to-first-token and inter-token gaps.
 */

/** What one streamed request measured (times in ms, relative to an arbitrary clock origin). */
export interface RequestSample {
  /** When the request was sent. */
  readonly startMs: number;
  /** When the first generated text arrived; null when none did. */
  readonly firstTokenMs: number | null;
  /** Arrival time of every chunk that carried generated text, in order. */
  readonly tokenTimesMs: readonly number[];
  /** When the response ended. */
  readonly endMs: number;
  /** Generated tokens: the server's usage count when it sent one, else the text chunks counted. */
  readonly completionTokens: number;
  /** Prompt tokens reported by the server's usage (null when it sent none). */
  readonly promptTokens: number | null;
  /** Set when the request failed (HTTP status, network error or an error event in the stream). */
  readonly error?: string;
}

/** A percentile pair in ms (NaN when there were no samples). */
export interface LatencyPercentiles {
  readonly p50: number;
  readonly p99: number;
  readonly n: number;
}

/** One level's results. */
export interface LevelStats {
  readonly concurrency: number;
  readonly requests: number;
  readonly failed: number;
  readonly wallMs: number;
  readonly completionTokens: number;
  readonly promptTokens: number | null;
  /** Generated tokens over the level's wall time (first send to last response end). */
  readonly aggregateTokPerSec: number;
  /** Mean over requests of (tokens − 1) / (last − first token time): what one stream sees. */
  readonly perStreamTokPerSec: number;
  readonly ttftMs: LatencyPercentiles;
  readonly itlMs: LatencyPercentiles;
  readonly errors: readonly string[];
}

/**
 * Percentile by linear interpolation between closest ranks (numpy's default): p in [0, 100].
 * NaN for an empty list.
 */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return s[lo]! + (s[hi]! - s[lo]!) * (rank - lo);
}

function percentiles(xs: readonly number[]): LatencyPercentiles {
  return { p50: percentile(xs, 50), p99: percentile(xs, 99), n: xs.length };
}

/** Gaps between consecutive token arrivals of one request (empty below two tokens). */
export function interTokenGaps(tokenTimesMs: readonly number[]): number[] {
  const gaps: number[] = [];
  for (let i = 1; i < tokenTimesMs.length; i++) gaps.push(tokenTimesMs[i]! - tokenTimesMs[i - 1]!);
  return gaps;
}

/**
 * Summarises a level. Failed requests count in `failed` and their tokens (if any) are left out, so
 * a level with errors never reports more throughput than it delivered.
 */
export function summarizeLevel(concurrency: number, samples: readonly RequestSample[]): LevelStats {
  const ok = samples.filter((s) => s.error === undefined);
  const start = samples.length ? Math.min(...samples.map((s) => s.startMs)) : 0;
  const end = samples.length ? Math.max(...samples.map((s) => s.endMs)) : 0;
  const wallMs = end - start;
  const completionTokens = ok.reduce((a, s) => a + s.completionTokens, 0);
  const withPrompt = ok.filter((s) => s.promptTokens !== null);
  const ttft = ok.filter((s) => s.firstTokenMs !== null).map((s) => s.firstTokenMs! - s.startMs);
  const itl = ok.flatMap((s) => interTokenGaps(s.tokenTimesMs));
  const streamRates = ok
    .filter((s) => s.tokenTimesMs.length > 1)
    .map((s) => (s.tokenTimesMs.length - 1) / ((s.tokenTimesMs[s.tokenTimesMs.length - 1]! - s.tokenTimesMs[0]!) / 1000))
    .filter((r) => Number.isFinite(r));
  return {
    concurrency,
    requests: samples.length,
    failed: samples.length - ok.length,
    wallMs,
    completionTokens,
    promptTokens: withPrompt.length ? withPrompt.reduce((a, s) => a + s.promptTokens!, 0) : null,
    aggregateTokPerSec: wallMs > 0 ? completionTokens / (wallMs / 1000) : Number.NaN,
    perStreamTokPerSec: streamRates.length ? streamRates.reduce((a, b) => a + b, 0) / streamRates.length : Number.NaN,
    ttftMs: percentiles(ttft),
    itlMs: percentiles(itl),
    errors: [...new Set(samples.filter((s) => s.error !== undefined).map((s) => s.error!))].slice(0, 5),
  };
}
