/**
 * Conformance entries of the attention kernels (decode one-pass, split-K decode, causal prefill)
 * for head sizes 64 and 128. Caches are realizar's layout, two layers with the second under test
 * (so `layer_off` is exercised), and hold NaN at every position at or after a sequence's length:
 * a kernel that reads past the causal end poisons its output and fails the bound. Device shapes:
 * Qwen2.5-0.5B heads (14 q / 2 kv, d64) at contexts up to 4096, a 7B-like GQA 28/4 d128, and a
 * peaky softmax (q scaled by 8).
 */
import { attentionDecodeCost, attentionDecodeLaunch, attentionDecodeReference, buildAttentionDecode } from '../kernels/attention-decode.js';
import { attentionDecodeSplitPlan, buildAttentionDecodePartial, buildAttentionDecodeReduce } from '../kernels/attention-decode-split.js';
import { attentionPrefillCost, attentionPrefillLaunch, attentionPrefillReference, buildAttentionPrefill } from '../kernels/attention-prefill.js';
import { predictedMicrosRoofline } from '../kernels/kernel-model.js';
import { ATTENTION_NMSE } from '../kernels/tolerances.js';
import type { CaseBuffer, CaseContext, CaseScale, ConformanceCase, ConformanceEntry } from './conformance-case.js';
import { seeded } from './conformance-case.js';

/** Heads and cache extent of an attention case. */
interface Heads {
  readonly nHeads: number;
  readonly nKvHeads: number;
  readonly headDim: 64 | 128;
  readonly ctxLen: number;
}

const LAYERS = 2;
const LAYER = 1;

/** Whole (nLayers, nKvHeads, ctxLen, headDim) K and V caches of one sequence, NaN from `len` on in every head. */
function sequenceCaches(h: Heads, len: number, seed: number): { k: Float32Array; v: Float32Array; kLayer: Float32Array; vLayer: Float32Array } {
  const per = h.nKvHeads * h.ctxLen * h.headDim;
  const k = seeded(LAYERS * per, seed);
  const v = seeded(LAYERS * per, seed + 1);
  for (let i = 0; i < LAYERS * h.nKvHeads; i++) {
    k.fill(NaN, (i * h.ctxLen + len) * h.headDim, (i + 1) * h.ctxLen * h.headDim);
    v.fill(NaN, (i * h.ctxLen + len) * h.headDim, (i + 1) * h.ctxLen * h.headDim);
  }
  return { k, v, kLayer: k.subarray(LAYER * per, (LAYER + 1) * per), vLayer: v.subarray(LAYER * per, (LAYER + 1) * per) };
}

type DecodeShape = [label: string, heads: Heads, kvLens: number[], mag: number, chunk?: number];

/** The buffers, common arguments, reference and cost of a decode step over `kvLens`. */
function decodeSetup([, h, kvLens, mag]: DecodeShape) {
  const seqs = kvLens.map((len, i) => ({ ...sequenceCaches(h, len, 31 * i + h.nHeads + len), kvLen: len }));
  const q = seeded(kvLens.length * h.nHeads * h.headDim, 7 + kvLens.length).map((x) => x * mag);
  const scale = 1 / Math.sqrt(h.headDim);
  const ref = attentionDecodeReference(
    q,
    seqs.map((s) => ({ kCache: s.kLayer, vCache: s.vLayer, kvLen: s.kvLen })),
    { ...h, scale },
  );
  const buffers: CaseBuffer[] = [
    { name: 'q', init: q },
    ...seqs.flatMap((s, i) => [{ name: `kc${i}`, init: s.k }, { name: `vc${i}`, init: s.v }]),
    { name: 'k_ptrs', init: { pointers: seqs.map((_, i) => `kc${i}`) } },
    { name: 'v_ptrs', init: { pointers: seqs.map((_, i) => `vc${i}`) } },
    { name: 'kv_len', init: new Uint32Array(kvLens) },
    { name: 'out', init: ref.byteLength },
  ];
  const args = {
    q: { buf: 'q' },
    k_ptrs: { buf: 'k_ptrs' },
    v_ptrs: { buf: 'v_ptrs' },
    layer_off: LAYER * h.nKvHeads * h.ctxLen * h.headDim * 4,
    kv_len: { buf: 'kv_len' },
    ctx_len: h.ctxLen,
    scale,
  };
  return { buffers, args, ref, cost: attentionDecodeCost(kvLens, h.nHeads, h.nKvHeads, h.headDim) };
}

const heads = (nHeads: number, nKvHeads: number, headDim: 64 | 128, ctxLen: number): Heads => ({ nHeads, nKvHeads, headDim, ctxLen });

const DECODE: Record<64 | 128, Record<CaseScale, DecodeShape[]>> = {
  64: {
    emu: [['14/2 heads, 2 seq', heads(14, 2, 64, 64), [1, 33], 1, 16]],
    device: [
      ['qwen 14/2, 4 seq len 1..4096', heads(14, 2, 64, 4096), [1, 33, 1023, 4096], 1],
      ['qwen 14/2, 1 seq len 4096', heads(14, 2, 64, 4096), [4096], 1],
      ['qwen 14/2, 16 seq len 1024', heads(14, 2, 64, 1024), new Array<number>(16).fill(1024), 1],
    ],
  },
  128: {
    emu: [['4/1 heads peaky, 1 seq', heads(4, 1, 128, 40), [31], 8, 8]],
    device: [
      ['7B-like 28/4, 1 seq len 4095', heads(28, 4, 128, 4096), [4095], 1],
      ['MHA 3/3 peaky, len 299', heads(3, 3, 128, 300), [299], 8, 64],
    ],
  },
};

function decodeEntry(D: 64 | 128): ConformanceEntry {
  return {
    name: `attention_decode_d${D}`,
    bound: ATTENTION_NMSE,
    boundName: 'ATTENTION_NMSE',
    cases: (scale) =>
      DECODE[D][scale].map((s) => ({
        shape: s[0],
        make: (ctx: CaseContext): ConformanceCase => {
          const { buffers, args, ref, cost } = decodeSetup(s);
          const { grid, block } = attentionDecodeLaunch(s[2].length, s[1].nHeads, s[1].nKvHeads);
          const kernel = ctx.kernel('single', () => buildAttentionDecode({ sm: ctx.sm, headDim: D }));
          return { buffers, launches: [{ kernel, grid, block, args: { ...args, out: { buf: 'out' }, chunk: 0 } }], outputs: [{ buf: 'out', type: 'f32', ref }], cost };
        },
      })),
  };
}

function splitEntry(D: 64 | 128): ConformanceEntry {
  return {
    name: `attention_decode_partial+reduce_d${D}`,
    bound: ATTENTION_NMSE,
    boundName: 'ATTENTION_NMSE',
    cases: (scale) =>
      DECODE[D][scale].map((s) => ({
        shape: `${s[0]}${s[4] ? `, chunk ${s[4]}` : ''}`,
        make: (ctx: CaseContext): ConformanceCase => {
          const [, h, kvLens, , chunk] = s;
          const { buffers, args, ref, cost } = decodeSetup(s);
          const plan = attentionDecodeSplitPlan(Math.max(...kvLens), kvLens.length, h.nHeads, h.nKvHeads, D, ctx.multiprocessors ?? 132, chunk);
          const partial = ctx.kernel('partial', () => buildAttentionDecodePartial({ sm: ctx.sm, headDim: D }));
          const reduce = ctx.kernel('reduce', () => buildAttentionDecodeReduce({ sm: ctx.sm, headDim: D }));
          return {
            buffers: [...buffers, { name: 'part', init: plan.partBytes }],
            launches: [
              { kernel: partial, ...plan.partial, args: { ...args, out: { buf: 'part' }, chunk: plan.chunk } },
              { kernel: reduce, ...plan.reduce, args: { part: { buf: 'part' }, kv_len: { buf: 'kv_len' }, out: { buf: 'out' }, chunk: plan.chunk, n_splits: plan.nSplits } },
            ],
            outputs: [{ buf: 'out', type: 'f32', ref }],
            cost,
          };
        },
      })),
  };
}

type PrefillShape = [label: string, heads: Heads, nTok: number, pos0: number, mag: number];

const PREFILL: Record<64 | 128, Record<CaseScale, PrefillShape[]>> = {
  64: {
    emu: [['4/2 heads, 33 tok after 5', heads(4, 2, 64, 64), 33, 5, 1]],
    device: [
      ['qwen 14/2, 512 tok from 0', heads(14, 2, 64, 1024), 512, 0, 1],
      ['qwen 14/2, 129 tok after 3000', heads(14, 2, 64, 4096), 129, 3000, 1],
    ],
  },
  128: {
    emu: [['2/1 heads peaky, 7 tok after 1', heads(2, 1, 128, 16), 7, 1, 6]],
    device: [['7B-like 28/4, 255 tok from 0', heads(28, 4, 128, 512), 255, 0, 1]],
  },
};

function prefillEntry(D: 64 | 128): ConformanceEntry {
  return {
    name: `attention_prefill_d${D}`,
    bound: ATTENTION_NMSE,
    boundName: 'ATTENTION_NMSE',
    cases: (scale) =>
      PREFILL[D][scale].map(([label, h, nTok, pos0, mag]) => ({
        shape: label,
        make: (ctx: CaseContext): ConformanceCase => {
          const c = sequenceCaches(h, pos0 + nTok, nTok * 13 + pos0);
          const q = seeded(nTok * h.nHeads * D, nTok).map((x) => x * mag);
          const scale = 1 / Math.sqrt(D);
          const ref = attentionPrefillReference(q, c.kLayer, c.vLayer, { ...h, nTok, pos0, scale });
          const { grid, block } = attentionPrefillLaunch(nTok, h.nHeads, h.nKvHeads);
          const layerOff = LAYER * h.nKvHeads * h.ctxLen * D * 4;
          const cost = attentionPrefillCost(nTok, pos0, h.nHeads, h.nKvHeads, D);
          return {
            buffers: [{ name: 'q', init: q }, { name: 'k', init: c.k }, { name: 'v', init: c.v }, { name: 'out', init: ref.byteLength }],
            launches: [
              {
                kernel: ctx.kernel('k', () => buildAttentionPrefill({ sm: ctx.sm, headDim: D })),
                grid,
                block,
                args: { q: { buf: 'q' }, k_cache: { buf: 'k', offset: layerOff }, v_cache: { buf: 'v', offset: layerOff }, out: { buf: 'out' }, n_tok: nTok, n_kv_heads: h.nKvHeads, ctx_len: h.ctxLen, pos0, scale },
              },
            ],
            outputs: [{ buf: 'out', type: 'f32', ref }],
            cost,
            predictMicros: (bw) => predictedMicrosRoofline(cost, bw),
          };
        },
      })),
  };
}

/** Decode, split-K decode and prefill attention, head sizes 64 and 128. */
export const ATTENTION_ENTRIES: readonly ConformanceEntry[] = [64, 128].flatMap((d) => [decodeEntry(d as 64 | 128), splitEntry(d as 64 | 128), prefillEntry(d as 64 | 128)]);
