/**
 * Typed errors of model loading and inference. Each names what was wrong, what was expected and
 * what was found, so a bad file or a bad call can be fixed from the message alone.
 */

/** Base class of the model errors. */
export class ModelError extends Error {
  override name = 'ModelError';
}

/** A metadata key is missing, has the wrong type, or holds a value the model cannot use. */
export class ModelConfigError extends ModelError {
  override name = 'ModelConfigError';
  constructor(
    /** The GGUF key (or derived quantity) at fault. */
    readonly key: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`model config '${key}': expected ${expected}, got ${actual}`);
  }
}

/** The file's `general.architecture` is not one this engine implements. */
export class UnsupportedArchitectureError extends ModelError {
  override name = 'UnsupportedArchitectureError';
  constructor(
    readonly arch: string,
    readonly supported: readonly string[],
  ) {
    super(`unsupported model architecture '${arch}': supported are ${supported.join(', ')}`);
  }
}

/** A tensor is missing, unexpected, or has the wrong type or dimensions. */
export class ModelTensorError extends ModelError {
  override name = 'ModelTensorError';
  constructor(
    readonly tensor: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`tensor '${tensor}': expected ${expected}, got ${actual}`);
  }
}

/** A forward call would write past the session's context (tokens are never silently dropped). */
export class ContextOverflowError extends ModelError {
  override name = 'ContextOverflowError';
  constructor(
    /** Tokens already in the session's KV cache. */
    readonly position: number,
    /** Tokens the call asked to add. */
    readonly nTokens: number,
    readonly contextLength: number,
  ) {
    super(
      `context overflow: ${nTokens} token(s) at position ${position} need ${position + nTokens} positions, ` +
        `but the context length is ${contextLength}`,
    );
  }
}

/** A token id outside the vocabulary was passed to forward. */
export class InvalidTokenError extends ModelError {
  override name = 'InvalidTokenError';
  constructor(
    readonly token: number,
    /** Index of the token in the call's token list. */
    readonly index: number,
    readonly vocabSize: number,
  ) {
    super(`token ${token} at index ${index} is not an id of the vocabulary (0..${vocabSize - 1})`);
  }
}
