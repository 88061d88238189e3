/** An error the CLI reports as one line (no stack) and exits with `exitCode`. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * Prints `err` as one line `apr: <message>` on stderr; with `verbose` the stack follows. Library errors
 * (typed subclasses of Error) carry messages written for users, so they are shown as they are.
 */
export function reportError(err: unknown, stderr: NodeJS.WritableStream, verbose: boolean): void {
  const e = err instanceof Error ? err : new Error(String(err));
  const firstLine = e.message.split('\n')[0];
  stderr.write(`apr: ${firstLine}\n`);
  if (verbose && e.stack) stderr.write(`${e.stack}\n`);
}
