/**
 * The split-K decode attention plan of the GPU backend, chosen per power-of-two context bucket:
 * the plan (grid, chunk, split count) is attention-decode-split.ts's for the bucket's upper end,
 * so all steps of a bucket launch identical grids with identical parameters — one recorded graph
 * serves them (step-graphs.ts), and the split kernels skip the chunks past the device-side length.
 * Within a bucket at most half the launched splits are empty (the bucket is < 2× the length),
 * and an empty split costs one block that exits after reading the length.
 */
import { type SplitPlan, attentionDecodeSplitPlan } from '../kernels/attention-decode-split.js';

/** Smallest power of two ≥ max(kvLen, minChunk), at most ctxLen (never below kvLen). */
export function contextBucket(kvLen: number, ctxLen: number, minChunk: number): number {
  let b = 1;
  while (b < Math.max(kvLen, minChunk)) b *= 2;
  return Math.max(kvLen, Math.min(b, ctxLen));
}

/**
 * The plan of one decode token attending to `kvLen` positions of a `ctxLen` cache: enough splits
 * for ~2 blocks per SM over the nKvHeads (sequence, KV head) pairs, chunks of at least `minChunk`.
 */
export function decodeSplitPlan(kvLen: number, ctxLen: number, nHeads: number, nKvHeads: number, headDim: number, smCount: number, minChunk: number): SplitPlan & { bucket: number } {
  const bucket = contextBucket(kvLen, ctxLen, minChunk);
  const want = Math.max(1, Math.ceil((2 * smCount) / nKvHeads));
  const chunk = Math.max(minChunk, Math.ceil(bucket / want));
  return { ...attentionDecodeSplitPlan(bucket, 1, nHeads, nKvHeads, headDim, smCount, chunk), bucket };
}
