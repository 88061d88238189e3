/**
 * The brick report: per-brick rows with their budget, actual/budget ratio, score and grade, the
 * bottleneck, a JSON form (the report is plain data: `JSON.stringify(report)`) and a text table
 * for `apr bench --brick`, `apr profile` and cbtop.
 *
 * Score (the spec's): `clamp(⌊100·(2 − actual/budget)⌋, 0, 100)` — 100 at or under budget, losing
 * one point per 1% over, 0 at twice the budget. Grades: A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, F < 60.
 */
import { type BudgetTable, budgetFor, brickKind } from './brick-budgets.js';
import { BrickStats, type BrickSummary } from './brick-stats.js';

/** Letter grade of a score. */
export type BrickGrade = 'A' | 'B' | 'C' | 'D' | 'F';

/**
 * `clamp(⌊100·(2 − actual/budget)⌋, 0, 100)`. A 1e-9 nudge before the floor keeps decimal
 * ratios on their intended side (2 − 1.1 is 0.8999999999999999 in binary, which would floor to
 * 89 instead of 90); adding a constant keeps the score monotone non-increasing in `actual`.
 * A non-finite or negative ratio scores 0 (nothing measured cannot pass).
 */
export function brickScore(actualUs: number, budgetUs: number): number {
  const r = actualUs / budgetUs;
  if (!(r >= 0) || !Number.isFinite(r)) return 0;
  return Math.min(100, Math.max(0, Math.floor(100 * (2 - r) + 1e-9)));
}

/** A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, F below. */
export function brickGrade(score: number): BrickGrade {
  return score >= 90 ? 'A' : score >= 80 ? 'B' : score >= 70 ? 'C' : score >= 60 ? 'D' : 'F';
}

/** One row: a brick's statistics and, when it has a budget, its verdict. */
export interface BrickReportRow extends BrickSummary {
  /** Budget in µs per token (per layer for layer bricks), when the brick has one. */
  readonly budgetUs?: number;
  /** usPerToken / budgetUs. */
  readonly ratio?: number;
  readonly score?: number;
  readonly grade?: BrickGrade;
  /** Share of the report's total time. */
  readonly fraction: number;
}

/** The bottleneck: the budgeted brick with the largest actual/budget. */
export interface BrickBottleneck {
  readonly name: string;
  readonly ratio: number;
  readonly usPerToken: number;
  readonly budgetUs: number;
}

/** A report (plain data; `JSON.stringify` gives its JSON export). */
export interface BrickReport {
  /** Rows per brick, or per kind (aggregated over layers) when `byKind`. */
  readonly rows: BrickReportRow[];
  readonly byKind: boolean;
  /** Σ recorded time over all bricks (µs): ≈ the wall time of the profiled forward passes. */
  readonly totalUs: number;
  /** Tokens run through the model (the `token_embd` brick's, else the largest brick count). */
  readonly tokens: number;
  /** totalUs / tokens. */
  readonly usPerToken: number;
  /** Largest actual/budget among budgeted rows; null when none has a budget. */
  readonly bottleneck: BrickBottleneck | null;
  /** Score of Σ actual / Σ budget over the budgeted rows (null when none), time-weighted. */
  readonly score: number | null;
  readonly grade: BrickGrade | null;
}

/** Options of {@link buildBrickReport}. */
export interface BrickReportOptions {
  /** Budgets by name, kind or spec row (see `budgetFor`); none: rows get no score. */
  readonly budgets?: BudgetTable;
  /** One row per kind (`qkv` = every `blk.*.qkv`), with per-layer per-token times. Default false. */
  readonly byKind?: boolean;
  /** Row order: execution order (default), most time first, or worst ratio first. */
  readonly sort?: 'order' | 'time' | 'ratio';
  /** Leave out bricks with no calls (default true). */
  readonly skipEmpty?: boolean;
}

/** Builds the report from per-brick accumulators (in execution order). */
export function buildBrickReport(bricks: readonly BrickStats[], opts: BrickReportOptions = {}): BrickReport {
  const byKind = opts.byKind === true;
  let stats: readonly BrickStats[] = bricks;
  if (byKind) {
    const kinds = new Map<string, BrickStats>();
    for (const b of bricks) {
      const k = brickKind(b.name);
      let agg = kinds.get(k);
      if (!agg) kinds.set(k, (agg = new BrickStats(k)));
      agg.merge(b);
    }
    stats = [...kinds.values()];
  }
  const summaries = stats.map((s) => s.summary()).filter((s) => opts.skipEmpty === false || s.count > 0);
  const totalUs = summaries.reduce((a, s) => a + s.totalUs, 0);
  // Tokens through the model: the embedding sees each once; without it, the busiest single brick.
  const embd = bricks.find((b) => b.name === 'token_embd');
  const tokens = embd ? embd.tokens : bricks.reduce((a, b) => Math.max(a, b.tokens), 0);

  let rows: BrickReportRow[] = summaries.map((s) => {
    const fraction = totalUs > 0 ? s.totalUs / totalUs : 0;
    const budget = opts.budgets ? budgetFor(s.name, opts.budgets) : undefined;
    if (!budget || s.count === 0) return { ...s, fraction };
    const score = brickScore(s.usPerToken, budget.microsPerToken);
    return { ...s, fraction, budgetUs: budget.microsPerToken, ratio: budget.ratio(s.usPerToken), score, grade: brickGrade(score) };
  });

  let bottleneck: BrickBottleneck | null = null;
  let actual = 0;
  let budgeted = 0;
  for (const r of rows) {
    if (r.ratio === undefined || r.budgetUs === undefined) continue;
    actual += r.usPerToken;
    budgeted += r.budgetUs;
    if (bottleneck === null || r.ratio > bottleneck.ratio) {
      bottleneck = { name: r.name, ratio: r.ratio, usPerToken: r.usPerToken, budgetUs: r.budgetUs };
    }
  }
  const score = budgeted > 0 ? brickScore(actual, budgeted) : null;

  if (opts.sort === 'time') rows = [...rows].sort((a, b) => b.totalUs - a.totalUs);
  else if (opts.sort === 'ratio') rows = [...rows].sort((a, b) => (b.ratio ?? -1) - (a.ratio ?? -1));

  return {
    rows,
    byKind,
    totalUs,
    tokens,
    usPerToken: tokens > 0 ? totalUs / tokens : 0,
    bottleneck,
    score,
    grade: score === null ? null : brickGrade(score),
  };
}

const fmt = (v: number | undefined, digits = 2): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));

/**
 * The report as a fixed-width text table: one row per brick with calls, µs/token, mean, p50, p99,
 * CV, budget, ratio, score, grade and share of time, then the total and the bottleneck.
 */
export function renderBrickTable(report: BrickReport): string {
  const head = ['brick', 'calls', 'µs/tok', 'mean', 'p50', 'p99', 'cv%', 'budget', 'ratio', 'score', 'grade', 'time%'];
  const body = report.rows.map((r) => [
    r.name,
    String(r.count),
    fmt(r.usPerToken, 3),
    fmt(r.meanUs, 3),
    fmt(r.p50Us, 3),
    fmt(r.p99Us, 3),
    fmt(r.cv * 100, 1),
    fmt(r.budgetUs, 2),
    fmt(r.ratio, 2),
    r.score === undefined ? '-' : String(r.score),
    r.grade ?? '-',
    fmt(r.fraction * 100, 1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  out.push(
    `total ${fmt(report.totalUs, 1)} µs over ${report.tokens} tokens = ${fmt(report.usPerToken, 2)} µs/token` +
      (report.score === null ? '' : `; score ${report.score} (${report.grade})`),
  );
  const b = report.bottleneck;
  if (b) out.push(`bottleneck: ${b.name} at ${fmt(b.ratio, 2)}× budget (${fmt(b.usPerToken, 3)} vs ${fmt(b.budgetUs, 2)} µs/token)`);
  return out.join('\n');
}
