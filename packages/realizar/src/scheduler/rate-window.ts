/**
 * Token rates over a sliding window (ServeStats' tokens/s): each step records its prompt and
 * decode token counts; a rate is the tokens of the last `windowMs` divided by the time they cover
 * (the window, or less while the engine is younger than it; idle time counts, so rates decay to
 * 0 when nothing runs).
 */

/** Sliding-window counter of two token streams. */
export class RateWindow {
  private readonly at: number[] = [];
  private readonly prompt: number[] = [];
  private readonly decode: number[] = [];
  private readonly start: number;

  constructor(
    private readonly windowMs = 5000,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.start = now();
  }

  /** Records `promptTokens` evaluated and `decodeTokens` generated at the current time. */
  record(promptTokens: number, decodeTokens: number): void {
    this.at.push(this.now());
    this.prompt.push(promptTokens);
    this.decode.push(decodeTokens);
    this.evict();
  }

  /** Prompt and decode tokens per second over the window. */
  rates(): { promptTokensPerSec: number; decodeTokensPerSec: number } {
    this.evict();
    const t = this.now();
    const span = Math.min(this.windowMs, t - this.start);
    if (span <= 0) return { promptTokensPerSec: 0, decodeTokensPerSec: 0 };
    let p = 0;
    let d = 0;
    for (let i = 0; i < this.at.length; i++) {
      p += this.prompt[i];
      d += this.decode[i];
    }
    return { promptTokensPerSec: (p * 1000) / span, decodeTokensPerSec: (d * 1000) / span };
  }

  private evict(): void {
    const cut = this.now() - this.windowMs;
    let n = 0;
    while (n < this.at.length && this.at[n] < cut) n++;
    if (n > 0) {
      this.at.splice(0, n);
      this.prompt.splice(0, n);
      this.decode.splice(0, n);
    }
  }
}
