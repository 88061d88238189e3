import { bf16ToFp32, fp16ToFp32, fp32ToBf16, fp32ToFp16 } from '@sovereign/trueno';
import { describe, expect, it } from 'vitest';
import { KernelBuilder } from '../ptx/builder.js';
import type { ShflMode } from '../ptx/instr.js';
import { EmuRuntimeError } from './operands.js';
import { launch } from './test-launch.js';

/** out[tid] = shfl.mode(in[tid], b, c) for one block of `n` threads; also writes the predicate. */
function shflKernel(mode: ShflMode, b: number, c?: number) {
  const k = new KernelBuilder(`shfl_${mode}`);
  const pin = k.param('inp', 'u64');
  const pout = k.param('out', 'u64');
  const pp = k.param('pred', 'u64');
  const t = k.special('tid.x');
  const v = k.ld('global', 'u32', k.mad('u32', t, 4, k.ldGlobalPtr(pin), undefined, 'wide'));
  const pd = k.reg('pred');
  const r = k.shfl(mode, v, b, { c, pd });
  k.st('global', 'u32', k.mad('u32', t, 4, k.ldGlobalPtr(pout), undefined, 'wide'), 0, r);
  k.st('global', 'u32', k.mad('u32', t, 4, k.ldGlobalPtr(pp), undefined, 'wide'), 0, k.selp('u32', 1, 0, pd));
  return k.build();
}

const IN = new Uint32Array(64).map((_, i) => 1000 + i);

describe('emulator warp collectives', () => {
  const cases: [ShflMode, number, number | undefined, (l: number) => [number, boolean]][] = [
    ['bfly', 5, undefined, (l) => [l ^ 5, true]],
    ['down', 3, undefined, (l) => (l + 3 <= 31 ? [l + 3, true] : [l, false])],
    ['up', 2, undefined, (l) => (l - 2 >= 0 ? [l - 2, true] : [l, false])],
    ['idx', 7, undefined, () => [7, true]],
    // Segments of 8 lanes (segmask 0x18 in bits 8..12, clamp 7): idx 3 reads lane 3 of its segment.
    ['idx', 3, 0x1807, (l) => [(l & 0x18) | 3, true]],
    ['down', 1, 0x1807, (l) => ((l & 7) < 7 ? [l + 1, true] : [l, false])],
  ];
  it.each(cases)('shfl.sync.%s b=%i c=%s follows the PTX lane formula in each warp', (mode, b, c, expected) => {
    const r = launch(shflKernel(mode, b, c), [1], [64], { inp: IN, out: 256, pred: 256 });
    const out = r.u32('out', 64);
    const pred = r.u32('pred', 64);
    for (let t = 0; t < 64; t++) {
      const [src, p] = expected(t & 31);
      expect(out[t], `lane ${t}`).toBe(IN[(t & ~31) + src]);
      expect(pred[t]).toBe(p ? 1 : 0);
    }
  });

  it('rejects a full-mask shfl in a partial warp (lanes that do not exist)', () => {
    expect(() => launch(shflKernel('bfly', 1), [1], [48], { inp: IN, out: 256, pred: 256 })).toThrow(/membermask 0xffffffff names lanes/);
  });

  it('butterfly reduction: every lane gets the warp sum', () => {
    const k = new KernelBuilder('reduce');
    const pin = k.param('inp', 'u64');
    const pout = k.param('out', 'u64');
    const t = k.special('tid.x');
    const v = k.ld('global', 'f32', k.mad('u32', t, 4, k.ldGlobalPtr(pin), undefined, 'wide'));
    for (const off of [16, 8, 4, 2, 1]) k.add('f32', v, k.shfl('bfly', v, off), v);
    k.st('global', 'f32', k.mad('u32', t, 4, k.ldGlobalPtr(pout), undefined, 'wide'), 0, v);
    const x = new Float32Array(32).map((_, i) => i + 0.25);
    const out = launch(k.build(), [1], [32], { inp: x, out: 128 }).f32('out', 32);
    expect(new Set(out).size).toBe(1);
    expect(out[0]).toBe(32 * 15.5 + 8);
  });

  it.each(['f16', 'bf16'] as const)('mma.sync m16n8k16 %s: D = A·B + C against a TS matmul, fragments per the PTX layout', (ab) => {
    // A (16×16) row-major and B (16×8) stored column-major (B[k][n] at n*16 + k), both as halves.
    const toH = ab === 'f16' ? fp32ToFp16 : fp32ToBf16;
    const fromH = ab === 'f16' ? fp16ToFp32 : bf16ToFp32;
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    const A = new Uint16Array(256).map(() => toH(rnd()));
    const B = new Uint16Array(128).map(() => toH(rnd()));
    const C = new Float32Array(128).map(() => rnd());
    const k = new KernelBuilder(`mma_${ab}`);
    const pa = k.param('a', 'u64');
    const pb = k.param('b', 'u64');
    const pc = k.param('c', 'u64');
    const pd = k.param('d', 'u64');
    const a = k.ldGlobalPtr(pa);
    const b = k.ldGlobalPtr(pb);
    const c = k.ldGlobalPtr(pc);
    const d = k.ldGlobalPtr(pd);
    const lane = k.special('laneid');
    const g = k.shr('u32', lane, 2);
    const q = k.and('b32', lane, 3);
    const q2 = k.shl('b32', q, 1);
    // Byte address of A[row][col] (halves) for row = g + dr, col = 2q + dc; pairs are adjacent.
    const aAt = (dr: number, dc: number) => k.mad('u32', k.add('u32', k.mad('u32', k.add('u32', g, dr), 16, q2), dc), 2, a, undefined, 'wide');
    const aRegs = [aAt(0, 0), aAt(8, 0), aAt(0, 8), aAt(8, 8)].map((p) => k.ld('global', 'b32', p));
    // B element (k = 2q + dk, n = g) at column-major n*16 + k: pairs along k are adjacent.
    const bAt = (dk: number) => k.mad('u32', k.add('u32', k.mad('u32', g, 16, q2), dk), 2, b, undefined, 'wide');
    const bRegs = [bAt(0), bAt(8)].map((p) => k.ld('global', 'b32', p));
    // C/D (16×8 row-major f32): element (g + dr, 2q + e).
    const cAt = (base: typeof c, dr: number) => k.mad('u32', k.mad('u32', k.add('u32', g, dr), 8, q2), 4, base, undefined, 'wide');
    const [c0, c1] = k.ldv('global', 'f32', 2, cAt(c, 0));
    const [c2, c3] = k.ldv('global', 'f32', 2, cAt(c, 8));
    const D = k.mma(ab, aRegs, bRegs, [c0, c1, c2, c3]);
    k.stv('global', 'f32', cAt(d, 0), 0, [D[0], D[1]]);
    k.stv('global', 'f32', cAt(d, 8), 0, [D[2], D[3]]);
    const out = launch(k.build(), [1], [32], { a: A, b: B, c: C, d: 512 }).f32('d', 128);
    for (let m = 0; m < 16; m++) {
      for (let n = 0; n < 8; n++) {
        let s = 0;
        for (let kk = 0; kk < 16; kk++) s += fromH(A[m * 16 + kk]) * fromH(B[n * 16 + kk]);
        expect(out[m * 8 + n]).toBeCloseTo(s + C[m * 8 + n], 5);
      }
    }
  });

  it('dp4a: byte dot products for the four signedness combinations', () => {
    const vals = [0x80ff7f01, 0x01020304, 0xfffefdfc, 0x7f807f80];
    const k = new KernelBuilder('dp4a');
    const p = k.param('out', 'u64');
    const out = k.ldGlobalPtr(p);
    const types = [['u32', 'u32'], ['u32', 's32'], ['s32', 'u32'], ['s32', 's32']] as const;
    let j = 0;
    for (const [ta, tb] of types) for (let x = 0; x < 4; x++) k.st('global', 'u32', out, 4 * j++, k.dp4a(ta, tb, vals[x], vals[(x + 1) % 4], 1000));
    const got = launch(k.build(), [1], [1], { out: 64 }).u32('out', 16);
    j = 0;
    for (const [ta, tb] of types) {
      for (let x = 0; x < 4; x++) {
        let s = 1000;
        for (let byte = 0; byte < 4; byte++) {
          const ab = (vals[x] >>> (8 * byte)) & 0xff;
          const bb = (vals[(x + 1) % 4] >>> (8 * byte)) & 0xff;
          s += (ta === 's32' && ab > 127 ? ab - 256 : ab) * (tb === 's32' && bb > 127 ? bb - 256 : bb);
        }
        expect(got[j++]).toBe(s >>> 0);
      }
    }
  });

  it('vote.sync ballot / any / all over a warp; membar is accepted', () => {
    const k = new KernelBuilder('vote');
    const p = k.param('out', 'u64');
    const lane = k.special('laneid');
    const odd = k.setp('eq', 'u32', k.and('b32', lane, 1), 1);
    const small = k.setp('lt', 'u32', lane, 40);
    const at = k.mad('u32', lane, 12, k.ldGlobalPtr(p), undefined, 'wide');
    k.membar('gl');
    k.st('global', 'u32', at, 0, k.ballot(odd));
    k.st('global', 'u32', at, 4, k.selp('u32', 1, 0, k.vote('any', odd)));
    k.st('global', 'u32', at, 8, k.selp('u32', 1, 0, k.vote('all', small)));
    const u = launch(k.build(), [1], [32], { out: 32 * 12 }).u32('out', 32 * 3);
    for (let l = 0; l < 32; l++) expect([u[3 * l], u[3 * l + 1], u[3 * l + 2]]).toEqual([0xaaaaaaaa, 1, 1]);
  });

  it('reports lanes waiting at different collectives as a deadlock', () => {
    const k = new KernelBuilder('diverge');
    const v = k.special('laneid');
    const p = k.setp('lt', 'u32', v, 16);
    const other = k.newLabel('other');
    const end = k.newLabel('end');
    k.bra(other, { unless: p });
    k.shfl('bfly', v, 1);
    k.bra(end);
    k.label(other);
    k.shfl('bfly', v, 2);
    k.label(end);
    expect(() => launch(k.build(), [1], [32], {})).toThrow(EmuRuntimeError);
    expect(() => launch(k.build(), [1], [32], {})).toThrow(/deadlock in kernel diverge.*different warp-collective/s);
  });
});
