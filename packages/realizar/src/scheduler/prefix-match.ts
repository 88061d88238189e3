/**
 * Prefix caching: a free slot keeps the KV of the tokens it last held, so a new prompt that starts
 * with them (the same system prompt, the previous turns of a chat) only evaluates the rest.
 */

/** Length of the common prefix of `a` and `b`. */
export function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** A candidate slot: the tokens in its cache and when it was last released. */
export interface CachedSlot {
  readonly tokens: readonly number[];
  readonly lastUsed: number;
}

/**
 * The free slot to give `prompt`: the one sharing the longest prefix, when it covers at least
 * `minShare` of the prompt (llama.cpp's slot prompt similarity, default 0.5); otherwise the least
 * recently used slot, so that a prompt sharing only a BOS or a few tokens does not evict a cache
 * that a follow-up request may want. Returns its index in `free` and the prefix it shares, or
 * index -1 when `free` is empty.
 */
export function pickSlot(free: readonly CachedSlot[], prompt: readonly number[], minShare = 0.5): { index: number; shared: number } {
  let best = -1;
  let bestShared = -1;
  let lru = -1;
  for (let i = 0; i < free.length; i++) {
    const n = commonPrefix(free[i].tokens, prompt);
    if (n > bestShared || (n === bestShared && free[i].lastUsed < free[best].lastUsed)) {
      best = i;
      bestShared = n;
    }
    if (lru < 0 || free[i].lastUsed < free[lru].lastUsed) lru = i;
  }
  if (best < 0) return { index: -1, shared: 0 };
  if (bestShared >= minShare * prompt.length) return { index: best, shared: bestShared };
  return { index: lru, shared: commonPrefix(free[lru].tokens, prompt) };
}
