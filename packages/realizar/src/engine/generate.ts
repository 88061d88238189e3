/**
 * The generation loop: one prefill `forward(prompt)`, then sample → emit → `forward([token])` until an
 * end-of-generation token, a stop token, a stop string, the token limit, or an abort. Text goes
 * through the tokenizer's stream decoder (never half a UTF-8 character) and a stop-string matcher
 * (never text that might be the start of a stop string). Between tokens the loop yields to the event
 * loop, so servers and Ctrl-C handlers stay responsive while a CPU-bound model decodes.
 */

import { setImmediate as nextTick } from 'node:timers/promises';
import { Sampler } from '../sampler/sampler.js';
import type { SamplingParams } from '../sampler/sampling-params.js';
import { ContextBudgetError, GenerateOptionsError } from './errors.js';
import { StopStringMatcher } from './stop-matcher.js';
import { makeTimings, type GenerateTimings } from './timings.js';
import type { GenerationTokenizer, LogitsSession } from './types.js';

const EMPTY_LOGITS: Float32Array = new Float32Array(0);

/** One sampled token and the text it released (may be '' while text is held back). */
export interface GenerateChunk {
  readonly token: number;
  readonly text: string;
}

/** Why generation ended. */
export type StopReason = 'eog' | 'stop' | 'length' | 'abort';

/** Options of {@link generate}. */
export interface GenerateOptions {
  /** Most tokens to sample; -1 = until the context is full (needs a known context length). */
  maxTokens: number;
  /** Sampling parameters (llama.cpp defaults for missing ones), or a sampler to reuse. */
  sampling?: Partial<SamplingParams> | Sampler;
  /** Stop strings: generation ends when the text contains one; the text is cut before it. */
  stop?: readonly string[];
  /** Extra token ids that end generation (besides the tokenizer's EOG tokens). */
  stopTokens?: readonly number[];
  /** Aborts between tokens (stopReason 'abort'); the prefill itself is not interruptible. */
  signal?: AbortSignal;
  /** Called with every chunk, before it is yielded. */
  onToken?: (chunk: GenerateChunk) => void;
  /** KV-cache capacity; defaults to `session.contextLength`. Unknown → no up-front check. */
  contextLength?: number;
  /** Model load time to report in the timings. */
  loadMs?: number;
}

/** The outcome of {@link generate}, returned when the generator finishes. */
export interface GenerateResult {
  /** All emitted text: the concatenation of the chunks' text. */
  readonly text: string;
  /** All sampled tokens, including a final EOG / stop token. */
  readonly tokens: readonly number[];
  /** The prompt tokens that were fed. */
  readonly promptTokens: readonly number[];
  readonly stopReason: StopReason;
  /** The stop string that ended generation, when stopReason is 'stop' because of one. */
  readonly stopString?: string;
  /** The sampler's seed (replay with `seed`). */
  readonly seed: number;
  readonly timings: GenerateTimings;
}

/**
 * Generates a continuation of `promptTokens`, appended at `session.position` (a non-empty KV cache is
 * a reused prefix). Every sampled token is yielded once, as `{ token, text }`; text of EOG / stop
 * tokens is never shown. The generator's return value is the {@link GenerateResult}.
 *
 * The sampler accepts the prompt tokens (so repetition penalties see them, as in llama.cpp) and every
 * sampled token. Throws {@link ContextBudgetError} before feeding anything when
 * `position + prompt + maxTokens` exceeds the context, and {@link GenerateOptionsError} on bad options.
 */
export async function* generate(
  session: LogitsSession,
  tokenizer: GenerationTokenizer,
  promptTokens: readonly number[],
  opts: GenerateOptions,
): AsyncGenerator<GenerateChunk, GenerateResult, void> {
  const limit = tokenLimit(session, promptTokens, opts);
  const sampler = opts.sampling instanceof Sampler ? opts.sampling : new Sampler(opts.sampling);
  sampler.acceptMany(promptTokens);
  const decoder = tokenizer.createStreamDecoder();
  const matcher = new StopStringMatcher(opts.stop);
  const stopTokens = new Set(opts.stopTokens ?? []);
  const tokens: number[] = [];
  let text = '';
  let promptMs = 0;
  let generateMs = 0;
  let stopReason: StopReason = 'length';
  let stopString: string | undefined;

  const finish = (): GenerateResult => ({
    text,
    tokens,
    promptTokens,
    stopReason,
    ...(stopString !== undefined ? { stopString } : {}),
    seed: sampler.seed,
    timings: makeTimings(promptTokens.length, promptMs, tokens.length, generateMs, opts.loadMs),
  });
  /** Releases everything held back at the end of the stream (it may still complete a stop string). */
  const drain = (): string => {
    const m = matcher.push(decoder.flush());
    if (m.stopped) {
      stopReason = 'stop';
      stopString = m.stop;
      return m.text;
    }
    return m.text + matcher.flush();
  };

  if (opts.signal?.aborted) {
    stopReason = 'abort';
    return finish();
  }
  // A plain-argmax sampler on a session that can pick the greedy token itself (on a GPU: only the
  // index crosses back, not the logits row) skips the host logits altogether.
  const greedy = sampler.plainArgmax && session.forwardGreedy !== undefined;
  let logits: Float32Array = EMPTY_LOGITS;
  let next = -1;
  let t0 = performance.now();
  if (greedy) next = session.forwardGreedy!(promptTokens);
  else logits = session.forward(promptTokens);
  promptMs = performance.now() - t0;

  while (tokens.length < limit) {
    t0 = performance.now();
    const token = greedy ? next : sampler.sample(logits);
    sampler.accept(token);
    generateMs += performance.now() - t0;
    tokens.push(token);

    let piece: string;
    let last = true;
    if (tokenizer.isEog(token)) {
      stopReason = 'eog';
      piece = drain();
    } else if (stopTokens.has(token)) {
      stopReason = 'stop';
      piece = drain();
    } else {
      const m = matcher.push(decoder.push(token));
      piece = m.text;
      if (m.stopped) {
        stopReason = 'stop';
        stopString = m.stop;
      } else if (tokens.length >= limit) {
        piece += drain();
      } else {
        last = false;
      }
    }
    text += piece;
    const chunk: GenerateChunk = { token, text: piece };
    opts.onToken?.(chunk);
    yield chunk;
    if (last) return finish();

    await nextTick(); // let timers, sockets and signal handlers run between tokens
    if (opts.signal?.aborted) {
      stopReason = 'abort';
      return finish();
    }
    t0 = performance.now();
    if (greedy) next = session.forwardGreedy!([token]);
    else logits = session.forward([token]);
    generateMs += performance.now() - t0;
  }
  return finish(); // maxTokens 0
}

/** Validates the request and returns how many tokens may be sampled. */
function tokenLimit(session: LogitsSession, prompt: readonly number[], opts: GenerateOptions): number {
  const { maxTokens } = opts;
  if (!Number.isInteger(maxTokens) || maxTokens < -1) {
    throw new GenerateOptionsError(`maxTokens must be an integer ≥ 0, or -1 for "until the context is full"; got ${maxTokens}`);
  }
  if (prompt.length === 0) {
    throw new GenerateOptionsError('the prompt has no tokens: at least one (e.g. BOS) is needed to compute the first logits');
  }
  const ctx = opts.contextLength ?? session.contextLength;
  if (ctx === undefined) return maxTokens === -1 ? Infinity : maxTokens;
  const budget = {
    contextLength: ctx,
    cachedTokens: session.position,
    promptTokens: prompt.length,
    maxTokens: maxTokens === -1 ? 1 : maxTokens,
  };
  const room = ctx - session.position - prompt.length;
  if (room < budget.maxTokens) throw new ContextBudgetError(budget);
  return maxTokens === -1 ? room : maxTokens;
}

/** Runs a generation to the end, discarding the chunks; returns its result. */
export async function collectGeneration(gen: AsyncGenerator<GenerateChunk, GenerateResult, void>): Promise<GenerateResult> {
  for (;;) {
    const next = await gen.next();
    if (next.done) return next.value;
  }
}
