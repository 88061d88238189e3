/**
 * The statistics the profiler keeps per brick, and their plain-number summary.
 *
 * Each recorded call contributes one sample, its time per token (call time / tokens in the call:
 * a decode step is 1 token, a prefill pass nTok), to a {@link Welford} accumulator (mean,
 * variance, CV, min, max) and a {@link LogHistogram} (p50, p99); the totals (time, tokens) give
 * the throughput figure `usPerToken = Σ time / Σ tokens`, which scores and budgets use. For
 * decode-only runs mean and usPerToken coincide; with prefill mixed in, usPerToken weighs each
 * token equally while the distribution weighs each call equally.
 */
import { brickKind, brickLayer } from './brick-budgets.js';
import { LogHistogram } from './log-histogram.js';
import { Welford } from './welford.js';

/** Mutable per-brick accumulators (bounded memory: ~5 KiB each, whatever the number of calls). */
export class BrickStats {
  /** Per-call ns per token. */
  readonly welford = new Welford();
  /** Per-call ns per token, for percentiles. */
  readonly hist = new LogHistogram();
  /** Σ tokens over the calls. */
  tokens = 0;
  /** Σ ns over the calls. */
  totalNs = 0;
  /** Time accumulated by `split` for the call not closed yet. */
  pendingNs = 0;

  constructor(readonly name: string) {}

  /** One call that took `ns` for `tokens` tokens. */
  add(ns: number, tokens: number): void {
    const perToken = ns / tokens;
    this.welford.push(perToken);
    this.hist.add(perToken);
    this.tokens += tokens;
    this.totalNs += ns;
  }

  /** Adds every call of `o` (used to aggregate a kind over layers). */
  merge(o: BrickStats): this {
    this.welford.merge(o.welford);
    this.hist.merge(o.hist);
    this.tokens += o.tokens;
    this.totalNs += o.totalNs;
    return this;
  }

  reset(): void {
    this.welford.reset();
    this.hist.reset();
    this.tokens = 0;
    this.totalNs = 0;
    this.pendingNs = 0;
  }

  /** Plain numbers in µs. */
  summary(): BrickSummary {
    const w = this.welford;
    const us = (ns: number): number => ns / 1e3;
    const empty = w.count === 0;
    return {
      name: this.name,
      kind: brickKind(this.name),
      layer: brickLayer(this.name),
      count: w.count,
      tokens: this.tokens,
      totalUs: us(this.totalNs),
      usPerToken: this.tokens > 0 ? us(this.totalNs / this.tokens) : 0,
      meanUs: us(w.mean),
      stddevUs: us(w.stddev),
      cv: w.cv,
      p50Us: empty ? 0 : us(this.hist.quantile(0.5)),
      p99Us: empty ? 0 : us(this.hist.quantile(0.99)),
      minUs: empty ? 0 : us(w.min),
      maxUs: empty ? 0 : us(w.max),
    };
  }
}

/** One brick's statistics in µs (per token unless noted). */
export interface BrickSummary {
  /** `'blk.3.qkv'`, or the kind for a row aggregated over layers. */
  readonly name: string;
  /** `'qkv'`. */
  readonly kind: string;
  /** Layer index, -1 for a model-level brick or an aggregated row. */
  readonly layer: number;
  /** Calls recorded. */
  readonly count: number;
  /** Tokens over those calls. */
  readonly tokens: number;
  /** Total time (µs, not per token). */
  readonly totalUs: number;
  /** Σ time / Σ tokens: the figure budgets and scores compare. */
  readonly usPerToken: number;
  /** Mean over calls of the call's time per token. */
  readonly meanUs: number;
  /** Sample standard deviation over calls. */
  readonly stddevUs: number;
  /** stddev / mean. */
  readonly cv: number;
  /** Median call (log-histogram, ≤ 2.2% relative error). */
  readonly p50Us: number;
  /** 99th percentile call (log-histogram, ≤ 2.2% relative error). */
  readonly p99Us: number;
  readonly minUs: number;
  readonly maxUs: number;
}
