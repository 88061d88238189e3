/**
 * GGUF v2/v3 reader and writer (`@sovereign/realizar/gguf`).
 *
 * - {@link readGGUF} / {@link openGGUF} / {@link loadGGUF}: parse and validate; tensor data are
 *   zero-copy views of the file buffer, or of segments for files larger than one Buffer.
 * - {@link readGGUFHeader} / {@link readGGUFHeaderSync}: metadata and tensor infos only, read from
 *   the first bytes of the file.
 * - {@link writeGGUF} / {@link writeGGUFFile}: write in memory, or stream atomically to disk.
 * - {@link splitGGUF}: write a model as llama.cpp `gguf-split` shards; the readers above take
 *   the ordered shard paths (or the first shard's path) of a split model.
 * - {@link gguf}: typed metadata value constructors.
 */
export {
  GGUFValueType,
  GGUF_ALIGNMENT_KEY,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_MAX_ARRAY_DEPTH,
  GGUF_MAX_DIMS,
  GGUF_SUPPORTED_VERSIONS,
  alignUp,
  isGGUFValueType,
  valueTypeName,
  valueTypeSize,
} from './gguf-types.js';
export type {
  GGUFArray,
  GGUFArrayItems,
  GGUFArrayOf,
  GGUFArrayValue,
  GGUFBigIntType,
  GGUFNumberType,
  GGUFScalar,
  GGUFTensorData,
  GGUFTensorDesc,
  GGUFTensorInfo,
  GGUFTensorSpec,
  GGUFValue,
  GGUFWriteSpec,
} from './gguf-types.js';
export {
  GGUFError,
  GGUFFormatError,
  GGUFKeyError,
  GGUFSegmentError,
  GGUFSplitError,
  GGUFTruncatedError,
  GGUFVersionError,
  GGUFWriteError,
} from './gguf-errors.js';
export type { GGUFErrorDetails } from './gguf-errors.js';
export { GGUFHeader } from './gguf-header.js';
export type { GGUFHeaderInit } from './gguf-header.js';
export { GGUFFile, describeValue } from './gguf-file.js';
export {
  GGUF_SPLIT_COUNT_KEY,
  GGUF_SPLIT_KEYS,
  GGUF_SPLIT_NO_KEY,
  GGUF_SPLIT_TENSORS_COUNT_KEY,
  findSplitSiblings,
  mergeSplitHeaders,
  parseSplitPath,
  splitKeysOf,
  splitShardPath,
} from './gguf-split.js';
export type { GGUFShardInfo, MergedSplitInit, SplitKeys } from './gguf-split.js';
export { planSplit, splitGGUF, splitGGUFSpecs } from './gguf-split-writer.js';
export type { SplitGGUFOptions } from './gguf-split-writer.js';
export type { GGUFFileInit } from './gguf-file.js';
export { readGGUF } from './gguf-reader.js';
export type { ReadGGUFOptions } from './gguf-reader.js';
export { openGGUF, loadGGUF } from './gguf-open.js';
export type { GGUFInput, OpenGGUFOptions } from './gguf-open.js';
export { readGGUFHeader, readGGUFHeaderSync, HEADER_WINDOW_BYTES } from './gguf-header-read.js';
export type { ReadGGUFHeaderOptions } from './gguf-header-read.js';
export { DEFAULT_MAX_SEGMENT_BYTES, MAX_SEGMENT_BYTES, planSegments } from './gguf-segments.js';
export type { GGUFSegment, SegmentPlan } from './gguf-segments.js';
export type { GGUFAsyncByteSource, GGUFByteSource } from './gguf-source.js';
export { writeGGUF, writeGGUFFile } from './gguf-writer.js';
export { planGGUF, GGUF_MAX_TENSOR_NAME_BYTES } from './gguf-layout.js';
export type { GGUFLayout, PlannedTensor } from './gguf-layout.js';
export { gguf } from './gguf-value.js';
export type { GGUFArrayInput } from './gguf-value.js';
