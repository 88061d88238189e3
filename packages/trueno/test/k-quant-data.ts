/**
 * Deterministic test inputs for the K-quant kernel tests: several value distributions that hit
 * different branches of ggml's quantizers (all-positive blocks with min clamped to 0, exact ties
 * for nearest_int, zero sub-blocks, heavy tails where one value sets the scale).
 */

/** mulberry32: small seeded PRNG, so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/** Named generators of `n` float32 values. */
export const DISTRIBUTIONS: Record<string, (n: number, seed: number) => Float32Array> = {
  uniform: (n, s) => {
    const r = rng(s);
    return Float32Array.from({ length: n }, () => 2 * r() - 1);
  },
  gaussian: (n, s) => {
    const r = rng(s);
    return Float32Array.from({ length: n }, () => gaussian(r));
  },
  // ggml test-quantize-fns' synthetic data: 0.1 + 2·cos(i + offset).
  cosine: (n, s) => Float32Array.from({ length: n }, (_, i) => 0.1 + 2 * Math.cos(i + s)),
  heavyTail: (n, s) => {
    const r = rng(s);
    return Float32Array.from({ length: n }, () => gaussian(r) * Math.exp(2 * gaussian(r)));
  },
  positive: (n, s) => {
    const r = rng(s);
    return Float32Array.from({ length: n }, () => 0.5 + 3 * r());
  },
  sparse: (n, s) => {
    const r = rng(s);
    // Whole 16-value runs of zeros plus scattered zeros.
    return Float32Array.from({ length: n }, (_, i) => ((i >> 4) % 3 === 1 || r() < 0.3 ? 0 : gaussian(r)));
  },
  integers: (n, s) => {
    const r = rng(s);
    // Small integers and halves: many exact ties for nearest_int.
    return Float32Array.from({ length: n }, () => Math.floor(r() * 17 - 8) / 2);
  },
  large: (n, s) => {
    const r = rng(s);
    return Float32Array.from({ length: n }, () => 3e4 * gaussian(r));
  },
  tiny: (n, s) => {
    const r = rng(s);
    return Float32Array.from({ length: n }, () => 1e-6 * gaussian(r));
  },
  weightsLike: (n, s) => {
    const r = rng(s);
    // LLM-weight-like: small gaussian with a few outliers.
    return Float32Array.from({ length: n }, () => 0.02 * gaussian(r) * (r() < 0.01 ? 20 : 1));
  },
};

/** ggml's generate_data(offset, n): 0.1 + amplitude·cosf(i + offset) (float ops, double add, float store). */
export function ggmlSyntheticData(offset: number, n: number, amplitude = 2): Float32Array {
  const f = Math.fround;
  return Float32Array.from({ length: n }, (_, i) => 0.1 + f(amplitude * f(Math.cos(f(i + offset)))));
}

/** ggml test-quantize-fns' array_rmse: sqrt(Σ diff²) / n (note: not the usual RMS). */
export function ggmlArrayRmse(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    sum += d * d;
  }
  return Math.sqrt(sum) / a.length;
}

/** Index of the first differing byte, or -1. */
export function firstByteDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Index of the first value whose float32 bits differ (NaN payloads included), or -1. */
export function firstBitDiff(a: Float32Array, b: Float32Array): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}
