/**
 * Step graphs at the op level on the emulated device: the staging copy kernel, the split-K plan
 * per context bucket, and the ways a bracketed step falls back to eager launches (staging full,
 * host reads and device copies inside the step), the graph LRU and the launch-list comparison.
 * End-to-end decoding with graphs: realizar's models/gpu-graph-e2e.test.ts; on the CUDA driver
 * (fake libcuda): test/gpu-graph-cuda-fake.test.ts.
 */
import { GGMLType, Tensor, quantize } from '@sovereign/trueno';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { launch } from '../emu/test-launch.js';
import { describePtxas } from '../kernels/ops-test-support.js';
import { contextBucket, decodeSplitPlan } from './decode-split-plan.js';
import { createEmuBackend } from './emu-backend.js';
import { EmuDevice } from './emu-device.js';
import type { DeviceLaunch } from './gpu-device.js';
import { TransferCounter } from './gpu-stats.js';
import { ParamSlots } from './param-slots.js';
import { buildCopyB32, copyB32Launch } from './staging-copy-kernel.js';
import { sameLaunches } from './step-graphs.js';

describe('copy_b32', () => {
  const k = buildCopyB32({ sm: 'sm_80' });
  it.each([1, 3, 31, 257, 1023])('moves n = %i words bit for bit (NaN payloads, -0) and nothing past n', (n) => {
    const src = new Uint32Array(n + 3).map((_, i) => (i * 2654435761) >>> 0);
    src[0] = 0x7fc01234; // a NaN payload
    src[n - 1] = 0x80000000; // -0
    const { grid, block } = copyB32Launch(n);
    const r = launch(k, grid, block, { src, dst: new Uint32Array(n + 3).fill(7) }, { n });
    const got = r.u32('dst', n + 3);
    expect(got.subarray(0, n)).toEqual(src.subarray(0, n));
    expect([...got.subarray(n)]).toEqual([7, 7, 7]);
  });
});
describePtxas('copy_b32', (sm) => [buildCopyB32({ sm })]);

describe('split-K plan per context bucket', () => {
  it('one plan per power-of-two bucket covers every length in it, at most half its splits empty [F-GPU-GRAPH-4]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8192 }),
        fc.integer({ min: 0, max: 8192 }),
        fc.integer({ min: 1, max: 160 }),
        fc.constantFrom(1, 2, 4, 8),
        fc.constantFrom(1, 4, 16, 64, 100),
        (kvLen, extra, sms, nKvHeads, minChunk) => {
          const ctxLen = kvLen + extra;
          const b = contextBucket(kvLen, ctxLen, minChunk);
          expect(b).toBeGreaterThanOrEqual(kvLen);
          expect(b).toBeLessThanOrEqual(ctxLen);
          const plan = decodeSplitPlan(kvLen, ctxLen, 2 * nKvHeads, nKvHeads, 64, sms, minChunk);
          expect(plan.nSplits * plan.chunk).toBeGreaterThanOrEqual(kvLen);
          expect(plan.chunk).toBeGreaterThanOrEqual(minChunk);
          expect(plan.nSplits).toBeLessThanOrEqual(2 * Math.ceil(kvLen / plan.chunk));
          // The bucket's upper end gets the same plan: one graph serves the whole bucket.
          expect(decodeSplitPlan(b, ctxLen, 2 * nKvHeads, nKvHeads, 64, sms, minChunk)).toEqual(plan);
        },
      ),
      { numRuns: 300 },
    );
  });
});

const DIM = 64;

/** Backend, weights and buffers of a small synthetic step. */
function fixture(opts: { graphs?: boolean; maxGraphs?: number } = {}) {
  const be = createEmuBackend({ bytes: 16 << 20, splitMinChunk: 4, ...opts });
  const src = new Float32Array(DIM * DIM).map((_, i) => Math.sin(0.37 * i));
  const emb = Tensor.view('emb', GGMLType.Q8_0, [DIM, 40], quantize(GGMLType.Q8_0, src.subarray(0, DIM * 40)));
  const w = Tensor.view('w', GGMLType.Q8_0, [DIM, DIM], quantize(GGMLType.Q8_0, src.subarray(0, DIM * DIM)));
  const norm = new Float32Array(DIM).fill(1.25);
  return { be, emb, w, norm, x: new Float32Array(40 * DIM), y: new Float32Array(40 * DIM) };
}

type Fixture = ReturnType<typeof fixture>;

/** getRows of `rows` tokens, rmsNorm, matmul: y (rows, DIM). */
function step(f: Fixture, ids: number[], inside?: (f: Fixture) => void): void {
  f.be.stepBegin('k');
  try {
    f.be.getRows(f.emb, ids, f.x);
    f.be.rmsNorm(f.x, f.norm, 1e-6, ids.length, DIM, f.x);
    inside?.(f);
    f.be.matmul(f.w, f.x, ids.length, f.y);
  } finally {
    f.be.stepEnd();
  }
}

function result(f: Fixture, n: number): Float32Array {
  f.be.download(f.y);
  return f.y.slice(0, n * DIM);
}

describe('bracketed steps on the emulated device', () => {
  it('a step whose inputs overflow the staging area runs eagerly, the next one is recorded, results equal no-graph', () => {
    const g = fixture();
    const e = fixture({ graphs: false });
    const big = Array.from({ length: 160 }, (_, i) => (7 * i) % 40); // 160 rows of 64 f32: 40 KiB > the first 32 KiB area
    for (const f of [g, e]) {
      f.x = new Float32Array(160 * DIM);
      f.y = new Float32Array(160 * DIM);
    }
    const want: Float32Array[] = [];
    const got: Float32Array[] = [];
    for (let i = 0; i < 3; i++) {
      const rows = big.map((t) => (t + i) % 40);
      step(e, rows);
      want.push(result(e, rows.length));
      step(g, rows);
      got.push(result(g, rows.length));
    }
    expect(got).toEqual(want);
    const s = g.be.stats().graphs;
    expect(s).toMatchObject({ eagerSteps: 1, eagerReasons: { 'staging full': 1 }, misses: 1, hits: 1 });
  });

  it('a host read or a device copy inside a step issues what is pending and runs the rest eagerly, with the same results', () => {
    const g = fixture();
    const e = fixture({ graphs: false });
    const readMid = (f: Fixture) => {
      f.be.download(f.x); // the host needs x now: pending launches must run first
      f.be.copyWithin(f.x, 0, DIM, DIM);
    };
    for (const f of [g, e]) step(f, [3, 5], readMid);
    expect(result(g, 2)).toEqual(result(e, 2));
    expect(g.x.subarray(0, 2 * DIM)).toEqual(e.x.subarray(0, 2 * DIM));
    expect(g.be.stats().graphs).toMatchObject({ hits: 0, misses: 0, eagerSteps: 1, eagerReasons: { download: 1 } });
  });

  it('graphs are kept per shape in an LRU; replays run no launch through device.launch', () => {
    const f = fixture({ maxGraphs: 2 });
    const dev = f.be.device as EmuDevice;
    const shapes = [[1], [1, 2], [1, 2, 3]];
    for (const ids of shapes) step(f, ids);
    expect(f.be.stats().graphs).toMatchObject({ misses: 3, cached: 2, evicted: 1 });
    const launches = dev.counters.launches;
    step(f, [9, 8, 7]); // shape 3: still cached
    step(f, [4, 4]); // shape 2: still cached
    expect(dev.counters.launches).toBe(launches);
    expect(f.be.stats().graphs).toMatchObject({ hits: 2, misses: 3 });
    step(f, [5]); // shape 1 was evicted: captured again
    expect(f.be.stats().graphs).toMatchObject({ hits: 2, misses: 4, evicted: 2 });
    expect(() => f.be.stepEnd()).toThrow(/without stepBegin/);
  });

  it('launch lists compare equal only with the same kernels, geometry and every parameter value', () => {
    const k = buildCopyB32({ sm: 'sm_80' });
    const a: DeviceLaunch[] = [{ kernel: k, grid: [1, 1, 1], block: [256, 1, 1], params: { src: 256, dst: 512, n: 3 } }];
    expect(sameLaunches(a, [{ ...a[0], params: { ...a[0].params } }])).toBe(true);
    expect(sameLaunches(a, [{ ...a[0], params: { ...a[0].params, n: 4 } }])).toBe(false);
    expect(sameLaunches(a, [{ ...a[0], grid: [2, 1, 1] }])).toBe(false);
    expect(sameLaunches(a, [{ ...a[0], kernel: buildCopyB32({ sm: 'sm_80' }) }])).toBe(false);
    expect(sameLaunches(a, [...a, ...a])).toBe(false);
  });
});

describe('param slots while a step defers its launches', () => {
  it('a slot that grows keeps its old memory until release (a pending launch may still name it)', () => {
    const dev = new EmuDevice({ bytes: 1 << 20 });
    const slots = new ParamSlots(dev, new TransferCounter());
    const a = slots.scratch('part', 256);
    slots.hold();
    const b = slots.scratch('part', 1024);
    expect(b).not.toBe(a);
    expect(dev.alloc(256)).not.toBe(a); // still held: not on the free list
    slots.release();
    expect(dev.alloc(256)).toBe(a); // freed now (first fit)
  });
});
