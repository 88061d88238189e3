/**
 * Parity with llama.cpp (node-llama-cpp's prebuilt CPU binary), through the library behind
 * `apr check`: our greedy decode of 32 tokens, then the logits of every position of prompt +
 * generated from both engines, compared with the tolerances of src/check/tolerance.ts. Covers
 * generated qwen2 and llama models in several weight types, a 24-layer qwen2.5-0.5b shape, and
 * two third-party fixtures; plus the stories260K greedy text oracle through the same decode.
 * Generated files live in a temp dir and are deleted after each test.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateModel } from '@sovereign/tools';
import { afterAll, describe, expect, it } from 'vitest';
import { greedyRun } from '../src/check/greedy-decode.js';
import { type CheckReport, runCheck } from '../src/check/run-check.js';
import { loadForInference } from '../src/model-loader.js';
import { FIXTURE_CASES, GENERATED_CASES, type ParityCase, loadReferenceOrSkip } from './parity/cases.js';

const fixtures = join(import.meta.dirname, '../../../../shared/fixtures');
const haveFixtures = existsSync(fixtures);
if (!haveFixtures) console.warn(`skipping fixture parity tests: ${fixtures} not found (../shared/fixtures is absent)`);

const reference = await loadReferenceOrSkip();
const dir = mkdtempSync(join(tmpdir(), 'apr-parity-'));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await reference?.dispose();
});

const N_PREDICT = 32;

/** One line per case for the log: the numbers the tolerances are judged on. */
function summary(c: ParityCase, r: CheckReport): string {
  const l = r.logits;
  const t = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(1)}s`;
  return (
    `${c.subject}: top-1 ${l.argmaxAgree}/${r.tokens.length} (+${l.nearTies} near-tie), ` +
    `max rel Δ ${l.maxRelDiff.toExponential(2)}, NMSE ${l.nmse.toExponential(2)} (≤ ${r.tolerance.nmse.toExponential(0)}), ` +
    `decode ${t(r.timingsMs.decode)} score ${t(r.timingsMs.score)} llama.cpp ${t(r.timingsMs.reference)}`
  );
}

async function checkCase(c: ParityCase, modelPath: string): Promise<void> {
  const r = await runCheck({ modelPath, reference, prompt: c.prompt, nPredict: N_PREDICT, ourLogits: c.ourLogits });
  console.log(summary(c, r));
  expect(r.nPredict).toBe(N_PREDICT);
  expect(r.tokens).toHaveLength(r.promptTokens + N_PREDICT);
  expect(r.logits.finite).toBe(true);
  expect(r.logits.nmse).toBeLessThanOrEqual(r.tolerance.nmse);
  if (c.strictArgmax) expect(r.logits.argmaxAgree).toBe(r.tokens.length);
  expect(r.logits.reasons).toEqual([]);
  expect(r.pass).toBe(true);
}

const invariant = (c: ParityCase): string =>
  c.strictArgmax
    ? `same top-1 as llama.cpp at every position of a ${N_PREDICT}-token greedy run and logit NMSE within tolerance`
    : `same top-1 as llama.cpp at every position of a ${N_PREDICT}-token greedy run except near-ties, and logit NMSE within tolerance`;

describe.skipIf(!reference)('parity with llama.cpp (node-llama-cpp, CPU)', () => {
  for (const c of GENERATED_CASES) {
    it(`${c.subject}: ${invariant(c)} [${c.fid}]`, { timeout: c.timeoutMs }, async () => {
      const path = join(dir, `${c.preset}-${c.type}.gguf`);
      try {
        await generateModel({ preset: c.preset!, type: c.type!, out: path });
        await checkCase(c, path);
      } finally {
        rmSync(path, { force: true });
      }
    });
  }

  for (const c of FIXTURE_CASES) {
    it.skipIf(!haveFixtures)(`${c.subject}: ${invariant(c)} [${c.fid}]`, { timeout: c.timeoutMs }, async () => {
      await checkCase(c, join(fixtures, c.fixture!));
    });
  }
});

describe.skipIf(!haveFixtures)('stories260K greedy oracle', () => {
  it('stories260K.gguf: greedy 200 tokens from BOS detokenize to exactly the recorded text [F-PARITY-5]', () => {
    const m = loadForInference(join(fixtures, 'stories260K.gguf'));
    const expected = readFileSync(join(fixtures, 'stories260K.expected-greedy-200.txt'), 'utf8');
    const run = greedyRun(m.model, [m.tokenizer.bos!], 200, 'decode');
    expect(run.generated).toHaveLength(200);
    expect(m.tokenizer.decode(run.generated)).toBe(expected);
  });
});
