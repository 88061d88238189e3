/** BrickProfiler mechanics on a fake clock: laps chain, splits add up, ids are stable, disabled records nothing. */
import { describe, expect, it } from 'vitest';
import { LAYER_BRICKS } from './brick-budgets.js';
import { BrickProfiler, defaultClock } from './brick-profiler.js';

function fake(opts: { enabled?: boolean; sync?: () => void } = {}): { p: BrickProfiler; advance: (ns: number) => void; reads: () => number } {
  let now = 1e9;
  let reads = 0;
  const p = new BrickProfiler({ ...opts, clock: () => (reads++, now) });
  return { p, advance: (ns) => void (now += ns), reads: () => reads };
}

describe('BrickProfiler', () => {
  it('BrickProfiler: consecutive laps share clock reads and add up to the elapsed time [F-BRICK-8]', () => {
    const { p, advance, reads } = fake();
    const a = p.register('a');
    const b = p.register('b');
    const t0 = p.now();
    let t = t0;
    for (let i = 0; i < 10; i++) {
      advance(100 + i);
      t = p.lap(a, t, 1);
      advance(300);
      t = p.lap(b, t, 1);
    }
    expect(reads()).toBe(21); // one per lap plus the first
    const sa = p.stats('a');
    const sb = p.stats('b');
    expect(sa).toMatchObject({ count: 10, tokens: 10, minUs: 0.1, maxUs: 0.109 });
    expect(sa?.meanUs).toBeCloseTo(0.1045, 12);
    expect(sb).toMatchObject({ count: 10, meanUs: 0.3, cv: 0, p50Us: 0.3, p99Us: 0.3 });
    expect((sa?.totalUs ?? 0) + (sb?.totalUs ?? 0)).toBeCloseTo((t - t0) / 1e3, 9);
  });

  it('BrickProfiler: split sets time aside, the next lap closes one call with all of it', () => {
    const { p, advance } = fake();
    const r = p.register('blk.0.residual');
    const x = p.register('blk.0.other');
    let t = p.now();
    advance(50);
    t = p.split(r, t); // first residual add
    advance(1000);
    t = p.lap(x, t, 4); // something in between, 4 tokens
    advance(70);
    p.lap(r, t, 4); // second residual add closes the call
    expect(p.stats('blk.0.residual')).toMatchObject({ count: 1, tokens: 4, totalUs: 0.12, usPerToken: 0.03, meanUs: 0.03 });
    expect(p.stats('blk.0.other')).toMatchObject({ count: 1, tokens: 4, usPerToken: 0.25 });
    p.record(x, 2000, 1);
    expect(p.stats('blk.0.other')).toMatchObject({ count: 2, tokens: 5, totalUs: 3 });
  });

  it('BrickProfiler: layerIds names blk.<l>.<kind>, is cached by the kinds array, and ids survive reset', () => {
    const { p } = fake();
    const ids = p.layerIds(3, LAYER_BRICKS);
    expect(ids.length).toBe(3 * LAYER_BRICKS.length);
    expect(p.names().slice(0, 3)).toEqual(['blk.0.attn_norm', 'blk.0.qkv', 'blk.0.rope']);
    expect(p.names()[ids[2 * LAYER_BRICKS.length + 1]]).toBe('blk.2.qkv');
    expect(p.layerIds(2, LAYER_BRICKS)).toBe(ids); // a smaller model reuses the table
    const more = p.layerIds(4, LAYER_BRICKS); // a larger one extends it with the same ids
    expect(Array.from(more.subarray(0, ids.length))).toEqual(Array.from(ids));
    expect(p.register('blk.1.ffn')).toBe(ids[LAYER_BRICKS.length + 7]);
    p.record(ids[0], 10);
    p.reset();
    expect(p.stats('blk.0.attn_norm')?.count).toBe(0);
    expect(p.register('blk.0.attn_norm')).toBe(ids[0]);
    expect(p.stats('nope')).toBeUndefined();
    const model = ['token_embd', 'output_norm', 'lm_head'] as const;
    const mids = p.ids(model);
    expect(p.ids(model)).toBe(mids);
    expect(Array.from(mids, (i) => p.names()[i])).toEqual([...model]);
  });

  it('BrickProfiler: disabled, every method returns at once without reading the clock or recording', () => {
    const { p, advance, reads } = fake({ enabled: false });
    const a = p.register('a');
    expect(p.now()).toBe(0);
    advance(10);
    expect(p.lap(a, 123)).toBe(123);
    expect(p.split(a, 7)).toBe(7);
    p.record(a, 5);
    expect(reads()).toBe(0);
    expect(p.stats('a')?.count).toBe(0);
    p.enabled = true;
    expect(p.now()).toBe(1e9 + 10);
  });

  it('BrickProfiler: sync runs before every clock read (GPU: sync → time → sync)', () => {
    const log: string[] = [];
    let now = 0;
    const p = new BrickProfiler({ clock: () => (log.push('time'), now++), sync: () => void log.push('sync') });
    const a = p.register('gpu');
    let t = p.now();
    t = p.lap(a, t);
    p.split(a, t);
    expect(log).toEqual(['sync', 'time', 'sync', 'time', 'sync', 'time']);
  });

  it('defaultClock: monotonic nanoseconds', () => {
    const a = defaultClock();
    const b = defaultClock();
    expect(b).toBeGreaterThanOrEqual(a);
    expect(Math.abs(a - performance.now() * 1e6)).toBeLessThan(1e9);
  });
});
