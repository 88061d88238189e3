/**
 * The memory-bandwidth roofline of decoding. Generating one token reads every weight of every
 * layer once, the final norm and the whole output matrix (lm_head), but only one row of the token
 * embedding; at batch size 1 that traffic dominates, so tok/s ≤ bandwidth / bytes per token.
 * (The KV cache is read too, but for short contexts it is small next to the weights; it is left
 * out so that the ceiling is a property of the model file, as in llama.cpp's discussions.)
 */
import type { ModelWeights } from '@sovereign/realizar';

/** The roofline fields of `apr bench --json`. */
export interface Roofline {
  /** Bytes of weights read per decoded token. */
  readonly bytesPerToken: number;
  /** Measured memory read bandwidth, GB/s (10⁹ bytes). */
  readonly bandwidthGBs: number;
  /** bandwidth / bytesPerToken: the decode rate no implementation can beat on this machine. */
  readonly ceilingTokensPerSec: number;
  /** Measured decode tok/s / ceiling (null when no tg test ran). */
  readonly fractionOfCeiling: number | null;
}

type Weight = { readonly data: Uint8Array } | Float32Array | undefined;

function bytesOf(v: unknown): number {
  if (v instanceof Float32Array) return v.byteLength;
  const d = (v as { data?: unknown } | undefined)?.data;
  return d instanceof Uint8Array ? d.byteLength : 0;
}

/**
 * Bytes of weights one decoded token reads: every tensor and vector of every layer (whatever the
 * architecture adds to a layer is counted too), output norm, output matrix, one embedding row.
 * A tied output matrix *is* the embedding: it is then counted whole (as lm_head) plus one row.
 */
export function weightBytesPerToken(w: ModelWeights): number {
  let bytes = 0;
  for (const layer of w.layers) for (const v of Object.values(layer) as Weight[]) bytes += bytesOf(v);
  bytes += bytesOf(w.outputNorm) + bytesOf(w.output) + bytesOf(w.ropeFreqs);
  bytes += w.tokenEmbd.rowBytes;
  return bytes;
}

/** Builds the roofline from its measurements; `tgTokensPerSec` is the measured decode rate, if any. */
export function roofline(bytesPerToken: number, bandwidthGBs: number, tgTokensPerSec?: number): Roofline {
  const ceiling = (bandwidthGBs * 1e9) / bytesPerToken;
  return {
    bytesPerToken,
    bandwidthGBs,
    ceilingTokensPerSec: ceiling,
    fractionOfCeiling: tgTokensPerSec === undefined ? null : tgTokensPerSec / ceiling,
  };
}
