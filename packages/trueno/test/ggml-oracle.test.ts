/**
 * Smoke test of the ggml oracle itself: it starts, answers in order, and gives the values whose
 * bytes are known by hand (so a broken protocol cannot make every oracle test vacuously pass).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GgmlOracle, isSkip, loadGgmlOracle } from './ggml-oracle.js';

let oracle: GgmlOracle | undefined;
let skipReason = '';

beforeAll(async () => {
  const o = await loadGgmlOracle();
  if (isSkip(o)) {
    skipReason = o.skip;
    console.warn(`ggml oracle tests skipped: ${o.skip}`);
  } else {
    oracle = o;
  }
});

afterAll(async () => {
  await oracle?.close();
});

describe('ggml oracle', () => {
  it('reports a reason whenever it is unavailable', () => {
    expect(oracle !== undefined || skipReason.length > 0).toBe(true);
  });

  it('f16 row conversion gives the IEEE half bits', async ({ skip }) => {
    if (!oracle) return skip(skipReason);
    const bytes = await oracle.quantize('f16', new Float32Array([1, -2, 65504, 0.5]));
    expect([...new Uint16Array(bytes.buffer, bytes.byteOffset, 4)]).toEqual([0x3c00, 0xc000, 0x7bff, 0x3800]);
    const back = await oracle.dequantize('f16', bytes, 4);
    expect([...back]).toEqual([1, -2, 65504, 0.5]);
  });

  it('q8_0 of a known block: d = amax/127, qs = round(x/d)', async ({ skip }) => {
    if (!oracle) return skip(skipReason);
    const x = new Float32Array(32).map((_, i) => i - 16); // amax 16 at i = 0
    const q = await oracle.quantize('q8_0', x);
    expect(q.length).toBe(34);
    const view = new DataView(q.buffer, q.byteOffset);
    expect(view.getInt8(2)).toBe(-127);
    expect(view.getInt8(2 + 16)).toBe(0);
    const back = await oracle.dequantize('q8_0', q, 32);
    expect(Math.abs(back[0] + 16)).toBeLessThan(0.01);
  });

  it('serves many pipelined requests in order', async ({ skip }) => {
    if (!oracle) return skip(skipReason);
    const inputs = Array.from({ length: 20 }, (_, k) => new Float32Array(64).fill(k));
    const outs = await Promise.all(inputs.map((x) => oracle!.quantize('q4_0', x)));
    const backs = await Promise.all(outs.map((q) => oracle!.dequantize('q4_0', q, 64)));
    // k = 0 gives d = 0/-8 = -0 in ggml, hence -0 outputs: compare with +0 added.
    backs.forEach((b, k) => expect(b[7] + 0).toBe(k));
  });

  it('vec_dot of q8_0 blocks: known integer dot product', async ({ skip }) => {
    if (!oracle) return skip(skipReason);
    const x = new Float32Array(64).map((_, i) => (i % 8) - 3);
    const q = await oracle.quantize('q8_0', x);
    const got = await oracle.vecDot('q8_0', 'q8_0', 64, q, q);
    const want = x.reduce((s, v) => s + v * v, 0);
    expect(Math.abs(got - want)).toBeLessThan(want * 1e-2);
    const f = new Uint8Array(x.buffer);
    expect(await oracle.vecDot('f32', 'f32', 64, f, f)).toBe(want);
  });

  it('rejects a type ggml has no function for, and keeps serving', async ({ skip }) => {
    if (!oracle) return skip(skipReason);
    await expect(oracle.dequantize('q8_1', new Uint8Array(36), 32)).rejects.toThrow(/not found/);
    const q = await oracle.quantize('q8_1', new Float32Array(32).fill(1));
    expect(q.length).toBe(36);
  });
});
