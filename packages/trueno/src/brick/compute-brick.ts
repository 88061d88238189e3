/**
 * ComputeBrick: the unit of work the spec measures and judges. A brick is one operation of the
 * forward pass (a layer's QKV projection, its attention, …) with a name, a per-token time budget
 * and the assertions it must keep. The forward pass itself calls backend methods directly and
 * records brick times with a {@link BrickProfiler}; this interface is for bricks as standalone
 * objects: conformance tests, micro-benchmarks (`apr bench --brick`) and the cbtop view.
 */
import { type AssertionResult, type BrickAssertion, checkAssertion } from './brick-assertion.js';
import type { BrickProfiler } from './brick-profiler.js';
import type { TokenBudget } from './token-budget.js';

/** One operation with a budget and promises (DESIGN.md, "ComputeBrick"). */
export interface ComputeBrick<I, O> {
  /** `'<layer>.<brick>'` at run time, e.g. `'blk.3.qkv'`. */
  readonly name: string;
  /** µs per token (or tok/s); from the spec's table or calibration. */
  readonly budget: TokenBudget;
  /** Equivalent to the reference within tolerance, finite, budget met. */
  readonly assertions: BrickAssertion[];
  /** The hot path: no allocation (outputs go to buffers the brick or its input owns). */
  run(input: I): O;
}

/** A brick from its parts. */
export function defineBrick<I, O>(
  name: string,
  budget: TokenBudget,
  assertions: BrickAssertion[],
  run: (input: I) => O,
): ComputeBrick<I, O> {
  return { name, budget, assertions, run };
}

/**
 * `brick` with every run timed into `profiler` as `brick.name`, counting `tokens` tokens per run
 * (the brick's id is registered once here, so a run costs one branch when the profiler is
 * disabled and two clock reads when enabled).
 */
export function profiledBrick<I, O>(brick: ComputeBrick<I, O>, profiler: BrickProfiler, tokens = 1): ComputeBrick<I, O> {
  const id = profiler.register(brick.name);
  const inner = brick.run.bind(brick);
  return {
    name: brick.name,
    budget: brick.budget,
    assertions: brick.assertions,
    run(input: I): O {
      if (!profiler.enabled) return inner(input);
      const t0 = profiler.now();
      const out = inner(input);
      profiler.lap(id, t0, tokens);
      return out;
    },
  };
}

/** Options of {@link verifyBrick}. */
export interface VerifyBrickOptions<I> {
  /** The reference computation (e.g. the `ref` backend's) for `equivalent` assertions. */
  readonly reference?: (input: I) => ArrayLike<number>;
  /** Measured µs per token for `budget` assertions; default: the profiler's figure for the brick. */
  readonly actualMicrosPerToken?: number;
  /** Where to read the measured time from when `actualMicrosPerToken` is not given. */
  readonly profiler?: BrickProfiler;
  /** Count skipped assertions (missing evidence) as failures. Default false. */
  readonly strict?: boolean;
}

/** The outcome of {@link verifyBrick}. */
export interface BrickVerification {
  readonly name: string;
  /** No assertion failed (and, when strict, none was skipped). */
  readonly ok: boolean;
  readonly results: AssertionResult[];
}

/**
 * Runs `brick` on `input` once and checks each of its assertions. The reference runs first and
 * its output is copied, so a brick and reference that share an output buffer cannot mask each other.
 */
export function verifyBrick<I, O extends ArrayLike<number>>(
  brick: ComputeBrick<I, O>,
  input: I,
  opts: VerifyBrickOptions<I> = {},
): BrickVerification {
  const reference = opts.reference ? Float64Array.from(opts.reference(input)) : undefined;
  const output = brick.run(input);
  const actual = opts.actualMicrosPerToken ?? opts.profiler?.stats(brick.name)?.usPerToken;
  const results = brick.assertions.map((a) =>
    checkAssertion(a, { output, reference, actualMicrosPerToken: actual, budget: brick.budget }),
  );
  const ok = results.every((r) => r.status === 'pass' || (r.status === 'skip' && opts.strict !== true));
  return { name: brick.name, ok, results };
}
