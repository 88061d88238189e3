/**
 * Runs `apr check …` in-process with captured output. Goes through `main()` once main.ts
 * registers the command; until then through a program that registers only `check`, wired as
 * main wires commands (a CliError's exit code, commander usage errors → 2).
 */
import { Writable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { CliError, reportError } from '../../src/cli-error.js';
import { registerCheck } from '../../src/commands/check.js';
import { main } from '../../src/main.js';

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

/** Result of one in-process CLI run. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let viaMain: boolean | undefined;

/** True when `main()` knows the `check` command. */
async function mainHasCheck(): Promise<boolean> {
  if (viaMain === undefined) {
    const stderr = new Sink();
    await main(['check'], { stdout: new Sink(), stderr });
    viaMain = !/unknown command/.test(stderr.text);
  }
  return viaMain;
}

async function standalone(argv: string[], io: { stdout: Sink; stderr: Sink }): Promise<number> {
  const program = new Command().name('apr').exitOverride().configureOutput({
    writeOut: (s) => io.stdout.write(s),
    writeErr: (s) => io.stderr.write(s),
  });
  registerCheck(program, io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    reportError(err, io.stderr, false);
    return err instanceof CliError ? err.exitCode : 1;
  }
}

/** `apr check <args…>`. */
export async function aprCheck(...args: string[]): Promise<CliRun> {
  const io = { stdout: new Sink(), stderr: new Sink() };
  const argv = ['check', ...args];
  const code = (await mainHasCheck()) ? await main(argv, io) : await standalone(argv, io);
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}
