/**
 * Our side of the benchmark: a realizar model behind the {@link TimedEngine} interface. One session
 * is allocated up front (KV cache for max(P, N) positions, one batched pass of P tokens) and reset
 * before every repetition, which empties its KV cache as far as the forward pass is concerned:
 * nothing is allocated inside the timed region, as llama-bench reuses its context.
 */
import type { Model, Session } from '@sovereign/realizar';
import type { TimedEngine } from './bench-runner.js';

/** Options of {@link realizarEngine}. */
export interface RealizarEngineOptions {
  /** Tokens of the pp test (sizes the batch). */
  readonly nPrompt: number;
  /** Tokens of the tg test. */
  readonly nGen: number;
  /** Name in progress lines, e.g. `apr/ref`. */
  readonly name: string;
}

/** Wraps `model` as a {@link TimedEngine}. */
export function realizarEngine(model: Model, opts: RealizarEngineOptions): TimedEngine {
  const ctx = Math.max(opts.nPrompt, opts.nGen, 1);
  const session: Session = model.createSession({ contextLength: ctx, maxBatch: Math.max(opts.nPrompt, 1) });
  const forward = (ids: readonly number[]): void => void session.forward(ids);
  const one = [0];
  return {
    name: opts.name,
    timePrompt(tokens) {
      session.reset();
      const t0 = performance.now();
      forward(tokens);
      return Promise.resolve(performance.now() - t0);
    },
    timeGenerate(tokens) {
      session.reset();
      const t0 = performance.now();
      for (const t of tokens) {
        one[0] = t;
        forward(one);
      }
      return Promise.resolve(performance.now() - t0);
    },
  };
}
