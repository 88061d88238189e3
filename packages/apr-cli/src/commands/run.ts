import { text as readStream } from 'node:stream/consumers';
import type { Command } from 'commander';
import {
  ChatSession,
  type GenerateChunk,
  type GenerateResult,
  type GenerateTimings,
  generate,
  resolveChatTemplate,
} from '@sovereign/realizar';
import { CliError } from '../cli-error.js';
import { type LoadedModel, loadForInference } from '../model-loader.js';
import { resolveModelFiles } from '../model-ref.js';
import { type GenerationFlags, addGenerationFlags, samplingParams } from '../sampling-options.js';

interface RunFlags extends GenerationFlags {
  prompt?: string;
  chat?: boolean;
  json?: boolean;
  bos?: boolean;
}

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; stdin?: NodeJS.ReadableStream & { isTTY?: boolean } };

/** Prints llama.cpp-style timings (to stderr, so stdout stays the generated text). */
export function printTimings(t: GenerateTimings, out: NodeJS.WritableStream): void {
  const f = (x: number) => x.toFixed(2);
  const lines = [
    t.loadMs !== undefined ? `load time     = ${f(t.loadMs)} ms` : undefined,
    `prompt eval   = ${f(t.promptMs)} ms / ${t.promptTokenCount} tokens (${f(t.promptTokensPerSec)} tokens per second)`,
    `eval          = ${f(t.generateMs)} ms / ${t.generatedTokenCount} tokens (${f(t.tokensPerSec)} tokens per second)`,
  ];
  out.write(`\n${lines.filter(Boolean).join('\n')}\n`);
}

async function promptText(flags: RunFlags, io: Io): Promise<string> {
  if (flags.prompt !== undefined) return flags.prompt;
  const stdin = io.stdin ?? process.stdin;
  if (stdin.isTTY) throw new CliError('no prompt: give --prompt "..." or pipe text on stdin (echo hi | apr run MODEL)', 2);
  return (await readStream(stdin)).replace(/\r?\n$/, '');
}

/** Raw prompt → ids: BOS per the model's add_bos_token unless --bos/--no-bos says otherwise. */
function rawPromptTokens(m: LoadedModel, text: string, bos: boolean | undefined): number[] {
  const ids = m.tokenizer.encode(text, { addSpecial: false, parseSpecial: true });
  const wantBos = bos ?? m.tokenizer.addBos;
  if (wantBos) {
    if (m.tokenizer.bos === null) throw new CliError('--bos: this vocabulary has no BOS token');
    ids.unshift(m.tokenizer.bos);
  }
  if (ids.length === 0) throw new CliError('the prompt is empty and the model adds no BOS token: give a prompt or --bos');
  return ids;
}

/** Runs one generation, streaming text to `onText`; returns the result with load time filled in. */
export async function runOnce(
  m: LoadedModel,
  flags: RunFlags,
  text: string,
  onText: (s: string) => void,
  warn: (s: string) => void,
): Promise<GenerateResult> {
  const session = m.model.createSession({ contextLength: flags.ctx });
  const opts = {
    maxTokens: flags.maxTokens,
    sampling: samplingParams(flags),
    stop: flags.stop,
    loadMs: m.loadMs,
  };
  let gen: AsyncGenerator<GenerateChunk, GenerateResult>;
  if (flags.chat) {
    const resolved = resolveChatTemplate(m.file, { override: flags.chatTemplate, tokenizer: m.tokenizer });
    if (resolved.warning) warn(resolved.warning);
    const chat = new ChatSession({ session, tokenizer: m.tokenizer, template: resolved.template, system: flags.system });
    gen = chat.send(text, opts);
  } else {
    gen = generate(session, m.tokenizer, rawPromptTokens(m, text, flags.bos), opts);
  }
  for (;;) {
    const next = await gen.next();
    if (next.done) return { ...next.value, timings: { ...next.value.timings, loadMs: m.loadMs } };
    if (next.value.text) onText(next.value.text);
  }
}

/** Registers `apr run MODEL --prompt ...`. */
export function registerRun(program: Command, io: Io): void {
  const cmd = program
    .command('run')
    .description('generate text from a prompt (streams to stdout, timings to stderr)')
    .argument('<model>', 'model file (GGUF) or store reference (name:tag, hf://…; pulled when missing)')
    .option('-p, --prompt <text>', 'prompt text (default: read stdin)')
    .option('--chat', "wrap the prompt as a user message with the model's chat template")
    .option('--json', 'print one JSON object {text, tokens, promptTokens, stopReason, seed, timings} instead of streaming')
    .option('--bos', "prepend BOS even if the model's add_bos_token is false")
    .option('--no-bos', 'never prepend BOS');
  addGenerationFlags(cmd, 256).action(async (model: string, flags: RunFlags) => {
    const text = await promptText(flags, io);
    const m = loadForInference(await resolveModelFiles(model, { pull: true, io }), flags);
    const warn = (s: string) => io.stderr.write(`apr: warning: ${s}\n`);
    if (program.opts().verbose) io.stderr.write(`backend: ${m.backend.name}, ${m.backend.threads} thread(s) (${m.backend.reason})\n`);
    const result = await runOnce(m, flags, text, flags.json ? () => {} : (s) => io.stdout.write(s), warn);
    if (flags.json) {
      io.stdout.write(
        `${JSON.stringify({
          text: result.text,
          tokens: result.tokens,
          promptTokens: result.promptTokens,
          stopReason: result.stopReason,
          seed: result.seed,
          backend: m.backend.name,
          timings: result.timings,
        })}\n`,
      );
    } else {
      printTimings(result.timings, io.stderr);
      if (program.opts().verbose) io.stderr.write(`stop reason: ${result.stopReason}, seed: ${result.seed}\n`);
    }
  });
}
