/**
 * Bit-exact scalar numerics of the emulator: float32 rounding modes, fused multiply-add with a
 * single rounding, f16 / bf16 conversions (trueno's ggml-exact round-to-nearest-even, plus the
 * directed modes PTX's cvt offers), float → integer conversion with saturation, and PTX min/max.
 */
import { FP16_TO_FP32, bf16ToFp32, fp32BitsToBf16, fp32BitsToFp16, fp32Bits, fp32FromBits } from '@sovereign/trueno';

const fround = Math.fround;

/** Directed / nearest rounding of a float result. */
export type FloatRound = 'rn' | 'rz' | 'rm' | 'rp';

/** The float32 after `f` (toward +inf); `f` must be a float32 value. */
export function nextUpF32(f: number): number {
  if (Number.isNaN(f) || f === Infinity) return f;
  if (f === 0) return fp32FromBits(1);
  const b = fp32Bits(f);
  return fp32FromBits(f > 0 ? b + 1 : b - 1);
}

/** The float32 before `f` (toward -inf). */
export function nextDownF32(f: number): number {
  return -nextUpF32(-f);
}

/** `x` (any double) rounded to float32 with `mode`. */
export function roundF32(x: number, mode: FloatRound = 'rn'): number {
  const r = fround(x);
  if (mode === 'rn' || r === x || !Number.isFinite(x)) return r;
  if (mode === 'rz') return Math.abs(r) > Math.abs(x) ? (x > 0 ? nextDownF32(r) : nextUpF32(r)) : r;
  if (mode === 'rm') return r > x ? nextDownF32(r) : r;
  return r < x ? nextUpF32(r) : r;
}

/**
 * fma.rn.f32: a·b + c with one rounding. a·b is exact in a double (24+24 bits); the double sum s
 * may round, and only when s lands exactly on a float32 midpoint can that flip the final
 * rounding, so the exact error of the sum (TwoSum) breaks that tie.
 */
export function fmaF32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = fround(s);
  if (r === s || !Number.isFinite(s)) return r;
  const other = s > r ? nextUpF32(r) : nextDownF32(r);
  if (s - r !== other - s) return r;
  const bb = s - p;
  const err = p - (s - bb) + (c - bb);
  if (err === 0) return r;
  return err > 0 ? Math.max(r, other) : Math.min(r, other);
}

/** f16 bits of float32 `x` with rounding `mode` (PTX cvt.{rn,rz,rm,rp}.f16.f32). NaN gives 0x7fff, as the hardware's canonical NaN. */
export function f32ToF16Bits(x: number, mode: FloatRound = 'rn'): number {
  if (Number.isNaN(x)) return 0x7fff;
  const h = fp32BitsToFp16(fp32Bits(x));
  if (mode === 'rn') return h;
  const v = FP16_TO_FP32[h];
  if (v === x) return h;
  // Step the f16 one unit toward the side the mode asks for. For f16 bit patterns, magnitude
  // grows with the low 15 bits, so ±1 on the pattern moves one ulp (inf - 1 is the largest finite).
  const towardZero = (): number => (h & 0x7fff ? h - 1 : h);
  const awayFromZero = (): number => h + 1;
  if (mode === 'rz') return Math.abs(v) > Math.abs(x) ? towardZero() : h;
  const down = mode === 'rm';
  if (down ? v <= x : v >= x) return h;
  // v is on the wrong side: move toward x.
  const positive = (h & 0x8000) === 0;
  if (h === 0x0000 && down) return 0x8001; // +0 → the smallest negative subnormal
  if (h === 0x8000 && !down) return 0x0001;
  return positive === !down ? awayFromZero() : towardZero();
}

/** f32 value of f16 bits. */
export function f16BitsToF32(h: number): number {
  return FP16_TO_FP32[h & 0xffff];
}

/** bf16 bits of float32 `x` (round to nearest even; NaN keeps sign, becomes quiet). Only `rn` and `rz` exist in PTX for bf16. */
export function f32ToBf16Bits(x: number, mode: FloatRound = 'rn'): number {
  const bits = fp32Bits(x);
  if (mode === 'rz' && !Number.isNaN(x)) return bits >>> 16;
  return fp32BitsToBf16(bits);
}

/** f32 value of bf16 bits. */
export function bf16BitsToF32(h: number): number {
  return bf16ToFp32(h);
}

/** Integer rounding of cvt float → int (`rni` nearest-even, `rzi`, `rmi`, `rpi`). */
export function roundToInt(x: number, mode: 'rni' | 'rzi' | 'rmi' | 'rpi'): number {
  switch (mode) {
    case 'rzi':
      return Math.trunc(x);
    case 'rmi':
      return Math.floor(x);
    case 'rpi':
      return Math.ceil(x);
    case 'rni': {
      const f = Math.floor(x);
      const d = x - f;
      if (d < 0.5) return f;
      if (d > 0.5) return f + 1;
      return f % 2 === 0 ? f : f + 1;
    }
  }
}

/** PTX float → int conversion saturates to the destination range; NaN becomes 0. */
export function saturateInt(x: number, bits: number, signed: boolean): number {
  if (Number.isNaN(x)) return 0;
  const lo = signed ? -(2 ** (bits - 1)) : 0;
  const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  return x < lo ? lo : x > hi ? hi : x;
}

/** PTX min.f32 / max.f32: a NaN operand yields the other operand; ±0 compare with -0 < +0. */
export function minF(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return Math.min(a, b);
}

/** See {@link minF}. */
export function maxF(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return Math.max(a, b);
}

/** Flush a float32 subnormal to sign-preserving zero (the `.ftz` modifier). */
export function ftz(x: number): number {
  return x !== 0 && Math.abs(x) < 1.1754943508222875e-38 ? (x < 0 ? -0 : 0) : x;
}
