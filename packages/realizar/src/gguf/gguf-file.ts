/**
 * A loaded GGUF file: its header (metadata with checked accessors, tensor descriptors; see
 * {@link GGUFHeader}) and tensor `data` that are zero-copy views of the file's bytes, held in one
 * buffer or, for files larger than one buffer may hold, in several segments.
 */
import { GGUFSegmentError } from './gguf-errors.js';
import { GGUFHeader, type GGUFHeaderInit } from './gguf-header.js';
import type { GGUFSegment } from './gguf-segments.js';
import { GGUF_SPLIT_KEYS } from './gguf-split.js';
import type { GGUFTensorInfo, GGUFWriteSpec } from './gguf-types.js';

export { describeValue } from './gguf-header.js';

/** What the reader hands to {@link GGUFFile}'s constructor. */
export interface GGUFFileInit extends GGUFHeaderInit<GGUFTensorInfo> {
  /** The buffers the tensor data are views of (one covering the whole file, or several). */
  readonly segments: readonly GGUFSegment[];
}

/** A parsed GGUF file with its tensor data (see `readGGUF` / `openGGUF`). */
export class GGUFFile extends GGUFHeader<GGUFTensorInfo> {
  /**
   * The buffers holding the tensor data, in file order: one segment with the whole file (a file
   * parsed from memory, or opened in one read), or several that each hold whole tensors (a file
   * opened in segments because it is larger than `maxSegmentBytes`).
   */
  readonly segments: readonly GGUFSegment[];

  constructor(init: GGUFFileInit) {
    super(init);
    this.segments = init.segments;
  }

  /** True when one buffer holds the whole file (then {@link bytes} is available). */
  get isSingleBuffer(): boolean {
    const s = this.segments;
    return s.length === 1 && s[0].fileOffset === 0 && s[0].bytes.byteLength === this.fileSize;
  }

  /**
   * The whole file; tensor `data` are views of it. Throws {@link GGUFSegmentError} for a file that
   * was opened in segments: use the tensors' `data` (or {@link segments}) then.
   */
  get bytes(): Uint8Array {
    if (!this.isSingleBuffer) {
      const why = this.isSplit ? `a split model of ${this.shards.length} shard files` : 'it is larger than one segment';
      throw new GGUFSegmentError(
        `file.bytes: the file was loaded in ${this.segments.length} segments (${why}), so no buffer holds all ` +
          `of it; read tensor data through tensor(name).data or file.segments`,
        { field: 'file.bytes', expected: 'a file loaded in one buffer', actual: `${this.segments.length} segments`, source: this.source },
      );
    }
    return this.segments[0].bytes;
  }

  /**
   * The input to re-write this file: same version, alignment, metadata (in order) and tensors (in
   * order, with their zero-copy data). `writeGGUF(file.toWriteSpec())` reproduces a file written
   * with ggml's layout (tensors packed in order, each padded to the alignment) byte for byte. A
   * split model gives one unsplit file: all tensors, and the metadata without the `split.*` keys
   * (which would make readers look for shards).
   */
  toWriteSpec(): GGUFWriteSpec {
    return {
      version: this.version === 2 ? 2 : 3,
      alignment: this.alignment,
      metadata: this.isSplit ? [...this.metadata].filter(([k]) => !GGUF_SPLIT_KEYS.includes(k)) : this.metadata,
      tensors: this.tensors.map((t) => ({ name: t.name, type: t.type, dims: t.dims, data: t.data })),
    };
  }
}
