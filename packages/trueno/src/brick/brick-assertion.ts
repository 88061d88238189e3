/**
 * What a brick promises, as data: its output is equivalent to a reference's within a tolerance,
 * its output is all finite, its time per token is within budget. Assertions are checked off the
 * hot path (conformance tests, `apr bench --brick`), from evidence the caller gathers.
 */
import type { TokenBudget } from './token-budget.js';

/** How equivalence to a reference is measured. */
export type EquivalenceMetric = 'nmse' | 'max-abs';

/** One promise of a brick (see {@link BrickAssertion} for the constructors). */
export type BrickAssertion =
  | {
      /** Output ≈ reference output (the `ref` backend is the oracle). */
      readonly kind: 'equivalent';
      /**
       * `nmse`: Σ(out − ref)² / Σ ref², scale-free, the right measure for quantized kernels whose
       * error grows with the magnitude of the data. `max-abs`: max |out − ref|, for ops whose
       * error must stay small everywhere (norms, softmax, argmax inputs).
       */
      readonly metric: EquivalenceMetric;
      /** Largest accepted value of the metric. */
      readonly tolerance: number;
    }
  | {
      /** No NaN or ±∞ in the output. */
      readonly kind: 'finite';
    }
  | {
      /** Measured µs per token ≤ budget × (1 + slack). */
      readonly kind: 'budget';
      /** Accepted overrun as a fraction (0.1 = 10% over budget still passes). */
      readonly slack: number;
    };

/** Constructors of {@link BrickAssertion}s. */
export const BrickAssertion = {
  /** Output equivalent to the reference output: `metric(out, ref) ≤ tolerance`. */
  equivalent(tolerance: number, metric: EquivalenceMetric = 'nmse'): BrickAssertion {
    if (!(tolerance >= 0)) throw new RangeError(`BrickAssertion.equivalent: tolerance must be ≥ 0, got ${tolerance}`);
    return Object.freeze({ kind: 'equivalent', metric, tolerance });
  },
  /** Every output value finite. */
  finite(): BrickAssertion {
    return FINITE;
  },
  /** Time per token within the brick's budget (times 1 + slack). */
  budgetMet(slack = 0): BrickAssertion {
    if (!(slack >= 0)) throw new RangeError(`BrickAssertion.budgetMet: slack must be ≥ 0, got ${slack}`);
    return Object.freeze({ kind: 'budget', slack });
  },
} as const;

const FINITE: BrickAssertion = Object.freeze({ kind: 'finite' });

/** What a check looks at; a check whose evidence is missing is skipped, not passed. */
export interface AssertionEvidence {
  /** The brick's output. */
  readonly output?: ArrayLike<number>;
  /** The reference output for the same input (same length as `output`). */
  readonly reference?: ArrayLike<number>;
  /** Measured µs per token (e.g. a profile's `usPerToken`). */
  readonly actualMicrosPerToken?: number;
  /** The brick's budget. */
  readonly budget?: TokenBudget;
}

/** The outcome of one assertion. */
export interface AssertionResult {
  readonly assertion: BrickAssertion;
  readonly status: 'pass' | 'fail' | 'skip';
  /** The measured quantity: the metric, the count of non-finite values, or actual/budget. NaN when skipped. */
  readonly value: number;
  readonly message: string;
}

/** Σ(a − b)² / Σ b²: 0 for identical arrays, +∞ when b is all zero and a is not, NaN if either holds NaN. */
export function nmse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`nmse: lengths differ (${a.length} vs ${b.length})`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    num += d * d;
    den += b[i] * b[i];
  }
  if (den === 0) return num === 0 ? 0 : Number.POSITIVE_INFINITY;
  return num / den;
}

/** max |a − b| (NaN if either holds NaN; 0 for empty arrays). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`maxAbsDiff: lengths differ (${a.length} vs ${b.length})`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return Number.NaN; // a NaN anywhere makes the arrays incomparable
    if (d > m) m = d;
  }
  return m;
}

/** Number of NaN or ±∞ values. */
export function countNonFinite(a: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) n++;
  return n;
}

const skip = (assertion: BrickAssertion, why: string): AssertionResult => ({ assertion, status: 'skip', value: Number.NaN, message: why });

/** Checks one assertion against the evidence. A comparison with NaN fails. */
export function checkAssertion(a: BrickAssertion, e: AssertionEvidence): AssertionResult {
  switch (a.kind) {
    case 'equivalent': {
      if (!e.output || !e.reference) return skip(a, 'equivalent: no output or reference given');
      const v = a.metric === 'nmse' ? nmse(e.output, e.reference) : maxAbsDiff(e.output, e.reference);
      const ok = v <= a.tolerance;
      return { assertion: a, status: ok ? 'pass' : 'fail', value: v, message: `${a.metric} ${v.toExponential(3)} ${ok ? '≤' : '>'} ${a.tolerance}` };
    }
    case 'finite': {
      if (!e.output) return skip(a, 'finite: no output given');
      const v = countNonFinite(e.output);
      return { assertion: a, status: v === 0 ? 'pass' : 'fail', value: v, message: v === 0 ? 'all finite' : `${v} non-finite values` };
    }
    case 'budget': {
      if (e.actualMicrosPerToken === undefined || !e.budget) return skip(a, 'budget: no measurement or budget given');
      const r = e.budget.ratio(e.actualMicrosPerToken);
      const ok = r <= 1 + a.slack;
      return {
        assertion: a,
        status: ok ? 'pass' : 'fail',
        value: r,
        message: `${e.actualMicrosPerToken.toFixed(3)} µs/token = ${r.toFixed(3)} × budget ${e.budget.microsPerToken} µs`,
      };
    }
  }
}
