/**
 * SwiGLU: `out[i] = silu(gate[i]) · up[i]`, silu(g) = g / (1 + e^-g) (Backend.swiglu, ggml's
 * `ggml_vec_swiglu_f32`). One element per thread, ELEMENTWISE_THREADS per block; pure bandwidth
 * (12 bytes per element), so the IEEE `div.rn` costs nothing measurable.
 *
 * Numerics: e^-g is `ex2.approx(-g · log2 e)`: relative error ≲ 2⁻²² from ex2 plus |g|·2⁻²³·ln 2
 * from rounding the scaled argument. In silu the error of e is damped by e/(1+e) < 1, and the
 * add, divide and multiply round like the C code, so the relative error per output is ≲ (2 +
 * |g|)·2⁻²³: NMSE ~1e-14 for |g| ≲ 10. Large |g| is safe: e^-g overflows to +inf for g ≲ -88,
 * giving g/inf = -0 (the reference gives the same -0), and e^-g → 0 for large g gives g.
 *
 * Parameters: `gate`, `up`, `out` (u64; out may alias either), `n` (u32). Grid (ceil(n/256), 1, 1).
 */
import { refBackend } from '@sovereign/trueno';
import { KernelBuilder } from '../ptx/builder.js';
import type { Kernel, SmTarget } from '../ptx/kernel.js';
import { ELEMENTWISE_THREADS, addLaunch } from './add.js';
import type { KernelCost } from './kernel-model.js';
import { type LaunchGeometry, addRn, divRn, expApprox, mulRn } from './ops-common.js';

/** Builds `swiglu_f32`. */
export function buildSwiglu(opts: { sm: SmTarget }): Kernel {
  const k = new KernelBuilder('swiglu_f32');
  k.maxThreads = ELEMENTWISE_THREADS;
  k.doc = `out[i] = gate[i] / (1 + exp(-gate[i])) * up[i], i < n; target ${opts.sm}`;
  const pg = k.param('gate', 'u64');
  const pu = k.param('up', 'u64');
  const po = k.param('out', 'u64');
  const pn = k.param('n', 'u32');
  const gate = k.ldGlobalPtr(pg);
  const up = k.ldGlobalPtr(pu);
  const out = k.ldGlobalPtr(po);
  const n = k.ldParam(pn);
  const i = k.globalIndex();
  k.ifThen(k.setp('lt', 'u32', i, n), () => {
    const off = k.mulWide('u32', i, 4);
    const g = k.ld('global', 'f32', k.add('u64', gate, off), 0);
    const u = k.ld('global', 'f32', k.add('u64', up, off), 0);
    const silu = divRn(k, g, addRn(k, 1, expApprox(k, k.neg('f32', g))));
    k.st('global', 'f32', k.add('u64', out, off), 0, mulRn(k, silu, u));
  });
  k.ret();
  return k.build();
}

/** Launch geometry over n elements. */
export function swigluLaunch(n: number): LaunchGeometry {
  return addLaunch(n);
}

/** TS reference: trueno's ref backend (Backend.swiglu). */
export function swigluReference(gate: Float32Array, up: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n);
  refBackend.swiglu(gate, up, n, out);
  return out;
}

/** Bytes / flops: gate and up read, out written; ~4 flops plus one ex2 per element. */
export function swigluCost(n: number): KernelCost {
  return { bytes: 12 * n, flops: 5 * n };
}
