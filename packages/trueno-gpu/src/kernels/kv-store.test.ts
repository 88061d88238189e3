import { describe, expect, it } from 'vitest';
import { emulate } from '../emu/emulate.js';
import { EmuMemory } from '../emu/memory.js';
import { seeded } from './gemv-conformance.js';
import { buildKvStore, kvStoreCost, kvStoreLaunch, kvStoreReference } from './kv-store.js';
import { describePtxas } from './ops-test-support.js';

const kernel = buildKvStore({ sm: 'sm_80' });
const shape = { nKvHeads: 2, headDim: 64, ctxLen: 40 };
const nLayers = 2;
const per = shape.nKvHeads * shape.ctxLen * shape.headDim;

/** Runs the kernel for rows going to sequences `rowSeq` at `pos` (layer 1); returns each sequence's whole (k, v) caches. */
function run(nSeq: number, rowSeq: number[], pos: number[], k: Float32Array, v: Float32Array): { k: Float32Array; v: Float32Array }[] {
  const mem = new EmuMemory(2 * nSeq * nLayers * per * 4 + 2 * k.byteLength + 8192);
  const caches = Array.from({ length: nSeq }, (_, s) => ({ k: mem.upload(seeded(nLayers * per, s + 1)), v: mem.upload(seeded(nLayers * per, s + 50)) }));
  const params = {
    k: mem.upload(k),
    v: mem.upload(v),
    k_ptrs: mem.upload(new BigUint64Array(rowSeq.map((s) => BigInt(caches[s].k)))),
    v_ptrs: mem.upload(new BigUint64Array(rowSeq.map((s) => BigInt(caches[s].v)))),
    pos: mem.upload(new Uint32Array(pos)),
    layer_off: per * 4,
    n_kv_heads: shape.nKvHeads,
    ctx_len: shape.ctxLen,
    head_dim: shape.headDim,
  };
  const { grid, block } = kvStoreLaunch(rowSeq.length);
  emulate(kernel, { grid, block, memory: mem, params });
  return caches.map((c) => ({ k: mem.readF32(c.k, nLayers * per), v: mem.readF32(c.v, nLayers * per) }));
}

function reference(nSeq: number, rowSeq: number[], pos: number[], k: Float32Array, v: Float32Array): { k: Float32Array; v: Float32Array }[] {
  const all = Array.from({ length: nSeq }, (_, s) => ({ k: seeded(nLayers * per, s + 1), v: seeded(nLayers * per, s + 50) }));
  const layer = all.map((c) => ({ kCache: c.k.subarray(per, 2 * per), vCache: c.v.subarray(per, 2 * per) }));
  kvStoreReference(k, v, rowSeq.map((s) => layer[s]), pos, shape);
  return all;
}

describe('kv store', () => {
  it.each([
    ['a decode step of 3 sequences at their own positions', 3, [0, 1, 2], [0, 17, 39]],
    ['a 5-token prompt of one sequence at pos0 = 3', 1, [0, 0, 0, 0, 0], [3, 4, 5, 6, 7]],
    ['a mixed batch: prompt rows of sequence 1, decode rows of 0 and 2', 3, [1, 1, 1, 0, 2], [0, 1, 2, 30, 9]],
  ])('layer caches equal storeKvRef bit for bit, other layers untouched: %s', (_, nSeq, rowSeq, pos) => {
    const kvDim = shape.nKvHeads * shape.headDim;
    const k = seeded(rowSeq.length * kvDim, 7);
    const v = seeded(rowSeq.length * kvDim, 8);
    const got = run(nSeq, rowSeq, pos, k, v);
    const want = reference(nSeq, rowSeq, pos, k, v);
    for (let s = 0; s < nSeq; s++) {
      expect(got[s].k).toEqual(want[s].k);
      expect(got[s].v).toEqual(want[s].v);
    }
  });

  it('a wrong position is caught (the comparison is exact)', () => {
    const k = seeded(2 * 128, 1);
    const v = seeded(2 * 128, 2);
    const got = run(1, [0, 0], [4, 6], k, v);
    const want = reference(1, [0, 0], [4, 5], k, v);
    expect(got[0].k).not.toEqual(want[0].k);
  });

  it('cost model: k and v rows read and written', () => {
    expect(kvStoreCost(3, 2, 64).bytes).toBe(16 * 3 * 128 + 60);
  });
});

describePtxas('kv store', (sm) => [buildKvStore({ sm })]);
