import { FP16_TO_FP32, fp32ToFp16 } from '@sovereign/trueno';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KernelBuilder } from '../ptx/builder.js';
import type { PtxType } from '../ptx/types.js';
import { launch } from './test-launch.js';
import { f32ToF16Bits, fmaF32, nextUpF32, roundF32 } from './numerics.js';

/** A kernel mapping in[i] (stype) to out[i] (dtype) through `body`, one thread per element. */
function mapKernel(stype: PtxType, dtype: PtxType, body: (k: KernelBuilder, v: ReturnType<KernelBuilder['ld']>) => ReturnType<KernelBuilder['ld']>) {
  const k = new KernelBuilder('map');
  const pin = k.param('inp', 'u64');
  const pout = k.param('out', 'u64');
  const i = k.globalIndex();
  const v = k.ld('global', stype, k.mad('u32', i, 4, k.ldGlobalPtr(pin), undefined, 'wide'));
  k.st('global', dtype, k.mad('u32', i, 4, k.ldGlobalPtr(pout), undefined, 'wide'), 0, body(k, v));
  return k.build();
}

function runMap(kernel: ReturnType<typeof mapKernel>, input: Float32Array | Uint32Array | Int32Array): Launched {
  return launch(kernel, [Math.ceil(input.length / 32)], [32], { inp: input, out: input.length * 4 });
}
type Launched = ReturnType<typeof launch>;

const SPECIAL = [0, -0, 1, -1, 0.1, 65504, 65520, 65519.99, 70000, -70000, 5.960464477539063e-8, 2.98e-8, 2.9802322387695312e-8, 1e-10, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 / 3, Infinity, -Infinity];

function padTo32(xs: number[]): Float32Array {
  const a = new Float32Array(Math.ceil(xs.length / 32) * 32);
  a.set(xs);
  return a;
}

describe('emulator numerics', () => {
  it('cvt.rn.f16.f32 equals trueno fp32ToFp16 bit for bit, and cvt.f32.f16 is exact', () => {
    const xs = padTo32([...SPECIAL, ...Array.from({ length: 200 }, (_, j) => Math.fround((j - 100) * 1.37e-3 * 2 ** (j % 30)))]);
    const kern = mapKernel('f32', 'u32', (k, v) => k.cvt('u32', 'u16', k.cvt('f16', 'f32', v)));
    const out = runMap(kern, xs).u32('out', xs.length);
    for (let j = 0; j < xs.length; j++) expect(out[j], `x=${xs[j]}`).toBe(fp32ToFp16(xs[j]));
    const back = runMap(mapKernel('f32', 'f32', (k, v) => k.cvt('f32', 'f16', k.cvt('f16', 'f32', v))), xs).f32('out', xs.length);
    for (let j = 0; j < xs.length; j++) expect(back[j]).toBe(FP16_TO_FP32[fp32ToFp16(xs[j])]);
  });

  it('directed f16 rounding brackets the value: rz toward 0, rm below, rp above, each one f16 step wide', () => {
    fc.assert(
      fc.property(fc.float({ min: -60000, max: 60000, noNaN: true }), (x) => {
        const v = (m: 'rz' | 'rm' | 'rp'): number => FP16_TO_FP32[f32ToF16Bits(x, m)];
        const rn = FP16_TO_FP32[f32ToF16Bits(x, 'rn')];
        const lo = v('rm');
        const hi = v('rp');
        if (!(lo <= x && x <= hi)) return false;
        // When x is not an f16 value, rp is the f16 right after rm.
        const nextUp = (h: number): number => (h === 0x8000 ? 0x0001 : h & 0x8000 ? h - 1 : h + 1);
        if (lo !== hi && f32ToF16Bits(x, 'rp') !== nextUp(f32ToF16Bits(x, 'rm'))) return false;
        if (Math.abs(v('rz')) > Math.abs(x)) return false;
        return rn === lo || rn === hi;
      }),
    );
    expect(f32ToF16Bits(70000, 'rz')).toBe(0x7bff);
    expect(f32ToF16Bits(70000, 'rn')).toBe(0x7c00);
    expect(f32ToF16Bits(-1e-10, 'rm')).toBe(0x8001);
    expect(f32ToF16Bits(1e-10, 'rp')).toBe(0x0001);
    expect(f32ToF16Bits(NaN)).toBe(0x7fff);
  });

  it('fma.rn.f32 rounds once, where fround(a*b + c) rounds twice', () => {
    const a = -(1 + 2 ** -23);
    const b = 2 ** -24 * (1 - 2 ** -23);
    const c = 1 + 2 ** -23;
    expect(Math.fround(a * b + c)).toBe(1);
    expect(fmaF32(a, b, c)).toBe(1 + 2 ** -23);
    const k = new KernelBuilder('fma');
    const p = k.param('out', 'u64');
    k.st('global', 'f32', k.ldGlobalPtr(p), 0, k.fma('f32', k.mov('f32', a), b, c));
    expect(launch(k.build(), [1], [1], { out: 4 }).f32('out', 1)[0]).toBe(1 + 2 ** -23);
  });

  it('roundF32 directed modes and f32 ↔ int conversions with rounding and saturation', () => {
    expect(roundF32(1 + 2 ** -30, 'rp')).toBe(nextUpF32(1));
    expect(roundF32(1 + 2 ** -30, 'rz')).toBe(1);
    expect(roundF32(-(1 + 2 ** -30), 'rm')).toBe(-nextUpF32(1));
    const xs = padTo32([2.5, 3.5, -2.5, -0.5, 1e20, -1e20, NaN, 0.49999997, 7.9]);
    const rni = runMap(mapKernel('f32', 's32', (k, v) => k.cvt('s32', 'f32', v, { rnd: 'rni' })), xs);
    expect([...new Int32Array(rni.u32('out', 9).buffer)]).toEqual([2, 4, -2, 0, 2147483647, -2147483648, 0, 0, 8]);
    const rzi = runMap(mapKernel('f32', 'u32', (k, v) => k.cvt('u32', 'f32', v)), xs);
    expect([...rzi.u32('out', 9)]).toEqual([2, 3, 0, 0, 4294967295, 0, 0, 0, 7]);
    const ints = new Int32Array(32).map((_, j) => (j - 16) * 123456791);
    const f = runMap(mapKernel('s32', 'f32', (k, v) => k.cvt('f32', 's32', v)), ints).f32('out', 32);
    for (let j = 0; j < 32; j++) expect(f[j]).toBe(Math.fround(ints[j]));
  });

  it('cvt.{rni,rzi,rmi,rpi}.f32.f32 round to an integral float (ties to even for rni); NaN and ±inf pass', () => {
    const xs = padTo32([2.5, 3.5, -2.5, -0.5, 0.49999997, 7.9, -7.9, 1e20, 4194305.5, Infinity, -Infinity, NaN]);
    const run = (rnd: 'rni' | 'rzi' | 'rmi' | 'rpi') => [...runMap(mapKernel('f32', 'f32', (k, v) => k.cvt('f32', 'f32', v, { rnd })), xs).f32('out', 12)];
    const big = Math.fround(1e20);
    expect(run('rni')).toEqual([2, 4, -2, -0, 0, 8, -8, big, 4194306, Infinity, -Infinity, NaN]);
    expect(run('rzi')).toEqual([2, 3, -2, -0, 0, 7, -7, big, 4194305, Infinity, -Infinity, NaN]);
    expect(run('rmi')).toEqual([2, 3, -3, -1, 0, 7, -8, big, 4194305, Infinity, -Infinity, NaN]);
    expect(run('rpi')).toEqual([3, 4, -2, -0, 1, 8, -7, big, 4194306, Infinity, -Infinity, NaN]);
  });

  it('integer ALU: mul.lo/hi/wide, mad, shifts past the width, min/max signedness, neg/abs/not', () => {
    const k = new KernelBuilder('alu');
    const p = k.param('out', 'u64');
    const out = k.ldGlobalPtr(p);
    const a = k.mov('u32', 0xfffffff0);
    const b = k.mov('u32', 0x12345);
    const sa = k.mov('s32', -7);
    const results = [
      k.mul('u32', a, b),
      k.bin('mul', 'u32', a, b, { mode: 'hi' }),
      k.bin('mul', 's32', sa, 3, { mode: 'hi' }),
      k.mad('u32', a, 3, 100),
      k.shl('b32', b, 40),
      k.shr('u32', a, 33),
      k.shr('s32', sa, 40),
      k.shr('s32', sa, 1),
      k.min('s32', sa, 1),
      k.min('u32', a, 1),
      k.max('s32', sa, 1),
      k.neg('s32', sa),
      k.abs('s32', sa),
      k.not('b32', b),
      k.bin('div', 's32', sa, 2),
      k.bin('rem', 's32', sa, 2),
    ];
    results.forEach((r, j) => k.st('global', 'u32', out, 4 * j, r));
    const a2 = k.mov('u32', 0x1fffff0);
    const w = k.mulWide('u32', a2, b);
    k.st('global', 'u64', out, 4 * results.length, w);
    k.st('global', 'u64', out, 4 * results.length + 8, k.mad('u32', a2, a2, w, undefined, 'wide'));
    const got = launch(k.build(), [1], [1], { out: 4 * results.length + 16 });
    const u = got.u32('out', results.length);
    const A = 0xfffffff0n;
    const B = 0x12345n;
    expect([...u]).toEqual([
      Number((A * B) & 0xffffffffn),
      Number((A * B) >> 32n),
      0xffffffff, // high word of -21
      Number((A * 3n + 100n) & 0xffffffffn),
      0,
      0,
      0xffffffff,
      (-4 >>> 0),
      -7 >>> 0,
      1,
      1,
      7,
      7,
      ~0x12345 >>> 0,
      -3 >>> 0,
      -1 >>> 0,
    ]);
    const wide = got.mem.readBytes(got.addr.out + 4 * results.length, 16);
    const dv = new DataView(wide.buffer);
    const A2 = 0x1fffff0n;
    expect(dv.getBigUint64(0, true)).toBe(A2 * B);
    expect(dv.getBigUint64(8, true)).toBe(A2 * A2 + A2 * B);
  });

  it('64-bit integer results past 2^53 fail loudly (a documented limit of the emulator)', () => {
    const k = new KernelBuilder('wide');
    const p = k.param('out', 'u64');
    k.st('global', 'u64', k.ldGlobalPtr(p), 0, k.mulWide('u32', k.mov('u32', 0xfffffff0), 0xfffffff0));
    expect(() => launch(k.build(), [1], [1], { out: 8 })).toThrow(/beyond 2\^53/);
  });

  it('approx transcendentals return the f32-rounded exact value; setp treats NaN as unordered', () => {
    const xs = padTo32([0.5, 2, 3, -1.25, 100]);
    const ops = ['rcp', 'sqrt', 'rsqrt', 'ex2', 'lg2', 'sin', 'cos'] as const;
    const js = [(x: number) => 1 / x, Math.sqrt, (x: number) => 1 / Math.sqrt(x), (x: number) => 2 ** x, Math.log2, Math.sin, Math.cos];
    ops.forEach((op, j) => {
      const got = runMap(mapKernel('f32', 'f32', (k, v) => k.un(op, 'f32', v)), xs).f32('out', 5);
      for (let e = 0; e < 5; e++) expect(Object.is(got[e], Math.fround(js[j](xs[e])))).toBe(true);
    });
    const nan = padTo32([NaN, 1]);
    const ne = runMap(mapKernel('f32', 'u32', (k, v) => k.selp('u32', 1, 0, k.setp('ne', 'f32', v, 0))), nan).u32('out', 2);
    expect([...ne]).toEqual([0, 1]);
  });
});
