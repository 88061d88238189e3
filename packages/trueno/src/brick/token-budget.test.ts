/** TokenBudget: the two views agree, and each round-trips through the other. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenBudget } from './token-budget.js';

const positive = fc.double({ min: 1e-6, max: 1e9, noNaN: true });
const relClose = (a: number, b: number): boolean => Math.abs(a - b) <= 4 * Number.EPSILON * Math.abs(b);

describe('TokenBudget', () => {
  it('TokenBudget: fromMicros(x).tokensPerSec === 1e6/x and back within 2 ulps [F-BRICK-5]', () => {
    fc.assert(
      fc.property(positive, (x) => {
        const b = TokenBudget.fromMicros(x);
        expect(b.microsPerToken).toBe(x);
        expect(b.tokensPerSec).toBe(1e6 / x);
        expect(relClose(TokenBudget.fromTokensPerSec(b.tokensPerSec).microsPerToken, x)).toBe(true);
        const t = TokenBudget.fromTokensPerSec(x);
        expect(t.tokensPerSec).toBe(x);
        expect(t.microsPerToken).toBe(1e6 / x);
        expect(relClose(TokenBudget.fromMicros(t.microsPerToken).tokensPerSec, x)).toBe(true);
      }),
    );
  });

  it('TokenBudget: scale, plus, ratio and isMet act in time; bad values are refused', () => {
    const b = TokenBudget.fromMicros(10);
    expect(b.nanosPerToken).toBe(10_000);
    expect(b.scale(2).microsPerToken).toBe(20);
    expect(b.scale(2).tokensPerSec).toBe(50_000);
    expect(b.plus(TokenBudget.fromMicros(2.5)).microsPerToken).toBe(12.5);
    expect(b.ratio(12)).toBeCloseTo(1.2, 15);
    expect([b.isMet(10), b.isMet(10.0001)]).toEqual([true, false]);
    expect(JSON.parse(JSON.stringify(b))).toEqual({ microsPerToken: 10, tokensPerSec: 100_000 });
    expect(String(TokenBudget.fromTokensPerSec(40))).toBe('25000 µs/token (40.00 tok/s)');
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => TokenBudget.fromMicros(bad)).toThrow(RangeError);
      expect(() => TokenBudget.fromTokensPerSec(bad)).toThrow(RangeError);
    }
  });
});
