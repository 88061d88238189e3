/**
 * `apr bench --brick`: the per-brick profile of a decode run, with budgets, scores, grades and the
 * bottleneck (trueno's BrickProfiler and brick report).
 *
 * The profiled run is separate from the timed repetitions and comes after them, so the
 * profiler's clock reads never touch the tok/s the table reports (and the JIT is warm by then).
 * Budgets: the spec's table scaled to this machine and backend by one calibration factor from the
 * same profile (trueno's `calibrateBudgets`): the budgets then add up to the measured layer time,
 * and a brick scores below 100 exactly when it takes more than its spec share of a layer — that
 * brick is the bottleneck. No budget is typed in for a particular machine.
 *
 * Seam: apr-cli reaches trueno only through @sovereign/realizar, which does not re-export the
 * brick API yet, and `Session.forward` learns its `profiler` option from the profiler's own
 * work. Both are looked up at run time; when either is missing the report says why instead.
 */
import * as realizar from '@sovereign/realizar';
import type { ForwardOptions, Model } from '@sovereign/realizar';
import { randomTokens } from './stats.js';

/** The subset of trueno's brick report the bench prints (see trueno `brick/brick-report.ts`). */
interface BrickReportLike {
  readonly rows: ReadonlyArray<{ readonly kind: string; readonly usPerToken: number; readonly count: number }>;
  readonly bottleneck: { readonly name: string; readonly ratio: number } | null;
  readonly score: number | null;
  readonly grade: string | null;
}

/** The subset of trueno's `BrickProfiler` the bench uses. */
interface ProfilerLike {
  enabled: boolean;
  reset(): void;
  report(opts?: { budgets?: unknown; byKind?: boolean; sort?: 'order' | 'time' | 'ratio' }): BrickReportLike;
}

/** The brick functions the bench calls (trueno's, reached through realizar). */
export interface BrickApi {
  BrickProfiler: new (opts?: { enabled?: boolean }) => ProfilerLike;
  calibrateBudgets: (measured: Readonly<Record<string, number>>) => unknown;
  renderBrickTable: (report: BrickReportLike) => string;
}

/** The `--brick` part of the JSON. */
export type BrickResult =
  | { readonly available: false; readonly reason: string }
  | {
      readonly available: true;
      /** What was profiled, e.g. `tg128 (decode, 1 repetition)`. */
      readonly run: string;
      /** Calibration factor note. */
      readonly budgets: string;
      /** One row per brick kind, per-layer µs per token, with budget, score and grade. */
      readonly byKind: BrickReportLike;
      /** One row per brick (`blk.<i>.<kind>`), same budgets. */
      readonly perBrick: BrickReportLike;
      /** The text table (`renderBrickTable` of byKind). */
      readonly table: string;
    };

/** The brick API from realizar's exports, or why it is not there. */
export function brickApi(): BrickApi | string {
  const ns = realizar as unknown as Partial<BrickApi>;
  if (typeof ns.BrickProfiler !== 'function' || typeof ns.calibrateBudgets !== 'function' || typeof ns.renderBrickTable !== 'function') {
    return '@sovereign/realizar does not re-export the brick profiler (BrickProfiler, calibrateBudgets, renderBrickTable) yet';
  }
  return ns as BrickApi;
}

/**
 * Profiles one decode run of `nGen` tokens (or, with `-n 0`, one prefill of `nPrompt`) on a fresh
 * session of `model` and builds the report. `api` defaults to realizar's exports.
 */
export function profileBricks(model: Model, plan: { nPrompt: number; nGen: number; seed: number }, api: BrickApi | string = brickApi()): BrickResult {
  if (typeof api === 'string') return { available: false, reason: api };
  const profiler = new api.BrickProfiler({ enabled: true });
  const decode = plan.nGen > 0;
  const n = decode ? plan.nGen : plan.nPrompt;
  const session = model.createSession({ contextLength: Math.max(n, 1), maxBatch: Math.max(plan.nPrompt, 1) });
  const opts = { profiler } as ForwardOptions;
  const tokens = randomTokens(n, model.config.vocabSize, plan.seed + 1000);
  if (decode) for (const t of tokens) session.forward([t], opts);
  else session.forward(tokens, opts);

  const byKindRaw = profiler.report({ byKind: true });
  if (byKindRaw.rows.length === 0) {
    return { available: false, reason: `the ${model.backend.name} forward pass recorded no bricks (Session.forward does not take a profiler yet)` };
  }
  const measured: Record<string, number> = {};
  for (const r of byKindRaw.rows) measured[r.kind] = r.usPerToken;
  let budgets: unknown;
  try {
    budgets = api.calibrateBudgets(measured);
  } catch (e) {
    return { available: false, reason: `cannot calibrate budgets: ${(e as Error).message}` };
  }
  const byKind = profiler.report({ byKind: true, budgets });
  const perBrick = profiler.report({ budgets });
  return {
    available: true,
    run: decode ? `tg${n} (decode, 1 repetition)` : `pp${n} (prefill, 1 repetition)`,
    budgets: "spec table (1.5B GPU) scaled by one calibration factor from this profile: scores show each brick's excess over its spec share",
    byKind,
    perBrick,
    table: api.renderBrickTable(byKind),
  };
}

/** The human text of a {@link BrickResult}. */
export function brickText(b: BrickResult): string {
  if (!b.available) return `bricks: not available: ${b.reason}`;
  return `bricks (${b.run}; per-layer µs per token; budgets: ${b.budgets}):\n${b.table}`;
}
