/**
 * The token sampler: llama.cpp's default chain
 *   penalties → top-k → top-p → min-p → temperature → dist
 * over one preallocated working copy of the logits. Stages mirror llama.cpp (src/llama-sampling.cpp):
 * top-p and min-p see the probabilities *before* temperature (temperature comes after them in the
 * chain), top-p keeps the smallest most-likely prefix whose mass is ≥ p, min-p keeps tokens with
 * p ≥ minP·p_max, and temperature ≤ 0 means argmax. Ties rank the lower token id first everywhere.
 * Truncation never sorts the vocabulary: top-k is a bounded heap, top-p a weighted quickselect
 * (nucleus.ts), min-p a threshold on logits, so one token costs O(vocab) with small constants.
 *
 * Buffers are (re)allocated only when the logits length changes, never per token.
 */

import { PenaltyWindow } from './penalty-window.js';
import { Xoshiro128, randomSeed } from './prng.js';
import { resolveSamplingParams, type SamplingParams } from './sampling-params.js';
import { partitionNucleus } from './nucleus.js';
import { argmax, selectTop } from './select-top.js';

/** The logits hold no finite value (all −∞ or NaN): nothing can be sampled. */
export class NoFiniteLogitsError extends Error {
  override name = 'NoFiniteLogitsError';
  constructor(length: number) {
    super(
      `cannot sample: none of the ${length} logits is finite (all NaN or -Infinity); ` +
        'the model produced invalid output — check the model file and the compute backend',
    );
  }
}

/** Largest finite float32, standing in for +∞ logits. */
const FLT_MAX = 3.4028234663852886e38;

/** A seeded, stateful sampler. `sample` picks a token; `accept` records it for the penalties. */
export class Sampler {
  /** The resolved parameters (defaults filled in). */
  readonly params: Readonly<SamplingParams>;
  private readonly rng: Xoshiro128;
  private readonly window: PenaltyWindow;
  private capacity = 0;
  private work = new Float32Array(0); // penalised logits
  private ids: Int32Array = new Int32Array(0); // current candidate set ids[0..size)
  private spare: Int32Array = new Int32Array(0); // output buffer of selections, swapped with ids
  private heap = new Int32Array(0);
  private weights = new Float64Array(0); // exp(logit − max): by id for top-p, by position for dist
  /** Greedy without penalties: `sample` is a plain argmax of the logits, no copy. */
  private readonly argmaxOnly: boolean;
  /** Any of the repetition / presence / frequency penalties is active. */
  private readonly penalise: boolean;

  /** @param params partial parameters; missing ones take llama.cpp's defaults. Throws SamplingParamsError. */
  constructor(params: Partial<SamplingParams> = {}) {
    const p = resolveSamplingParams(params);
    this.rng = new Xoshiro128(p.seed ?? randomSeed());
    this.params = Object.freeze({ ...p, seed: this.rng.seed });
    this.window = new PenaltyWindow(p.penaltyLastN);
    this.penalise = p.repeatPenalty !== 1 || p.presencePenalty !== 0 || p.frequencyPenalty !== 0;
    this.argmaxOnly = p.temperature <= 0 && !this.penalise;
  }

  /** The seed in use (the given one, or the random one drawn when none was given). */
  get seed(): number {
    return this.rng.seed;
  }

  /** True when this sampler always returns the argmax (temperature ≤ 0). */
  get greedy(): boolean {
    return this.params.temperature <= 0;
  }

  /** True when {@link sample} is a plain argmax of the logits (greedy and no penalties). */
  get plainArgmax(): boolean {
    return this.argmaxOnly;
  }

  /** Records `token` as generated (or as part of the prompt) for the repetition penalties. */
  accept(token: number): void {
    this.window.accept(token);
  }

  /** {@link accept} for each token in order. */
  acceptMany(tokens: readonly number[]): void {
    for (const t of tokens) this.window.accept(t);
  }

  /** Forgets the penalty history and restarts the random sequence from the seed. */
  reset(): void {
    this.window.reset();
    this.rng.reseed(this.rng.seed);
  }

  /**
   * Picks the next token from `logits` (not modified). Does not call {@link accept}. NaN logits count
   * as −∞; throws {@link NoFiniteLogitsError} when no logit is usable.
   */
  sample(logits: Float32Array): number {
    // Decided once in the constructor: reading the float parameters here boxes a number per call
    // while this method is not optimized yet — at ~10 calls a second, for most of a generation.
    if (this.argmaxOnly) return sampleGreedy(logits); // no copy needed
    const n = logits.length;
    const p = this.params;
    const penalise = this.penalise;
    this.ensureCapacity(n);
    const w = this.work;
    for (let i = 0; i < n; i++) {
      const l = logits[i];
      // NaN → −∞ and +∞ → FLT_MAX keep comparisons and exp(l − max) well defined.
      w[i] = l === l ? (l === Infinity ? FLT_MAX : l) : -Infinity;
    }
    if (penalise) this.window.apply(w, p.repeatPenalty, p.presencePenalty, p.frequencyPenalty);
    // Every truncation stage keeps the best token, so greedy can skip them all.
    if (p.temperature <= 0) return sampleGreedy(w);

    let ids = this.ids;
    for (let i = 0; i < n; i++) ids[i] = i;
    let size = n;
    let sorted = false; // whether ids[0..size) is in rank order
    if (p.topK > 0 && p.topK < n) {
      size = selectTop(w, ids, n, p.topK, this.heap, this.spare);
      ids = this.swap();
      sorted = true;
    }

    let max = -Infinity;
    if (sorted) max = w[ids[0]];
    else for (let i = 0; i < size; i++) if (w[ids[i]] > max) max = w[ids[i]];
    if (max === -Infinity) throw new NoFiniteLogitsError(n);

    if (p.topP < 1 && size > p.minKeep) {
      const e = this.weights;
      let z = 0;
      for (let i = 0; i < size; i++) z += e[ids[i]] = Math.exp(w[ids[i]] - max);
      if (sorted) {
        // llama.cpp: keep the prefix up to and including the token where the cumulative p reaches topP.
        let cum = 0;
        for (let i = 0; i < size; i++) {
          cum += e[ids[i]] / z;
          if (cum >= p.topP && i + 1 >= p.minKeep) {
            size = i + 1;
            break;
          }
        }
      } else {
        const k = partitionNucleus(w, e, ids, size, p.topP * z);
        if (k >= p.minKeep) {
          size = k;
        } else {
          // The nucleus is smaller than minKeep: keep the best minKeep instead (it contains the nucleus).
          size = selectTop(w, ids, size, p.minKeep, this.heap, this.spare);
          ids = this.swap();
          sorted = true;
        }
      }
    }

    if (p.minP > 0 && size > p.minKeep) {
      // p_i ≥ minP·p_max  ⇔  logit_i ≥ logit_max + ln(minP): no softmax needed.
      const threshold = max + Math.log(p.minP);
      if (sorted) {
        let keep = 0;
        while (keep < size && w[ids[keep]] >= threshold) keep++;
        size = Math.max(keep, p.minKeep);
      } else {
        // Move survivors to the front (a swap keeps ids[0..size) a permutation, for the fallback).
        let keep = 0;
        for (let i = 0; i < size; i++) {
          const id = ids[i];
          if (w[id] >= threshold) {
            ids[i] = ids[keep];
            ids[keep++] = id;
          }
        }
        if (keep >= p.minKeep) {
          size = keep;
        } else {
          size = selectTop(w, ids, size, p.minKeep, this.heap, this.spare);
          ids = this.swap();
        }
      }
    }

    // temperature + dist: draw from softmax(logit / T) over the survivors.
    const invT = 1 / p.temperature;
    const q = this.weights; // reused, now indexed by position in ids
    let z = 0;
    for (let i = 0; i < size; i++) z += q[i] = Math.exp((w[ids[i]] - max) * invT);
    const u = this.rng.nextFloat() * z;
    let acc = 0;
    let last = ids[0];
    for (let i = 0; i < size; i++) {
      if (q[i] <= 0) continue;
      acc += q[i];
      last = ids[i];
      if (u < acc) return last;
    }
    return last; // rounding left u ≥ acc: the last token with positive weight
  }

  /** Makes the last selection output (`spare`) the candidate set; returns it. */
  private swap(): Int32Array {
    const t = this.ids;
    this.ids = this.spare;
    this.spare = t;
    return this.ids;
  }

  private ensureCapacity(n: number): void {
    if (n === this.capacity) return;
    if (n <= 0) throw new RangeError('cannot sample from an empty logits array');
    this.capacity = n;
    this.work = new Float32Array(n);
    this.ids = new Int32Array(n);
    this.spare = new Int32Array(n);
    this.heap = new Int32Array(n);
    this.weights = new Float64Array(n);
  }
}

/** Greedy choice without a sampler: argmax, ties → lowest id; throws when no logit is finite. */
export function sampleGreedy(logits: Float32Array): number {
  const best = argmax(logits);
  if (best < 0) throw new NoFiniteLogitsError(logits.length);
  return best;
}
