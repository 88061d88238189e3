/**
 * The last-N token window that repetition / presence / frequency penalties look at, with per-token
 * occurrence counts kept incrementally (one increment and at most one decrement per accepted token),
 * so applying the penalties costs O(N), never O(vocab), and allocates nothing per token.
 */

/** Ring buffer of recent tokens plus their counts. `lastN = -1` keeps every token. */
export class PenaltyWindow {
  private readonly lastN: number;
  private ring: Int32Array;
  private head = 0; // index of the oldest token
  private size = 0;
  private counts = new Int32Array(0);
  private stamps = new Uint32Array(0);
  private epoch = 0;

  /** @param lastN window length; 0 keeps nothing, -1 keeps everything. */
  constructor(lastN: number) {
    this.lastN = lastN;
    this.ring = new Int32Array(lastN > 0 ? lastN : lastN === -1 ? 256 : 0);
  }

  /** Number of tokens currently in the window. */
  get length(): number {
    return this.size;
  }

  /** How often `token` occurs in the window. */
  count(token: number): number {
    return token < this.counts.length ? this.counts[token] : 0;
  }

  /** Adds `token` as the newest entry, evicting the oldest when the window is full. */
  accept(token: number): void {
    if (this.lastN === 0) return;
    if (!Number.isInteger(token) || token < 0) throw new RangeError(`token id must be a non-negative integer, got ${token}`);
    if (token >= this.counts.length) this.growCounts(token + 1);
    if (this.size === this.ring.length) {
      if (this.lastN === -1) {
        this.growRing();
      } else {
        this.counts[this.ring[this.head]]--;
        this.head = (this.head + 1) % this.ring.length;
        this.size--;
      }
    }
    this.ring[(this.head + this.size) % this.ring.length] = token;
    this.size++;
    this.counts[token]++;
  }

  /** Empties the window. */
  reset(): void {
    for (let i = 0; i < this.size; i++) this.counts[this.ring[(this.head + i) % this.ring.length]] = 0;
    this.head = 0;
    this.size = 0;
  }

  /**
   * Applies the penalties in place, once per distinct token of the window (llama.cpp
   * `llama_sampler_penalties_apply`): logit ≤ 0 → logit × repeat, else logit ÷ repeat; then
   * logit −= count × frequency + (count > 0) × presence. Tokens outside `logits` are ignored.
   */
  apply(logits: Float32Array, repeat: number, presence: number, frequency: number): void {
    if (this.size === 0) return;
    if (++this.epoch === 0x1_0000_0000) {
      this.stamps.fill(0);
      this.epoch = 1;
    }
    const epoch = this.epoch;
    for (let i = 0; i < this.size; i++) {
      const t = this.ring[(this.head + i) % this.ring.length];
      if (t >= logits.length || this.stamps[t] === epoch) continue;
      this.stamps[t] = epoch;
      const c = this.counts[t];
      let l = logits[t];
      l = l <= 0 ? l * repeat : l / repeat;
      logits[t] = l - c * frequency - (c > 0 ? presence : 0);
    }
  }

  private growCounts(min: number): void {
    let n = Math.max(1024, this.counts.length);
    while (n < min) n *= 2;
    const counts = new Int32Array(n);
    counts.set(this.counts);
    this.counts = counts;
    const stamps = new Uint32Array(n);
    stamps.set(this.stamps);
    this.stamps = stamps;
  }

  private growRing(): void {
    const ring = new Int32Array(this.ring.length * 2);
    for (let i = 0; i < this.size; i++) ring[i] = this.ring[(this.head + i) % this.ring.length];
    this.ring = ring;
    this.head = 0;
  }
}
