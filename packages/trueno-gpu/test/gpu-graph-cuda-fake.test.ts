/**
 * Decode-step graphs on a CudaDevice over the fake libcuda (native/test/fake-libcuda.cpp: device
 * memory is host memory, launches are logged and not run, captured work replays from graphs).
 * What this checks without a GPU: one stream capture + instantiation per step shape (attention
 * bucket), every later step is one cuGraphLaunch whose nodes are the staging copy and the
 * step's kernels with unchanged parameters, nothing is launched from JS during replayed steps,
 * and the per-token values reach device memory through the replayed staging copy.
 */
import { GGMLType, Tensor, quantize } from '@sovereign/trueno';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { CudaDevice, CudaGraph, CudaStream, GpuBackend, loadCudaDriver } from '../src/index.js';
import { loadNativeCudaAddon } from '../src/driver/native-binding.js';
import { cleanupFakes, fakeLibcuda, fakeUnavailable, readFakeLog } from './fake-libcuda.js';

const addon = loadNativeCudaAddon();
const skipReason = addon.addon ? fakeUnavailable() : `addon absent: ${addon.reason}`;
if (skipReason) console.warn(`fake libcuda step-graph tests skipped: ${skipReason}`);

afterEach(() => {
  delete process.env.FAKE_CUDA_LOG;
  vi.restoreAllMocks();
});
afterAll(() => cleanupFakes());

const DIM = 64;
const CTX = 256;
const ROPE = { mode: 'neox', nRot: 64, freqBase: 10000 } as const;

/** One decode step's ops over one "layer" (the forward's op kinds), bracketed as realizar does. */
function makeStep(be: GpuBackend): (pos: number) => number {
  const emb = Tensor.view('emb', GGMLType.Q8_0, [DIM, 7], quantize(GGMLType.Q8_0, new Float32Array(DIM * 7).map((_, i) => Math.sin(i))));
  const wq = Tensor.view('wq', GGMLType.Q8_0, [DIM, 2 * DIM], quantize(GGMLType.Q8_0, new Float32Array(2 * DIM * DIM).fill(0.01)));
  const norm = new Float32Array(DIM).fill(1);
  const x = new Float32Array(DIM);
  const xb = new Float32Array(DIM);
  const q = new Float32Array(2 * DIM); // 2 query heads of 64
  const att = new Float32Array(2 * DIM);
  const kc = new Float32Array(CTX * DIM); // (1 KV head, ctx, 64)
  const vc = new Float32Array(CTX * DIM);
  return (pos) => {
    be.stepBegin('session#1');
    try {
      const p = { nTok: 1, nHeads: 2, nKvHeads: 1, headDim: 64, ctxLen: CTX, pos0: pos, scale: 0.125 };
      be.getRows(emb, [pos % 7], x);
      be.rmsNorm(x, norm, 1e-6, 1, DIM, xb);
      be.matmul(wq, xb, 1, q);
      be.rope(q, 1, 2, 64, [pos], ROPE);
      be.storeKv(xb, xb, kc, vc, p);
      be.attention(q, kc, vc, att, p);
      return be.argmax(att, 2 * DIM);
    } finally {
      be.stepEnd();
    }
  };
}

describe.skipIf(skipReason !== undefined)('decode-step graphs on the fake libcuda', () => {
  it('captures and instantiates once per step shape, then replays: one graph launch per step, no JS launch, per-token values via the staging copy [F-GPU-GRAPH-3]', () => {
    const fake = fakeLibcuda('full');
    process.env.FAKE_CUDA_LOG = fake.log;
    const r = loadCudaDriver({ libraryPath: fake.path });
    if (!r.driver) throw new Error(`fake driver did not load: ${r.reason}`);
    const ctx = r.driver.createContext(0);
    const be = new GpuBackend(new CudaDevice(ctx));
    const begin = vi.spyOn(CudaStream.prototype, 'beginCapture');
    const end = vi.spyOn(CudaStream.prototype, 'endCapture');
    const replay = vi.spyOn(CudaGraph.prototype, 'launch');
    const step = makeStep(be);
    // The fake has 128 SMs and the cache one KV head: attention lengths up to 64 use one split
    // (bucket 64), 65..128 two (bucket 128). Positions 58..69 cross that boundary.
    const positions = Array.from({ length: 12 }, (_, i) => 58 + i);
    const logAt: number[] = [];
    const ropePos: number[] = [];
    for (const pos of positions) {
      logAt.push(readFakeLog(fake.log).length);
      step(pos);
      // The rope kernel's `pos` parameter (2nd u64) points into the staging area: after the
      // replay it must hold this step's position, copied there by the graph's memcpy node.
      const rope = readFakeLog(fake.log).slice(logAt.at(-1)).filter((e) => e.op === 'launch' && e.fn === 'rope_neox_f32');
      expect(rope).toHaveLength(1);
      const at = Buffer.from(rope[0].params!, 'hex').readBigUInt64LE(8);
      const got = new Uint32Array(1);
      ctx.copyToHost(got, at);
      ropePos.push(got[0]);
    }
    logAt.push(readFakeLog(fake.log).length);
    expect(ropePos).toEqual(positions);
    expect(begin).toHaveBeenCalledTimes(2); // buckets 64 and 128
    expect(end).toHaveBeenCalledTimes(2);
    expect(replay).toHaveBeenCalledTimes(positions.length);
    expect(ctx.resources.graphs).toBe(2);
    expect(ctx.resources.pinned).toBe(1); // the staging area's host side
    // Each step's argmax read drained the device: the NULL stream holds no replay's buffers.
    expect(ctx.defaultStream.pendingHostBuffers).toBe(0);
    const s = be.stats();
    expect(s.graphs).toMatchObject({ enabled: true, misses: 2, hits: positions.length - 2, eagerSteps: 0 });
    expect(s.launches).toBe(0); // nothing launched one by one: every kernel ran inside a graph
    const log = readFakeLog(fake.log);
    const perStep = positions.map((_, i) => log.slice(logAt[i], logAt[i + 1]));
    const signature = (es: typeof log) => es.filter((e) => e.op === 'launch').map((e) => `${e.fn} ${e.grid!.join(',')} ${e.params}`);
    perStep.forEach((es, i) => {
      expect(es.filter((e) => e.op === 'graphLaunch')).toHaveLength(1);
      expect(es.filter((e) => e.op === 'launch' && !e.graph)).toEqual([]);
      const copies = es.filter((e) => e.op === 'htod');
      expect(copies).toHaveLength(1); // ONE staging copy per step, a node of the graph
      expect(copies[0].graph).toBe(true);
      // Steps of one bucket replay identical launches (parameters baked in, values in staging).
      const first = positions[i] + 1 <= 64 ? 0 : positions.indexOf(64);
      expect(signature(es)).toEqual(signature(perStep[first]));
    });
    const fns = (es: typeof log) => es.filter((e) => e.op === 'launch').map((e) => e.fn);
    expect(fns(perStep[0])).toContain('attention_decode_d64');
    expect(fns(perStep.at(-1)!)).toEqual(expect.arrayContaining(['attention_decode_partial_d64', 'attention_decode_reduce_d64', 'copy_b32', 'argmax_partial_f32']));
    be.dispose();
    expect(ctx.disposed).toBe(true);
  });

  it('a driver without graph entry points runs the same steps eagerly and says why', () => {
    const fake = fakeLibcuda('no-graphs');
    process.env.FAKE_CUDA_LOG = fake.log;
    const r = loadCudaDriver({ libraryPath: fake.path });
    if (!r.driver) throw new Error(`fake driver did not load: ${r.reason}`);
    const be = new GpuBackend(new CudaDevice(r.driver.createContext(0)));
    const step = makeStep(be);
    for (let pos = 0; pos < 3; pos++) step(pos);
    const g = be.stats().graphs;
    expect(g).toMatchObject({ enabled: false, hits: 0, misses: 0 });
    expect(g.reason).toMatch(/graph entry points/);
    expect(readFakeLog(fake.log).filter((e) => e.op === 'graphLaunch')).toEqual([]);
    expect(be.stats().launches).toBeGreaterThan(0);
    be.dispose();
  });
});
