/**
 * The constraint hook: a request's {@link ConstraintSpec} becomes a live constraint built by
 * `createConstraint(spec, vocabTexts)` of `src/grammar/index.ts` (JSON mode, JSON schema). Before
 * each sample the engine asks for the allowed tokens and masks the others to −∞; after it, the
 * engine reports the sampled token.
 */
import type { ConstraintSpec } from '../server/engine-api.js';

/** A live decoding constraint (one per request). */
export interface LiveConstraint {
  /** Writes the allowed tokens into `mask` (vocab-sized): 1 = allowed, 0 = not. */
  allowed(mask: Uint8Array): void;
  /** Advances over the sampled token. */
  accept(tokenId: number): void;
  /** True when the constrained output is complete (generation stops, finish reason 'stop'). */
  done(): boolean;
}

/** Builds a live constraint from its description and the text of every token id. */
export type ConstraintFactory = (spec: ConstraintSpec, vocabTexts: readonly string[]) => LiveConstraint;

/** No constraint module is available, or it does not export `createConstraint`. */
export class ConstraintUnavailableError extends Error {
  override name = 'ConstraintUnavailableError';
}

/**
 * Loads `createConstraint` from the grammar module on first use. The specifier is computed so
 * that this package builds and type-checks while that module is absent; the request then fails
 * with {@link ConstraintUnavailableError}.
 */
export async function loadConstraintFactory(here: string = import.meta.url): Promise<ConstraintFactory> {
  const ext = here.endsWith('.ts') ? '.ts' : '.js';
  const url = new URL(`../grammar/index${ext}`, here).href;
  let mod: { createConstraint?: unknown };
  try {
    mod = (await import(url)) as { createConstraint?: unknown };
  } catch (e) {
    throw new ConstraintUnavailableError(
      `constrained decoding (json_object / json_schema) is not available in this build: the grammar module (${url}) could not be loaded (${(e as Error).message}); send the request without a constraint`,
    );
  }
  if (typeof mod.createConstraint !== 'function') {
    throw new ConstraintUnavailableError('the grammar module does not export createConstraint(spec, vocabTexts); constrained decoding is unavailable');
  }
  return mod.createConstraint as ConstraintFactory;
}
