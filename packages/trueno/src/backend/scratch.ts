/**
 * Grow-only scratch buffers, one per named slot. A backend asks for "at least n elements of slot
 * s" on every call; the buffer is reallocated only when a larger size is asked for, so after the
 * first token of the largest batch the hot path allocates no data buffers. The returned arrays
 * may be longer than asked: callers index only the prefix they need.
 */

/** Named, grow-only scratch buffers of three element types. */
export class Scratch {
  private readonly u8s = new Map<string, Uint8Array>();
  private readonly f32s = new Map<string, Float32Array>();
  private readonly f64s = new Map<string, Float64Array>();

  /** At least `n` bytes for `slot` (contents unspecified). */
  u8(slot: string, n: number): Uint8Array {
    const b = this.u8s.get(slot);
    if (b && b.length >= n) return b;
    const nb = new Uint8Array(grow(b?.length ?? 0, n));
    this.u8s.set(slot, nb);
    return nb;
  }

  /** At least `n` float32 values for `slot` (contents unspecified). */
  f32(slot: string, n: number): Float32Array {
    const b = this.f32s.get(slot);
    if (b && b.length >= n) return b;
    const nb = new Float32Array(grow(b?.length ?? 0, n));
    this.f32s.set(slot, nb);
    return nb;
  }

  /** At least `n` float64 values for `slot` (contents unspecified). */
  f64(slot: string, n: number): Float64Array {
    const b = this.f64s.get(slot);
    if (b && b.length >= n) return b;
    const nb = new Float64Array(grow(b?.length ?? 0, n));
    this.f64s.set(slot, nb);
    return nb;
  }

  /** Bytes currently held, for memory reports. */
  get bytes(): number {
    let n = 0;
    for (const b of this.u8s.values()) n += b.byteLength;
    for (const b of this.f32s.values()) n += b.byteLength;
    for (const b of this.f64s.values()) n += b.byteLength;
    return n;
  }

  /** Drops every buffer (they are reallocated on next use). */
  clear(): void {
    this.u8s.clear();
    this.f32s.clear();
    this.f64s.clear();
  }
}

// Grow by at least 1.5x so a slowly increasing size (a growing context) reallocates O(log n) times.
function grow(have: number, need: number): number {
  return Math.max(need, Math.ceil(have * 1.5));
}
