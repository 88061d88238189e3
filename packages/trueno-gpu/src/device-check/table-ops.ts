/**
 * Conformance entries of the row-wise and element-wise kernels: RMSNorm, add, bias add, SwiGLU,
 * RoPE (normal and neox), argmax (partial + reduce) and the KV-cache store. Inputs follow the
 * kernels' own tests (hidden-state outliers, gates with saturating extremes, long RoPE positions,
 * planted argmax ties); device shapes add Qwen2.5-0.5B / 7B sizes and multi-MB vectors whose
 * time is pure bandwidth.
 */
import type { RopeParams } from '@sovereign/trueno';
import { addBiasCost, addBiasLaunch, addBiasReference, addCost, addLaunch, addReference, buildAdd, buildAddBias } from '../kernels/add.js';
import { argmaxCost, argmaxLaunch, argmaxReference, buildArgmaxPartial, buildArgmaxReduce } from '../kernels/argmax.js';
import { buildKvStore, kvStoreCost, kvStoreLaunch, kvStoreReference } from '../kernels/kv-store.js';
import { buildRmsNorm, rmsNormCost, rmsNormLaunch, rmsNormReference } from '../kernels/rms-norm.js';
import { buildRope, ropeCost, ropeLaunch, ropeReference, ropeScalars } from '../kernels/rope.js';
import { buildSwiglu, swigluCost, swigluLaunch, swigluReference } from '../kernels/swiglu.js';
import { ADD_NMSE, RMS_NORM_NMSE, ROPE_NMSE, SWIGLU_NMSE } from '../kernels/tolerances.js';
import { type CaseContext, type CaseScale, type ConformanceCase, type ConformanceEntry, seeded } from './conformance-case.js';

/** An entry whose shapes are plain tuples. */
function entry<S>(name: string, bound: number, boundName: string, shapes: Record<CaseScale, S[]>, label: (s: S) => string, make: (s: S, ctx: CaseContext) => ConformanceCase): ConformanceEntry {
  return { name, bound, boundName, cases: (scale) => shapes[scale].map((s) => ({ shape: label(s), make: (ctx: CaseContext) => make(s, ctx) })) };
}

/** Vectors long enough (64 MiB) that a launch's time is bandwidth, not launch overhead. */
const BIG = 16 * 2 ** 20;

const rmsNorm = entry<[number, number]>(
  'rms_norm_f32',
  RMS_NORM_NMSE,
  'RMS_NORM_NMSE',
  { emu: [[1, 1], [3, 31], [2, 257]], device: [[1, 896], [7, 1023], [512, 3584]] },
  ([nTok, dim]) => `${nTok}x${dim}`,
  ([nTok, dim], ctx) => {
    const x = seeded(nTok * dim, dim * 3 + nTok);
    for (let i = 0; i < x.length; i += 7) x[i] *= 40; // outliers, as in real hidden states
    const w = seeded(dim, dim + 1);
    const { grid, block } = rmsNormLaunch(nTok);
    return {
      buffers: [{ name: 'x', init: x }, { name: 'weight', init: w }, { name: 'out', init: x.byteLength }],
      launches: [{ kernel: ctx.kernel('k', () => buildRmsNorm({ sm: ctx.sm })), grid, block, args: { x: { buf: 'x' }, weight: { buf: 'weight' }, out: { buf: 'out' }, dim, eps: 1e-6 } }],
      outputs: [{ buf: 'out', type: 'f32', ref: rmsNormReference(x, w, 1e-6, nTok, dim) }],
      cost: rmsNormCost(nTok, dim),
    };
  },
);

const add = entry<number>(
  'add_f32',
  ADD_NMSE,
  'ADD_NMSE',
  { emu: [1, 1023], device: [1023, 4864, BIG + 1] },
  (n) => `n=${n}`,
  (n, ctx) => {
    const a = seeded(n, n);
    const b = seeded(n, n + 1);
    const { grid, block } = addLaunch(n);
    return {
      buffers: [{ name: 'a', init: a }, { name: 'b', init: b }, { name: 'out', init: n * 4 }],
      launches: [{ kernel: ctx.kernel('k', () => buildAdd({ sm: ctx.sm })), grid, block, args: { a: { buf: 'a' }, b: { buf: 'b' }, out: { buf: 'out' }, n } }],
      outputs: [{ buf: 'out', type: 'f32', ref: addReference(a, b, n) }],
      cost: addCost(n),
    };
  },
);

const addBias = entry<[number, number]>(
  'add_bias_f32',
  ADD_NMSE,
  'ADD_NMSE',
  { emu: [[1, 1], [3, 33]], device: [[1, 896], [3, 1023], [512, 4865]] },
  ([nTok, n]) => `${nTok}x${n}`,
  ([nTok, n], ctx) => {
    const x = seeded(nTok * n, n * 5);
    const bias = seeded(n, 77);
    const { grid, block } = addBiasLaunch(nTok, n);
    return {
      buffers: [{ name: 'x', init: x }, { name: 'bias', init: bias }],
      launches: [{ kernel: ctx.kernel('k', () => buildAddBias({ sm: ctx.sm })), grid, block, args: { x: { buf: 'x' }, bias: { buf: 'bias' }, n } }],
      outputs: [{ buf: 'x', type: 'f32', ref: addBiasReference(x, bias, nTok, n) }],
      cost: addBiasCost(nTok, n),
    };
  },
);

const swiglu = entry<number>(
  'swiglu_f32',
  SWIGLU_NMSE,
  'SWIGLU_NMSE',
  { emu: [3, 257], device: [1023, 4864, BIG + 3] },
  (n) => `n=${n}`,
  (n, ctx) => {
    const gate = seeded(n, n).map((v) => v * 12);
    if (n > 4) gate.set([-100, 100, 0, -0], n - 4); // saturation: silu(-100) = -0, silu(100) = 100
    const up = seeded(n, n + 9);
    const { grid, block } = swigluLaunch(n);
    return {
      buffers: [{ name: 'gate', init: gate }, { name: 'up', init: up }, { name: 'out', init: n * 4 }],
      launches: [{ kernel: ctx.kernel('k', () => buildSwiglu({ sm: ctx.sm })), grid, block, args: { gate: { buf: 'gate' }, up: { buf: 'up' }, out: { buf: 'out' }, n } }],
      outputs: [{ buf: 'out', type: 'f32', ref: swigluReference(gate, up, n) }],
      cost: swigluCost(n),
    };
  },
);

type RopeShape = [label: string, p: RopeParams, nTok: number, nHeads: number, headDim: number, pos: number[]];
const QWEN: RopeParams = { mode: 'neox', freqBase: 1e6 };
const LLAMA: RopeParams = { mode: 'normal', freqBase: 10000 };
const ramp = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);
const llama3Factors = (n: number): Float32Array => new Float32Array(n).map((_, i) => (i < n / 4 ? 1 : i < n / 2 ? 2.5 : 8));

function ropeCase([, p, nTok, nHeads, headDim, positions]: RopeShape, ctx: CaseContext): ConformanceCase {
  const { n_rot, ...f } = ropeScalars(p, headDim);
  const x = seeded(nTok * nHeads * headDim, nHeads * headDim + nTok);
  const { grid, block } = ropeLaunch(nTok);
  const ff = p.freqFactors;
  return {
    buffers: [{ name: 'x', init: x }, { name: 'pos', init: new Uint32Array(positions) }, ...(ff ? [{ name: 'ff', init: ff }] : [])],
    launches: [
      {
        kernel: ctx.kernel(p.mode, () => buildRope({ sm: ctx.sm, mode: p.mode })),
        grid,
        block,
        args: { x: { buf: 'x' }, pos: { buf: 'pos' }, freq_factors: ff ? { buf: 'ff' } : 0, n_heads: nHeads, head_dim: headDim, n_rot, ...f },
      },
    ],
    outputs: [{ buf: 'x', type: 'f32', ref: ropeReference(x, nTok, nHeads, headDim, positions, p) }],
    cost: ropeCost(nTok, nHeads, n_rot),
  };
}

const ropeEntry = (mode: RopeParams['mode'], shapes: Record<CaseScale, RopeShape[]>): ConformanceEntry =>
  entry(mode === 'neox' ? 'rope_neox_f32' : 'rope_f32', ROPE_NMSE, 'ROPE_NMSE', shapes, (s) => s[0], ropeCase);

const ropeNeox = ropeEntry('neox', {
  emu: [
    ['1 tok 2x64 pos 5', QWEN, 1, 2, 64, [5]],
    ['3 tok 2x64 long pos', QWEN, 3, 2, 64, [0, 4095, 32767]],
    ['YaRN 2 tok 3x64', { ...QWEN, freqScale: 0.25, extFactor: 1, attnFactor: 1, nCtxOrig: 4096 }, 2, 3, 64, [31, 16000]],
  ],
  device: [
    ['qwen q decode 1 tok 14x64', QWEN, 1, 14, 64, [4095]],
    ['qwen q prefill 512 tok 14x64', QWEN, 512, 14, 64, ramp(512)],
    ['nRot 32 of 64, 33 tok', { ...QWEN, nRot: 32 }, 33, 3, 64, ramp(33, 30000)],
  ],
});

const ropeNormal = ropeEntry('normal', {
  emu: [
    ['2 tok 3x128 pos 100000', LLAMA, 2, 3, 128, [0, 100000]],
    ['llama3 factors 3 tok 2x128', { ...LLAMA, freqBase: 500000, freqFactors: llama3Factors(64) }, 3, 2, 128, [1, 900, 8191]],
  ],
  device: [
    ['llama decode 1 tok 32x128', LLAMA, 1, 32, 128, [8191]],
    ['llama3 prefill 257 tok 32x128', { ...LLAMA, freqBase: 500000, freqFactors: llama3Factors(64) }, 257, 32, 128, ramp(257, 7000)],
  ],
});

const argmax = entry<[number, number]>(
  'argmax_partial_f32+reduce',
  0,
  'exact',
  { emu: [[1023, 1], [2049, 2]], device: [[1023, 3], [151936, 1], [151936, 4]] },
  ([n, M]) => `n=${n} M=${M}`,
  ([n, M], ctx): ConformanceCase => {
    const x = seeded(n * M, n + M);
    // A tie in every row, in different threads (and partial blocks when n allows): the lower index must win.
    for (let m = 0; m < M; m++) for (const j of [n - 1, n >> 1]) x[m * n + j] = 5;
    const g = argmaxLaunch(n, M);
    return {
      buffers: [{ name: 'x', init: x }, { name: 'part', init: g.partBytes }, { name: 'out', init: 4 * M }],
      launches: [
        { kernel: ctx.kernel('partial', () => buildArgmaxPartial({ sm: ctx.sm })), ...g.partial, args: { x: { buf: 'x' }, part: { buf: 'part' }, n, chunk: g.chunk } },
        { kernel: ctx.kernel('reduce', () => buildArgmaxReduce({ sm: ctx.sm })), ...g.reduce, args: { part: { buf: 'part' }, out: { buf: 'out' }, n_parts: g.nParts } },
      ],
      outputs: [{ buf: 'out', type: 'u32', ref: argmaxReference(x, n, M) }],
      cost: argmaxCost(n, M),
    };
  },
);

type KvShape = [label: string, nSeq: number, rowSeq: number[], pos: number[], nKvHeads: number, headDim: number, ctxLen: number];

const kvStore = entry<KvShape>(
  'kv_store_f32',
  0,
  'exact',
  {
    emu: [
      ['decode 3 seq 2x64', 3, [0, 1, 2], [0, 17, 39], 2, 64, 40],
      ['mixed 5 rows 2x64', 3, [1, 1, 1, 0, 2], [0, 1, 2, 30, 9], 2, 64, 40],
    ],
    device: [
      ['qwen decode 8 seq 2x64', 8, ramp(8).map((s) => s), ramp(8).map((s) => 511 * s + 3), 2, 64, 4096],
      ['qwen prompt 512 rows 2x64', 1, new Array<number>(512).fill(0), ramp(512, 100), 2, 64, 1024],
      ['7B prompt 129 rows 4x128', 1, new Array<number>(129).fill(0), ramp(129), 4, 128, 256],
    ],
  },
  (s) => s[0],
  ([, nSeq, rowSeq, pos, nKvHeads, headDim, ctxLen], ctx) => {
    const nLayers = 2;
    const per = nKvHeads * ctxLen * headDim; // (nKvHeads, ctxLen, headDim) per layer
    const kvDim = nKvHeads * headDim;
    const k = seeded(rowSeq.length * kvDim, 7);
    const v = seeded(rowSeq.length * kvDim, 8);
    const caches = Array.from({ length: nSeq }, (_, s) => ({ k: seeded(nLayers * per, s + 1), v: seeded(nLayers * per, s + 50) }));
    const want = caches.map((c) => ({ k: c.k.slice(), v: c.v.slice() }));
    const views = want.map((c) => ({ kCache: c.k.subarray(per, 2 * per), vCache: c.v.subarray(per, 2 * per) }));
    kvStoreReference(k, v, rowSeq.map((s) => views[s]), pos, { nKvHeads, headDim, ctxLen });
    const { grid, block } = kvStoreLaunch(rowSeq.length);
    return {
      buffers: [
        { name: 'k', init: k },
        { name: 'v', init: v },
        ...caches.flatMap((c, s) => [{ name: `kc${s}`, init: c.k }, { name: `vc${s}`, init: c.v }]),
        { name: 'k_ptrs', init: { pointers: rowSeq.map((s) => `kc${s}`) } },
        { name: 'v_ptrs', init: { pointers: rowSeq.map((s) => `vc${s}`) } },
        { name: 'pos', init: new Uint32Array(pos) },
      ],
      launches: [
        {
          kernel: ctx.kernel('k', () => buildKvStore({ sm: ctx.sm })),
          grid,
          block,
          args: { k: { buf: 'k' }, v: { buf: 'v' }, k_ptrs: { buf: 'k_ptrs' }, v_ptrs: { buf: 'v_ptrs' }, layer_off: per * 4, pos: { buf: 'pos' }, n_kv_heads: nKvHeads, ctx_len: ctxLen, head_dim: headDim },
        },
      ],
      // Whole caches: the other layer and other positions must be untouched.
      outputs: want.flatMap((c, s) => [
        { buf: `kc${s}`, type: 'f32' as const, ref: c.k },
        { buf: `vc${s}`, type: 'f32' as const, ref: c.v },
      ]),
      cost: kvStoreCost(rowSeq.length, nKvHeads, headDim),
    };
  },
);

/** RMSNorm, add, bias, SwiGLU, RoPE ×2, argmax, KV store. */
export const OPS_ENTRIES: readonly ConformanceEntry[] = [rmsNorm, add, addBias, swiglu, ropeNormal, ropeNeox, argmax, kvStore];
