/**
 * The addon's activation quantizers produce the same bytes as the TypeScript reference (ggml's
 * quantize_row_q8_0_ref / quantize_row_q8_1_ref / quantize_row_q8_K_ref, the f16 and bf16 row
 * conversions), on every kernel set: the native matmul is only comparable with the reference if
 * both dot the same activation bytes. Includes the rounding traps (roundf's half away from zero
 * for Q8_0 / Q8_1, nearest_int's half to even for Q8_K), zero blocks, subnormals, huge values and
 * inf/NaN.
 */
import { describe, expect, it } from 'vitest';
import { bf16Ops } from '../quant/bf16.js';
import { f16Ops } from '../quant/f16.js';
import { q8_0Ops } from '../quant/q8-0.js';
import { q8_1Ops } from '../quant/q8-1.js';
import { q8_KOps } from '../quant/q8-k.js';
import type { QuantOps } from '../quant/quant-ops.js';
import { randomF32, rng } from '../backend/test-support.js';
import type { NativeActFormat } from './native-addon.js';
import { forEachIsa, nativeAddon, nativeSuite } from './test-native.js';

/** Inputs of `n` values (n a multiple of 256) that exercise the quantizers' edge cases. */
function cases(n: number, allowNaN: boolean): Array<[string, Float32Array]> {
  const out: Array<[string, Float32Array]> = [];
  for (const amp of [1, 1e-3, 1e3, 1e-30]) out.push([`uniform ±${amp}`, randomF32(n + amp, n, amp)]);
  // Heavy tails: a few outliers per block set the scale, most values quantize near zero.
  const r = rng(7);
  const tails = new Float32Array(n);
  for (let i = 0; i < n; i++) tails[i] = (r() - 0.5) * (r() < 0.05 ? 100 : 1);
  out.push(['outliers', tails]);
  // Exact ties: with a block maximum of 127 the Q8_0 scale is 1 and x * (1/d) lands on k + 0.5;
  // with the signed maximum 127 the Q8_K scale is -1, same ties.
  const ties = new Float32Array(n);
  for (let i = 0; i < n; i++) ties[i] = i % 32 === 0 ? 127 : ((i % 17) - 8) + 0.5;
  out.push(['ties at k + 0.5', ties]);
  const special = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const b = Math.floor(i / 32) % 8;
    special[i] = [0, -0, 1e-40 * (i % 5), 3e38 * (i % 2 ? 1 : -1), i % 3 ? 1 : Infinity, 2 ** -24 * i, -1, i % 4 ? 0.25 : -Infinity][b];
  }
  out.push(['zeros, subnormals, huge, inf', special]);
  if (allowNaN) {
    const nan = randomF32(3, n);
    for (let i = 5; i < n; i += 37) nan[i] = NaN;
    out.push(['NaN', nan]);
  }
  return out;
}

function check(format: NativeActFormat, ops: QuantOps, rowBytes: (n: number) => number, allowNaN: boolean): void {
  const addon = nativeAddon!;
  forEachIsa(addon, (isa) => {
    for (const n of [256, 768, 4864]) {
      for (const [label, x] of cases(n, allowNaN)) {
        const want = new Uint8Array(rowBytes(n));
        ops.quantizeRow(x, want);
        const got = new Uint8Array(rowBytes(n)).fill(0xa5);
        addon.quantizeRow(format, x, got);
        const at = got.findIndex((v, i) => v !== want[i]);
        expect(at, `${isa} ${format} n=${n} ${label}: first differing byte ${at}`).toBe(-1);
      }
    }
  });
}

describe.skipIf(!nativeAddon)(nativeSuite('native activation quantizers'), () => {
  it('Q8_0: same bytes as quantize_row_q8_0_ref on every ISA [F-NATIVE-1]', () => {
    check('q8_0', q8_0Ops, (n) => (n / 32) * 34, true);
  });

  it('Q8_1: same bytes as quantize_row_q8_1_ref (d, s = fp16(d * sum q), quants) on every ISA [F-NATIVE-1]', () => {
    check('q8_1', q8_1Ops, (n) => (n / 32) * 36, true);
  });

  it('Q8_K: same bytes as quantize_row_q8_K_ref on every ISA [F-NATIVE-2]', () => {
    // NaN excluded: nearest_int(NaN) reads NaN payload bits, which V8 does not preserve.
    check('q8_K', q8_KOps, (n) => (n / 256) * 292, false);
  });

  it('f16 activations: same bytes as ggml_fp32_to_fp16_row for non-NaN values on every ISA', () => {
    // F16C and the software conversion agree except for NaN payloads.
    check('f16', f16Ops, (n) => n * 2, false);
  });

  it('bf16 activations: same bytes as ggml_fp32_to_bf16_row, NaN included, on every ISA', () => {
    // Integer rounding on the float bits (no hardware conversion), so NaNs are quieted the same way.
    check('bf16', bf16Ops, (n) => n * 2, true);
  });

  it('rejects a format it does not know and rows that are not whole blocks', () => {
    const addon = nativeAddon!;
    expect(() => addon.quantizeRow('q4_0' as NativeActFormat, new Float32Array(32), new Uint8Array(64))).toThrow(/format/);
    expect(() => addon.quantizeRow('q8_0', new Float32Array(33), new Uint8Array(64))).toThrow(/blocks/);
    expect(() => addon.quantizeRow('q8_0', new Float32Array(64), new Uint8Array(67))).toThrow(/too small/);
  });
});
