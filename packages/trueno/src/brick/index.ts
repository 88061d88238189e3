/**
 * ComputeBrick profiling: bricks with per-token budgets and assertions, a low-overhead profiler
 * (Welford mean/CV, log-histogram p50/p99), budgets from the spec's table scaled by calibration,
 * scores, grades, the bottleneck report and its JSON / text renderings.
 */
export { TokenBudget } from './token-budget.js';
export { BrickAssertion, checkAssertion, countNonFinite, maxAbsDiff, nmse } from './brick-assertion.js';
export type { AssertionEvidence, AssertionResult, EquivalenceMetric } from './brick-assertion.js';
export { defineBrick, profiledBrick, verifyBrick } from './compute-brick.js';
export type { BrickVerification, ComputeBrick, VerifyBrickOptions } from './compute-brick.js';
export { BrickProfiler, defaultClock } from './brick-profiler.js';
export type { BrickProfilerOptions } from './brick-profiler.js';
export { BrickStats } from './brick-stats.js';
export type { BrickSummary } from './brick-stats.js';
export { Welford } from './welford.js';
export { LOG_HISTOGRAM_OCTAVES, LOG_HISTOGRAM_REL_ERROR, LOG_HISTOGRAM_SUB, LogHistogram } from './log-histogram.js';
export {
  BRICK_SPEC_ROW,
  LAYER_BRICKS,
  MODEL_BRICKS,
  SPEC_BUDGETS_1_5B_GPU_US,
  brickKind,
  brickLayer,
  budgetFor,
  budgetTable,
  calibrateBudgets,
  calibrationScale,
  layerBrickName,
  scaleBudgets,
  specBudgets,
} from './brick-budgets.js';
export type { BudgetTable, LayerBrick, ModelBrick, SpecBrick } from './brick-budgets.js';
export { brickGrade, brickScore, buildBrickReport, renderBrickTable } from './brick-report.js';
export type { BrickBottleneck, BrickGrade, BrickReport, BrickReportOptions, BrickReportRow } from './brick-report.js';
