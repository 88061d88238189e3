/**
 * Logit comparison of two engines over the same token sequence: per position the two top-1
 * tokens and the largest |Δlogit|, overall the argmax agreement, the largest |Δlogit| relative to
 * the largest |logit|, and the NMSE, with the PASS/FAIL rule of `apr check`.
 *
 * Why these numbers. Argmax agreement is what a user sees (greedy output); NMSE
 * (Σ(ours − ref)² / Σ ref², over every position and vocabulary entry) measures the whole logit
 * vector, so it notices a wrong weight or a wrong RoPE even when the top-1 survives, while one
 * outlier logit cannot dominate it. Max |Δ| / max |ref| is printed as the worst single entry.
 * A top-1 that differs is accepted only on a near-tie (the reference's two candidates closer than
 * the class's rounding noise), because quantized activations can order such pairs either way in
 * any two correct engines (./tolerance.ts); it is still counted and shown.
 * Sums are in float64: the logits are float32 and Σ over 150k × 40 squares must not round away
 * the differences being measured.
 */

/** The bounds {@link compareLogits} applies (see ./tolerance.ts for the values and why). */
export interface LogitTolerance {
  /** Largest NMSE that passes. */
  readonly nmse: number;
  /** Near-tie bound relative to the position's max |logit| (see CheckTolerance.tieRel). */
  readonly tieRel: number;
}

/** One position of the sequence: the logits that predict the token after it. */
export interface PositionComparison {
  readonly position: number;
  /** The input token at this position. */
  readonly token: number;
  /** Our top-1 (the greedy next token). */
  readonly oursTop: number;
  /** The reference's top-1. */
  readonly refTop: number;
  /** Reference's top-1 minus top-2 logit: a small margin explains a flipped argmax as a near-tie. */
  readonly refMargin: number;
  /** The reference's logit of its top-1 minus its logit of our top-1 (0 when they agree). */
  readonly refGap: number;
  /** The top-1 differs, but within the near-tie bound (accepted). */
  readonly nearTie: boolean;
  /** max over the vocabulary of |ours − ref|. */
  readonly maxAbsDiff: number;
  /** False when either side has a NaN or ±Inf logit at this position. */
  readonly finite: boolean;
}

/** The whole comparison and its verdict. */
export interface LogitComparison {
  readonly positions: PositionComparison[];
  /** Positions whose top-1 tokens agree. */
  readonly argmaxAgree: number;
  /** Positions whose top-1 differs on a near-tie (accepted). */
  readonly nearTies: number;
  /** Largest |ours − ref| over all positions and tokens. */
  readonly maxAbsDiff: number;
  /** Largest |ref|. */
  readonly maxAbsLogit: number;
  /** maxAbsDiff / maxAbsLogit. */
  readonly maxRelDiff: number;
  /** Σ (ours − ref)² / Σ ref² over everything. */
  readonly nmse: number;
  /** Whether every logit of both sides is finite. */
  readonly finite: boolean;
  /** Count of NaN / ±Inf logits on each side (excluded from the sums above). */
  readonly nonFinite: { readonly ours: number; readonly ref: number };
  readonly tolerance: LogitTolerance;
  readonly pass: boolean;
  /** Why it failed (empty on PASS), one short clause per broken rule. */
  readonly reasons: string[];
}

/** Index of the largest value of row `r` (first one on ties, as llama.cpp's greedy sampler). */
function top2(x: Float32Array, r: number, n: number): { top: number; margin: number } {
  let best = -Infinity;
  let second = -Infinity;
  let top = 0;
  for (let i = 0, o = r * n; i < n; i++) {
    const v = x[o + i];
    if (v > best) {
      second = best;
      best = v;
      top = i;
    } else if (v > second) {
      second = v;
    }
  }
  return { top, margin: best - second };
}

/**
 * Compares `ours` and `ref`, both `(tokens.length, vocab)` row-major, and applies the rule:
 * PASS iff every logit is finite, NMSE ≤ `tol.nmse`, and at every position the top-1 agrees or
 * the two candidates are a near-tie for the reference: ref[refTop] − ref[oursTop] ≤
 * tol.tieRel · max|ref row|.
 */
export function compareLogits(
  ours: Float32Array,
  ref: Float32Array,
  tokens: readonly number[],
  vocab: number,
  tol: LogitTolerance,
): LogitComparison {
  const n = tokens.length;
  if (ours.length !== n * vocab || ref.length !== n * vocab) {
    throw new RangeError(`compareLogits: expected ${n}×${vocab} logits, got ${ours.length} (ours) and ${ref.length} (reference)`);
  }
  const positions: PositionComparison[] = [];
  let num = 0;
  let den = 0;
  let maxAbsDiff = 0;
  let maxAbsLogit = 0;
  let argmaxAgree = 0;
  let nearTies = 0;
  let finite = true;
  const nonFinite = { ours: 0, ref: 0 };
  for (let p = 0; p < n; p++) {
    let rowMax = 0;
    let rowRefMax = 0;
    let rowFinite = true;
    for (let i = p * vocab; i < (p + 1) * vocab; i++) {
      const o = ours[i];
      const r = ref[i];
      if (!Number.isFinite(o) || !Number.isFinite(r)) {
        if (!Number.isFinite(o)) nonFinite.ours++;
        if (!Number.isFinite(r)) nonFinite.ref++;
        rowFinite = false;
        continue;
      }
      const d = o - r;
      num += d * d;
      den += r * r;
      const ad = Math.abs(d);
      if (ad > rowMax) rowMax = ad;
      const ar = Math.abs(r);
      if (ar > rowRefMax) rowRefMax = ar;
    }
    const o = top2(ours, p, vocab);
    const r = top2(ref, p, vocab);
    const refGap = ref[p * vocab + r.top] - ref[p * vocab + o.top];
    const agree = o.top === r.top && rowFinite;
    const nearTie = !agree && rowFinite && refGap <= tol.tieRel * rowRefMax;
    if (agree) argmaxAgree++;
    if (nearTie) nearTies++;
    finite &&= rowFinite;
    if (rowMax > maxAbsDiff) maxAbsDiff = rowMax;
    if (rowRefMax > maxAbsLogit) maxAbsLogit = rowRefMax;
    positions.push({
      position: p,
      token: tokens[p],
      oursTop: o.top,
      refTop: r.top,
      refMargin: r.margin,
      refGap,
      nearTie,
      maxAbsDiff: rowMax,
      finite: rowFinite,
    });
  }
  const nmse = den > 0 ? num / den : num > 0 ? Infinity : 0;
  const maxRelDiff = maxAbsLogit > 0 ? maxAbsDiff / maxAbsLogit : maxAbsDiff > 0 ? Infinity : 0;
  const reasons: string[] = [];
  if (!finite) {
    const bad = positions.filter((q) => !q.finite).map((q) => q.position);
    reasons.push(`non-finite logits at ${bad.length} position(s), first ${bad[0]} (${nonFinite.ours} ours, ${nonFinite.ref} llama.cpp)`);
  }
  const flipped = positions.filter((q) => q.oursTop !== q.refTop && !q.nearTie);
  if (flipped.length > 0) {
    reasons.push(`top-1 differs beyond a near-tie at ${flipped.length} of ${n} positions, first at ${flipped[0].position}`);
  }
  if (!(nmse <= tol.nmse)) reasons.push(`NMSE ${nmse.toExponential(2)} > ${tol.nmse.toExponential(0)}`);
  return {
    positions,
    argmaxAgree,
    nearTies,
    maxAbsDiff,
    maxAbsLogit,
    maxRelDiff,
    nmse,
    finite,
    nonFinite,
    tolerance: tol,
    pass: reasons.length === 0,
    reasons,
  };
}
