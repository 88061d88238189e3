/**
 * Partial selection of the best candidates without sorting the whole vocabulary: a bounded min-heap
 * (O(n log k)) over preallocated Int32Array buffers, so nothing vocab-sized is allocated per token.
 * "Better" means a larger logit, and on equal logits the lower token id — the tie rule that makes
 * greedy decoding and every truncation deterministic.
 */

/** True when token `a` ranks before token `b`: larger logit, ties → lower id. */
export function ranksBefore(logits: Float32Array, a: number, b: number): boolean {
  const la = logits[a];
  const lb = logits[b];
  return la > lb || (la === lb && a < b);
}

/**
 * Writes the `k` best of `src[0..srcLen)` into `out[0..k)`, best first. `heap` is scratch of length
 * ≥ k; `out` must not alias `src` (it may alias `heap`). Returns the number written (min(k, srcLen)).
 */
export function selectTop(
  logits: Float32Array,
  src: Int32Array,
  srcLen: number,
  k: number,
  heap: Int32Array,
  out: Int32Array,
): number {
  const m = Math.min(k, srcLen);
  if (m <= 0) return 0;
  // Min-heap on rank: heap[0] is the worst of the best m seen so far.
  let size = 0;
  let worst = -Infinity; // logit of heap[0] once the heap is full: most candidates fail `< worst` at once
  for (let i = 0; i < srcLen; i++) {
    const id = src[i];
    if (size === m) {
      if (logits[id] < worst) continue;
      if (ranksBefore(logits, id, heap[0])) {
        siftDown(logits, heap, size, id);
        worst = logits[heap[0]];
      }
      continue;
    }
    let c = size++;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (!ranksBefore(logits, heap[p], id)) break; // parent is worse-or-equal: stop
      heap[c] = heap[p];
      c = p;
    }
    heap[c] = id;
    if (size === m) worst = logits[heap[0]];
  }
  // Pop the worst repeatedly, filling `out` from the back so that it ends best first. Copy out of
  // `heap` first when they alias: write positions trail the heap's shrinking end, so it is safe.
  for (let end = size - 1; end >= 0; end--) {
    const top = heap[0];
    const last = heap[end];
    if (end > 0) siftDown(logits, heap, end, last);
    out[end] = top;
  }
  return m;
}

/** Places `id` at the root of the min-heap `heap[0..size)` and restores the heap property. */
function siftDown(logits: Float32Array, heap: Int32Array, size: number, id: number): void {
  let c = 0;
  for (;;) {
    const l = 2 * c + 1;
    if (l >= size) break;
    const r = l + 1;
    // The worse child goes up (this is a min-heap on rank).
    const w = r < size && ranksBefore(logits, heap[l], heap[r]) ? r : l;
    if (!ranksBefore(logits, id, heap[w])) break; // id is worse-or-equal than the worse child
    heap[c] = heap[w];
    c = w;
  }
  heap[c] = id;
}

/** Index of the best logit (ties → lowest id); -1 when there is no finite or +∞ value. */
export function argmax(logits: ArrayLike<number>): number {
  let best = -1;
  let bestLogit = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const l = logits[i];
    if (l > bestLogit) {
      bestLogit = l;
      best = i;
    }
  }
  return best;
}
