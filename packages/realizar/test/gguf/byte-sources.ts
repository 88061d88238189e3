/**
 * Byte sources for the GGUF file readers' tests: in memory, counting every byte read, and virtual
 * files of any size whose header is real and whose data region reads as zeros (so a 7B-sized
 * layout can be read header-only without a multi-GB file).
 */
import type { GGUFAsyncByteSource, GGUFByteSource } from '../../src/gguf/index.js';

/** Sync and async reads of `bytes`, counting the bytes and calls served. */
export class MemorySource implements GGUFByteSource, GGUFAsyncByteSource {
  bytesRead = 0;
  reads = 0;
  readonly size: number;

  constructor(
    private readonly bytes: Uint8Array,
    size = bytes.byteLength,
  ) {
    this.size = size;
  }

  readSync(dst: Uint8Array, position: number): number {
    const n = Math.max(0, Math.min(dst.byteLength, this.size - position));
    const have = Math.max(0, Math.min(n, this.bytes.byteLength - position));
    if (have > 0) dst.set(this.bytes.subarray(position, position + have));
    // Past the real bytes a virtual file reads as zeros (a sparse data region).
    if (have < n) dst.fill(0, Math.max(0, have), n);
    this.bytesRead += n;
    this.reads++;
    return n;
  }

  read(dst: Uint8Array, position: number): Promise<number> {
    return Promise.resolve(this.readSync(dst, position));
  }
}
