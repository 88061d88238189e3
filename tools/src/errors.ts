/**
 * Errors of the model generator. Each message names what was violated and what was expected
 * versus what was given, so that a CLI user can fix the invocation without reading the source.
 */

/** A preset name that the generator does not know. */
export class UnknownPresetError extends Error {
  override name = 'UnknownPresetError';
  constructor(
    readonly preset: string,
    readonly known: readonly string[],
  ) {
    super(`unknown preset '${preset}': expected one of ${known.join(', ')}`);
  }
}

/** A `--type` that is neither a supported tensor type nor a supported llama.cpp mix. */
export class UnknownModelTypeError extends Error {
  override name = 'UnknownModelTypeError';
  constructor(
    readonly type: string,
    readonly known: readonly string[],
  ) {
    super(`unknown model type '${type}': expected one of ${known.join(', ')}`);
  }
}

/** A tensor row length that no fallback type can hold (llama.cpp would abort too). */
export class TensorShapeError extends Error {
  override name = 'TensorShapeError';
}

/** A vocabulary source (npm package or `--vocab-from` GGUF) that does not hold what is expected. */
export class VocabSourceError extends Error {
  override name = 'VocabSourceError';
}

/** Invalid generator options (bad seed, missing output path, ...). */
export class GeneratorOptionError extends Error {
  override name = 'GeneratorOptionError';
}
