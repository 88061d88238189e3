/**
 * Reference RoPE, a port of ggml-cpu's `ggml_compute_forward_rope_f32` (forward direction) with
 * `ggml_rope_cache_init` / `rope_yarn`. The float arithmetic follows ggml step by step, because
 * that is what llama.cpp's logits are made of:
 * - θ_scale = powf(base, -2/nRot) and θ for pair i is θ_{i-1}·θ_scale accumulated in float,
 *   starting from θ_0 = position (not base^(-2i/nRot) computed per pair, which rounds differently);
 * - cos/sin are computed per position once and shared by all heads of that token.
 */
import { BackendArgumentError, type RopeParams } from './backend.js';
import type { Scratch } from './scratch.js';

const fround = Math.fround;

/** ggml_rope_yarn_corr_dims: the pair range [low, high] over which YaRN ramps from extrapolation to interpolation. */
export function yarnCorrDims(nDims: number, nCtxOrig: number, freqBase: number, betaFast: number, betaSlow: number): [number, number] {
  const corrDim = (nRot: number): number =>
    fround((nDims * fround(Math.log(fround(nCtxOrig / fround(fround(nRot * 2) * fround(Math.PI)))))) / fround(2 * fround(Math.log(freqBase))));
  const start = Math.floor(corrDim(betaFast));
  const end = Math.ceil(corrDim(betaSlow));
  return [Math.max(0, start), Math.min(nDims - 1, end)];
}

// rope_yarn_ramp: 1 below `low`, 0 above `high`, linear between (by pair index i0/2).
function yarnRamp(low: number, high: number, i0: number): number {
  const y = fround(fround((i0 >> 1) - low) / Math.max(0.001, fround(high - low)));
  return fround(1 - Math.min(1, Math.max(0, y)));
}

/**
 * Fills `cache[0..nRot)` with (cos θ_i, sin θ_i) pairs for one position, as ggml_rope_cache_init.
 */
function ropeCache(
  pos: number,
  nRot: number,
  thetaScale: number,
  p: RopeParams,
  freqScale: number,
  extFactor: number,
  corr: readonly [number, number],
  cache: Float32Array,
): void {
  const ff = p.freqFactors;
  let mscale0 = fround(p.attnFactor ?? 1);
  if (extFactor !== 0) mscale0 = fround(mscale0 * fround(1 + fround(0.1 * fround(Math.log(fround(1 / freqScale))))));
  let theta = fround(pos);
  for (let i0 = 0; i0 < nRot; i0 += 2) {
    const thetaExtrap = ff ? fround(theta / ff[i0 >> 1]) : theta;
    const thetaInterp = fround(freqScale * thetaExtrap);
    let th = thetaInterp;
    if (extFactor !== 0) {
      const rampMix = fround(yarnRamp(corr[0], corr[1], i0) * extFactor);
      th = fround(fround(thetaInterp * fround(1 - rampMix)) + fround(thetaExtrap * rampMix));
    }
    cache[i0] = fround(Math.cos(th)) * mscale0;
    cache[i0 + 1] = fround(Math.sin(th)) * mscale0;
    theta = fround(theta * thetaScale);
  }
}

/**
 * Throws a BackendArgumentError when the arguments of a rope call do not fit together (shared with
 * other backends); returns nRot.
 */
export function checkRope(x: Float32Array, nTok: number, nHeads: number, headDim: number, positions: ArrayLike<number>, p: RopeParams): number {
  const nRot = p.nRot ?? headDim;
  if (nRot % 2 !== 0 || nRot < 2 || nRot > headDim) {
    throw new BackendArgumentError(`rope: nRot must be even and in 2..${headDim}, got ${nRot}`);
  }
  if (x.length < nTok * nHeads * headDim) {
    throw new BackendArgumentError(`rope: x needs (${nTok}, ${nHeads}, ${headDim}) values, has ${x.length}`);
  }
  if (positions.length < nTok) throw new BackendArgumentError(`rope: ${nTok} tokens but ${positions.length} positions`);
  if (p.freqFactors && p.freqFactors.length < nRot / 2) {
    throw new BackendArgumentError(`rope: freqFactors needs ${nRot / 2} values, has ${p.freqFactors.length}`);
  }
  if (fround(p.extFactor ?? 0) !== 0 && !p.nCtxOrig) throw new BackendArgumentError('rope: YaRN (extFactor ≠ 0) needs nCtxOrig');
  return nRot;
}

/** In-place RoPE of `x (nTok, nHeads, headDim)` (see Backend.rope). */
export function ropeRef(
  x: Float32Array,
  nTok: number,
  nHeads: number,
  headDim: number,
  positions: ArrayLike<number>,
  p: RopeParams,
  scratch: Scratch,
): void {
  const nRot = checkRope(x, nTok, nHeads, headDim, positions, p);
  const freqScale = fround(p.freqScale ?? 1);
  const extFactor = fround(p.extFactor ?? 0);
  let corr: [number, number] = [0, 0];
  if (extFactor !== 0) corr = yarnCorrDims(nRot, p.nCtxOrig!, p.freqBase, p.betaFast ?? 32, p.betaSlow ?? 1);
  // C: powf(freq_base, -2.0f/n_dims), all in float.
  const thetaScale = fround(Math.pow(fround(p.freqBase), fround(-2 / nRot)));
  const cache = scratch.f32('rope.cache', nRot);
  const neox = p.mode === 'neox';
  const half = nRot >> 1;
  for (let t = 0; t < nTok; t++) {
    ropeCache(positions[t], nRot, thetaScale, p, freqScale, extFactor, corr, cache);
    for (let h = 0; h < nHeads; h++) {
      const b = (t * nHeads + h) * headDim;
      for (let i0 = 0; i0 < nRot; i0 += 2) {
        const c = cache[i0];
        const s = cache[i0 + 1];
        // normal: pair (i0, i0+1); neox: pair (i0/2, i0/2 + nRot/2).
        const j0 = neox ? b + (i0 >> 1) : b + i0;
        const j1 = neox ? j0 + half : j0 + 1;
        const x0 = x[j0];
        const x1 = x[j1];
        x[j0] = fround(x0 * c) - fround(x1 * s);
        x[j1] = fround(x0 * s) + fround(x1 * c);
      }
      // Dimensions nRot..headDim pass through unchanged (ggml copies them).
    }
  }
}
