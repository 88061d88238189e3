/**
 * Tensor data in several buffers ("segments"): a Node.js Buffer holds at most
 * `buffer.constants.MAX_LENGTH` bytes (4 GiB on Node 20), and 7B+ models are larger, so their data
 * section is split into segments of at most `maxSegmentBytes` that each hold whole tensors. Tensors
 * stay zero-copy views (`Uint8Array`s into their segment's ArrayBuffer), which is all the backends
 * need: the reference kernels view them as typed arrays and the native addon takes their pointer.
 *
 * Each segment starts at a file offset that is a multiple of 64, so a tensor's `byteOffset` in its
 * segment is congruent mod 64 to its file offset, exactly as in a whole-file buffer: every view
 * a kernel makes (f32, f16, u32 …) is aligned iff it was in the single-buffer load.
 */
import { constants as bufferConstants } from 'node:buffer';
import { GGUFSegmentError } from './gguf-errors.js';
import type { GGUFTensorDesc, GGUFTensorInfo } from './gguf-types.js';

/** One contiguous range of a file's bytes held in memory. */
export interface GGUFSegment {
  /** File offset of `bytes[0]`. */
  readonly fileOffset: number;
  readonly bytes: Uint8Array;
  /** Split models only: the 0-based shard file the bytes come from (`fileOffset` is in that file). */
  readonly shard?: number;
}

/** A planned segment: the file range `[start, end)` and the indices of the tensors it holds. */
export interface SegmentPlan {
  readonly start: number;
  readonly end: number;
  readonly tensors: readonly number[];
}

/**
 * Default largest segment: 2 GiB. It must hold the largest tensor of any model we load (the 32B
 * Qwen2.5-Coder fp16 token_embd is 152064 × 5120 × 2 B = 1.56 GB; 1 GiB would already reject the 7B
 * fp16 one, 1.09 GB), and it stays below what one `read` call accepts in a chunk (2 GiB − 1).
 */
export const DEFAULT_MAX_SEGMENT_BYTES = 2 ** 31;

/** The largest segment possible: what one Node.js Buffer can hold. */
export const MAX_SEGMENT_BYTES: number = bufferConstants.MAX_LENGTH;

/** File offset granularity of segment starts (see the module comment). */
export const SEGMENT_ALIGN = 64;

/** Throws {@link GGUFSegmentError} unless `max` is an integer in 1..{@link MAX_SEGMENT_BYTES}. */
export function checkMaxSegmentBytes(max: number, source?: string): void {
  if (!Number.isSafeInteger(max) || max < 1 || max > MAX_SEGMENT_BYTES) {
    throw new GGUFSegmentError(`maxSegmentBytes: ${max} is not an integer in 1..${MAX_SEGMENT_BYTES} (the most one Buffer can hold)`, {
      field: 'maxSegmentBytes',
      expected: `an integer in 1..${MAX_SEGMENT_BYTES}`,
      actual: String(max),
      source,
    });
  }
}

/**
 * Packs `tensors` (by file offset) into as few segments of at most `maxSegmentBytes` as a greedy
 * pass gives: a segment grows while the next tensor still ends within `maxSegmentBytes` of its
 * start. Tensors must not overlap (the reader guarantees it). Throws {@link GGUFSegmentError}
 * naming the tensor when one does not fit in a segment of its own.
 */
export function planSegments(tensors: readonly GGUFTensorDesc[], maxSegmentBytes: number, source?: string): SegmentPlan[] {
  checkMaxSegmentBytes(maxSegmentBytes, source);
  const order = tensors.map((_, i) => i).sort((a, b) => tensors[a].fileOffset - tensors[b].fileOffset);
  const plans: Array<{ start: number; end: number; tensors: number[] }> = [];
  let cur: { start: number; end: number; tensors: number[] } | undefined;
  for (const i of order) {
    const t = tensors[i];
    const end = t.fileOffset + t.byteSize;
    if (cur && end - cur.start <= maxSegmentBytes) {
      cur.end = Math.max(cur.end, end);
      cur.tensors.push(i);
      continue;
    }
    const start = t.fileOffset - (t.fileOffset % SEGMENT_ALIGN);
    if (end - start > maxSegmentBytes) {
      const field = `tensor '${t.name}'`;
      const slack = t.fileOffset - start;
      throw new GGUFSegmentError(
        `${field}: its ${t.byteSize} bytes of data${slack ? ` (+${slack} bytes to start its segment at a multiple of ${SEGMENT_ALIGN})` : ''} ` +
          `do not fit in one segment of at most ${maxSegmentBytes} bytes; pass a larger maxSegmentBytes (at most ${MAX_SEGMENT_BYTES})`,
        { field, offset: t.fileOffset, expected: `<= ${maxSegmentBytes} bytes`, actual: `${end - start} bytes`, source },
      );
    }
    cur = { start, end, tensors: [i] };
    plans.push(cur);
  }
  return plans;
}

/** Allocates the buffer of a planned segment (uninitialised: it is filled from the file next). */
export function allocSegment(plan: SegmentPlan): Buffer {
  // allocUnsafeSlow: a dedicated ArrayBuffer, not a slice of Node's shared pool.
  return Buffer.allocUnsafeSlow(plan.end - plan.start);
}

/**
 * The tensors of `descs` with their `data` as views into the loaded `segments` (one per plan, in
 * the same order), in the order of `descs`.
 */
export function tensorViews(descs: readonly GGUFTensorDesc[], plans: readonly SegmentPlan[], segments: readonly GGUFSegment[]): GGUFTensorInfo[] {
  const out = new Array<GGUFTensorInfo>(descs.length);
  for (const [s, plan] of plans.entries()) {
    const seg = segments[s];
    for (const i of plan.tensors) {
      const t = descs[i];
      const at = t.fileOffset - seg.fileOffset;
      out[i] = { ...t, data: seg.bytes.subarray(at, at + t.byteSize) };
    }
  }
  return out;
}
