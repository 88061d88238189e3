/**
 * Helpers for the backend tests: a seeded PRNG (fast-check picks seeds and sizes; filling large
 * arrays value by value through fast-check would dominate the run time) and random weights.
 */
import type { GGMLType } from '../dtype.js';
import { dequantize, quantize } from '../quant/index.js';
import { Tensor } from '../tensor.js';

/** mulberry32: a small, fast, seeded PRNG giving floats in [0, 1). */
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

/** `n` values uniform in [-amp, amp). */
export function randomF32(seed: number, n: number, amp = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * r() - 1) * amp;
  return out;
}

/** A random weight of shape [nIn, nOut] quantized to `type`, and its dequantized values (nOut, nIn). */
export function randomWeight(type: GGMLType, nIn: number, nOut: number, seed: number): { w: Tensor; deq: Float32Array } {
  const src = randomF32(seed, nIn * nOut);
  const bytes = quantize(type, src);
  const w = Tensor.view(`w${type}`, type, [nIn, nOut], bytes);
  return { w, deq: dequantize(type, bytes, nIn * nOut) };
}
