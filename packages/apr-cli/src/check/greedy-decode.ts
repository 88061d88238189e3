/**
 * Our side of `apr check`: a greedy (argmax) decode and the logits of every position of the
 * resulting sequence, on the model's own backend (the reference backend unless the caller loaded
 * another).
 */
import type { Model } from '@sovereign/realizar';

/** How our logits for the compared sequence are produced. */
export type OurLogitsMode =
  /** After the decode, a fresh session evaluates the whole sequence in one pass (like llama.cpp does). */
  | 'sequence'
  /**
   * The logits the decode itself produced: the prompt's prefill (all rows) and then one row per
   * decode step through the KV cache. Costs one pass less (half the time on large models) and
   * checks the incremental path `apr run` uses.
   */
  | 'decode';

/** Result of {@link greedyRun}. */
export interface GreedyRun {
  /** Prompt followed by the generated tokens: the sequence both engines score. */
  readonly tokens: number[];
  readonly promptLength: number;
  readonly generated: number[];
  /** Our logits `(tokens.length, vocab)`: row p predicts the token after position p. */
  readonly logits: Float32Array;
  /** Wall time of the decode and of the scoring pass ('sequence' mode), in ms. */
  readonly decodeMs: number;
  readonly scoreMs: number;
}

/** Index of the largest logit (the first on ties, as llama.cpp's greedy sampler). */
export function argmax(x: Float32Array, offset = 0, n = x.length - offset): number {
  let best = offset;
  for (let i = offset + 1; i < offset + n; i++) if (x[i] > x[best]) best = i;
  return best - offset;
}

/**
 * Greedy-decodes `nPredict` tokens after `prompt` (never stopping early: an end-of-generation
 * token is just another token to compare) and returns our logits for every position of
 * prompt + generated, produced as `mode` says.
 */
export function greedyRun(model: Model, prompt: readonly number[], nPredict: number, mode: OurLogitsMode = 'sequence'): GreedyRun {
  if (prompt.length === 0) throw new RangeError('greedyRun: the prompt needs at least one token');
  const vocab = model.config.vocabSize;
  const total = prompt.length + nPredict;
  const keep = mode === 'decode';
  const logits = new Float32Array(total * vocab);
  const session = model.createSession({ contextLength: total });
  const t0 = performance.now();
  const generated: number[] = [];

  // Prefill: with 'decode' keep every row (they are the prompt positions' logits).
  let last = session.forward(prompt, { allLogits: keep });
  if (keep) {
    logits.set(last);
    last = last.subarray((prompt.length - 1) * vocab);
  }
  for (let step = 0; step < nPredict; step++) {
    const next = argmax(last);
    generated.push(next);
    // The last generated token only needs its own row when we keep the decode's logits.
    if (step === nPredict - 1 && !keep) break;
    last = session.forward([next]);
    if (keep) logits.set(last, (prompt.length + step) * vocab);
  }
  const decodeMs = performance.now() - t0;

  const tokens = [...prompt, ...generated];
  let scoreMs = 0;
  if (!keep) {
    const t1 = performance.now();
    logits.set(model.createSession({ contextLength: total }).forward(tokens, { allLogits: true }));
    scoreMs = performance.now() - t1;
  }
  return { tokens, promptLength: prompt.length, generated, logits, decodeMs, scoreMs };
}
