/**
 * Constrained decoding: JSON mode and JSON-schema mode as token masks over a vocabulary.
 *
 * ```ts
 * const c = createConstraint({ kind: 'json_schema', schema }, vocabTextsFromTokenizer(tok));
 * c.allowed(mask); // sample among mask[id] === 1
 * c.accept(id);
 * ```
 */
import type { ConstraintSpec } from '../server/engine-api.js';
import { JsonConstraint, type TokenConstraint } from './json-constraint.js';
import { ANY_OBJECT } from './json-automaton.js';
import { compileJsonSchema } from './json-schema-compile.js';
import { tokenTrie } from './token-trie.js';
import type { VocabTexts } from './vocab-texts.js';

export type { TokenConstraint } from './json-constraint.js';
export { JsonConstraint } from './json-constraint.js';
export { MAX_WHITESPACE } from './json-automaton.js';
export { compileJsonSchema } from './json-schema-compile.js';
export type { SchemaNode } from './json-schema-compile.js';
export { ConstraintViolationError, UnsupportedSchemaError } from './grammar-errors.js';
export { type VocabTexts, vocabTextsFromTokenizer } from './vocab-texts.js';

/**
 * The live constraint of a request. `json_object`: one JSON object (leading whitespace allowed);
 * `json_schema`: one document valid under the schema (subset: type, properties, required,
 * additionalProperties, items, minItems, maxItems, enum, const, anyOf, $ref into $defs; `format`
 * is not enforced). Throws {@link UnsupportedSchemaError} for anything else, so the server can
 * answer 400 before queueing. The vocabulary's token trie is built on first use and memoised.
 */
export function createConstraint(spec: ConstraintSpec, vocab: VocabTexts): TokenConstraint {
  const root = spec.kind === 'json_object' ? ANY_OBJECT : compileJsonSchema(spec.schema);
  return new JsonConstraint(root, tokenTrie(vocab));
}
