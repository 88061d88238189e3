/**
 * The parity suite's cases and the shared llama.cpp instance. Every case goes through
 * `runCheck`, the library behind `apr check`.
 */
import { LlamaCppReference } from '../../src/check/llama-cpp-reference.js';
import type { OurLogitsMode } from '../../src/check/greedy-decode.js';

/** One model to check against llama.cpp. */
export interface ParityCase {
  /** Test subject, e.g. `tiny (qwen2) q8_0`. */
  readonly subject: string;
  readonly fid: string;
  /** A generator preset and type, or a fixture file name under shared/fixtures. */
  readonly preset?: string;
  readonly type?: string;
  readonly fixture?: string;
  readonly prompt?: string;
  readonly ourLogits: OurLogitsMode;
  /** Whether the top-1 must agree at every position with no near-tie allowance (small models). */
  readonly strictArgmax: boolean;
  /** Vitest timeout, ms. */
  readonly timeoutMs: number;
}

const tiny = (type: string): ParityCase => ({
  subject: `tiny (qwen2) ${type}`,
  fid: 'F-PARITY-1',
  preset: 'tiny',
  type,
  ourLogits: 'sequence',
  strictArgmax: true,
  timeoutMs: 90_000,
});

// qwen2.5-0.5b on the reference backend costs ~1.9 s (q8_0) / ~2.5 s (q4_k_m) per token plus
// 18 / 34 s to generate the file, so: the logits of the decode itself (no second pass over the
// sequence) and a one-token prompt; two types fit the 5-minute budget of this file, f32, f16
// and q4_0 do not (f16 matmuls are ~5× slower than q8_0 on the reference backend).
const qwen05 = (type: string): ParityCase => ({
  subject: `qwen2.5-0.5b ${type}`,
  fid: 'F-PARITY-2',
  preset: 'qwen2.5-0.5b',
  type,
  prompt: 'Hello',
  ourLogits: 'decode',
  // 24 layers of random weights: activation-rounding flips (see src/check/tolerance.ts) reorder
  // near-tied top-1s; the near-tie rule of apr check applies.
  strictArgmax: false,
  // ~100 s alone on 2 cores (the TS reference forward); the margin is for a CI machine that runs
  // another test process beside it.
  timeoutMs: 480_000,
});

/** Generated models, in run order. */
export const GENERATED_CASES: readonly ParityCase[] = [
  ...['f32', 'f16', 'q8_0', 'q4_0', 'q4_k_m'].map(tiny),
  { subject: 'llama-tiny f32', fid: 'F-PARITY-3', preset: 'llama-tiny', type: 'f32', ourLogits: 'sequence', strictArgmax: true, timeoutMs: 90_000 },
  { subject: 'llama-tiny q8_0', fid: 'F-PARITY-3', preset: 'llama-tiny', type: 'q8_0', ourLogits: 'sequence', strictArgmax: true, timeoutMs: 90_000 },
  ...['q8_0', 'q4_k_m'].map(qwen05),
];

/** Third-party fixtures (skipped with a reason when shared/fixtures is absent). */
export const FIXTURE_CASES: readonly ParityCase[] = [
  { subject: 'llama-2-tiny-random.gguf (f16, 32k SPM vocab)', fid: 'F-PARITY-4', fixture: 'llama-2-tiny-random.gguf', ourLogits: 'sequence', strictArgmax: true, timeoutMs: 60_000 },
  { subject: 'stories260K.gguf (trained llama)', fid: 'F-PARITY-4', fixture: 'stories260K.gguf', ourLogits: 'sequence', strictArgmax: true, timeoutMs: 60_000 },
];

/** llama.cpp for the whole file, or undefined (with the reason printed) when it cannot load. */
export async function loadReferenceOrSkip(): Promise<LlamaCppReference | undefined> {
  try {
    return await LlamaCppReference.load();
  } catch (e) {
    console.warn(`skipping llama.cpp parity tests: ${(e as Error).message}`);
    return undefined;
  }
}
