/**
 * A time budget per token, the unit every brick is judged in. One value, two views:
 * microseconds per token (what a brick's profile measures) and tokens per second (what a user
 * sees); `tokensPerSec = 1e6 / microsPerToken`.
 *
 * Both views are stored, each exactly as given: `fromMicros(x).tokensPerSec === 1e6 / x` and
 * `fromTokensPerSec(t).tokensPerSec === t` bit for bit, and a round trip through the other view
 * differs by at most a couple of ulps (one division each way).
 */

/** An immutable per-token time budget. Build with {@link TokenBudget.fromMicros} or {@link TokenBudget.fromTokensPerSec}. */
export class TokenBudget {
  private constructor(
    /** Microseconds per token. */
    readonly microsPerToken: number,
    /** Tokens per second, 1e6 / microsPerToken. */
    readonly tokensPerSec: number,
  ) {}

  /** A budget of `us` microseconds per token (finite, > 0). */
  static fromMicros(us: number): TokenBudget {
    TokenBudget.check(us, 'microseconds per token');
    return new TokenBudget(us, 1e6 / us);
  }

  /** A budget of `tps` tokens per second (finite, > 0). */
  static fromTokensPerSec(tps: number): TokenBudget {
    TokenBudget.check(tps, 'tokens per second');
    return new TokenBudget(1e6 / tps, tps);
  }

  /** Nanoseconds per token (the profiler's unit). */
  get nanosPerToken(): number {
    return this.microsPerToken * 1e3;
  }

  /** This budget times `factor` in time (factor 2 = twice the microseconds, half the tok/s). */
  scale(factor: number): TokenBudget {
    TokenBudget.check(factor, 'budget scale factor');
    return new TokenBudget(this.microsPerToken * factor, this.tokensPerSec / factor);
  }

  /** Budgets add in time: a layer's budget is the sum of its bricks'. */
  plus(o: TokenBudget): TokenBudget {
    return TokenBudget.fromMicros(this.microsPerToken + o.microsPerToken);
  }

  /** `actualMicrosPerToken / budget`: ≤ 1 means the budget is met. */
  ratio(actualMicrosPerToken: number): number {
    return actualMicrosPerToken / this.microsPerToken;
  }

  /** Whether `actualMicrosPerToken` is within the budget. */
  isMet(actualMicrosPerToken: number): boolean {
    return actualMicrosPerToken <= this.microsPerToken;
  }

  toJSON(): { microsPerToken: number; tokensPerSec: number } {
    return { microsPerToken: this.microsPerToken, tokensPerSec: this.tokensPerSec };
  }

  toString(): string {
    return `${this.microsPerToken} µs/token (${this.tokensPerSec.toPrecision(4)} tok/s)`;
  }

  private static check(v: number, what: string): void {
    if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`TokenBudget: ${what} must be finite and > 0, got ${v}`);
  }
}
