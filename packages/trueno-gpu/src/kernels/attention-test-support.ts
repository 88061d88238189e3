/**
 * Test helper of the attention kernel tests (not exported from the package): random multi-layer
 * KV caches in realizar's layout, and emulated decode launches with the per-sequence pointer
 * tables.
 */
import { emulate } from '../emu/emulate.js';
import { EmuMemory } from '../emu/memory.js';
import type { Kernel } from '../ptx/kernel.js';
import { attentionDecodeLaunch, type DecodeSequence } from './attention-decode.js';
import { attentionDecodeSplitPlan } from './attention-decode-split.js';
import { seeded } from './gemv-conformance.js';

/** Shape of an attention test. */
export interface AttnShape {
  readonly nHeads: number;
  readonly nKvHeads: number;
  readonly headDim: 64 | 128;
  readonly ctxLen: number;
  readonly scale: number;
}

/** A sequence with a whole (nLayers, nKvHeads, ctxLen, headDim) cache and the layer under test. */
export interface TestSequence extends DecodeSequence {
  readonly k: Float32Array;
  readonly v: Float32Array;
}

/**
 * Random caches of `nLayers` layers; `layer`'s views are the reference's caches. Positions at or
 * after kvLen hold NaN, so reading past the causal end poisons the output.
 */
export function makeSequences(shape: AttnShape, kvLens: readonly number[], nLayers: number, layer: number, seed: number): TestSequence[] {
  const per = shape.nKvHeads * shape.ctxLen * shape.headDim;
  return kvLens.map((kvLen, i) => {
    const k = seeded(nLayers * per, seed + 2 * i);
    const v = seeded(nLayers * per, seed + 2 * i + 1);
    for (let h = 0; h < nLayers * shape.nKvHeads; h++) {
      const from = (h * shape.ctxLen + kvLen) * shape.headDim;
      k.fill(NaN, from, (h + 1) * shape.ctxLen * shape.headDim);
      v.fill(NaN, from, (h + 1) * shape.ctxLen * shape.headDim);
    }
    return { k, v, kvLen, kCache: k.subarray(layer * per, (layer + 1) * per), vCache: v.subarray(layer * per, (layer + 1) * per) };
  });
}

interface Uploaded {
  mem: EmuMemory;
  params: Record<string, number>;
}

function upload(q: Float32Array, seqs: readonly TestSequence[], shape: AttnShape, layer: number, extraBytes: number): Uploaded {
  let bytes = q.byteLength * 2 + extraBytes + 4096;
  for (const s of seqs) bytes += s.k.byteLength + s.v.byteLength + 512;
  const mem = new EmuMemory(bytes);
  const kAt = seqs.map((s) => mem.upload(s.k));
  const vAt = seqs.map((s) => mem.upload(s.v));
  const params = {
    q: mem.upload(q),
    k_ptrs: mem.upload(new BigUint64Array(kAt.map(BigInt))),
    v_ptrs: mem.upload(new BigUint64Array(vAt.map(BigInt))),
    kv_len: mem.upload(new Uint32Array(seqs.map((s) => s.kvLen))),
    layer_off: layer * shape.nKvHeads * shape.ctxLen * shape.headDim * 4,
    ctx_len: shape.ctxLen,
    scale: shape.scale,
  };
  return { mem, params };
}

/** The one-pass decode kernel in the emulator; returns (nSeq, nHeads·headDim). */
export function runDecode(kernel: Kernel, q: Float32Array, seqs: readonly TestSequence[], shape: AttnShape, layer: number): Float32Array {
  const n = seqs.length * shape.nHeads * shape.headDim;
  const { mem, params } = upload(q, seqs, shape, layer, n * 4);
  const out = mem.alloc(n * 4);
  const { grid, block } = attentionDecodeLaunch(seqs.length, shape.nHeads, shape.nKvHeads);
  emulate(kernel, { grid, block, memory: mem, params: { ...params, out, chunk: 0 } });
  return mem.readF32(out, n);
}

/** The split-K pair (partial + reduce) in the emulator; returns (nSeq, nHeads·headDim). */
export function runDecodeSplit(partial: Kernel, reduce: Kernel, q: Float32Array, seqs: readonly TestSequence[], shape: AttnShape, layer: number, chunk?: number): Float32Array {
  const n = seqs.length * shape.nHeads * shape.headDim;
  const plan = attentionDecodeSplitPlan(Math.max(...seqs.map((s) => s.kvLen)), seqs.length, shape.nHeads, shape.nKvHeads, shape.headDim, 132, chunk);
  const { mem, params } = upload(q, seqs, shape, layer, n * 4 + plan.partBytes + 512);
  const part = mem.alloc(plan.partBytes);
  const out = mem.alloc(n * 4);
  emulate(partial, { grid: plan.partial.grid, block: plan.partial.block, memory: mem, params: { ...params, out: part, chunk: plan.chunk } });
  emulate(reduce, {
    grid: plan.reduce.grid,
    block: plan.reduce.block,
    memory: mem,
    params: { part, kv_len: params.kv_len, out, chunk: plan.chunk, n_splits: plan.nSplits },
  });
  return mem.readF32(out, n);
}
