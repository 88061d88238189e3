/**
 * `runCheck`: the library behind `apr check` and the parity suite. Our greedy decode picks the
 * sequence, llama.cpp scores the same sequence, and the two sets of logits are compared
 * position by position (./logit-compare.ts); optionally every layer against the float64
 * reference (./layer-compare.ts).
 */
import { CliError } from '../cli-error.js';
import { loadForInference } from '../model-loader.js';
import { type GreedyRun, type OurLogitsMode, greedyRun } from './greedy-decode.js';
import { type LayerComparison, compareLayers } from './layer-compare.js';
import { LlamaCppReference } from './llama-cpp-reference.js';
import { type LogitComparison, compareLogits } from './logit-compare.js';
import { type CheckTolerance, toleranceFor } from './tolerance.js';

/** Prompt used when neither text nor token ids are given. */
export const DEFAULT_CHECK_PROMPT = 'Once upon a time, there was a little';
/** Tokens generated after the prompt by default. */
export const DEFAULT_N_PREDICT = 32;

/** Options of {@link runCheck}. */
export interface CheckOptions {
  /** The model we run. */
  readonly modelPath: string;
  /**
   * The file llama.cpp evaluates; default `modelPath`. A different file of the same shape and
   * vocabulary checks a rewritten copy against its source (and lets tests prove a mismatch fails).
   */
  readonly referenceModelPath?: string;
  /** Prompt text, tokenized with the model's tokenizer (BOS as its add_bos says). */
  readonly prompt?: string;
  /** Prompt token ids (instead of text). */
  readonly tokens?: readonly number[];
  /** Tokens to generate greedily (default 32). */
  readonly nPredict?: number;
  /** Which of our logits to compare (default 'sequence'). */
  readonly ourLogits?: OurLogitsMode;
  /** Also compare every layer against the float64 reference. */
  readonly layers?: boolean;
  /** Override bounds of the model's weight class (./tolerance.ts). */
  readonly tolerance?: Partial<Pick<CheckTolerance, 'nmse' | 'tieRel' | 'layerRel'>>;
  /** A loaded llama.cpp to reuse (the caller disposes it); default: load one for this call. */
  readonly reference?: LlamaCppReference;
  /** llama.cpp threads (default: its math cores); does not change its results. */
  readonly threads?: number;
}

/** What `apr check --json` prints. */
export interface CheckReport {
  readonly model: string;
  readonly referenceModel: string;
  /** What produced the reference logits. */
  readonly reference: string;
  readonly arch: string;
  readonly vocabSize: number;
  readonly prompt: string | null;
  readonly promptTokens: number;
  readonly nPredict: number;
  /** The whole compared sequence: prompt then our greedy tokens. */
  readonly tokens: number[];
  readonly generatedText: string;
  /** Text of every token id in `tokens` and in the per-position top-1s (for display). */
  readonly tokenText: Record<number, string>;
  readonly ourLogits: OurLogitsMode;
  /** The bounds applied and why. */
  readonly tolerance: CheckTolerance;
  readonly timingsMs: { load: number; decode: number; score: number; reference: number; layers?: number };
  readonly logits: LogitComparison;
  readonly layers?: LayerComparison;
  /** Logits PASS, and (with layers) every layer within tolerance. */
  readonly pass: boolean;
}

function promptTokens(opts: CheckOptions, encode: (text: string) => number[], vocab: number): number[] {
  if (opts.tokens && opts.prompt !== undefined) throw new CliError('give either a prompt or token ids, not both');
  const ids = opts.tokens ? [...opts.tokens] : encode(opts.prompt ?? DEFAULT_CHECK_PROMPT);
  if (ids.length === 0) throw new CliError('the prompt is empty after tokenization (and the model adds no BOS); give some text or --tokens');
  for (const [i, t] of ids.entries()) {
    if (!Number.isInteger(t) || t < 0 || t >= vocab) throw new CliError(`token ${i} (${t}) is not an id of this model (0..${vocab - 1})`);
  }
  return ids;
}

/** Runs the whole check (see the module comment) and returns the report; never prints. */
export async function runCheck(opts: CheckOptions): Promise<CheckReport> {
  const nPredict = opts.nPredict ?? DEFAULT_N_PREDICT;
  if (!Number.isSafeInteger(nPredict) || nPredict < 0) throw new CliError(`--n-predict must be an integer ≥ 0, got ${opts.nPredict}`);
  const mode = opts.ourLogits ?? 'sequence';
  const ours = loadForInference(opts.modelPath);
  const vocab = ours.model.config.vocabSize;
  const prompt = promptTokens(opts, (text) => ours.tokenizer.encode(text, { addSpecial: true }), vocab);

  // Load llama.cpp before the (slow) decode, so a missing package fails at once.
  const reference = opts.reference ?? (await LlamaCppReference.load());
  try {
    const run: GreedyRun = greedyRun(ours.model, prompt, nPredict, mode);
    const t0 = performance.now();
    const refLogits = await reference.logits(opts.referenceModelPath ?? opts.modelPath, run.tokens, vocab, opts.threads);
    const referenceMs = performance.now() - t0;
    const tolerance: CheckTolerance = { ...toleranceFor(ours.model), ...opts.tolerance };
    const logits = compareLogits(run.logits, refLogits, run.tokens, vocab, tolerance);

    let layers: LayerComparison | undefined;
    let layersMs: number | undefined;
    if (opts.layers) {
      const t1 = performance.now();
      layers = compareLayers(ours.model, run.tokens, tolerance.layerRel);
      layersMs = performance.now() - t1;
    }
    const tokenText: Record<number, string> = {};
    for (const id of [...run.tokens, ...logits.positions.flatMap((p) => [p.oursTop, p.refTop])]) {
      tokenText[id] ??= ours.tokenizer.decode([id], { unparseSpecial: true });
    }
    return {
      model: opts.modelPath,
      referenceModel: opts.referenceModelPath ?? opts.modelPath,
      reference: reference.description,
      arch: ours.model.arch,
      vocabSize: vocab,
      prompt: opts.tokens ? null : (opts.prompt ?? DEFAULT_CHECK_PROMPT),
      promptTokens: run.promptLength,
      nPredict,
      tokens: run.tokens,
      generatedText: ours.tokenizer.decode(run.generated),
      tokenText,
      ourLogits: mode,
      tolerance,
      timingsMs: { load: ours.loadMs, decode: run.decodeMs, score: run.scoreMs, reference: referenceMs, layers: layersMs },
      logits,
      layers,
      pass: logits.pass && (layers?.pass ?? true),
    };
  } finally {
    if (!opts.reference) await reference.dispose();
  }
}
