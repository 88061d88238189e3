/**
 * A sequence's KV cache: keys and values of every layer for positions 0..ctxLen-1, f32,
 * allocated once when the session is created. Layout `(nLayers, nKvHeads, ctxLen, headDim)`,
 * so one head's keys over positions are contiguous (what the attention loop scans).
 */

/** Preallocated f32 keys and values of one sequence. */
export class KvCache {
  /** Keys, (nLayers, nKvHeads, ctxLen, headDim). */
  readonly k: Float32Array;
  /** Values, (nLayers, nKvHeads, ctxLen, headDim). */
  readonly v: Float32Array;
  /** Per-layer views of {@link k}: (nKvHeads, ctxLen, headDim) each. */
  readonly layerK: readonly Float32Array[];
  /** Per-layer views of {@link v}. */
  readonly layerV: readonly Float32Array[];

  constructor(
    readonly nLayers: number,
    readonly nKvHeads: number,
    readonly ctxLen: number,
    readonly headDim: number,
  ) {
    const perLayer = nKvHeads * ctxLen * headDim;
    this.k = new Float32Array(nLayers * perLayer);
    this.v = new Float32Array(nLayers * perLayer);
    const views = (a: Float32Array): Float32Array[] =>
      Array.from({ length: nLayers }, (_, l) => a.subarray(l * perLayer, (l + 1) * perLayer));
    this.layerK = views(this.k);
    this.layerV = views(this.v);
  }

  /** Bytes held (keys and values). */
  get bytes(): number {
    return this.k.byteLength + this.v.byteLength;
  }

  /** Bytes a cache of these dimensions takes, to check before allocating. */
  static bytesFor(nLayers: number, nKvHeads: number, ctxLen: number, headDim: number): number {
    return 2 * 4 * nLayers * nKvHeads * ctxLen * headDim;
  }
}
