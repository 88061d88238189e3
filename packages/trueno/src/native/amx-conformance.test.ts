/**
 * The AMX int8 matmul (native/kernels/matmul-amx.cpp) against the TypeScript reference, for the
 * Q8_0-family weights it handles: output rows 1..1023 (tails of the 16-row tiles), 1..70 tokens
 * (tails of the 16-token tiles: 16, 17, 33 and friends), row lengths of 1..31 blocks plus
 * qwen2.5-0.5b's 896 and 4864, with 1 and 2 threads. TRUENO_AMX_MIN_TOKENS=1 routes every
 * token count to AMX here (the addon re-reads it on setIsa); the default threshold only applies
 * it to prefill-sized batches. Skips, saying why, where the addon or AMX is unavailable.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GGMLType, dtypeInfo } from '../dtype.js';
import { RefBackend } from '../backend/ref-backend.js';
import { randomF32, randomWeight } from '../backend/test-support.js';
import { Tensor } from '../tensor.js';
import type { NativeAddon } from './native-addon.js';
import { nativeAddon, skipReason } from './test-native.js';
import { MATMUL_NMSE, nmse } from './tolerances.js';

const TYPES = [GGMLType.Q8_0, GGMLType.Q4_0, GGMLType.Q5_0] as const;
const MAX_ROWS = 1023;
const ROW_LENGTHS = [32, 96, 224, 896, 992] as const;

/** Sets (or with `undefined` clears) the AMX environment and makes the addon re-read it. */
function amxEnv(addon: NativeAddon, vars: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  addon.setIsa('avx512');
}

/** Why the AMX suite cannot run here, or undefined when it can. */
function amxSkipReason(): string | undefined {
  if (!nativeAddon) return skipReason;
  const { isa, isas } = nativeAddon.info();
  if (!isas.includes('avx512')) return `the CPU has no avx512 kernel set (has ${isas.join(', ')})`;
  const saved = { TRUENO_AMX: process.env.TRUENO_AMX, TRUENO_AMX_MIN_TOKENS: process.env.TRUENO_AMX_MIN_TOKENS };
  amxEnv(nativeAddon, { TRUENO_AMX: undefined });
  const info = nativeAddon.info();
  amxEnv(nativeAddon, saved);
  nativeAddon.setIsa(isa);
  return info.amx ? undefined : `no AMX: ${info.amxReason ?? 'unknown reason'}`;
}

const amxSkip = amxSkipReason();
if (amxSkip) console.warn(`[trueno native tests] skipping AMX tests: ${amxSkip}`);

const weights = new Map<string, Tensor>();
function weight(type: GGMLType, nIn: number): Tensor {
  const key = `${type}:${nIn}`;
  let w = weights.get(key);
  if (!w) {
    w = randomWeight(type, nIn, MAX_ROWS, nIn * 17 + type).w;
    weights.set(key, w);
  }
  return w;
}

const ref = new RefBackend();

/** AMX vs ref for one shape with 1 and 2 threads; the two thread counts must agree exactly. */
function conform(addon: NativeAddon, type: GGMLType, nIn: number, nOut: number, nTok: number, seed: number): void {
  const w = weight(type, nIn).rows(0, nOut);
  const x = randomF32(seed, nTok * nIn, 2);
  const want = new Float32Array(nTok * nOut);
  ref.matmul(w, x, nTok, want);
  const outs: Float32Array[] = [];
  for (const threads of [1, 2]) {
    addon.setThreads(threads);
    const got = new Float32Array(nTok * nOut).fill(NaN);
    addon.matmul(w.data, type, nIn, nOut, x, nTok, got);
    outs.push(got);
    const where = `${dtypeInfo(type).name} amx ${threads}t (nIn ${nIn}, nOut ${nOut}, nTok ${nTok})`;
    expect(nmse(got, want), `${where}: NMSE`).toBeLessThanOrEqual(MATMUL_NMSE[type]!);
  }
  expect(outs[1], `${dtypeInfo(type).name} amx (nIn ${nIn}, nOut ${nOut}, nTok ${nTok}): 2 threads differ from 1`).toEqual(outs[0]);
}

/**
 * Q8_0 weights of nIn rows of nIn values where row r is one-hot: d = 1 in the block holding
 * column r, quant 1 at column r, all else zero. Output (t, r) is then q_y(t, r) * d_y(t, r / 32),
 * exact in float on both sides, so the matmul reads every activation quant and scale back.
 */
function oneHotQ8_0(nIn: number): Tensor {
  const nb = nIn / 32;
  const bytes = new Uint8Array(nIn * nb * 34);
  for (let r = 0; r < nIn; r++) {
    const o = (r * nb + Math.floor(r / 32)) * 34;
    bytes[o + 1] = 0x3c; // fp16 1.0 = 0x3C00, little endian
    bytes[o + 2 + (r % 32)] = 1;
  }
  return Tensor.view('one-hot', GGMLType.Q8_0, [nIn, nIn], bytes);
}

/**
 * Activation rows whose blocks stress the quantizer: random, zero, exact rounding ties
 * (amax 127 gives d = 1, so x * id is x), denormal, huge (fp16 scale overflows to inf),
 * a NaN (the scalar path), +-0, an inf, and small (the fp16 scale is subnormal).
 */
function nastyActivations(nTok: number, nIn: number, seed: number): Float32Array {
  const x = randomF32(seed, nTok * nIn, 3);
  for (let t = 0; t < nTok; t++) {
    for (let b = 0; b < nIn / 32; b++) {
      const o = t * nIn + b * 32;
      const kind = (t * 7 + b) % 9;
      for (let j = 0; j < 32; j++) {
        const v = x[o + j];
        if (kind === 1) x[o + j] = 0;
        else if (kind === 2) x[o + j] = j === 0 ? -127 : Math.trunc(v * 40) + (j % 2 ? 0.5 : -0.5);
        else if (kind === 3) x[o + j] = v * 1e-39;
        else if (kind === 4) x[o + j] = v * 1e30;
        else if (kind === 5 && j === 17) x[o + j] = NaN;
        else if (kind === 6) x[o + j] = j % 2 ? -0 : 0;
        else if (kind === 7 && j === 3) x[o + j] = -Infinity;
        else if (kind === 8) x[o + j] = v * 3e-4;
      }
    }
  }
  return x;
}

describe.skipIf(amxSkip !== undefined)(`AMX matmul conformance${amxSkip ? ` (skipped: ${amxSkip})` : ''}`, () => {
  const addon = nativeAddon!;
  let saved: { isa: string; threads: number; env: Record<string, string | undefined> };
  beforeAll(() => {
    const { isa, threads } = addon.info();
    saved = { isa, threads, env: { TRUENO_AMX: process.env.TRUENO_AMX, TRUENO_AMX_MIN_TOKENS: process.env.TRUENO_AMX_MIN_TOKENS } };
    amxEnv(addon, { TRUENO_AMX: undefined, TRUENO_AMX_MIN_TOKENS: '1' });
  });
  afterAll(() => {
    amxEnv(addon, saved.env);
    addon.setIsa(saved.isa);
    addon.setThreads(saved.threads);
  });

  it('info() reports AMX on with the forced threshold, and TRUENO_AMX=0 turns it off with a reason', () => {
    expect(addon.info()).toMatchObject({ isa: 'avx512', amx: true, amxMinTokens: 1 });
    amxEnv(addon, { TRUENO_AMX: '0' });
    expect(addon.info()).toMatchObject({ amx: false, amxReason: 'disabled by TRUENO_AMX=0' });
    amxEnv(addon, { TRUENO_AMX: undefined });
    expect(addon.info().amx).toBe(true);
  });

  it('quantizes activations to exactly the reference Q8_0 bytes and scales (one-hot weights) [F-NATIVE-AMX-2]', () => {
    for (const [nIn, nTok] of [
      [32, 1],
      [96, 17],
      [896, 40],
    ]) {
      const w = oneHotQ8_0(nIn);
      const x = nastyActivations(nTok, nIn, nIn + nTok);
      const want = new Float32Array(nTok * nIn);
      ref.matmul(w, x, nTok, want);
      for (const threads of [1, 2]) {
        addon.setThreads(threads);
        const got = new Float32Array(nTok * nIn).fill(12345);
        addon.matmul(w.data, GGMLType.Q8_0, nIn, nIn, x, nTok, got);
        for (let i = 0; i < got.length; i++) {
          if (got[i] !== want[i] && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) {
            const t = Math.floor(i / nIn);
            const c = i % nIn;
            expect.fail(`nIn ${nIn} ${threads}t: token ${t} column ${c} (x ${x[t * nIn + c]}): AMX ${got[i]}, ref ${want[i]}`);
          }
        }
      }
    }
  });

  for (const type of TYPES) {
    const name = dtypeInfo(type).name;
    it(`${name}: AMX matches ref within NMSE ${MATMUL_NMSE[type]} over tile tails, independent of threads [F-NATIVE-AMX-1]`, () => {
      // Tile tails and corners: 1, 15, 16, 17, 33 tokens and rows; a whole qwen2.5-0.5b FFN row
      // length in both directions.
      for (const [nIn, nOut, nTok] of [
        [32, 1, 1],
        [32, 16, 16],
        [96, 17, 17],
        [896, 1023, 16],
        [896, 33, 33],
        [992, 15, 70],
        [224, 1023, 65],
        [4864, 40, 19],
      ]) {
        conform(addon, type, nIn, nOut, nTok, nIn + nOut + nTok);
      }
      fc.assert(
        fc.property(
          fc.oneof(fc.constantFrom(...ROW_LENGTHS), fc.integer({ min: 1, max: 31 }).map((b) => 32 * b)),
          fc.integer({ min: 1, max: MAX_ROWS }),
          fc.oneof(fc.constantFrom(16, 17, 33), fc.integer({ min: 1, max: 70 })),
          fc.nat(),
          (nIn, nOut, nTok, seed) => conform(addon, type, nIn, nOut, nTok, seed),
        ),
        { numRuns: 10 },
      );
    });
  }
});
