/**
 * The forward pass under a BrickProfiler: every brick of every layer is recorded once per pass
 * under its `blk.<i>.<kind>` name, the bricks' times add up to the forward's wall time, and
 * profiling changes no number.
 */
import { BrickProfiler, LAYER_BRICKS, MODEL_BRICKS, calibrateBudgets, renderBrickTable } from '@sovereign/trueno';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../model/model.js';
import type { Session } from '../model/session.js';
import { type TestModelSpec, testModel } from '../model/test-model.js';
import { LAYER_BRICK_KINDS, MODEL_BRICK_KINDS } from './llama.js';

const QWEN: TestModelSpec = { arch: 'qwen2', dim: 64, nLayers: 3, nHeads: 4, nKvHeads: 2, ffnDim: 160, vocab: 300, tied: true };
const LLAMA: TestModelSpec = { ...QWEN, arch: 'llama', tied: false };

const argmax = (x: Float32Array): number => x.reduce((best, v, i) => (v > x[best] ? i : best), 0);

/** Greedy: the prompt in one pass, then `n` single-token steps; returns the tokens and the wall time of the forwards (µs). */
function greedy(s: Session, prompt: number[], n: number, profiler?: BrickProfiler): { tokens: number[]; wallUs: number } {
  const tokens: number[] = [];
  let wall = performance.now();
  let logits = s.forward(prompt, { profiler });
  wall = performance.now() - wall;
  for (let i = 0; i < n; i++) {
    tokens.push(argmax(logits));
    const t0 = performance.now();
    logits = s.forward([tokens[i]], { profiler });
    wall += performance.now() - t0;
  }
  return { tokens, wallUs: wall * 1e3 };
}

describe('forward pass bricks', () => {
  for (const spec of [QWEN, LLAMA]) {
    it(`${spec.arch} forward: a greedy run records nLayers × tokens per blk.*.qkv and each brick once per pass [F-BRICK-10]`, () => {
      const m = loadModel(testModel(spec).file);
      const p = new BrickProfiler();
      const prompt = [1, 17, 280, 5, 42];
      const steps = 8;
      const profiled = greedy(m.createSession(), prompt, steps, p);
      expect(profiled.tokens).toEqual(greedy(m.createSession(), prompt, steps).tokens); // profiling changes nothing

      const tokens = prompt.length + steps;
      const passes = 1 + steps;
      const qkv = p.names().filter((n) => /^blk\.\d+\.qkv$/.test(n));
      expect(qkv).toHaveLength(spec.nLayers);
      expect(qkv.reduce((a, n) => a + (p.stats(n)?.tokens ?? 0), 0)).toBe(spec.nLayers * tokens);
      for (let l = 0; l < spec.nLayers; l++) {
        for (const kind of LAYER_BRICKS) expect(p.stats(`blk.${l}.${kind}`)).toMatchObject({ count: passes, tokens });
      }
      expect(p.stats('token_embd')).toMatchObject({ count: passes, tokens });
      expect(p.stats('output_norm')).toMatchObject({ count: passes, tokens: passes }); // the last row of each pass
      expect(p.stats('lm_head')).toMatchObject({ count: passes, tokens: passes });
      expect(p.names()).toHaveLength(spec.nLayers * LAYER_BRICKS.length + MODEL_BRICKS.length);

      const byKind = p.report({ byKind: true });
      expect(byKind.rows.find((r) => r.name === 'qkv')).toMatchObject({ count: spec.nLayers * passes, tokens: spec.nLayers * tokens });
      expect(byKind.tokens).toBe(tokens);
    });
  }

  it('forward bricks: the names the forward uses are trueno\'s brick kinds, in order', () => {
    expect([...LAYER_BRICK_KINDS]).toEqual([...LAYER_BRICKS]);
    expect([...MODEL_BRICK_KINDS]).toEqual([...MODEL_BRICKS]);
  });

  it('forward bricks: the report\'s total time is the wall time of the forward passes (within 20%) [F-BRICK-11]', () => {
    const m = loadModel(testModel(QWEN).file);
    const p = new BrickProfiler();
    greedy(m.createSession(), [1, 2, 3], 4, p); // warm up the JIT
    let best = Number.POSITIVE_INFINITY;
    let report = p.report();
    for (let rep = 0; rep < 3 && !(best <= 0.2); rep++) {
      p.reset();
      const { wallUs } = greedy(m.createSession({ contextLength: 128 }), [1, 17, 280, 5, 42, 7, 8, 9], 24, p);
      report = p.report();
      best = Math.min(best, Math.abs(report.totalUs - wallUs) / wallUs);
      console.log(`[forward bricks] bricks ${report.totalUs.toFixed(0)} µs vs wall ${wallUs.toFixed(0)} µs (${(100 * (report.totalUs / wallUs - 1)).toFixed(1)}%)`);
    }
    expect(best).toBeLessThanOrEqual(0.2);
    expect(report.tokens).toBe(8 + 24);
    const byKind = p.report({ byKind: true, budgets: calibrateBudgets(Object.fromEntries(p.report({ byKind: true }).rows.map((r) => [r.name, r.usPerToken]))) });
    console.log(renderBrickTable(byKind));
    expect(byKind.bottleneck).not.toBeNull();
  });

  it('forward bricks: a session-level profiler records every forward; a disabled one records nothing', () => {
    const m = loadModel(testModel(QWEN).file);
    const p = new BrickProfiler();
    const s = m.createSession({ profiler: p });
    s.forward([1, 2, 3]);
    s.forward([4]);
    expect(p.stats('blk.2.ffn')).toMatchObject({ count: 2, tokens: 4 });
    const other = new BrickProfiler();
    s.forward([5], { profiler: other }); // a call's own profiler wins
    expect([p.stats('blk.2.ffn')?.count, other.stats('blk.2.ffn')?.count]).toEqual([2, 1]);
    p.enabled = false;
    s.forward([6]);
    expect(p.stats('blk.2.ffn')?.count).toBe(2);
    expect(new BrickProfiler({ enabled: false }).names()).toEqual([]);
  });

  it('forward bricks: cost of profiling per brick, printed (none vs disabled vs enabled)', () => {
    const m = loadModel(testModel(QWEN).file);
    const off = new BrickProfiler({ enabled: false });
    const on = new BrickProfiler();
    const run = (profiler?: BrickProfiler): number => {
      const s = m.createSession({ contextLength: 256 });
      s.forward([1, 2, 3, 4]);
      const t0 = performance.now();
      for (let i = 0; i < 200; i++) s.forward([5 + (i % 200)], { profiler });
      return ((performance.now() - t0) * 1e3) / 200; // µs per decode step
    };
    for (let w = 0; w < 2; w++) {
      run(); // warm up all three paths
      run(off);
      run(on);
    }
    const best = (f: () => number): number => Math.min(f(), f(), f());
    const none = best(() => run());
    const disabled = best(() => run(off));
    const enabled = best(() => run(on));
    const bricksPerPass = QWEN.nLayers * (LAYER_BRICKS.length + 1) + MODEL_BRICKS.length; // residual is split + lap
    console.log(
      `[forward bricks] decode step: no profiler ${none.toFixed(1)} µs, disabled ${disabled.toFixed(1)} µs, enabled ${enabled.toFixed(1)} µs ` +
        `(${(((enabled - none) * 1e3) / bricksPerPass).toFixed(0)} ns per clock read, ${bricksPerPass} per pass)`,
    );
    expect(enabled).toBeLessThan(none * 3); // loose: the numbers printed are the result
  });
});
