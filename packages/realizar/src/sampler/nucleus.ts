/**
 * Top-p without sorting: a weighted quickselect that moves the nucleus — the smallest set of best
 * ranked tokens (logit desc, id asc) whose probability mass reaches p — to the front of the candidate
 * list in expected O(n). The order inside the nucleus is left arbitrary: sampling from it does not
 * depend on order. Sorting 150k logits per token (what a plain implementation does when top-k is
 * off) costs tens of milliseconds on flat distributions; this costs one or two passes.
 */

/**
 * Reorders `ids[0..size)` so that the nucleus comes first and returns its length. `weights[id]` is
 * the unnormalised probability of token `id` (exp(logit − max)); `target` is p × Σ weights.
 */
export function partitionNucleus(
  logits: Float32Array,
  weights: Float64Array,
  ids: Int32Array,
  size: number,
  target: number,
): number {
  let lo = 0;
  let hi = size;
  let acc = 0; // mass of ids[0..lo), all of which are in the nucleus
  while (lo < hi) {
    const pivot = medianOf3(logits[ids[lo]], logits[ids[(lo + hi) >>> 1]], logits[ids[hi - 1]]);
    // Three-way partition of ids[lo..hi): [> pivot | == pivot | < pivot].
    let gt = lo;
    let i = lo;
    let lt = hi;
    let massGt = 0;
    let massEq = 0;
    while (i < lt) {
      const id = ids[i];
      const l = logits[id];
      if (l > pivot) {
        ids[i++] = ids[gt];
        ids[gt++] = id;
        massGt += weights[id];
      } else if (l < pivot) {
        ids[i] = ids[--lt];
        ids[lt] = id;
      } else {
        i++;
        massEq += weights[id];
      }
    }
    if (acc + massGt >= target && gt > lo) {
      hi = gt; // the boundary lies among the larger logits
    } else if (acc + massGt + massEq >= target) {
      // The boundary is inside the run of equal logits: they rank by id, so take the lowest ids.
      acc += massGt;
      ids.subarray(gt, lt).sort();
      let k = gt;
      while (k < lt) {
        acc += weights[ids[k++]];
        if (acc >= target) break;
      }
      return k;
    } else {
      acc += massGt + massEq;
      lo = lt;
    }
  }
  return hi; // rounding kept the mass just under target: the whole remaining range is the nucleus
}

function medianOf3(a: number, b: number, c: number): number {
  if (a < b) return b < c ? b : a < c ? c : a;
  return a < c ? a : b < c ? c : b;
}
