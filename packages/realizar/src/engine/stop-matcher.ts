/**
 * Stop-string detection over streamed text. Text that could still turn out to be the beginning of a
 * stop string is held back until it is resolved, so a consumer never prints `<|end` and then learns
 * that `<|endoftext|>` was a stop string. Invariant: every emitted character is such that no stop
 * string can start at it, given everything seen so far.
 */

/** Result of {@link StopStringMatcher.push}. */
export interface StopMatch {
  /** Text that is now safe to emit (before the stop string, if one matched). */
  readonly text: string;
  /** True once a stop string has been seen; nothing is emitted afterwards. */
  readonly stopped: boolean;
  /** The stop string that matched (earliest occurrence; the first listed on a tie). */
  readonly stop?: string;
}

/** Streams text through, cutting at the earliest stop string. Empty stop strings are ignored. */
export class StopStringMatcher {
  private readonly stops: readonly string[];
  private pending = '';
  private done = false;

  constructor(stops: readonly string[] = []) {
    this.stops = stops.filter((s) => s.length > 0);
  }

  /** True after a stop string matched. */
  get stopped(): boolean {
    return this.done;
  }

  /** Text currently held back. */
  get held(): string {
    return this.pending;
  }

  /** Adds `text`; returns what can be emitted now. */
  push(text: string): StopMatch {
    if (this.done) return { text: '', stopped: true };
    if (this.stops.length === 0) return { text, stopped: false };
    const p = this.pending + text;
    let at = -1;
    let stop: string | undefined;
    for (const s of this.stops) {
      const i = p.indexOf(s);
      if (i >= 0 && (at < 0 || i < at)) {
        at = i;
        stop = s;
      }
    }
    if (at >= 0) {
      this.done = true;
      this.pending = '';
      return { text: p.slice(0, at), stopped: true, stop };
    }
    // Hold back the longest suffix of p that is a proper prefix of some stop string.
    let hold = 0;
    for (const s of this.stops) {
      for (let k = Math.min(s.length - 1, p.length); k > hold; k--) {
        if (p.endsWith(s.slice(0, k))) {
          hold = k;
          break;
        }
      }
    }
    this.pending = p.slice(p.length - hold);
    return { text: p.slice(0, p.length - hold), stopped: false };
  }

  /** Releases the held-back text (the stream ended without completing a stop string). */
  flush(): string {
    const out = this.done ? '' : this.pending;
    this.pending = '';
    return out;
  }
}
