/**
 * Argument checks of the GPU backend, with the reference backend's BackendArgumentError messages:
 * a kernel must never be launched over buffers that do not fit (a device fault) or that overlap
 * where the kernel reads what another thread writes.
 */
import { type AttentionParams, BackendArgumentError } from '@sovereign/trueno';

/** Throws unless `buf` holds at least `n` values. */
export function need(op: string, what: string, buf: ArrayLike<number>, n: number): void {
  if (buf.length < n) throw new BackendArgumentError(`${op}: ${what} needs ${n} values, has ${buf.length}`);
}

/** True when a[0..na) and b[0..nb) share bytes. */
export function overlap(a: Float32Array, na: number, b: Float32Array, nb: number): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + nb * 4 && b.byteOffset < a.byteOffset + na * 4;
}

/** Overlap other than exact aliasing: an element-wise kernel would read values another thread already wrote. */
export function partlyOverlap(a: Float32Array, b: Float32Array, n: number): boolean {
  return a.byteOffset !== b.byteOffset && overlap(a, n, b, n);
}

/** The reference's attention shape checks. */
export function checkAttention(op: string, p: AttentionParams, cacheLen: number): void {
  for (const k of ['nTok', 'nHeads', 'nKvHeads', 'headDim', 'ctxLen', 'pos0'] as const) {
    if (!Number.isInteger(p[k]) || p[k] < 0) throw new BackendArgumentError(`${op}: ${k} must be a non-negative integer, got ${p[k]}`);
  }
  if (p.nKvHeads < 1 || p.nHeads % p.nKvHeads !== 0) throw new BackendArgumentError(`${op}: nHeads (${p.nHeads}) must be a multiple of nKvHeads (${p.nKvHeads})`);
  if (p.pos0 + p.nTok > p.ctxLen) throw new BackendArgumentError(`${op}: positions ${p.pos0}..${p.pos0 + p.nTok - 1} exceed the cache's ${p.ctxLen}`);
  if (cacheLen < p.nKvHeads * p.ctxLen * p.headDim) {
    throw new BackendArgumentError(`${op}: caches need (${p.nKvHeads}, ${p.ctxLen}, ${p.headDim}) values, have ${cacheLen}`);
  }
}

/** Backend.copyWithin's range check. */
export function checkCopyWithin(x: Float32Array, dst: number, src: number, n: number): void {
  for (const [what, v] of [['dst', dst], ['src', src], ['n', n]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new BackendArgumentError(`copyWithin: ${what} must be a non-negative integer, got ${v}`);
  }
  if (src + n > x.length || dst + n > x.length) {
    throw new BackendArgumentError(`copyWithin: moving ${n} values from ${src} to ${dst} needs ${Math.max(src, dst) + n} values, x has ${x.length}`);
  }
}
