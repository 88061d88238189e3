/**
 * `apr check MODEL [--ref llama.cpp]`: our logits against llama.cpp's on the same sequence (see
 * ../check/run-check.ts). Prints a per-position table and the verdict; exit 0 on PASS, 1 on FAIL.
 */
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { type CheckReport, DEFAULT_CHECK_PROMPT, DEFAULT_N_PREDICT, runCheck } from '../check/run-check.js';
import { table } from '../format.js';

/** Options as commander parses them. */
interface CheckFlags {
  ref: string;
  refModel?: string;
  prompt?: string;
  tokens?: string;
  nPredict: string;
  decodeLogits?: boolean;
  layers?: boolean;
  json?: boolean;
}

const REFERENCES = ['llama.cpp'];

function parseTokens(s: string): number[] {
  const parts = s.split(',').map((p) => p.trim());
  const ids = parts.map(Number);
  const bad = parts.findIndex((p, i) => p === '' || !Number.isInteger(ids[i]) || ids[i] < 0);
  if (bad >= 0) throw new CliError(`--tokens: expected comma-separated token ids, got ${JSON.stringify(parts[bad])} at item ${bad}`);
  return ids;
}

function parseCount(s: string, flag: string): number {
  const n = Number(s);
  if (!/^\d+$/.test(s.trim()) || !Number.isSafeInteger(n)) throw new CliError(`${flag}: expected an integer ≥ 0, got ${JSON.stringify(s)}`);
  return n;
}

const e2 = (x: number): string => (Number.isFinite(x) ? x.toExponential(1) : String(x));
/** A token for the table: id and its text, quoted, cut to 16 characters. */
function tok(r: CheckReport, id: number): string {
  let t = JSON.stringify(r.tokenText[id] ?? '');
  if (t.length > 16) t = `${t.slice(0, 14)}…"`;
  return `${id} ${t}`;
}

function printHuman(r: CheckReport, out: NodeJS.WritableStream): void {
  const l = r.logits;
  const scored = r.ourLogits === 'sequence' ? 'one pass over the sequence' : 'the decode (prefill + one step per token)';
  const lines = [
    `model:      ${r.model} (${r.arch}, vocab ${r.vocabSize})`,
    `reference:  ${r.reference}${r.referenceModel !== r.model ? ` on ${r.referenceModel}` : ''}`,
    `sequence:   ${r.promptTokens} prompt + ${r.nPredict} generated tokens (our greedy decode); our logits from ${scored}`,
    `generated:  ${JSON.stringify(r.generatedText)}`,
    '',
  ];
  out.write(`${lines.join('\n')}\n`);
  const rows = l.positions.map((p) => [
    String(p.position),
    tok(r, p.token),
    tok(r, p.oursTop),
    tok(r, p.refTop),
    e2(p.maxAbsDiff),
    !p.finite ? 'non-finite' : p.oursTop === p.refTop ? '' : p.nearTie ? `near-tie (gap ${e2(p.refGap)})` : 'DIFFERS',
  ]);
  out.write(table(['pos', 'token', 'ours top-1', 'llama.cpp top-1', 'max|Δlogit|', ''], rows));
  const t = r.tolerance;
  const summary = [
    '',
    `argmax agreement:            ${l.argmaxAgree}/${l.positions.length}${l.nearTies ? ` (+${l.nearTies} near-tie flips within ${e2(t.tieRel)}·max|logit|)` : ''}`,
    `max |Δlogit| / max |logit|:  ${e2(l.maxRelDiff)} (${e2(l.maxAbsDiff)} / ${l.maxAbsLogit.toFixed(3)})`,
    `NMSE:                        ${e2(l.nmse)} (tolerance ${e2(t.nmse)}; ${t.basis})`,
  ];
  if (!l.finite) summary.push(`non-finite logits:           ${l.nonFinite.ours} ours, ${l.nonFinite.ref} llama.cpp (left out of the numbers above)`);
  if (r.layers) {
    summary.push(`layers vs float64 reference (max rel error, tolerance ${e2(r.layers.tolerance)}):`);
    for (const x of r.layers.layers) summary.push(`  layer ${String(x.layer).padEnd(4)} ${e2(x.maxRelError)}${x.pass ? '' : '  over tolerance'}`);
    summary.push(`  logits     ${e2(r.layers.logitsMaxRelError)}`);
    if (r.layers.firstFailing !== null) summary.push(`  first layer over tolerance: ${r.layers.firstFailing}`);
  }
  const reasons = [...l.reasons];
  if (r.layers && !r.layers.pass) {
    reasons.push(r.layers.firstFailing !== null ? `layer ${r.layers.firstFailing} exceeds the float64 reference tolerance` : 'logits exceed the float64 reference tolerance');
  }
  summary.push(r.pass ? 'PASS' : `FAIL: ${reasons.join('; ')}`);
  out.write(`${summary.join('\n')}\n`);
}

/** Registers `apr check MODEL [--ref llama.cpp] [--prompt TEXT | --tokens IDS] [-n N] [--json] [--layers]`. */
export function registerCheck(program: Command, io: { stdout: NodeJS.WritableStream }): void {
  program
    .command('check')
    .description('compare our logits with llama.cpp on the same GGUF (greedy run, every position); exit 1 on mismatch')
    .argument('<model>', 'model file (GGUF)')
    .option('--ref <engine>', 'reference engine (node-llama-cpp must be installed)', 'llama.cpp')
    .option('--ref-model <file>', 'let the reference evaluate this file instead (e.g. the source of a converted copy)')
    .option('--prompt <text>', `prompt text (default ${JSON.stringify(DEFAULT_CHECK_PROMPT)}); BOS as the model's add_bos says`)
    .option('--tokens <ids>', 'prompt as comma-separated token ids instead of text')
    .option('-n, --n-predict <n>', 'tokens to generate greedily (never stops early)', String(DEFAULT_N_PREDICT))
    .option('--decode-logits', "compare the logits of our decode itself instead of re-scoring the sequence in one pass (about half the time)")
    .option('--layers', 'also compare every layer with a float64 reference forward and name the first one over tolerance')
    .option('--json', 'print one JSON object')
    .action(async (model: string, opts: CheckFlags) => {
      if (!REFERENCES.includes(opts.ref)) throw new CliError(`--ref: unknown reference '${opts.ref}' (supported: ${REFERENCES.join(', ')})`);
      if (opts.prompt !== undefined && opts.tokens !== undefined) throw new CliError('give either --prompt or --tokens, not both');
      const report = await runCheck({
        modelPath: model,
        referenceModelPath: opts.refModel,
        prompt: opts.prompt,
        tokens: opts.tokens !== undefined ? parseTokens(opts.tokens) : undefined,
        nPredict: parseCount(opts.nPredict, '--n-predict'),
        ourLogits: opts.decodeLogits ? 'decode' : 'sequence',
        layers: opts.layers,
      });
      if (opts.json) io.stdout.write(`${JSON.stringify(report)}\n`);
      else printHuman(report, io.stdout);
      // The report is already printed; the error only sets the exit code (and says why on stderr).
      if (!report.pass) throw new CliError(`check FAILED against ${report.reference}`, 1);
    });
}
