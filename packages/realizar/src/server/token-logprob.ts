/**
 * Log-probabilities of a sampled token and the best alternatives, from raw logits: a log-softmax of
 * logits / temperature (temperature ≤ 0, greedy, uses 1), as OpenAI reports them.
 */
import type { TokenLogprob } from './engine-api.js';

/**
 * The distribution's log-probabilities for the `top` most likely tokens and a function giving any
 * token's. Computed in float64: log Σ exp(l − max) is stable for any logit range.
 */
export function logSoftmaxTop(logits: Float32Array, temperature: number, top: number): { lse: number; scale: number; best: number[] } {
  const scale = temperature > 0 ? 1 / temperature : 1;
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const l = logits[i];
    if (l === l && l > max) max = l;
  }
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const l = logits[i];
    if (l === l) sum += Math.exp((l - max) * scale);
  }
  const lse = max * scale + Math.log(sum);
  // Partial selection of the `top` largest (top ≤ 20): insertion into a short sorted list.
  const best: number[] = [];
  if (top > 0) {
    for (let i = 0; i < logits.length; i++) {
      const l = logits[i];
      if (!(l === l)) continue;
      if (best.length === top && l <= logits[best[top - 1]]) continue;
      let j = best.length < top ? best.length : top - 1;
      best[j] = i;
      while (j > 0 && logits[best[j - 1]] < l) {
        best[j] = best[j - 1];
        best[j - 1] = i;
        j--;
      }
    }
  }
  return { lse, scale, best };
}

/** The logprob record of token `id` sampled from `logits`, with `top` alternatives. */
export function tokenLogprobOf(logits: Float32Array, id: number, temperature: number, top: number, text: (id: number) => string): TokenLogprob {
  const { lse, scale, best } = logSoftmaxTop(logits, temperature, top);
  const lp = (i: number): number => {
    const l = logits[i];
    return l === l ? l * scale - lse : -Infinity;
  };
  return {
    id,
    text: text(id),
    logprob: lp(id),
    ...(top > 0 ? { top: best.map((i) => ({ id: i, text: text(i), logprob: lp(i) })) } : {}),
  };
}
