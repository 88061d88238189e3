import { describe, expect, it } from 'vitest';
import { KernelBuilder } from '../ptx/builder.js';
import { EmuMemory, EmuMemoryError } from './memory.js';
import { launch } from './test-launch.js';

describe('emulator memory, atomics and block synchronisation', () => {
  it('bar.sync orders shared-memory writes before reads: a block reverses its slice through shared memory', () => {
    const k = new KernelBuilder('reverse');
    const pin = k.param('inp', 'u64');
    const pout = k.param('out', 'u64');
    const sm = k.sharedArray('tile', 96 * 4, 16);
    const t = k.special('tid.x');
    const n = k.special('ntid.x');
    const gi = k.globalIndex();
    const v = k.ld('global', 'f32', k.mad('u32', gi, 4, k.ldGlobalPtr(pin), undefined, 'wide'));
    const base = k.mov('u32', sm);
    k.st('shared', 'f32', k.mad('u32', t, 4, base), 0, v);
    k.barSync();
    const j = k.sub('u32', k.sub('u32', n, 1), t);
    const r = k.ld('shared', 'f32', k.mad('u32', j, 4, base));
    k.st('global', 'f32', k.mad('u32', gi, 4, k.ldGlobalPtr(pout), undefined, 'wide'), 0, r);
    const x = new Float32Array(192).map((_, i) => i);
    const out = launch(k.build(), [2], [96], { inp: x, out: 192 * 4 }).f32('out', 192);
    for (let i = 0; i < 192; i++) expect(out[i]).toBe(Math.floor(i / 96) * 96 + 95 - (i % 96));
  });

  it('exited threads do not hold a barrier; a barrier some threads never reach is a deadlock', () => {
    const ok = new KernelBuilder('early_exit');
    const t = ok.special('tid.x');
    const done = ok.newLabel('done');
    ok.bra(done, { when: ok.setp('ge', 'u32', t, 40) });
    ok.barSync();
    ok.label(done);
    expect(launch(ok.build(), [1], [64], {}).stats.threads).toBe(64);

    const bad = new KernelBuilder('stuck');
    const t2 = bad.special('tid.x');
    const skip = bad.newLabel('skip');
    bad.bra(skip, { when: bad.setp('ge', 'u32', t2, 40) });
    bad.barSync();
    bad.label(skip);
    bad.shfl('bfly', t2, 1);
    expect(() => launch(bad.build(), [1], [64], {})).toThrow(/deadlock in kernel stuck/);
  });

  it('atomics: add (u32, f32), max (s32) and cas from every thread of the grid', () => {
    const k = new KernelBuilder('atomics');
    const p = k.param('acc', 'u64');
    const acc = k.ldGlobalPtr(p);
    const gi = k.globalIndex();
    k.atom('global', 'add', 'u32', acc, 0, 1);
    k.atom('global', 'add', 'f32', acc, 4, 0.5);
    k.atom('global', 'max', 's32', acc, 8, k.sub('s32', gi, 100));
    // cas: only the first thread to arrive swaps 0 -> its index + 1.
    k.atom('global', 'cas', 'b32', acc, 12, 0, k.add('u32', gi, 1));
    const sm = k.sharedArray('cnt', 4, 4);
    k.atom('shared', 'add', 'u32', sm, 0, 2);
    k.barSync();
    k.when(k.setp('eq', 'u32', k.special('tid.x'), 0), () => k.atom('global', 'add', 'u32', acc, 16, k.ld('shared', 'u32', sm)));
    const r = launch(k.build(), [3], [64], { acc: 20 });
    const u = r.u32('acc', 5);
    expect(u[0]).toBe(192);
    expect(r.f32('acc', 2)[1]).toBe(96);
    expect(u[2]).toBe(91);
    expect(u[3]).toBe(1);
    expect(u[4]).toBe(3 * 128);
  });

  it('faults on misaligned, out-of-bounds and null-page accesses, naming the address', () => {
    const mk = (offset: number, type: 'f32' | 'u64') => {
      const k = new KernelBuilder('fault');
      const p = k.param('buf', 'u64');
      k.ld('global', type, k.ldGlobalPtr(p), offset);
      return k.build();
    };
    expect(() => launch(mk(2, 'f32'), [1], [1], { buf: 64 })).toThrow(/misaligned: it must be a multiple of 4/);
    expect(() => launch(mk(4, 'u64'), [1], [1], { buf: 64 })).toThrow(EmuMemoryError);
    expect(() => launch(mk(1 << 20, 'f32'), [1], [1], { buf: 64 })).toThrow(/out of bounds/);
    const m = new EmuMemory(64);
    expect(() => m.load('f32', 0)).toThrow(/out of bounds \(mapped 256/);
  });

  it('vector loads need vector alignment and move all lanes', () => {
    const k = new KernelBuilder('vec');
    const pin = k.param('inp', 'u64');
    const pout = k.param('out', 'u64');
    const po = k.param('off', 'u32');
    const at = k.add('u64', k.ldGlobalPtr(pin), k.cvt('u64', 'u32', k.ldParam(po)));
    const v = k.ldv('global', 'f32', 4, at);
    k.stv('global', 'f32', k.ldGlobalPtr(pout), 0, [v[3], v[2], v[1], v[0]]);
    const x = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...launch(k.build(), [1], [1], { inp: x, out: 16 }, { off: 16 }).f32('out', 4)]).toEqual([8, 7, 6, 5]);
    expect(() => launch(k.build(), [1], [1], { inp: x, out: 16 }, { off: 8 })).toThrow(/ld\.v4.*multiple of 16/);
  });

  it('stops a runaway loop at the step budget', () => {
    const k = new KernelBuilder('spin');
    const top = k.newLabel('top');
    k.label(top);
    k.bra(top);
    expect(() => launch(k.build(), [1], [1], {}, {}, 1000)).toThrow(/more than 1000 instructions/);
  });

  it('2D/3D grids: special registers tid/ntid/ctaid/nctaid and laneid/warpid', () => {
    const k = new KernelBuilder('ids');
    const p = k.param('out', 'u64');
    const regs = ['tid.x', 'tid.y', 'ntid.x', 'ntid.y', 'ctaid.x', 'ctaid.y', 'nctaid.x', 'nctaid.y', 'laneid', 'warpid'] as const;
    const flat = k.add('u32', k.mad('u32', k.special('tid.y'), k.special('ntid.x'), k.special('tid.x')), k.mul('u32', k.mad('u32', k.special('ctaid.y'), k.special('nctaid.x'), k.special('ctaid.x')), 64));
    const base = k.mad('u32', flat, 4 * regs.length, k.ldGlobalPtr(p), undefined, 'wide');
    regs.forEach((r, j) => k.st('global', 'u32', base, 4 * j, k.special(r)));
    const u = launch(k.build(), [2, 3], [16, 4], { out: 6 * 64 * 40 }).u32('out', 6 * 64 * 10);
    // Thread (x=5, y=2) of block (1, 2): flat = (2*16+5) + (2*2+1)*64.
    const row = u.subarray(((2 * 16 + 5) + 5 * 64) * 10, ((2 * 16 + 5) + 5 * 64) * 10 + 10);
    expect([...row]).toEqual([5, 2, 16, 4, 1, 2, 2, 3, 37 % 32, 1]);
  });

  it('rejects launches with missing parameters or oversize blocks', () => {
    const k = new KernelBuilder('p');
    k.param('n', 'u32');
    expect(() => launch(k.build(), [1], [1], {})).toThrow(/parameter 'n'/);
    expect(() => launch(k.build(), [1], [2048], {}, { n: 1 })).toThrow(RangeError);
  });
});

describe('emulator bra.uni check', () => {
  it('accepts warp-uniform .uni branches and rejects a divergent one', () => {
    const mk = (laneDependent: boolean) => {
      const k = new KernelBuilder(laneDependent ? 'uni_bad' : 'uni_ok');
      const v = k.special(laneDependent ? 'laneid' : 'warpid');
      const skip = k.newLabel('skip');
      k.bra(skip, { when: k.setp('lt', 'u32', v, 1), uni: true });
      k.mov('u32', 1);
      k.label(skip);
      return k.build();
    };
    expect(launch(mk(false), [2], [64], {}).stats.threads).toBe(128);
    expect(() => launch(mk(true), [1], [32], {})).toThrow(/bra\.uni to \$L_skip_1 .* diverges in warp 0: lane 1 does not take it/);
  });
});

describe('emulator shared-memory addressing', () => {
  it('addresses shared arrays by symbol + offset and with vector accesses, each array at its own aligned offset', () => {
    const k = new KernelBuilder('shared_sym');
    const p = k.param('out', 'u64');
    const a = k.sharedArray('a', 4, 4);
    const b = k.sharedArray('b', 32, 16);
    k.st('shared', 'u32', a, 0, 7);
    k.stv('shared', 'f32', b, 16, [1, 2, 3, 4]);
    const v = k.ldv('shared', 'f32', 4, b, 16);
    const out = k.ldGlobalPtr(p);
    k.stv('global', 'f32', out, 0, v);
    k.st('global', 'u32', out, 16, k.ld('shared', 'u32', a));
    k.st('global', 'u32', out, 20, k.mov('u32', b));
    const r = launch(k.build(), [1], [1], { out: 32 });
    expect([...r.f32('out', 4)]).toEqual([1, 2, 3, 4]);
    expect([...r.u32('out', 6).subarray(4)]).toEqual([7, 16]);
  });

  it('cvt.sat clamps floats to [0, 1] and integers to the destination range; .ftz flushes subnormals', () => {
    const k = new KernelBuilder('sat');
    const p = k.param('out', 'u64');
    const out = k.ldGlobalPtr(p);
    k.st('global', 'f32', out, 0, k.cvt('f32', 'f32', k.mov('f32', 1.5), { sat: true, rnd: 'rn' }));
    k.st('global', 'f32', out, 4, k.cvt('f32', 'f32', k.mov('f32', -0.25), { sat: true, rnd: 'rn' }));
    k.st('global', 'u32', out, 8, k.cvt('u8', 's32', k.mov('s32', 300), { sat: true }));
    k.st('global', 'u32', out, 12, k.cvt('s8', 's32', k.mov('s32', -300), { sat: true }));
    k.st('global', 'f32', out, 16, k.bin('mul', 'f32', k.mov('f32', 1e-20), 1e-20, { ftz: true }));
    k.st('global', 'f32', out, 20, k.bin('mul', 'f32', k.mov('f32', 1e-20), 1e-20));
    const r = launch(k.build(), [1], [1], { out: 24 });
    const f = r.f32('out', 6);
    const u = r.u32('out', 4);
    expect([f[0], f[1], u[2], u[3] << 24 >> 24, f[4], f[5]]).toEqual([1, 0, 255, -128, 0, Math.fround(1e-40)]);
  });
});

describe('emulator memory statistics', () => {
  const strided = (strideBytes: number, vec: 1 | 4) => {
    const k = new KernelBuilder(`stride_${strideBytes}_${vec}`);
    const p = k.param('buf', 'u64');
    const at = k.mad('u32', k.special('tid.x'), strideBytes, k.ldGlobalPtr(p), undefined, 'wide');
    if (vec === 1) k.ld('global', 'f32', at);
    else k.ldv('global', 'f32', 4, at);
    k.when(k.setp('eq', 'u32', k.special('tid.x'), 0), () => k.st('global', 'f32', at, 0, 1));
    return k.build();
  };

  it('counts one request per warp instruction and the 32-byte sectors it touches', () => {
    const coalesced = launch(strided(4, 1), [1], [64], { buf: 64 * 128 }, {}, undefined, true).stats.memory!;
    expect(coalesced.byStep.size).toBe(2);
    expect(coalesced.loads).toEqual({ requests: 2, sectors: 8, bytes: 256 });
    expect(coalesced.stores).toEqual({ requests: 1, sectors: 1, bytes: 4 });
    const scattered = launch(strided(128, 1), [1], [32], { buf: 32 * 128 }, {}, undefined, true).stats.memory!;
    expect(scattered.loads).toEqual({ requests: 1, sectors: 32, bytes: 128 });
    const vector = launch(strided(16, 4), [1], [32], { buf: 32 * 16 }, {}, undefined, true).stats.memory!;
    expect(vector.loads).toEqual({ requests: 1, sectors: 16, bytes: 512 });
  });
});
