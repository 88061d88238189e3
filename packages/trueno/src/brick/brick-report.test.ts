/** Scores, grades, budgets and calibration, the bottleneck, and the JSON / text forms of the report. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SPEC_BUDGETS_1_5B_GPU_US,
  brickKind,
  brickLayer,
  budgetFor,
  budgetTable,
  calibrateBudgets,
  calibrationScale,
  scaleBudgets,
  specBudgets,
} from './brick-budgets.js';
import { BrickProfiler } from './brick-profiler.js';
import { brickGrade, brickScore, renderBrickTable } from './brick-report.js';
import { LOG_HISTOGRAM_REL_ERROR } from './log-histogram.js';
import { TokenBudget } from './token-budget.js';

/** A profiler on a fake clock: each `advance(ns)` moves time forward. */
function fakeProfiler(): { p: BrickProfiler; advance: (ns: number) => void } {
  let now = 0;
  const p = new BrickProfiler({ clock: () => now });
  return { p, advance: (ns) => void (now += ns) };
}

describe('brick score', () => {
  it('brickScore: in [0, 100] and monotone non-increasing in actual [F-BRICK-6]', () => {
    const us = fc.double({ min: 0, max: 1e6, noNaN: true });
    fc.assert(
      fc.property(us, us, fc.double({ min: 1e-3, max: 1e4, noNaN: true }), (a, b, budget) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const s = brickScore(lo, budget);
        expect(Number.isInteger(s) && s >= 0 && s <= 100).toBe(true);
        expect(brickScore(hi, budget)).toBeLessThanOrEqual(s);
      }),
    );
  });

  it('brickScore: the spec formula at its landmarks, and grades at their thresholds', () => {
    expect(brickScore(5, 10)).toBe(100); // under budget: capped
    expect(brickScore(10, 10)).toBe(100);
    expect(brickScore(11, 10)).toBe(90); // 2 − 1.1 = 0.8999…9 in binary; still 90
    expect(brickScore(10.05, 10)).toBe(99);
    expect(brickScore(15, 10)).toBe(50);
    expect(brickScore(20, 10)).toBe(0);
    expect(brickScore(35, 10)).toBe(0);
    expect(brickScore(Number.NaN, 10)).toBe(0);
    expect([100, 90, 89, 80, 79, 70, 69, 60, 59, 0].map(brickGrade)).toEqual(['A', 'A', 'B', 'B', 'C', 'C', 'D', 'D', 'F', 'F']);
  });
});

describe('budgets', () => {
  it('budgets: the spec table by kind, layer names resolve through kind and spec row', () => {
    const t = specBudgets();
    expect(t.qkv.microsPerToken).toBe(6);
    expect(budgetFor('blk.7.qkv', t)?.microsPerToken).toBe(6);
    expect(budgetFor('blk.0.attn_norm', t)?.microsPerToken).toBe(1.5);
    expect(budgetFor('blk.0.ffn_norm', t)?.microsPerToken).toBe(1.5);
    expect(budgetFor('output_norm', t)?.microsPerToken).toBe(1.5);
    expect(budgetFor('blk.0.ffn', t)?.microsPerToken).toBe(12.2);
    expect(budgetFor('blk.0.residual', t)).toBeUndefined();
    expect(budgetFor('lm_head', t)).toBeUndefined();
    const own = { ...t, 'blk.3.qkv': TokenBudget.fromMicros(1), attn_norm: TokenBudget.fromMicros(2) };
    expect(budgetFor('blk.3.qkv', own)?.microsPerToken).toBe(1); // exact name first
    expect(budgetFor('blk.4.attn_norm', own)?.microsPerToken).toBe(2); // then kind, then spec row
    expect(budgetFor('toString', t)).toBeUndefined(); // no prototype lookups
    expect([brickKind('blk.12.o_proj'), brickKind('lm_head'), brickLayer('blk.12.o_proj'), brickLayer('lm_head')]).toEqual(['o_proj', 'lm_head', 12, -1]);
    expect(scaleBudgets(t, 3).ffn.microsPerToken).toBeCloseTo(36.6, 12);
  });

  it('calibrateBudgets: one factor Σmeasured/Σreference keeps the spec proportions [F-BRICK-7]', () => {
    const kinds = ['attn_norm', 'qkv', 'rope', 'attention', 'o_proj', 'ffn_norm', 'ffn', 'residual'];
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.01, max: 1e5, noNaN: true }), { minLength: kinds.length, maxLength: kinds.length }), (vs) => {
        const measured = Object.fromEntries(kinds.map((k, i) => [k, vs[i]]));
        const b = calibrateBudgets(measured);
        const s = calibrationScale(measured);
        // residual has no spec row and is ignored; the two norms each pair with rms_norm.
        const msum = vs.slice(0, 7).reduce((x, y) => x + y, 0);
        const rsum = 2 * 1.5 + 6 + 1 + 10 + 3.5 + 12.2;
        expect(s).toBeCloseTo(msum / rsum, 9);
        for (const [k, v] of Object.entries(SPEC_BUDGETS_1_5B_GPU_US)) {
          expect(Math.abs(b[k].microsPerToken / v - s)).toBeLessThanOrEqual(1e-12 * s);
        }
        // The calibrated budgets of the measured bricks add up to the measured layer time.
        const total = kinds.slice(0, 7).reduce((a, k) => a + (budgetFor(`blk.0.${k}`, b)?.microsPerToken ?? 0), 0);
        expect(total).toBeCloseTo(msum, 6);
      }),
    );
    expect(() => calibrateBudgets({ residual: 3 })).toThrow(/no measured brick/);
    expect(() => calibrateBudgets({ qkv: -1 })).toThrow(/finite and > 0/);
    expect(calibrateBudgets({ x: 2 }, { x: 1, y: 4 }).y.microsPerToken).toBe(8); // custom reference table
  });
});

describe('report', () => {
  it('report: rows per brick and per kind, the bottleneck is the largest actual/budget, JSON and table', () => {
    const { p, advance } = fakeProfiler();
    const ids = p.layerIds(2, ['qkv', 'ffn']);
    const embd = p.register('token_embd');
    for (let step = 0; step < 4; step++) {
      let t = p.now();
      advance(1000);
      t = p.lap(embd, t);
      for (let l = 0; l < 2; l++) {
        advance(6000 * (l + 1)); // layer 1's qkv takes twice its budget
        t = p.lap(ids[l * 2], t);
        advance(12_200);
        t = p.lap(ids[l * 2 + 1], t);
      }
    }
    const budgets = specBudgets();
    const r = p.report({ budgets });
    expect(r.rows.map((x) => x.name)).toEqual(['blk.0.qkv', 'blk.0.ffn', 'blk.1.qkv', 'blk.1.ffn', 'token_embd']);
    expect(r.tokens).toBe(4);
    expect(r.totalUs).toBeCloseTo(4 * (1 + 6 + 12.2 + 12 + 12.2), 9);
    expect(r.bottleneck).toEqual({ name: 'blk.1.qkv', ratio: 2, usPerToken: 12, budgetUs: 6 });
    const row = r.rows[2];
    expect([row.score, row.grade, row.count, row.p50Us, row.p99Us, row.cv]).toEqual([0, 'F', 4, 12, 12, 0]);
    expect(r.rows[4].score).toBeUndefined(); // token_embd has no budget
    expect(r.score).toBe(brickScore(6 + 12.2 + 12 + 12.2, 6 + 12.2 + 6 + 12.2));

    const k = p.report({ budgets, byKind: true, sort: 'ratio' });
    expect(k.rows.map((x) => [x.name, x.count, x.tokens])).toEqual([
      ['qkv', 8, 8],
      ['ffn', 8, 8],
      ['token_embd', 4, 4],
    ]);
    expect(k.rows[0].usPerToken).toBeCloseTo(9, 12); // per layer per token: (6 + 12) / 2
    expect(k.rows[0].ratio).toBeCloseTo(1.5, 12);
    expect(Math.abs(k.rows[0].p50Us / 6 - 1)).toBeLessThanOrEqual(LOG_HISTOGRAM_REL_ERROR); // histogram quantiles
    expect(Math.abs(k.rows[0].p99Us / 12 - 1)).toBeLessThanOrEqual(LOG_HISTOGRAM_REL_ERROR);
    expect(k.tokens).toBe(4);
    expect(k.totalUs).toBeCloseTo(r.totalUs, 9);

    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    const text = renderBrickTable(r);
    expect(text.split('\n')[0]).toMatch(/^brick\s+calls\s+µs\/tok\s+mean\s+p50\s+p99\s+cv%\s+budget\s+ratio\s+score\s+grade\s+time%$/);
    expect(text).toMatch(/blk\.1\.qkv\s+4\s+12\.000\s+12\.000\s+12\.000\s+12\.000\s+0\.0\s+6\.00\s+2\.00\s+0\s+F/);
    expect(text).toMatch(/bottleneck: blk\.1\.qkv at 2\.00× budget/);
    expect(renderBrickTable(p.report())).not.toMatch(/bottleneck/); // no budgets, no verdicts
  });

  it('report: an empty profiler and unused bricks give an empty report', () => {
    const p = new BrickProfiler();
    p.register('blk.0.qkv');
    const r = p.report({ budgets: budgetTable({ qkv: 1 }) });
    expect([r.rows.length, r.totalUs, r.tokens, r.usPerToken, r.bottleneck, r.score]).toEqual([0, 0, 0, 0, null, null]);
    expect(p.report({ skipEmpty: false }).rows[0].count).toBe(0);
  });
});
