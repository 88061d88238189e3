/**
 * Retries with exponential backoff and full jitter. The attempt count resets whenever an attempt
 * made progress (bytes flowed), so a long download over a flaky link is bounded by consecutive
 * failures, not by total ones. A 429/503 `Retry-After` replaces the computed delay (capped).
 */
import { HttpStatusError, NetworkError, PullAbortedError, PullError, StallError, TruncatedError } from './errors.js';

/** Retry settings. */
export interface RetryOptions {
  /** Consecutive failed attempts allowed after the first (default 6). */
  readonly retries?: number;
  /** First backoff delay in ms (default 500); doubles per consecutive failure. */
  readonly backoffMs?: number;
  /** Cap of one delay, computed or from Retry-After (default 30 s). */
  readonly maxDelayMs?: number;
  readonly signal?: AbortSignal;
  /** Called before each wait with the error and the delay. */
  readonly onRetry?: (err: unknown, delayMs: number, attempt: number) => void;
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENOTFOUND', 'UND_ERR_SOCKET']);

/** True for failures another attempt may fix: network errors, stalls, truncation, 408/429/5xx. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof PullAbortedError) return false;
  if (err instanceof StallError || err instanceof TruncatedError) return true;
  if (err instanceof HttpStatusError) return err.retryable;
  if (err instanceof PullError) return false;
  const e = err as NodeJS.ErrnoException;
  return (e?.code !== undefined && NETWORK_CODES.has(e.code)) || /socket hang up|aborted|premature close/i.test(String(e?.message));
}

/** Sleeps `ms`; rejects with {@link PullAbortedError} when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new PullAbortedError());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new PullAbortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `fn` until it succeeds, a non-retryable error occurs, or `retries` consecutive attempts
 * failed (then an HttpStatusError is rethrown, any other failure becomes a {@link NetworkError}
 * naming `what`). `fn` receives `progressed()`, to call when bytes flowed (resets the count).
 */
export async function withRetries<T>(fn: (progressed: () => void) => Promise<T>, o: RetryOptions = {}, what = 'download'): Promise<T> {
  const retries = o.retries ?? 6;
  const base = o.backoffMs ?? 500;
  const cap = o.maxDelayMs ?? 30_000;
  let failures = 0;
  for (;;) {
    if (o.signal?.aborted) throw new PullAbortedError();
    let moved = false;
    try {
      return await fn(() => {
        moved = true;
      });
    } catch (err) {
      if (o.signal?.aborted) throw new PullAbortedError();
      if (!isRetryable(err)) throw err;
      failures = moved ? 1 : failures + 1;
      if (failures > retries) {
        if (err instanceof HttpStatusError) throw err;
        const why = (err as Error)?.message ?? String(err);
        throw new NetworkError(`${what}: gave up after ${failures} failed attempts in a row (last: ${why}); check the network and run the pull again — it resumes`);
      }
      const retryAfter = err instanceof HttpStatusError ? err.retryAfterMs : undefined;
      const delay = Math.min(cap, retryAfter ?? base * 2 ** (failures - 1) * (0.5 + Math.random() * 0.5));
      o.onRetry?.(err, delay, failures);
      await sleep(delay, o.signal);
    }
  }
}
