/**
 * Typed GGUF errors. Every message names the field (`header.version`, `key 'general.alignment'`,
 * `tensor 'blk.0.attn_q.weight'`), the byte offset where it applies, and what was expected versus
 * found, so that a corrupt or truncated model file can be diagnosed from the message alone.
 */

/** Structured details carried by every {@link GGUFError}. */
export interface GGUFErrorDetails {
  /** The field the error is about, e.g. `header.tensor_count` or `tensor 'output.weight'`. */
  readonly field: string;
  /** Byte offset in the file where the field starts (or where the problem was found). */
  readonly offset?: number;
  /** What the format requires. */
  readonly expected?: string;
  /** What was found. */
  readonly actual?: string;
  /** File path or other label of the input, when known. */
  readonly source?: string;
}

/** Base class of all errors raised by the GGUF reader, writer and metadata accessors. */
export class GGUFError extends Error {
  override name = 'GGUFError';
  readonly field: string;
  readonly offset: number | undefined;
  readonly expected: string | undefined;
  readonly actual: string | undefined;
  readonly source: string | undefined;

  /** `message` should already name the field; the source (file path), if any, is prefixed. */
  constructor(message: string, details: GGUFErrorDetails) {
    super(details.source ? `${details.source}: ${message}` : message);
    this.field = details.field;
    this.offset = details.offset;
    this.expected = details.expected;
    this.actual = details.actual;
    this.source = details.source;
  }
}

/** The input ends before a field, string, array or tensor it declares (or a count is absurd). */
export class GGUFTruncatedError extends GGUFError {
  override name = 'GGUFTruncatedError';
}

/** The bytes are present but violate the format (magic, types, dims, alignment, duplicates ...). */
export class GGUFFormatError extends GGUFError {
  override name = 'GGUFFormatError';
}

/** The header's version is not one this reader supports (v1, or newer than v3). */
export class GGUFVersionError extends GGUFFormatError {
  override name = 'GGUFVersionError';
}

/** A metadata lookup failed: the key is missing or its value has another type. */
export class GGUFKeyError extends GGUFError {
  override name = 'GGUFKeyError';
}

/** The writer's input is invalid (bad value, duplicate name, wrong data length ...). */
export class GGUFWriteError extends GGUFError {
  override name = 'GGUFWriteError';
}

/**
 * Tensor data cannot be placed in memory as asked: a tensor larger than the largest segment, a bad
 * `maxSegmentBytes`, or the whole-file `bytes` of a file that was loaded in segments.
 */
export class GGUFSegmentError extends GGUFError {
  override name = 'GGUFSegmentError';
}

/**
 * The shards of a split GGUF (llama.cpp's `gguf-split` format) do not form one model: a shard
 * missing, given out of order or twice, a wrong `split.*` key, or a tensor in two shards.
 */
export class GGUFSplitError extends GGUFFormatError {
  override name = 'GGUFSplitError';
}
