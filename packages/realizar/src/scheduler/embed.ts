/**
 * Embeddings as llama.cpp computes them with `--pooling mean`: each input runs through a temporary
 * sequence of its own (a session sized to it, so the slots' caches are untouched), the final
 * hidden states after the output norm are averaged over the tokens, and the mean is L2-normalised
 * (llama.cpp's `embd_normalize` 2, the server's default). Sums in double.
 */
import { GenerateOptionsError } from '../engine/errors.js';
import { ContextOverflowError } from '../model/errors.js';
import type { Model } from '../model/model.js';

/** One unit vector of `dim` per input, and the tokens evaluated. */
export function embedMean(model: Model, inputs: ReadonlyArray<readonly number[]>): { embeddings: number[][]; promptTokens: number } {
  const { dim, contextLength } = model.config;
  const embeddings: number[][] = [];
  let promptTokens = 0;
  for (const [n, ids] of inputs.entries()) {
    if (ids.length === 0) throw new GenerateOptionsError(`embedding input ${n} has no tokens`);
    if (ids.length > contextLength) throw new ContextOverflowError(0, ids.length, contextLength);
    const session = model.createSession({ contextLength: ids.length });
    const hidden = new Float32Array(ids.length * dim); // (nTok, dim)
    session.forward(ids, { hidden });
    const sum = new Float64Array(dim);
    for (let t = 0; t < ids.length; t++) for (let d = 0; d < dim; d++) sum[d] += hidden[t * dim + d];
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      sum[d] /= ids.length;
      norm += sum[d] * sum[d];
    }
    norm = Math.sqrt(norm);
    embeddings.push(Array.from(sum, (v) => (norm > 0 ? v / norm : 0)));
    promptTokens += ids.length;
  }
  return { embeddings, promptTokens };
}
