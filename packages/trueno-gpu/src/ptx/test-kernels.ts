/**
 * Kernels that exercise every builder instruction, for the builder, ptxas and emulator tests.
 * Not exported from the package.
 */
import { KernelBuilder } from './builder.js';
import type { Kernel } from './kernel.js';

/** One kernel using each instruction form the builder offers (it computes nothing meaningful). */
export function buildAllOpsKernel(): Kernel {
  const k = new KernelBuilder('all_ops');
  const px = k.param('x', 'u64');
  const pn = k.param('n', 'u32');
  const pf = k.param('f', 'f32');
  const sm = k.sharedArray('buf', 1024, 16);
  const x = k.ldGlobalPtr(px);
  const n = k.ldParam(pn);
  const f = k.ldParam(pf);
  const i = k.globalIndex();
  k.ifThen(k.setp('lt', 'u32', i, n), () => {
    const addr = k.add('u64', x, k.mad('u32', i, 4, 0, undefined, 'wide'));
    const v = k.ld('global', 'f32', addr, 0, { nc: true });
    const vs = k.ldv('global', 'u32', 4, addr, 16);
    const w = k.fma('f32', v, f, 1.5);
    const back = k.cvt('f32', 'f16', k.cvt('f16', 'f32', w, { rnd: 'rz' }));
    const s = k.un('sqrt', 'f32', k.un('rsqrt', 'f32', k.un('ex2', 'f32', k.un('rcp', 'f32', back), { ftz: true })));
    const l2 = k.un('lg2', 'f32', s);
    const ff = k.cvt('f32', 's32', k.cvt('s32', 'f32', l2, { rnd: 'rni' }));
    const si = k.shfl('idx', k.shfl('down', k.shfl('bfly', ff, 16), 1), 0);
    const su = k.shfl('up', si, 1, { pd: k.reg('pred') });
    const sa = k.mov('u32', sm);
    k.st('shared', 'f32', sa, 0, su);
    k.barSync();
    const l = k.ld('shared', 'f32', sa, 4);
    const dd = k.dp4a('u32', 'u32', vs[2], vs[3], k.dp4a('s32', 's32', vs[0], vs[1], 0));
    const mx = k.max('s32', dd, -5);
    const mn = k.min('f32', l, -2.5);
    const t = k.xor('b32', k.shl('b32', mx, 3), k.shr('u32', mx, 2));
    k.or('b32', k.and('b32', t, 0xff), 1);
    const sel = k.selp('f32', mn, 0, k.setp('gt', 'f32', mn, 0));
    k.sub('f32', k.neg('f32', sel), k.abs('f32', sel));
    k.mulWide('u32', t, t);
    k.bin('mul', 'u32', t, t, { mode: 'hi' });
    k.bin('div', 'f32', sel, 3, { mode: 'approx' });
    k.bin('rem', 'u32', t, 7);
    k.atom('global', 'add', 'f32', addr, 0, sel);
    k.atom('shared', 'max', 's32', sa, 8, mx);
    k.atom('global', 'cas', 'b32', addr, 4, 0, 1);
    k.atom('global', 'exch', 'b32', addr, 8, 2);
    k.cvt('f32', 'bf16', k.cvt('bf16', 'f32', sel));
    const pk = k.cvtPack('f16x2', sel, mn);
    const pb = k.cvtPack('bf16x2', sel, mn);
    const [lo, hi] = k.unpack('b32', pk);
    k.pack('b32', [hi, lo]);
    const c = [k.mov('f32', 0), k.mov('f32', 0), k.mov('f32', 0), k.mov('f32', 0)];
    const d = k.mma('f16', [pk, pk, pk, pk], [pk, pk], c);
    k.mma('bf16', [pb, pb, pb, pb], [pb, pb], d, d);
    k.stv('global', 'f32', addr, 32, d);
    k.when(k.setp('ne', 'f32', sel, 0), () => k.st('global', 'u8', addr, 48, 7));
    k.membar('gl');
    k.st('global', 'u32', addr, 52, k.ballot(k.vote('any', k.setp('gt', 'f32', sel, 0))));
    k.forRange('u32', 0, n, 1, (j) => void k.add('u32', j, 1), true);
  });
  return k.build();
}
