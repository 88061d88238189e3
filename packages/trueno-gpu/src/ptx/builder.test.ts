import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KernelBuilder, PtxBuildError } from './builder.js';
import { instrText, kernelText } from './emit.js';
import { emitModule } from './kernel.js';
import { buildAllOpsKernel } from './test-kernels.js';
import type { Reg, RegType } from './types.js';

describe('KernelBuilder', () => {
  it('names registers per class from 1 and declares <max + 1> of each', () => {
    const k = new KernelBuilder('names');
    const r = [k.reg('u32'), k.reg('s32'), k.reg('f32'), k.reg('u64'), k.reg('pred'), k.reg('f16'), k.reg('bf16'), k.reg('f16x2')];
    expect(r.map((x) => x.name)).toEqual(['%r1', '%r2', '%f1', '%rd1', '%p1', '%rs1', '%rs2', '%r3']);
    const text = kernelText(k.build());
    expect(text).toContain('.reg .b32 %r<4>;');
    expect(text).toContain('.reg .f32 %f<2>;');
    expect(text).toContain('.reg .b64 %rd<2>;');
    expect(text).toContain('.reg .pred %p<2>;');
    expect(text).toContain('.reg .b16 %rs<3>;');
  });

  it('writes immediates in the instruction type: hex floats, unsigned patterns, signed decimals', () => {
    const k = new KernelBuilder('imm');
    const f = k.mov('f32', 1.5);
    k.add('f32', f, -2.5);
    k.mov('u32', -1);
    k.mov('s32', -7);
    k.mov('u64', 0x100000000);
    const body = k.build().body.map(instrText);
    expect(body[0]).toBe('mov.f32 %f1, 0f3FC00000;');
    expect(body[1]).toBe('add.f32 %f2, %f1, 0fC0200000;');
    expect(body[2]).toBe('mov.u32 %r1, 0xffffffff;');
    expect(body[3]).toBe('mov.s32 %r2, -7;');
    expect(body[4]).toBe('mov.u64 %rd1, 0x100000000;');
  });

  it('rejects fractional integer immediates when emitting', () => {
    const k = new KernelBuilder('frac');
    k.mov('u32', 1.5);
    expect(() => kernelText(k.build())).toThrow(/integer type \.u32/);
  });

  it('rejects unplaced labels, duplicate names and bad identifiers', () => {
    const k = new KernelBuilder('lbl');
    k.bra(k.newLabel('x'));
    expect(() => k.build()).toThrow(PtxBuildError);
    const k2 = new KernelBuilder('dup');
    k2.param('a', 'u32');
    expect(() => k2.param('a', 'u64')).toThrow(/fresh PTX identifier/);
    expect(() => new KernelBuilder('bad-name')).toThrow(/not a PTX identifier/);
  });

  it('guards every instruction of a when() block and marks uniform branches', () => {
    const k = new KernelBuilder('guard');
    const p = k.setp('eq', 'u32', k.special('laneid'), 0);
    k.when(p, () => k.mov('u32', 1), true);
    const l = k.newLabel('end');
    k.bra(l, { when: p, uni: true });
    k.label(l);
    const text = kernelText(k.build());
    expect(text).toContain('@!%p1 mov.u32 %r2, 1;');
    expect(text).toContain('@%p1 bra.uni $L_end_1;');
  });

  it('emits a module header with version, target and 64-bit addresses', () => {
    const text = emitModule('sm_89', [buildAllOpsKernel()]);
    expect(text).toMatch(/^\/\/ Generated.*\n\.version 8\.0\n\.target sm_89\n\.address_size 64\n/);
    expect(text).toContain('.visible .entry all_ops(');
    expect(text).toContain('.shared .align 16 .b8 buf[1024];');
    expect(text).toContain('mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32');
  });
});

const REG_TYPES: RegType[] = ['pred', 'b16', 'f16', 'bf16', 'b32', 'u32', 's32', 'f16x2', 'f32', 'b64', 'u64', 's64', 'f64'];

describe('PTX builder properties', () => {
  it('ptx builder: emitted register declarations cover every register used [F-GPU-PTX-1]', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...REG_TYPES), fc.nat(40)), { minLength: 1, maxLength: 60 }), (ops) => {
        const k = new KernelBuilder('prop');
        const regs: Reg[] = [];
        for (const [t, pick] of ops) {
          // Either a fresh register, or a mov from one made earlier into a fresh one of its type.
          const src = regs.length > 0 && pick % 2 === 1 ? regs[pick % regs.length] : undefined;
          regs.push(src ? k.mov(src.type === 'pred' ? 'pred' : src.cls === 'b16' ? 'b16' : src.type, src) : k.reg(t));
        }
        const text = kernelText(k.build());
        const declared = new Map<string, number>();
        for (const m of text.matchAll(/\.reg \.\w+ (%[a-z]+)<(\d+)>;/g)) declared.set(m[1], Number(m[2]));
        const body = text.slice(text.indexOf('{'));
        for (const m of body.matchAll(/(%[a-z]+)(\d+)\b/g)) {
          const n = declared.get(m[1]);
          if (n === undefined || Number(m[2]) >= n) return false;
        }
        // And each prefix is declared once.
        return [...text.matchAll(/\.reg /g)].length === declared.size;
      }),
    );
  });
});
