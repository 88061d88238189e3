/**
 * Seeded, platform-independent random weights.
 *
 * Every tensor has its own stream, keyed by (seed, tensor name), so a tensor's values do not depend
 * on the output type, on the other tensors, or on the order they are written in: `tiny` in Q4_K
 * holds exactly the quantization of the values `tiny` in F32 holds.
 *
 * Numerics: the generator is xoshiro128** (32-bit integer ops via Math.imul, exact in JS). A value
 * is the Irwin–Hall sum of four 16-bit uniforms, centred and scaled to the requested standard
 * deviation — bell-shaped, bounded to ±sqrt(3)·2·std ≈ ±3.46·std, and computed with integer adds
 * and one double multiply, so the bytes are the same on every machine and Node version (no
 * Math.log/Math.cos, whose last bits are implementation-defined).
 */

/** Distribution of one tensor's values: `mean + std · z` with z ~ Irwin–Hall(4) standardised. */
export interface WeightInit {
  readonly mean: number;
  readonly std: number;
}

/** Projection matrices and embeddings: small, zero-mean (like a 0.02 init). */
export const WEIGHT_INIT: WeightInit = { mean: 0, std: 0.02 };
/** RMSNorm gains: around 1, so activations keep their scale through the layers. */
export const NORM_INIT: WeightInit = { mean: 1, std: 0.02 };
/** Q/K/V biases: small, zero-mean. */
export const BIAS_INIT: WeightInit = { mean: 0, std: 0.02 };

// The sum of four uniforms on {0..65535} has mean 4·32767.5 and variance 4·(65536²−1)/12 =
// 1431655765; dividing by its square root (37837.2272…) standardises it.
const IH_MEAN = 131070;
const IH_INV_STD = 1 / 37837.22723720648;

/** 32-bit FNV-1a of a string's UTF-16 code units (names are ASCII). */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** One round of the splitmix32 finaliser (a bijection on 32-bit integers). */
function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A xoshiro128** stream; {@link fill} writes consecutive values of one tensor. */
export class WeightStream {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** `seed` is a 32-bit unsigned integer; `name` selects the tensor's own stream. */
  constructor(
    seed: number,
    name: string,
    readonly init: WeightInit,
  ) {
    // splitmix32 over a state that mixes both keys; the four outputs seed xoshiro.
    let x = (mix32((seed >>> 0) ^ 0x5bd1e995) ^ fnv1a32(name)) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      return mix32(x);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Fills `out` with the stream's next `out.length` values (rounded to f32 by the store). */
  fill(out: Float32Array): void {
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    const scale = this.init.std * IH_INV_STD;
    const mean = this.init.mean;
    for (let i = 0; i < out.length; i++) {
      // Two xoshiro128** outputs give four 16-bit uniforms.
      let r = Math.imul(s1, 5);
      let a = Math.imul((r << 7) | (r >>> 25), 9);
      let t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      r = Math.imul(s1, 5);
      const b = Math.imul((r << 7) | (r >>> 25), 9);
      t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      a = (a & 0xffff) + (a >>> 16) + (b & 0xffff) + (b >>> 16);
      out[i] = mean + (a - IH_MEAN) * scale;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }
}

/** All `n` values of one tensor (convenient for tests and small tensors). */
export function tensorValues(seed: number, name: string, init: WeightInit, n: number): Float32Array {
  const out = new Float32Array(n);
  new WeightStream(seed, name, init).fill(out);
  return out;
}
