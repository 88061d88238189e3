/**
 * Cost of profiling, measured: a disabled profiler (and the `if (p)` of an absent one) allocates
 * nothing and costs a few ns per brick; an enabled one costs a clock read plus the bookkeeping.
 * Prints ns per brick (start/stop pair) for the record; the bounds are loose so a loaded CI
 * machine does not fail them, the printed numbers are what to look at.
 */
import { describe, expect, it } from 'vitest';
import { BrickProfiler } from './brick-profiler.js';

const N = 1_000_000;

/** Best of `reps` timings of `fn` in ns per iteration (the minimum filters out scheduler noise). */
function nsPerIter(fn: () => number, reps = 5): number {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, ((performance.now() - t0) * 1e6) / N);
  }
  return best;
}

// The loops the forward pass runs per brick: `if (p) t = p.lap(id, t, n)` around some work.
function loopAbsent(p: BrickProfiler | undefined, id: number): number {
  let t = p ? p.now() : 0;
  let acc = 0;
  for (let i = 0; i < N; i++) {
    acc += i & 7; // stand-in for the brick
    if (p) t = p.lap(id, t, 1);
  }
  return acc + t;
}
function loopCalls(p: BrickProfiler, id: number): number {
  let t = p.now();
  let acc = 0;
  for (let i = 0; i < N; i++) {
    acc += i & 7;
    t = p.lap(id, t, 1);
  }
  return acc + t;
}
function loopPairs(p: BrickProfiler, id: number): number {
  let acc = 0;
  for (let i = 0; i < N; i++) {
    const t0 = p.now();
    acc += i & 7;
    p.lap(id, t0, 1);
  }
  return acc;
}

describe('BrickProfiler overhead', () => {
  it('BrickProfiler: the disabled path allocates nothing over 1e6 calls and costs ~a branch [F-BRICK-9]', () => {
    const off = new BrickProfiler({ enabled: false });
    const id = off.register('blk.0.qkv');
    for (let w = 0; w < 3; w++) {
      loopAbsent(undefined, id); // optimize first
      loopCalls(off, id);
    }

    const h0 = process.memoryUsage().heapUsed;
    loopAbsent(undefined, id);
    loopCalls(off, id);
    const grown = process.memoryUsage().heapUsed - h0;
    // Even 8 bytes per call would be 16 MB here (and force scavenges that show in the count).
    expect(grown).toBeLessThan(256 * 1024);
    expect(off.stats('blk.0.qkv')?.count).toBe(0);

    const base = nsPerIter(() => loopAbsent(undefined, id));
    const disabled = nsPerIter(() => loopCalls(off, id));
    const on = new BrickProfiler();
    const onId = on.register('blk.0.qkv');
    const enabled = nsPerIter(() => loopCalls(on, onId), 3);
    console.log(
      `[brick overhead] absent profiler ${base.toFixed(2)} ns/iter (loop incl.), disabled ${disabled.toFixed(2)} ns/iter, ` +
        `enabled ${enabled.toFixed(1)} ns/iter; heap growth over 2e6 disabled calls ${grown} B`,
    );
    expect(disabled).toBeLessThan(Math.max(10, enabled / 4));
  });

  it('BrickProfiler: enabled overhead per start/stop pair, printed (clock read + Welford + histogram)', () => {
    const p = new BrickProfiler();
    const id = p.register('blk.0.qkv');
    loopPairs(p, id);
    const pair = nsPerIter(() => loopPairs(p, id), 3);
    const lap = nsPerIter(() => loopCalls(p, id), 3);
    let clockOnly = 0;
    const clock = nsPerIter(() => {
      for (let i = 0; i < N; i++) clockOnly += performance.now();
      return clockOnly;
    }, 3);
    console.log(
      `[brick overhead] enabled: ${pair.toFixed(1)} ns per now()+lap() pair, ${lap.toFixed(1)} ns per chained lap; ` +
        `performance.now() alone ${clock.toFixed(1)} ns`,
    );
    expect(p.stats('blk.0.qkv')?.count).toBeGreaterThan(N);
    expect(pair).toBeLessThan(5_000);
  });
});
