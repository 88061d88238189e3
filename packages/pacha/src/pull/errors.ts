/** Errors of `pull`; each message names what failed and how to fix it. */
import { PachaError } from '../errors.js';

/** Base class of the errors a pull throws. */
export class PullError extends PachaError {
  override name = 'PullError';
}

/** The server answered with a status that is not a success (after retries, for retryable ones). */
export class HttpStatusError extends PullError {
  override name = 'HttpStatusError';
  constructor(
    readonly url: string,
    readonly status: number,
    /** From `Retry-After` (429/503), in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(`GET ${url}: HTTP ${status}${HttpStatusError.hint(status)}`);
  }

  private static hint(status: number): string {
    if (status === 401 || status === 403) return '; the repository may be gated or private: set HF_TOKEN to a token that can read it';
    if (status === 404) return '; check the model name, repository and file (see the hub page of the repository)';
    if (status === 429) return '; rate limited by the server: wait a while and pull again (the download resumes)';
    if (status >= 500) return '; the server failed: pull again later (the download resumes)';
    return '';
  }

  /** True for statuses worth retrying: 408, 429 and 5xx. */
  get retryable(): boolean {
    return this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** The downloaded bytes do not hash to the published digest; nothing was committed. */
export class DigestMismatchError extends PullError {
  override name = 'DigestMismatchError';
  constructor(
    readonly url: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `downloaded ${url}: sha256 mismatch, expected ${expected} but the bytes hash to ${actual}; ` +
        'the partial download was deleted and nothing was stored — pull again, and if it fails the same way the file on the server is corrupt',
    );
  }
}

/** Not enough free space under the store for the download. */
export class DiskSpaceError extends PullError {
  override name = 'DiskSpaceError';
}

/** The pull was interrupted (AbortSignal); the partial download stays on disk and resumes. */
export class PullAbortedError extends PullError {
  override name = 'PullAbortedError';
  constructor() {
    super('pull interrupted; run the same command again to resume');
  }
}

/** No bytes arrived for `stallMs` (internal; the part reconnects at its offset). */
export class StallError extends PullError {
  override name = 'StallError';
}

/** A response ended before the bytes it promised (internal; the part resumes). */
export class TruncatedError extends PullError {
  override name = 'TruncatedError';
}

/** Network failures (resets, stalls, truncated bodies) outlasted the retry budget. */
export class NetworkError extends PullError {
  override name = 'NetworkError';
}

/** The hub listing or registry manifest is not what a pull expects. */
export class RemoteFormatError extends PullError {
  override name = 'RemoteFormatError';
}
