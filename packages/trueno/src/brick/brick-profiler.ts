/**
 * BrickProfiler: per-brick wall time of a forward pass, cheap enough to leave in the hot path.
 *
 * Use (the forward pass does this per brick; ids are registered once, so no strings are built
 * or looked up per token):
 *
 *   const p = opts.profiler?.enabled ? opts.profiler : undefined;  // one test per forward
 *   let t = p ? p.now() : 0;
 *   be.rmsNorm(...);            if (p) t = p.lap(ids.attnNorm, t, nTok);
 *   be.matmul(...) ×3;          if (p) t = p.lap(ids.qkv, t, nTok);
 *
 * `lap` records the time since `t` and returns the current time, so consecutive bricks share one
 * clock read and their times add up to the wall time of the pass (no gaps, no double counting).
 *
 * Cost. Without a profiler the forward pays one well-predicted branch per brick and allocates
 * nothing. A disabled profiler (`enabled = false`) also returns at once from every method. When
 * enabled a lap is one clock read (~45 ns with `performance.now()` on Node 20) plus a Welford
 * update and a histogram increment (Math.log2) — ≈ 60–100 ns per brick, measured by
 * brick-profiler.bench.test.ts; about 1% of a 1.5B layer's ~35 µs decode budget.
 *
 * Time source: `performance.now()` (ms as a double, scaled to ns). It reads the same monotonic
 * clock as `process.hrtime.bigint()` (libuv's uv_hrtime), costs the same (~35–50 ns), and has
 * sub-µs resolution in Node (≈ 30 ns steps observed), but returns a plain double: no BigInt
 * allocated per read and no BigInt→Number conversion. A custom clock can be injected for tests.
 *
 * GPU bricks: kernels are asynchronous, so a host clock read only means something after the
 * stream is idle. Pass `sync` (e.g. the CUDA backend's stream synchronize): the profiler calls it
 * before every clock read, giving sync → time → sync around each brick. No CUDA events: they
 * would time the device queue, not what a token costs end to end.
 */
import { type BudgetTable, layerBrickName } from './brick-budgets.js';
import { type BrickReport, type BrickReportOptions, buildBrickReport } from './brick-report.js';
import { BrickStats, type BrickSummary } from './brick-stats.js';

/** Options of {@link BrickProfiler}. */
export interface BrickProfilerOptions {
  /** Start enabled (default true). */
  readonly enabled?: boolean;
  /** Monotonic clock in nanoseconds (default: `performance.now() * 1e6`). */
  readonly clock?: () => number;
  /** Called before every clock read while enabled: the device synchronize of a GPU backend. */
  readonly sync?: () => void;
  /** Budgets used by {@link BrickProfiler.report} when none are passed there. */
  readonly budgets?: BudgetTable;
}

/** The default clock: `performance.now()` in ns (see the module comment for why not hrtime.bigint). */
export const defaultClock = (): number => performance.now() * 1e6;

/** Records brick times and summarizes them. Not thread-safe: one per thread or worker. */
export class BrickProfiler {
  /** While false every method returns at once and records nothing. */
  enabled: boolean;
  /** Budgets used by {@link report} by default. */
  budgets: BudgetTable | undefined;
  private readonly bricks: BrickStats[] = [];
  private readonly idByName = new Map<string, number>();
  private readonly layerTables = new Map<readonly string[], Int32Array>();
  private readonly nameTables = new Map<readonly string[], Int32Array>();
  private readonly clock: () => number;
  private readonly sync: (() => void) | undefined;

  constructor(opts: BrickProfilerOptions = {}) {
    this.enabled = opts.enabled ?? true;
    this.clock = opts.clock ?? defaultClock;
    this.sync = opts.sync;
    this.budgets = opts.budgets;
  }

  /** The id of brick `name`, registering it on first use (ids are dense, stable across {@link reset}). */
  register(name: string): number {
    let id = this.idByName.get(name);
    if (id === undefined) {
      id = this.bricks.length;
      this.bricks.push(new BrickStats(name));
      this.idByName.set(name, id);
    }
    return id;
  }

  /**
   * Ids of `'blk.<l>.<kind>'` for l < nLayers and each kind, at `[l * kinds.length + k]`. Cached by
   * the identity of `kinds` (pass a module constant), so per-token calls allocate nothing.
   */
  layerIds(nLayers: number, kinds: readonly string[]): Int32Array {
    let t = this.layerTables.get(kinds);
    if (t === undefined || t.length < nLayers * kinds.length) {
      t = new Int32Array(nLayers * kinds.length);
      for (let l = 0; l < nLayers; l++) {
        for (let k = 0; k < kinds.length; k++) t[l * kinds.length + k] = this.register(layerBrickName(l, kinds[k]));
      }
      this.layerTables.set(kinds, t);
    }
    return t;
  }

  /** Ids of `names` at the same indices, cached by the identity of `names` (pass a module constant). */
  ids(names: readonly string[]): Int32Array {
    let t = this.nameTables.get(names);
    if (t === undefined) {
      t = Int32Array.from(names, (n) => this.register(n));
      this.nameTables.set(names, t);
    }
    return t;
  }

  /** The clock in ns (after `sync`), or 0 when disabled. */
  now(): number {
    if (!this.enabled) return 0;
    if (this.sync !== undefined) this.sync();
    return this.clock();
  }

  /**
   * Closes a call of brick `id` that started at `t0` (ns, from {@link now} or a previous lap) and
   * covered `tokens` tokens, adding any time {@link split} set aside for it. Returns the current
   * time, the start of the next brick. Disabled: returns `t0`.
   */
  lap(id: number, t0: number, tokens = 1): number {
    if (!this.enabled) return t0;
    if (this.sync !== undefined) this.sync();
    const t = this.clock();
    const b = this.bricks[id];
    const ns = t - t0 + b.pendingNs;
    b.pendingNs = 0;
    b.add(ns, tokens);
    return t;
  }

  /**
   * Adds the time since `t0` to brick `id`'s open call without closing it, for a brick that runs in
   * pieces (the two residual adds of a layer are one `residual` call). Returns the current time.
   */
  split(id: number, t0: number): number {
    if (!this.enabled) return t0;
    if (this.sync !== undefined) this.sync();
    const t = this.clock();
    this.bricks[id].pendingNs += t - t0;
    return t;
  }

  /** Records a call measured elsewhere (e.g. a native kernel's own timer): `ns` for `tokens` tokens. */
  record(id: number, ns: number, tokens = 1): void {
    if (!this.enabled) return;
    this.bricks[id].add(ns, tokens);
  }

  /** Names of the bricks registered, in registration order. */
  names(): string[] {
    return this.bricks.map((b) => b.name);
  }

  /** Statistics of brick `name` (undefined if never registered). */
  stats(name: string): BrickSummary | undefined {
    const id = this.idByName.get(name);
    return id === undefined ? undefined : this.bricks[id].summary();
  }

  /** The raw accumulators, in registration order (for custom aggregation). */
  rawStats(): readonly BrickStats[] {
    return this.bricks;
  }

  /** Forgets every sample, keeping registered names and ids (e.g. after a warm-up). */
  reset(): void {
    for (const b of this.bricks) b.reset();
  }

  /** The report: per-brick (or per-kind) rows with budgets, scores, grades and the bottleneck. */
  report(opts: BrickReportOptions = {}): BrickReport {
    return buildBrickReport(this.bricks, { ...opts, budgets: opts.budgets ?? this.budgets });
  }
}
