/**
 * The constraint hook: a request's {@link ConstraintSpec} becomes a live constraint built by
 * `createConstraint(spec, vocabTexts)` of `src/grammar/index.ts` (JSON mode, JSON schema). Before
 * each sample the engine asks for the allowed tokens and masks the others to −∞; after it, the
 * engine reports the sampled token.
 */
import type { ConstraintSpec } from '../server/engine-api.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';

/** A live decoding constraint (one per request). */
export interface LiveConstraint {
  /** Writes the allowed tokens into `mask` (vocab-sized): 1 = allowed, 0 = not. */
  allowed(mask: Uint8Array): void;
  /** Advances over the sampled token. */
  accept(tokenId: number): void;
  /** True when the constrained output is complete (generation stops, finish reason 'stop'). */
  done(): boolean;
}

/**
 * Builds a live constraint from its description and the request's tokenizer (the grammar module
 * reads every token's bytes and the EOG/special ids from it, memoised per tokenizer).
 */
export type ConstraintFactory = (spec: ConstraintSpec, tokenizer: Tokenizer) => LiveConstraint;

/** No constraint module is available, or it does not export `createConstraint`. */
export class ConstraintUnavailableError extends Error {
  override name = 'ConstraintUnavailableError';
}

/**
 * `createConstraint` of the grammar module (src/grammar), loaded on first use so that servers
 * that never see a constrained request do not pay for it.
 */
export async function loadConstraintFactory(): Promise<ConstraintFactory> {
  const grammar = await import('../grammar/index.js');
  return (spec, tokenizer) => grammar.createConstraint(spec, grammar.vocabTextsFromTokenizer(tokenizer));
}
