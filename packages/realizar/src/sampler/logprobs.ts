/**
 * Log-probabilities of a logits row, for OpenAI's `logprobs` / `top_logprobs`: the log-softmax of
 * the model's raw logits (temperature 1, no penalties, no truncation, no constraint mask) — the
 * model's own distribution, which is what OpenAI reports, so that values do not change with the
 * sampling settings. NaN logits count as −∞. Sums in double; one pass for the max, one for the
 * normaliser, one for the top-k (a small insertion-sorted list, k ≤ 20).
 */

/** A token's log-probability. */
export interface IdLogprob {
  readonly id: number;
  readonly logprob: number;
}

/** log Σ exp(logits[i]) over the finite logits (−∞ when none is). */
export function logSumExp(logits: Float32Array): number {
  const n = logits.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i] > max) max = logits[i];
  if (max === -Infinity || max !== max) return -Infinity;
  if (max === Infinity) return Infinity;
  let z = 0;
  for (let i = 0; i < n; i++) {
    const l = logits[i];
    if (l === l) z += Math.exp(l - max);
  }
  return max + Math.log(z);
}

/**
 * The `k` most likely tokens of `logits` with their log-probabilities, best first (ties: lower
 * id first). `lse` is {@link logSumExp} of the row (pass it when already computed).
 */
export function topLogprobs(logits: Float32Array, k: number, lse: number = logSumExp(logits)): IdLogprob[] {
  const n = logits.length;
  k = Math.min(Math.max(0, Math.floor(k)), n);
  if (k === 0) return [];
  const ids: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < n; i++) {
    const l = logits[i];
    if (!(l === l)) continue;
    if (ids.length < k) {
      ids.push(i);
      vals.push(l);
    } else if (l > vals[k - 1]) {
      ids[k - 1] = i;
      vals[k - 1] = l;
    } else {
      continue;
    }
    // Bubble up; strict < keeps an equal, earlier (lower) id ahead.
    for (let j = ids.length - 1; j > 0 && vals[j - 1] < vals[j]; j--) {
      const v = vals[j];
      vals[j] = vals[j - 1];
      vals[j - 1] = v;
      const t = ids[j];
      ids[j] = ids[j - 1];
      ids[j - 1] = t;
    }
  }
  return ids.map((id, i) => ({ id, logprob: vals[i] - lse }));
}

/** Log-probability of token `id` under `logits` (−∞ for a NaN or −∞ logit). */
export function tokenLogprob(logits: Float32Array, id: number, lse: number = logSumExp(logits)): number {
  const l = logits[id];
  return l === l ? l - lse : -Infinity;
}
