/**
 * The llama-bench protocol, engine-agnostic: which tests run (`pp<P>`, `tg<N>`), the warm-up, the
 * repetitions, the random token ids and the statistics. Every engine (ours, node-llama-cpp) runs
 * through this one driver, so both sides are measured the same way in the same run.
 *
 * As llama-bench: pp<P> is one batched forward of P tokens from an empty KV cache; tg<N> is N
 * single-token forwards from an empty KV cache (the first of them is the start token), each
 * waiting for its result. Token ids are random (tokenization and sampling are not measured); the
 * rate of a repetition is tokens / seconds, and the result is the mean ± sample stddev of the rates.
 * One warm-up repetition of each test runs first and is discarded: it pays for page faults on the
 * weights, allocator growth and, for us, JIT compilation of both the batched and the 1-token path.
 */
import { type SampleSummary, randomTokens, summarize } from './stats.js';

/** An engine the driver can time. Both calls start from an empty KV cache. */
export interface TimedEngine {
  /** Short id printed in progress lines and tables, e.g. `apr/ref`, `node-llama-cpp`. */
  readonly name: string;
  /** Milliseconds of one batched forward of `tokens` (logits of the last token only). */
  timePrompt(tokens: readonly number[]): Promise<number>;
  /** Milliseconds of `tokens.length` forwards of one token each, in order. */
  timeGenerate(tokens: readonly number[]): Promise<number>;
}

/** What to run. */
export interface BenchPlan {
  /** Prompt tokens of the pp test (0: no pp test). */
  readonly nPrompt: number;
  /** Generated tokens of the tg test (0: no tg test). */
  readonly nGen: number;
  /** Measured repetitions (the warm-up is extra). */
  readonly reps: number;
  /** Vocabulary size: token ids are drawn from [0, vocab). */
  readonly vocab: number;
  /** Seed of the token ids; repetition r uses seed + r, identically for every engine. */
  readonly seed: number;
}

/** One test's measurement. */
export interface TestResult {
  /** `pp512`, `tg128`. */
  readonly test: string;
  readonly kind: 'pp' | 'tg';
  readonly nTokens: number;
  /** Tokens per second of each measured repetition. */
  readonly samples: readonly number[];
  /** Statistics of {@link samples}. */
  readonly summary: SampleSummary;
}

/** The tests of a plan, in llama-bench order (pp first). */
export function planTests(plan: Pick<BenchPlan, 'nPrompt' | 'nGen'>): Array<{ test: string; kind: 'pp' | 'tg'; nTokens: number }> {
  const out: Array<{ test: string; kind: 'pp' | 'tg'; nTokens: number }> = [];
  if (plan.nPrompt > 0) out.push({ test: `pp${plan.nPrompt}`, kind: 'pp', nTokens: plan.nPrompt });
  if (plan.nGen > 0) out.push({ test: `tg${plan.nGen}`, kind: 'tg', nTokens: plan.nGen });
  return out;
}

/** Progress callback: one line per repetition (written to stderr by the command). */
export type ProgressFn = (line: string) => void;

/** Runs every test of `plan` on `engine`: one discarded warm-up, then `plan.reps` timed repetitions. */
export async function runBench(engine: TimedEngine, plan: BenchPlan, progress: ProgressFn = () => {}): Promise<TestResult[]> {
  const results: TestResult[] = [];
  for (const t of planTests(plan)) {
    const samples: number[] = [];
    for (let rep = -1; rep < plan.reps; rep++) {
      const label = rep < 0 ? 'warm-up' : `rep ${rep + 1}/${plan.reps}`;
      progress(`${engine.name}: ${t.test} ${label} ...`);
      // Warm-up uses its own ids (seed - 1) so that no measured repetition repeats its inputs.
      const tokens = randomTokens(t.nTokens, plan.vocab, plan.seed + rep);
      const ms = t.kind === 'pp' ? await engine.timePrompt(tokens) : await engine.timeGenerate(tokens);
      const rate = (1000 * t.nTokens) / ms;
      progress(`${engine.name}: ${t.test} ${label}: ${rate.toFixed(2)} tok/s (${ms.toFixed(1)} ms)`);
      if (rep >= 0) samples.push(rate);
    }
    results.push({ test: t.test, kind: t.kind, nTokens: t.nTokens, samples, summary: summarize(samples) });
  }
  return results;
}
