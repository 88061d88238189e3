/**
 * Decode steps as replayed graphs, end to end on the emulated GPU (trueno-gpu's step-graphs.ts):
 * a session's one-token steps are recorded once per shape and replayed by one device call. The
 * split-K attention chunk is lowered (splitMinChunk 4) so a short context crosses split buckets
 * (8 → 16 → 32 positions: 2, 4, 8 splits on the emulator's 4 nominal SMs), each a new capture.
 */
import { type Backend, GGMLType, refBackend } from '@sovereign/trueno';
import { type EmuDevice, type GpuBackend, createEmuBackend } from '@sovereign/trueno-gpu';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../model/model.js';
import { type TestModelSpec, testModel } from '../model/test-model.js';

const PROMPT = [1, 259, 299, 7, 42];
/** Decode steps: positions 5..17, so the attention lengths 6..18 span the buckets 8, 16 and 32. */
const STEPS = 13;
const SPEC: TestModelSpec = { arch: 'qwen2', dim: 128, nLayers: 2, nHeads: 2, nKvHeads: 1, ffnDim: 256, vocab: 300, type: GGMLType.Q8_0, tied: true, seed: 3 };

interface StepCounts {
  /** Launches issued one by one from JS (GpuBackend.stats().launches). */
  jsLaunches: number;
  /** Emulator: launches through device.launch, graph replays, graph captures. */
  deviceLaunches: number;
  graphLaunches: number;
  graphCaptures: number;
}

interface Run {
  tokens: number[];
  /** Logits of one more (non-greedy) step after the greedy ones, read back to the host. */
  logits: Float32Array;
  steps: StepCounts[];
}

function emu(opts: { graphs: boolean }): GpuBackend {
  return createEmuBackend({ bytes: 64 << 20, splitMinChunk: 4, graphs: opts.graphs });
}

function counts(be: Backend): StepCounts {
  if (!('device' in be)) return { jsLaunches: 0, deviceLaunches: 0, graphLaunches: 0, graphCaptures: 0 };
  const g = be as GpuBackend;
  const c = (g.device as EmuDevice).counters;
  return { jsLaunches: g.stats().launches, deviceLaunches: c.launches, graphLaunches: c.graphLaunches, graphCaptures: c.graphCaptures };
}

function decode(be: Backend, spec: TestModelSpec, steps: number): Run {
  const { file } = testModel(spec);
  const s = loadModel(file, { backend: be }).createSession({ contextLength: 64 });
  const tokens: number[] = [];
  const perStep: StepCounts[] = [];
  let t = s.forwardGreedy(PROMPT);
  for (let i = 0; i < steps; i++) {
    tokens.push(t);
    const a = counts(be);
    t = s.forwardGreedy([t]); // one step: forward + argmax on the device, only the index comes back
    const b = counts(be);
    perStep.push({
      jsLaunches: b.jsLaunches - a.jsLaunches,
      deviceLaunches: b.deviceLaunches - a.deviceLaunches,
      graphLaunches: b.graphLaunches - a.graphLaunches,
      graphCaptures: b.graphCaptures - a.graphCaptures,
    });
  }
  tokens.push(t);
  const logits = s.forward([t]).slice();
  return { tokens, logits, steps: perStep };
}

describe('decode steps as graphs on the emulated GPU', () => {
  it(`greedy tokens over ${STEPS} steps across split buckets equal those without graphs (bit-equal logits) and the ref backend's; replays issue no JS launch [F-GPU-GRAPH-1]`, () => {
    const want = decode(refBackend, SPEC, STEPS);
    const eagerBe = emu({ graphs: false });
    const eager = decode(eagerBe, SPEC, STEPS);
    const be = emu({ graphs: true });
    const t0 = performance.now();
    const got = decode(be, SPEC, STEPS);
    const ms = performance.now() - t0;
    const g = be.stats().graphs;
    console.log(`graphs: ${STEPS + 1} decode steps in ${ms.toFixed(0)} ms; ${JSON.stringify(g)}; per step ${JSON.stringify(got.steps.map((s) => s.graphCaptures ? 'capture' : s.graphLaunches ? 'replay' : 'eager'))}`);
    expect(got.tokens).toEqual(want.tokens);
    expect(eager.tokens).toEqual(want.tokens);
    expect(got.logits).toEqual(eager.logits); // same kernels, same split plans: bit-equal
    expect(eagerBe.stats().graphs).toMatchObject({ enabled: false, hits: 0, misses: 0 });
    // Attention lengths 6..18: buckets 8 (steps 0-2), 16 (3-10), 32 (11-12); one capture each.
    const captured = got.steps.map((s) => s.graphCaptures);
    expect(captured).toEqual([1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    for (const s of got.steps) {
      expect(s.jsLaunches).toBe(0); // every launch of the step ran inside a graph
      expect(s.deviceLaunches).toBe(0);
      expect(s.graphLaunches).toBe(1);
    }
    // The last (non-greedy) step has no argmax in its graph: a fourth shape.
    expect(g).toMatchObject({ enabled: true, misses: 4, hits: STEPS - 3, eagerSteps: 0, cached: 4, evicted: 0 });
    // Without graphs every step launches its kernels one by one.
    for (const s of eager.steps) expect(s.jsLaunches).toBeGreaterThan(20);
  });

  it('a model with a CPU-fallback op (f16 matmuls) runs its steps eagerly and says why; tokens equal ref [F-GPU-GRAPH-2]', () => {
    const f16: TestModelSpec = { ...SPEC, type: GGMLType.F16, embdType: GGMLType.Q8_0 };
    const want = decode(refBackend, f16, 4);
    const be = emu({ graphs: true });
    const got = decode(be, f16, 4);
    expect(got.tokens).toEqual(want.tokens);
    const g = be.stats().graphs;
    expect(g).toMatchObject({ hits: 0, misses: 0, eagerSteps: 5, cached: 0 });
    expect(g.eagerReasons).toEqual({ 'fallback matmul f16': 5 });
    for (const s of got.steps) expect(s.graphLaunches).toBe(0);
  });

  it('two sessions on one backend keep their own graphs (their buffers differ) and both match ref', () => {
    const { file } = testModel(SPEC);
    const run = (be: Backend): number[] => {
      const model = loadModel(file, { backend: be });
      const a = model.createSession({ contextLength: 16 });
      const b = model.createSession({ contextLength: 16 });
      let ta = a.forwardGreedy([1, 2]);
      let tb = b.forwardGreedy([3]);
      const out = [ta, tb];
      for (let i = 0; i < 3; i++) {
        ta = a.forwardGreedy([ta]);
        tb = b.forwardGreedy([tb]);
        out.push(ta, tb);
      }
      return out;
    };
    const want = run(refBackend);
    const be = emu({ graphs: true });
    expect(run(be)).toEqual(want);
    const g = be.stats().graphs;
    expect(g.misses + g.hits).toBe(7); // b's one-token prompt is a step too
    expect(g.hits).toBeGreaterThan(0);
  });

  it('a batch runner decoding two sequences together replays its steps and matches ref', () => {
    const { file } = testModel(SPEC);
    const run = (be: Backend): number[] => {
      const r = loadModel(file, { backend: be }).createBatchRunner({ sequences: 2, contextLength: 16, maxRows: 8 });
      r.clear();
      r.add(0, PROMPT, 0, 3, true); // prompt chunks: not a decode step
      r.add(1, PROMPT, 1, 4, true);
      r.run();
      const vocab = SPEC.vocab;
      let t = [refBackend.argmax(r.logitsOf(0), vocab), refBackend.argmax(r.logitsOf(1), vocab)];
      const out = [...t];
      for (let i = 0; i < 4; i++) {
        r.clear();
        r.add(0, t, 0, 1, true); // one token per sequence: a decode step of the batch
        r.add(1, t, 1, 1, true);
        r.run();
        t = [refBackend.argmax(r.logitsOf(0), vocab), refBackend.argmax(r.logitsOf(1), vocab)];
        out.push(...t);
      }
      return out;
    };
    const want = run(refBackend);
    const be = emu({ graphs: true });
    expect(run(be)).toEqual(want);
    // Lengths 4..7 and 5..8: buckets 4 then 8 for sequence 0, 8 for sequence 1.
    expect(be.stats().graphs).toMatchObject({ misses: 2, hits: 2, eagerSteps: 0 });
  });
});
