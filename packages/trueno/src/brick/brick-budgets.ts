/**
 * Brick names and budgets.
 *
 * Names: a forward pass records `'blk.<i>.<kind>'` for each decoder layer i and each kind of
 * {@link LAYER_BRICKS}, plus the model-level {@link MODEL_BRICKS}. The kind (the name without
 * `blk.<i>.`) is what budgets, aggregation and the report's per-kind rows key on.
 *
 * Budgets: the spec's table ({@link SPEC_BUDGETS_1_5B_GPU_US}) is for a 1.5B model on a GPU. On
 * another backend or model size the absolute numbers mean nothing, but their proportions still
 * say how the time of a well-balanced layer should split between bricks. So budgets are scaled
 * per backend by calibration ({@link calibrateBudgets}): one factor from a measurement, applied to
 * the whole table. They are never replaced by typed-in results of a particular machine.
 */
import { TokenBudget } from './token-budget.js';

/** Brick kinds of one decoder layer, in execution order; `ffn` is gate + up + SwiGLU + down, `residual` both adds. */
export const LAYER_BRICKS = ['attn_norm', 'qkv', 'rope', 'attention', 'o_proj', 'residual', 'ffn_norm', 'ffn'] as const;
/** One decoder-layer brick kind. */
export type LayerBrick = (typeof LAYER_BRICKS)[number];

/** Bricks outside the layers: the embedding lookup before, the final norm and output head after. */
export const MODEL_BRICKS = ['token_embd', 'output_norm', 'lm_head'] as const;
/** One model-level brick. */
export type ModelBrick = (typeof MODEL_BRICKS)[number];

/**
 * The spec's budget table: µs per layer per token, 1.5B model, GPU. The named defaults that
 * calibration scales; `rms_norm` budgets each RMSNorm (attn_norm, ffn_norm, output_norm).
 */
export const SPEC_BUDGETS_1_5B_GPU_US = Object.freeze({
  rms_norm: 1.5,
  qkv: 6.0,
  rope: 1.0,
  attention: 10.0,
  o_proj: 3.5,
  ffn: 12.2,
});
/** A row of the spec's budget table. */
export type SpecBrick = keyof typeof SPEC_BUDGETS_1_5B_GPU_US;

/** Which spec row budgets a brick kind (kinds not listed — residual, token_embd, lm_head — have no spec budget). */
export const BRICK_SPEC_ROW: Readonly<Partial<Record<string, SpecBrick>>> = Object.freeze({
  attn_norm: 'rms_norm',
  ffn_norm: 'rms_norm',
  output_norm: 'rms_norm',
  qkv: 'qkv',
  rope: 'rope',
  attention: 'attention',
  o_proj: 'o_proj',
  ffn: 'ffn',
});

/** Budgets by brick name, brick kind or spec row (looked up in that order by {@link budgetFor}). */
export type BudgetTable = Readonly<Record<string, TokenBudget>>;

/** `'blk.3.qkv'` → `'qkv'`; a name without a `blk.<i>.` prefix is its own kind. */
export function brickKind(name: string): string {
  if (!name.startsWith('blk.')) return name;
  const dot = name.indexOf('.', 4);
  return dot < 0 ? name : name.slice(dot + 1);
}

/** `'blk.3.qkv'` → 3; -1 for a model-level brick. */
export function brickLayer(name: string): number {
  if (!name.startsWith('blk.')) return -1;
  const dot = name.indexOf('.', 4);
  const l = Number(name.slice(4, dot < 0 ? undefined : dot));
  return Number.isInteger(l) ? l : -1;
}

/** The name a forward pass records for brick `kind` of layer `layer`. */
export function layerBrickName(layer: number, kind: string): string {
  return `blk.${layer}.${kind}`;
}

/** The budget of brick `name` in `table`: by exact name, then kind, then spec row; undefined if none. */
export function budgetFor(name: string, table: BudgetTable): TokenBudget | undefined {
  const own = Object.hasOwn(table, name) ? table[name] : undefined;
  if (own) return own;
  const kind = brickKind(name);
  if (Object.hasOwn(table, kind)) return table[kind];
  const row = BRICK_SPEC_ROW[kind];
  return row !== undefined && Object.hasOwn(table, row) ? table[row] : undefined;
}

/** A budget table from µs-per-token numbers. */
export function budgetTable(us: Readonly<Record<string, number>>): BudgetTable {
  const out: Record<string, TokenBudget> = {};
  for (const [k, v] of Object.entries(us)) out[k] = TokenBudget.fromMicros(v);
  return Object.freeze(out);
}

/** The spec's 1.5B GPU table as budgets, unscaled (meaningful only on that reference setup; see {@link calibrateBudgets}). */
export function specBudgets(): BudgetTable {
  return budgetTable(SPEC_BUDGETS_1_5B_GPU_US);
}

/** Every budget of `table` times `factor` in time. */
export function scaleBudgets(table: BudgetTable, factor: number): BudgetTable {
  const out: Record<string, TokenBudget> = {};
  for (const [k, v] of Object.entries(table)) out[k] = v.scale(factor);
  return Object.freeze(out);
}

/**
 * The calibration factor: Σ measured / Σ reference over the bricks both sides know. A measured
 * key matches a reference key directly or through its spec row (`attn_norm` and `ffn_norm` both
 * pair with `rms_norm`, each counting once). Throws when nothing matches.
 */
export function calibrationScale(
  measured: Readonly<Record<string, number>>,
  reference: Readonly<Record<string, number>> = SPEC_BUDGETS_1_5B_GPU_US,
): number {
  let m = 0;
  let r = 0;
  for (const [k, v] of Object.entries(measured)) {
    const key = Object.hasOwn(reference, k) ? k : BRICK_SPEC_ROW[brickKind(k)];
    if (key === undefined || !Object.hasOwn(reference, key)) continue;
    if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`calibrateBudgets: measured ${k} must be finite and > 0, got ${v}`);
    m += v;
    r += reference[key];
  }
  if (!(m > 0 && r > 0)) throw new RangeError('calibrateBudgets: no measured brick matches the reference table');
  return m / r;
}

/**
 * Budgets for this backend and model: the reference table (default: the spec's 1.5B GPU table)
 * with every entry scaled by one factor, `s = Σ measured / Σ reference` over the bricks both
 * know ({@link calibrationScale}).
 *
 * `measured` is µs per token per brick kind from a calibration run on this backend (e.g. a
 * profile's per-kind means from a short decode, or any workload timed on both setups). Why one
 * factor, not per-brick ratios: per-brick calibration would make every brick meet its budget
 * by definition. A single factor keeps the spec's proportions — a balanced layer spends 12.2/34.2
 * of its time in the FFN — and moves only the absolute scale, so the budgets add up to the
 * measured layer time and a brick scores below 100 exactly when it takes more than its spec
 * share: that is the bottleneck signal. The budgets thus come from a measurement of the machine
 * at hand, never from numbers typed in for one.
 */
export function calibrateBudgets(
  measured: Readonly<Record<string, number>>,
  reference: Readonly<Record<string, number>> = SPEC_BUDGETS_1_5B_GPU_US,
): BudgetTable {
  const s = calibrationScale(measured, reference);
  const out: Record<string, TokenBudget> = {};
  for (const [k, v] of Object.entries(reference)) out[k] = TokenBudget.fromMicros(v * s);
  return Object.freeze(out);
}
