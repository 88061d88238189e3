/**
 * `apr check --layers`: our hidden state after every block against the float64 reference forward
 * (./reference-forward.ts) on the same sequence. llama.cpp does not expose its intermediate
 * tensors through node-llama-cpp, so the per-layer oracle is the float64 formula; the logits are
 * checked against llama.cpp itself by the main check. The first layer over tolerance is where a
 * defect entered (later layers inherit it).
 */
import type { Model } from '@sovereign/realizar';
import { referenceForward } from './reference-forward.js';
import { toleranceFor } from './tolerance.js';

/** Error of one layer: max |ours − ref| / max |ref| over the layer's (nTok, dim) residual stream. */
export interface LayerError {
  readonly layer: number;
  readonly maxRelError: number;
  readonly pass: boolean;
}

/** Result of {@link compareLayers}. */
export interface LayerComparison {
  readonly layers: LayerError[];
  /** The same measure on the final logits. */
  readonly logitsMaxRelError: number;
  readonly tolerance: number;
  /** Why this tolerance: the lossiest activation rounding among the weights (./tolerance.ts). */
  readonly toleranceBasis: string;
  /** The first layer over tolerance, or null. */
  readonly firstFailing: number | null;
  readonly pass: boolean;
}

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    // NaN must fail, so compare with `!(d <= num)` rather than `d > num`.
    if (!(d <= num)) num = d;
    const r = Math.abs(b[i]);
    if (r > den) den = r;
  }
  return den > 0 ? num / den : num;
}

/**
 * Runs `tokens` through our forward (one pass, every layer reported) and the float64 reference,
 * and compares the residual stream after each block and the logits, against `tolerance` (default:
 * the layer bound of the model's weight class, ./tolerance.ts).
 */
export function compareLayers(model: Model, tokens: readonly number[], tolerance?: number): LayerComparison {
  const { layerRel, basis } = toleranceFor(model);
  const tol = tolerance ?? layerRel;
  const ours: Float32Array[] = [];
  const logits = model
    .createSession({ contextLength: tokens.length })
    .forward(tokens, { allLogits: true, onLayer: (_l, h) => ours.push(h.slice()) });
  const layers: LayerError[] = [];
  const ref = referenceForward(model, tokens, (l, h) => {
    const e = maxRel(ours[l], h);
    layers.push({ layer: l, maxRelError: e, pass: e <= tol });
    ours[l] = new Float32Array(0); // compared: drop it
  });
  const logitsMaxRelError = maxRel(logits, ref.logits);
  const failing = layers.find((l) => !l.pass);
  return {
    layers,
    logitsMaxRelError,
    tolerance: tol,
    toleranceBasis: basis,
    firstFailing: failing ? failing.layer : null,
    pass: !failing && logitsMaxRelError <= tol,
  };
}
