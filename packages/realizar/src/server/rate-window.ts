/**
 * Throughput over the last few seconds: tokens computed divided by the time spent computing them,
 * over the samples of a sliding window (idle time does not dilute the rate; an idle window is 0).
 */

/** Sliding-window tokens/s. */
export class RateWindow {
  private readonly samples: Array<{ t: number; tokens: number; ms: number }> = [];

  /** @param windowMs how far back samples count (default 10 s). */
  constructor(private readonly windowMs = 10_000) {}

  /** Records `tokens` computed in `ms` of work, now. */
  add(tokens: number, ms: number, now = performance.now()): void {
    this.samples.push({ t: now, tokens, ms });
    this.prune(now);
  }

  /** Tokens per second of work over the window; 0 when the window is empty. */
  rate(now = performance.now()): number {
    this.prune(now);
    let tokens = 0;
    let ms = 0;
    for (const s of this.samples) {
      tokens += s.tokens;
      ms += s.ms;
    }
    return ms > 0 ? (tokens * 1000) / ms : 0;
  }

  private prune(now: number): void {
    while (this.samples.length > 0 && now - this.samples[0].t > this.windowMs) this.samples.shift();
  }
}
