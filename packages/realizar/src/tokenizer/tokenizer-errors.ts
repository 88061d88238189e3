/**
 * Tokenizer errors. Messages name the metadata key (or argument), what was expected and what was
 * found, so that a bad model file can be diagnosed from the message alone.
 */

/** Structured details carried by every {@link TokenizerError}. */
export interface TokenizerErrorDetails {
  /** The key or argument at fault, e.g. `tokenizer.ggml.model` or `ids[3]`. */
  readonly key: string;
  readonly expected?: string;
  readonly actual?: string;
}

/** Base class of tokenizer errors. */
export class TokenizerError extends Error {
  override name = 'TokenizerError';
  readonly key: string;
  readonly expected: string | undefined;
  readonly actual: string | undefined;

  constructor(message: string, details: TokenizerErrorDetails) {
    super(message);
    this.key = details.key;
    this.expected = details.expected;
    this.actual = details.actual;
  }
}

/** The vocabulary metadata is missing, mistyped or names something unsupported. */
export class TokenizerConfigError extends TokenizerError {
  override name = 'TokenizerConfigError';
}

/** A token id passed to decode / tokenText / isEog is not in [0, vocabSize). */
export class TokenIdError extends TokenizerError {
  override name = 'TokenIdError';
}
