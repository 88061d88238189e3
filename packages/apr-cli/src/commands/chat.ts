import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { ChatSession, resolveChatTemplate } from '@sovereign/realizar';
import { loadForInference } from '../model-loader.js';
import { resolveModelFiles } from '../model-ref.js';
import { type GenerationFlags, addGenerationFlags, samplingParams } from '../sampling-options.js';
import { printTimings } from './run.js';

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; stdin?: NodeJS.ReadableStream };

const HELP = 'commands: /reset (forget the conversation), /exit (or Ctrl-D) to quit; Ctrl-C stops a reply';

/**
 * Registers `apr chat MODEL`: an interactive conversation with history. The KV cache of earlier
 * turns is reused, so each turn only evaluates the new message. Ctrl-C while the model is writing
 * stops that reply and keeps the session; at the prompt it only prints how to quit.
 */
export function registerChat(program: Command, io: Io): void {
  const cmd = program
    .command('chat')
    .description('interactive chat with history (/reset, /exit; Ctrl-C stops a reply)')
    .argument('<model>', 'model file (GGUF) or store reference (pulled when missing)')
    .option('--timings', 'print timings after each reply');
  addGenerationFlags(cmd, -1).action(async (model: string, flags: GenerationFlags & { timings?: boolean }) => {
    const m = loadForInference(await resolveModelFiles(model, { pull: true, io }), flags);
    const resolved = resolveChatTemplate(m.file, { override: flags.chatTemplate, tokenizer: m.tokenizer });
    if (resolved.warning) io.stderr.write(`apr: warning: ${resolved.warning}\n`);
    const chat = new ChatSession({
      session: m.model.createSession({ contextLength: flags.ctx }),
      tokenizer: m.tokenizer,
      template: resolved.template,
      system: flags.system,
    });
    const rl = createInterface({ input: io.stdin ?? process.stdin, output: io.stdout, terminal: (io.stdin ?? process.stdin) === process.stdin && process.stdin.isTTY });
    let abort: AbortController | undefined;
    rl.on('SIGINT', () => {
      if (abort) abort.abort();
      else io.stdout.write(`\n(${HELP})\n>>> `);
    });
    io.stderr.write(`loaded ${model} in ${m.loadMs.toFixed(0)} ms; ${HELP}\n`);
    const reply = async (line: string) => {
      abort = new AbortController();
      try {
        const gen = chat.send(line, { maxTokens: flags.maxTokens, sampling: samplingParams(flags), stop: flags.stop, signal: abort.signal });
        for (;;) {
          const next = await gen.next();
          if (next.done) {
            if (next.value.stopReason === 'abort') io.stdout.write(' [stopped]');
            io.stdout.write('\n');
            if (flags.timings) printTimings(next.value.timings, io.stderr);
            return;
          }
          io.stdout.write(next.value.text);
        }
      } catch (err) {
        io.stderr.write(`\napr: ${(err as Error).message.split('\n')[0]}\n`);
      } finally {
        abort = undefined;
      }
    };
    const prompt = () => io.stdout.write('>>> ');
    prompt();
    // The async iterator buffers lines that arrive while a reply is being written (piped input).
    for await (const raw of rl) {
      const line = raw.trim();
      if (line === '/exit' || line === '/bye') break;
      if (line === '/reset') {
        chat.reset();
        io.stdout.write('(conversation cleared)\n');
      } else if (line.startsWith('/')) {
        io.stdout.write(`unknown command ${line}; ${HELP}\n`);
      } else if (line !== '') {
        await reply(line);
      }
      prompt();
    }
    io.stdout.write('\n');
    rl.close();
  });
}
