import { Command, CommanderError } from 'commander';
import { registerBench } from './commands/bench.js';
import { registerBenchServe } from './commands/bench-serve.js';
import { registerChat } from './commands/chat.js';
import { registerCheck } from './commands/check.js';
import { registerCp } from './commands/cp.js';
import { registerImport } from './commands/import.js';
import { registerInfo } from './commands/info.js';
import { registerInspect } from './commands/inspect.js';
import { registerKeygen } from './commands/keygen.js';
import { registerList } from './commands/list.js';
import { registerPull } from './commands/pull.js';
import { registerRm } from './commands/rm.js';
import { registerRun } from './commands/run.js';
import { registerServe } from './commands/serve.js';
import { registerShow } from './commands/show.js';
import { registerSign } from './commands/sign.js';
import { registerTokenize } from './commands/tokenize.js';
import { registerTrust } from './commands/trust.js';
import { registerVerify } from './commands/verify.js';
import { CliError, reportError } from './cli-error.js';

/** Version printed by `apr --version`. */
export const APR_VERSION = '0.1.0';

/**
 * Runs the `apr` program with `argv` (without node and script path). Returns the exit code instead
 * of exiting, so tests can call it in-process; output goes to the given streams.
 */
export async function main(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; stdin?: NodeJS.ReadableStream & { isTTY?: boolean } } = {
    stdout: process.stdout,
    stderr: process.stderr,
  },
): Promise<number> {
  const verbose = argv.includes('--verbose');
  const program = new Command()
    .name('apr')
    .description('Run, inspect and serve local language models (GGUF)')
    .version(APR_VERSION)
    .option('--verbose', 'print stack traces and extra detail on errors')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  registerInspect(program, io);
  registerRun(program, io);
  registerChat(program, io);
  registerTokenize(program, io);
  registerBench(program, io);
  registerBenchServe(program, io);
  registerCheck(program, io);
  registerInfo(program, io);
  registerServe(program, io);
  registerList(program, io);
  registerShow(program, io);
  registerRm(program, io);
  registerCp(program, io);
  registerImport(program, io);
  registerPull(program, io);
  registerKeygen(program, io);
  registerSign(program, io);
  registerVerify(program, io);
  registerTrust(program, io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit with 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? 0 : 2;
    }
    reportError(err, io.stderr, verbose);
    return err instanceof CliError ? err.exitCode : 1;
  }
}
